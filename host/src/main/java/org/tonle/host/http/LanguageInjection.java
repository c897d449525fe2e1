package org.tonle.host.http;

import java.util.function.Supplier;

import jakarta.inject.Inject;
import jakarta.inject.Provider;
import jakarta.ws.rs.core.HttpHeaders;

import org.glassfish.jersey.inject.hk2.AbstractBinder;
import org.glassfish.jersey.process.internal.RequestScoped;
import org.glassfish.jersey.server.ContainerRequest;

import org.tonle.core.i18n.Language;

/**
 * The one place that decides a request's language (docs/LANGUAGES.md): {@code ?lang=km}, else
 * the first language of {@code Accept-Language} that Tonle speaks ({@code km}, {@code km-KH}),
 * else English. Users have no stored language preference yet; when they do, it goes between
 * the header and the fallback, here. Resources take it as {@code @Context Language language}
 * and pass it to the services; the problem mappers ask {@link #of} with the same request.
 */
public final class LanguageInjection extends AbstractBinder {

    /** The query parameter that chooses the language over the header. */
    public static final String PARAMETER = "lang";

    @Override
    protected void configure() {
        bindFactory(FromRequest.class).to(Language.class).proxy(false).in(RequestScoped.class);
    }

    /** The request's language from its query parameter and header (either may be absent). */
    public static Language of(String parameter, String acceptLanguage) {
        return Language.of(parameter).or(() -> Language.ofAcceptLanguage(acceptLanguage)).orElse(Language.EN);
    }

    static Language of(ContainerRequest request) {
        return of(request.getUriInfo().getQueryParameters().getFirst(PARAMETER), request.getHeaderString(HttpHeaders.ACCEPT_LANGUAGE));
    }

    static final class FromRequest implements Supplier<Language> {

        private final Provider<ContainerRequest> request;

        @Inject
        FromRequest(Provider<ContainerRequest> request) {
            this.request = request;
        }

        @Override
        public Language get() {
            return of(request.get());
        }
    }
}
