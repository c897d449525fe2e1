package org.tonle.core.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Yearly targets and baselines of indicators, from {@code <config>/targets.yaml}:
 *
 * <pre>
 * targets:
 *   social.clients_met:
 *     2015: {target: 1800, baseline: 1500}
 * </pre>
 */
public final class Targets {

    /** The target and baseline of one indicator for one year; either may be absent. */
    public record Target(Double target, Double baseline) {
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Map<String, Map<Integer, Target>> byIndicator;

    private Targets(Map<String, Map<Integer, Target>> byIndicator) {
        this.byIndicator = byIndicator;
    }

    public static Targets none() {
        return new Targets(Map.of());
    }

    /** Reads {@code targets.yaml} of a config directory; no file means no targets. */
    public static Targets load(Path directory) {
        Path file = directory.resolve("targets.yaml");
        if (!Files.exists(file)) {
            return none();
        }
        Map<String, Map<String, Map<String, Map<String, Double>>>> tree;
        try {
            tree = YAML.readValue(file.toFile(), new TypeReference<>() { });
        } catch (IOException e) {
            throw new ConfigException(file + ": " + e.getMessage().lines().findFirst().orElse("cannot be read"));
        }
        Map<String, Map<Integer, Target>> result = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        if (tree != null && tree.get("targets") != null) {
            tree.get("targets").forEach((code, years) -> {
                Map<Integer, Target> perYear = new TreeMap<>();
                (years == null ? Map.<String, Map<String, Double>>of() : years).forEach((year, values) -> {
                    if (!year.matches("\\d{4}")) {
                        problems.add(code + ": '" + year + "' is not a year (2015)");
                        return;
                    }
                    values = values == null ? Map.of() : values;
                    for (Map.Entry<String, Double> e : values.entrySet()) {
                        if (!e.getKey().equals("target") && !e.getKey().equals("baseline")) {
                            problems.add(code + " " + year + ": '" + e.getKey() + "' is not target or baseline");
                        } else if (e.getValue() == null || e.getValue() < 0) {
                            problems.add(code + " " + year + ": " + e.getKey() + " must be a number of at least 0");
                        }
                    }
                    perYear.put(Integer.parseInt(year), new Target(values.get("target"), values.get("baseline")));
                });
                result.put(code, perYear);
            });
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(file + ": " + String.join("; ", problems));
        }
        return new Targets(result);
    }

    public Optional<Target> of(String indicator, int year) {
        return Optional.ofNullable(byIndicator.getOrDefault(indicator, Map.of()).get(year));
    }
}
