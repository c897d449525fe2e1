package org.tonle.core.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Targets and baselines of indicators, from {@code <config>/targets.yaml}, for a year, a quarter
 * or a month, for the organisation and per office:
 *
 * <pre>
 * targets:
 *   social.clients_met:
 *     2015: {target: 1800, baseline: 1500, offices: {PNH: {target: 1100}, SHV: {target: 700}}}
 *     2015-Q3: {target: 450}
 *     2015-08: {target: 150}
 * </pre>
 *
 * An organisation's target that is not written is the sum of its offices' targets for that
 * period, when any office has one: offices plan their own work, headquarters adds them up.
 */
public final class Targets {

    /** The target and baseline of one indicator for one period; either may be absent. */
    public record Target(String period, String office, Double target, Double baseline) {
    }

    /** One period's entry of the file; {@code offices} may be left out. */
    record PeriodValues(Double target, Double baseline, Map<String, OfficeValues> offices) {
    }

    record OfficeValues(Double target, Double baseline) {
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Pattern PERIOD = Pattern.compile("\\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?");

    private final Map<String, Map<String, PeriodValues>> byIndicator;

    private Targets(Map<String, Map<String, PeriodValues>> byIndicator) {
        this.byIndicator = byIndicator;
    }

    public static Targets none() {
        return new Targets(Map.of());
    }

    /** Reads {@code targets.yaml} of a config directory; no file means no targets. */
    public static Targets load(Path directory) {
        Path file = directory.resolve(TargetsFile.FILE);
        if (!Files.exists(file)) {
            return none();
        }
        Map<String, Map<String, Map<String, PeriodValues>>> tree;
        try {
            tree = YAML.readValue(file.toFile(), new TypeReference<>() { });
        } catch (IOException e) {
            throw new ConfigException(file + ": " + e.getMessage().lines().findFirst().orElse("cannot be read"));
        }
        Map<String, Map<String, PeriodValues>> result = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        if (tree != null && tree.get("targets") != null) {
            tree.get("targets").forEach((code, periods) -> {
                Map<String, PeriodValues> perPeriod = new TreeMap<>();
                (periods == null ? Map.<String, PeriodValues>of() : periods).forEach((period, values) -> {
                    if (!PERIOD.matcher(period).matches()) {
                        problems.add(code + ": '" + period + "' is not a year (2015), a quarter (2015-Q3) or a month (2015-08)");
                        return;
                    }
                    values = values == null ? new PeriodValues(null, null, null) : values;
                    String where = code + " " + period;
                    checkNumber(problems, where, "target", values.target());
                    checkNumber(problems, where, "baseline", values.baseline());
                    Map<String, OfficeValues> offices = new TreeMap<>();
                    (values.offices() == null ? Map.<String, OfficeValues>of() : values.offices()).forEach((office, own) -> {
                        own = own == null ? new OfficeValues(null, null) : own;
                        checkNumber(problems, where + " office " + office, "target", own.target());
                        checkNumber(problems, where + " office " + office, "baseline", own.baseline());
                        offices.put(office, own);
                    });
                    perPeriod.put(period, new PeriodValues(values.target(), values.baseline(), offices));
                });
                result.put(code, perPeriod);
            });
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(file + ": " + String.join("; ", problems));
        }
        return new Targets(result);
    }

    private static void checkNumber(List<String> problems, String where, String name, Double value) {
        if (value != null && value < 0) {
            problems.add(where + ": " + name + " must be a number of at least 0");
        }
    }

    /**
     * The target written for exactly this period ({@code 2015}, {@code 2015-Q3}, {@code 2015-08}),
     * for one office or (office null) the organisation.
     */
    public Optional<Target> of(String indicator, String period, String office) {
        PeriodValues entry = byIndicator.getOrDefault(indicator, Map.of()).get(period);
        if (entry == null) {
            return Optional.empty();
        }
        if (office != null) {
            OfficeValues own = entry.offices().get(office);
            return own == null || (own.target() == null && own.baseline() == null) ? Optional.empty()
                    : Optional.of(new Target(period, office, own.target(), own.baseline()));
        }
        Double target = entry.target() != null ? entry.target() : sum(entry.offices().values().stream().map(OfficeValues::target).toList());
        Double baseline = entry.baseline() != null ? entry.baseline()
                : sum(entry.offices().values().stream().map(OfficeValues::baseline).toList());
        return target == null && baseline == null ? Optional.empty() : Optional.of(new Target(period, null, target, baseline));
    }

    /**
     * The target of this period, or else of the quarter or year around it (a month's figure is
     * then shown against its year's plan, without an achievement).
     */
    public Optional<Target> ofOrAround(String indicator, String period, String office) {
        Optional<Target> own = of(indicator, period, office);
        if (own.isPresent() || period.length() == 4) {
            return own;
        }
        String year = period.substring(0, 4);
        if (period.length() == 7 && Character.isDigit(period.charAt(5))) {
            int quarter = (Integer.parseInt(period.substring(5)) - 1) / 3 + 1;
            Optional<Target> ofQuarter = of(indicator, year + "-Q" + quarter, office);
            if (ofQuarter.isPresent()) {
                return ofQuarter;
            }
        }
        return of(indicator, year, office);
    }

    private static Double sum(List<Double> values) {
        List<Double> given = values.stream().filter(Objects::nonNull).toList();
        return given.isEmpty() ? null : given.stream().mapToDouble(Double::doubleValue).sum();
    }
}
