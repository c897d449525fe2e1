package org.tonle.pages;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;

import org.tonle.core.RequestRefused;

/**
 * The web pages (data entry, dashboard, programmes) at {@code /}: plain files from the host's
 * class path ({@code org/tonle/pages/web/}) and the chart library from its WebJar
 * ({@code /webjars/uplot/<version>/...}). Nothing is fetched from elsewhere at run time.
 * Every answer carries an ETag, so a phone on a weak connection revalidates with a 304 instead of
 * downloading the pages again; the versioned WebJar files are cached for a year.
 */
@Path("/")
@PermitAll
public final class PagesResource {

    private static final String PAGES = "org/tonle/pages/web/";
    private static final String WEBJARS = "META-INF/resources/webjars/";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json");

    private record Asset(byte[] bytes, String type, EntityTag tag, boolean immutable) {
    }

    /** Files found, read once (only found ones: a stream of made-up paths must not fill memory). */
    private final Map<String, Asset> cache = new ConcurrentHashMap<>();

    @GET
    public Response index(@Context Request request) {
        return serve(request, "index.html");
    }

    @GET
    @Path("{path: .+}")
    public Response file(@Context Request request, @PathParam("path") String path) {
        return serve(request, path);
    }

    private Response serve(Request request, String path) {
        if (path.startsWith("api/")) {
            throw new NotFoundException();   // an unknown API address answers as every other 404 does
        }
        Asset asset = cache.computeIfAbsent(path, p -> load(p).orElse(null));
        if (asset == null) {
            throw RequestRefused.notFound("there is no page /" + path);
        }
        CacheControl cacheControl = new CacheControl();
        if (asset.immutable()) {
            cacheControl.setMaxAge(365 * 24 * 3600);
        } else {
            cacheControl.setNoCache(true);
        }
        Response.ResponseBuilder notModified = request.evaluatePreconditions(asset.tag());
        if (notModified != null) {
            return notModified.cacheControl(cacheControl).build();
        }
        return Response.ok(asset.bytes(), asset.type()).tag(asset.tag()).cacheControl(cacheControl)
                .header("X-Content-Type-Options", "nosniff").build();
    }

    /** Only known file types under the two folders; no path can climb out of them. */
    private static Optional<Asset> load(String path) {
        if (path.contains("..") || path.contains("\\") || path.startsWith("/") || path.endsWith("/")) {
            return Optional.empty();
        }
        String type = TYPES.get(path.substring(path.lastIndexOf('.') + 1));
        if (type == null) {
            return Optional.empty();
        }
        boolean webjar = path.startsWith("webjars/");
        String resource = webjar ? WEBJARS + path.substring("webjars/".length()) : PAGES + path;
        try (InputStream in = PagesResource.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 12);
            return Optional.of(new Asset(bytes, type, new EntityTag(hash), webjar));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
