package org.tonle.programmes;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.ConvertBodyDefinition;
import org.apache.camel.model.ExpressionNode;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RemoveHeaderDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.SetHeaderDefinition;
import org.apache.camel.model.SetPropertyDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.model.language.ExpressionDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.osgi.framework.Bundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tonle.core.declaration.Programme;
import org.tonle.pipelines.RouteErrors;
import org.tonle.programme.api.IntakeTranslator;

/**
 * Loads the Camel routes a programme bundle names in its declaration ({@code routes:}), with
 * the YAML DSL, when the programme goes live, and removes them when it is withdrawn.
 *
 * <p>A programme's route runs inside the host, so it is held to what the host allows before it
 * starts: it may read from and write to folders under {@code <data>/intake/} ({@code file:}; not
 * the rest of the data directory, which holds the warehouse, the key and the deploy folder) and
 * hand submissions to the intake endpoint ({@value IntakeTranslator#ENDPOINT}), and it may only
 * set or remove headers and properties with constants or copies of other headers, and convert
 * the body. No beans, processors, scripts, logs (which could write a raw case code) or other
 * components. The YAML file may hold nothing but routes. Anything else refuses the whole
 * programme, with the reason.
 */
public final class ProgrammeRoutes {

    /** The property a route uses for the data directory: {@code file:{{tonle.data}}/intake/hotline}. */
    public static final String DATA_PROPERTY = "tonle.data";
    private static final Logger LOG = LoggerFactory.getLogger(ProgrammeRoutes.class);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<Class<?>> ALLOWED_STEPS = Set.of(ToDefinition.class, SetHeaderDefinition.class,
            SetPropertyDefinition.class, RemoveHeaderDefinition.class, ConvertBodyDefinition.class);
    private static final Set<String> ALLOWED_LANGUAGES = Set.of("constant", "header", "exchangeProperty");

    private final CamelContext camel;
    private final Path intake;
    private final Path secrets;
    private final Map<Long, List<String>> routesByBundle = new ConcurrentHashMap<>();

    public ProgrammeRoutes(CamelContext camel, Path data) {
        this(camel, data, data.resolve("secrets"));
    }

    /** @param secrets the node's secrets folder: no route may reach into it, whatever else allows */
    public ProgrammeRoutes(CamelContext camel, Path data, Path secrets) {
        this.camel = camel;
        this.intake = data.toAbsolutePath().normalize().resolve("intake");
        this.secrets = secrets.toAbsolutePath().normalize();
    }

    /** Sets {@value #DATA_PROPERTY} for route files; call before the context starts. */
    public static void configure(CamelContext camel, Path data) {
        camel.getPropertiesComponent().addInitialProperty(DATA_PROPERTY, data.toAbsolutePath().normalize().toString());
    }

    /**
     * Loads and checks the programme's routes without starting anything, so that a programme
     * whose routes are refused never goes live, even for a moment.
     *
     * @throws RouteRefused with the reason, when a route cannot be loaded or is not allowed
     */
    public List<RouteDefinition> prepare(Bundle bundle, Programme programme) throws RouteRefused {
        List<RouteDefinition> definitions = new ArrayList<>();
        for (String file : programme.routes()) {
            definitions.addAll(load(bundle, programme, file));
        }
        return definitions;
    }

    /** Starts prepared routes, all or none. */
    public void start(Bundle bundle, Programme programme, List<RouteDefinition> definitions) throws RouteRefused {
        if (definitions.isEmpty()) {
            return;
        }
        List<String> ids = definitions.stream().map(RouteDefinition::getRouteId).toList();
        try {
            ((ModelCamelContext) camel).addRouteDefinitions(definitions);
        } catch (Exception e) {
            removeRoutes(ids);
            throw new RouteRefused("its routes cannot start: " + e.getMessage());
        }
        routesByBundle.put(bundle.getBundleId(), ids);
        LOG.info("Programme {} started its routes {}", programme.id(), ids);
    }

    /** Stops and removes the routes a bundle's programme started; its files stay where they are. */
    public void stop(Bundle bundle) {
        List<String> ids = routesByBundle.remove(bundle.getBundleId());
        if (ids != null) {
            removeRoutes(ids);
            LOG.info("Routes {} of bundle {} removed", ids, bundle.getSymbolicName());
        }
    }

    /** The routes live for a bundle, for the programme view. */
    public List<String> routes(long bundleId) {
        return routesByBundle.getOrDefault(bundleId, List.of());
    }

    private void removeRoutes(List<String> ids) {
        for (String id : ids) {
            try {
                if (camel.getRoute(id) != null) {
                    camel.getRouteController().stopRoute(id);
                    camel.removeRoute(id);
                }
            } catch (Exception e) {
                LOG.warn("Cannot remove route {}: {}", id, e.getMessage());
            }
        }
    }

    private List<RouteDefinition> load(Bundle bundle, Programme programme, String file) throws RouteRefused {
        URL entry = bundle.getEntry(file);
        if (entry == null) {
            throw new RouteRefused("route file " + file + " is not in the bundle");
        }
        byte[] text;
        try (InputStream in = entry.openStream()) {
            text = in.readAllBytes();
        } catch (IOException e) {
            throw new RouteRefused("route file " + file + " cannot be read: " + e.getMessage());
        }
        return definitions(programme.id(), file, text);
    }

    /** The checked, renamed route definitions of one route file; nothing is added to Camel yet. */
    List<RouteDefinition> definitions(String programmeId, String file, byte[] text) throws RouteRefused {
        onlyRoutes(file, text);
        List<RouteDefinition> definitions = new ArrayList<>();
        try {
            Resource resource = ResourceHelper.fromBytes(file, text);
            for (RoutesBuilder builder : PluginHelper.getRoutesLoader(camel).findRoutesBuilders(resource)) {
                if (!(builder instanceof RouteBuilder routeBuilder)) {
                    throw new RouteRefused(file + " is not a YAML DSL route file");
                }
                definitions.addAll(routeBuilder.configureRoutes(camel).getRoutes());
            }
        } catch (RouteRefused e) {
            throw e;
        } catch (Exception e) {
            throw new RouteRefused("route file " + file + " cannot be loaded: " + e.getMessage());
        }
        int n = 0;
        for (RouteDefinition route : definitions) {
            n++;
            String local = route.getRouteId() == null ? file.replaceAll(".*/", "") + "-" + n : route.getRouteId();
            // Prefixed with the programme id, so no programme can replace a host route or another programme's.
            String id = programmeId + "." + local;
            if (camel.getRoute(id) != null) {
                throw new RouteRefused("route " + id + " (" + file + ") is already running");
            }
            route.setId(id);
            check(route, file);
            route.errorHandler(RouteErrors.quiet());
        }
        return definitions;
    }

    /** A route file holds routes and nothing else (no beans, REST, templates or configurations). */
    private static void onlyRoutes(String file, byte[] text) throws RouteRefused {
        JsonNode tree;
        try {
            tree = YAML.readTree(text);
        } catch (IOException e) {
            throw new RouteRefused("route file " + file + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (tree == null || !tree.isArray()) {
            throw new RouteRefused("route file " + file + " must be a YAML list of '- route:' entries");
        }
        for (JsonNode item : tree) {
            if (!item.isObject() || item.size() != 1 || !item.has("route")) {
                throw new RouteRefused("route file " + file + " may only hold '- route:' entries; found "
                        + (item.isObject() ? "'" + String.join(", ", iterable(item)) + "'" : item.getNodeType().toString().toLowerCase()));
            }
        }
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private void check(RouteDefinition route, String file) throws RouteRefused {
        String where = "route " + route.getRouteId() + " (" + file + ")";
        String from = route.getInput() == null ? null : route.getInput().getEndpointUri();
        if (from == null) {
            throw new RouteRefused(where + " has no 'from'");
        }
        checkEndpoint(where, from, true);
        checkSteps(where, route.getOutputs());
    }

    private void checkSteps(String where, List<ProcessorDefinition<?>> steps) throws RouteRefused {
        for (ProcessorDefinition<?> step : steps) {
            if (!ALLOWED_STEPS.contains(step.getClass())) {
                throw new RouteRefused(where + " uses the step '" + step.getShortName() + "', which programme routes may not"
                        + " use (allowed: to, setHeader, setProperty, removeHeader, convertBodyTo)");
            }
            if (step instanceof ToDefinition to) {
                checkEndpoint(where, to.getEndpointUri(), false);
            }
            if (step instanceof ExpressionNode node && node.getExpression() != null) {
                checkLanguage(where, node.getExpression());
            }
            if (step instanceof SetHeaderDefinition || step instanceof SetPropertyDefinition) {
                ExpressionDefinition expression = step instanceof SetHeaderDefinition h ? h.getExpression()
                        : ((SetPropertyDefinition) step).getExpression();
                checkLanguage(where, expression);
            }
            checkSteps(where, step.getOutputs());
        }
    }

    private static void checkLanguage(String where, ExpressionDefinition expression) throws RouteRefused {
        if (expression != null && !ALLOWED_LANGUAGES.contains(expression.getLanguage())) {
            throw new RouteRefused(where + " uses the expression language '" + expression.getLanguage()
                    + "', which programme routes may not use (allowed: " + String.join(", ", ALLOWED_LANGUAGES) + ")");
        }
    }

    /**
     * Whether a folder is in the secrets folder, or leads there through a symbolic link (of the
     * folder or of any folder above it that exists).
     */
    private boolean inSecrets(Path path) {
        if (path.startsWith(secrets)) {
            return true;
        }
        Path secretsReal = secrets;
        try {
            if (Files.exists(secrets)) {
                secretsReal = secrets.toRealPath();
            }
            for (Path p = path; p != null; p = p.getParent()) {
                if (Files.exists(p)) {
                    Path real = p.toRealPath().resolve(p.relativize(path));
                    return real.startsWith(secretsReal) || real.startsWith(secrets);
                }
            }
        } catch (IOException e) {
            return true; // cannot tell where it leads: refused
        }
        return false;
    }

    /** The intake endpoint exactly, or a file endpoint on a folder under {@code <data>/intake/}. */
    private void checkEndpoint(String where, String uri, boolean consumer) throws RouteRefused {
        String resolved;
        try {
            resolved = camel.resolvePropertyPlaceholders(uri);
        } catch (RuntimeException e) {
            throw new RouteRefused(where + ": endpoint '" + uri + "' cannot be resolved: " + e.getMessage());
        }
        if (!consumer && resolved.equals(IntakeTranslator.ENDPOINT)) {
            return;
        }
        String refused = where + " uses the endpoint '" + uri + "'; programme routes may only use " + IntakeTranslator.ENDPOINT
                + " and file: folders under the node's intake folder ({{" + DATA_PROPERTY + "}}/intake/...)";
        if (!resolved.startsWith("file:")) {
            throw new RouteRefused(refused);
        }
        // Camel percent-decodes the path and the options before it uses them, so they are
        // checked decoded: "%2E%2E" is "..". Decoded until nothing changes (a "%252E" is "%2E"
        // after one round), so no number of encodings hides a step out of the folder.
        String rest = decoded(where, uri, resolved.substring("file:".length()));
        int query = rest.indexOf('?');
        String folder = query < 0 ? rest : rest.substring(0, query);
        try {
            Path path = Path.of(folder.startsWith("//") ? folder.substring(2) : folder).toAbsolutePath().normalize();
            if (!path.startsWith(intake) || path.equals(intake)) {
                throw new RouteRefused(refused);
            }
            if (inSecrets(path)) {
                throw new RouteRefused(where + " uses the endpoint '" + uri + "', which reaches the node's secrets folder; no route may");
            }
        } catch (InvalidPathException e) {
            throw new RouteRefused(refused);
        }
        if (query >= 0) {
            for (String option : rest.substring(query + 1).split("&")) {
                String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
                String value = option.contains("=") ? option.substring(option.indexOf('=') + 1) : "";
                if (name.equalsIgnoreCase("moveFailed")) {
                    // A file that fails is sealed by the host's intake endpoint; a copy moved aside
                    // would keep the raw case codes of a form in clear.
                    throw new RouteRefused(where + ": the endpoint option '" + option + "' is not allowed; files the host"
                            + " cannot read are kept sealed under the node's key in .failed/");
                }
                // move=, preMove=, fileName= ... must stay inside the folder: no way out, no expressions.
                if (value.contains("..") || value.startsWith("/") || value.contains("$")) {
                    throw new RouteRefused(where + ": the endpoint option '" + option + "' may not leave the folder or use"
                            + " expressions");
                }
            }
        }
    }

    private static String decoded(String where, String uri, String text) throws RouteRefused {
        String current = text;
        for (int round = 0; round < 8; round++) {
            String next;
            try {
                next = URLDecoder.decode(current.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new RouteRefused(where + ": endpoint '" + uri + "' holds a broken percent-encoding");
            }
            if (next.equals(current)) {
                return next;
            }
            current = next;
        }
        throw new RouteRefused(where + ": endpoint '" + uri + "' is percent-encoded too many times over");
    }

    /** Why a programme's routes were not started. */
    public static final class RouteRefused extends Exception {
        public RouteRefused(String message) {
            super(message);
        }
    }
}
