package org.tonle.reports.iati;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.tonle.core.Dimensions;
import org.tonle.core.Json;
import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.config.ConfigException;
import org.tonle.core.config.Role;
import org.tonle.core.config.Targets;
import org.tonle.core.declaration.Indicator;
import org.tonle.core.declaration.Programme;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.indicators.Cell;
import org.tonle.warehouse.indicators.IndicatorService;

/**
 * IATI 2.03 activity XML: one activity per programme the caller may see, one result per
 * indicator, with the year's target and baseline (config/targets.yaml, when present), a period
 * for the year and one per month, and actuals by sex.
 *
 * <p>Figures come from {@link IndicatorService#values}, so a donor's export carries exactly
 * what the donor may read: a suppressed cell is never written. When any sex cell of a period
 * is suppressed the period shows only its total (the coarser figure), and a suppressed total
 * (a sensitive indicator) leaves the period without an actual.
 */
public final class IatiExport {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<String, String> SEX = Map.of("F", "female", "M", "male", "X", "other", "U", "unknown");

    /** config/iati.yaml. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Settings(@JsonProperty("reporting_org") Organisation reportingOrg,
                    @JsonProperty("recipient_country") String recipientCountry, String language) {
        Settings {
            reportingOrg = reportingOrg == null ? new Organisation("XX-TONLE", "22", "Tonle") : reportingOrg;
            language = language == null ? "en" : language;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Organisation(String ref, String type, String name) {
    }

    private final IndicatorService indicators;
    private final ProgrammeRegistry programmes;
    /** Where iati.yaml and targets.yaml are, read at every export so that an edit needs no restart. */
    private final Path configDirectory;
    private final AuditLog audit;

    /**
     * Only the configuration's folder is kept, not a copy of the configuration: what a caller may
     * see is their agreement as it stands (the caller), and the files are read at every export.
     */
    public IatiExport(IndicatorService indicators, ProgrammeRegistry programmes, Path configDirectory, AuditLog audit) {
        this.indicators = indicators;
        this.programmes = programmes;
        this.configDirectory = configDirectory;
        this.audit = audit;
    }

    /** Checks the year (400 otherwise) before anything is written. */
    public static int year(String year) {
        if (year == null || !year.matches("\\d{4}")) {
            throw RequestRefused.invalid("year: give a year as four digits (year=2015), not '" + year + "'");
        }
        return Integer.parseInt(year);
    }

    public void write(Caller caller, int year, OutputStream out) throws IOException {
        if (caller.role() != Role.ADMIN && caller.role() != Role.DONOR) {
            throw RequestRefused.notPermitted("the IATI export is for admins and donors");
        }
        Settings settings = read(configDirectory.resolve("iati.yaml"), Settings.class, new Settings(null, null, null));
        Targets targets = Targets.load(configDirectory);
        List<Programme> visible = programmes.programmes().stream().filter(p -> caller.maySee(p.id())).toList();
        try {
            XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeStartElement("iati-activities");
            xml.writeAttribute("version", "2.03");
            xml.writeAttribute("generated-datetime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            for (Programme programme : visible) {
                activity(xml, caller, settings, targets, programme, year);
            }
            xml.writeEndElement();
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write the IATI export: " + e.getMessage(), e);
        }
        audit.record(caller.name(), caller.role().id(), "export", "GET /api/v1/exports/iati",
                "{\"year\":" + year + ",\"programmes\":" + Json.write(visible.stream().map(Programme::id).toList()) + "}",
                (long) visible.size());
    }

    private void activity(XMLStreamWriter xml, Caller caller, Settings settings, Targets targets,
                          Programme programme, int year) throws XMLStreamException {
        Organisation org = settings.reportingOrg();
        xml.writeStartElement("iati-activity");
        xml.writeAttribute("xml", "http://www.w3.org/XML/1998/namespace", "lang", settings.language());
        xml.writeAttribute("default-currency", "USD");
        text(xml, "iati-identifier", org.ref() + "-" + programme.id());
        xml.writeStartElement("reporting-org");
        xml.writeAttribute("ref", org.ref());
        xml.writeAttribute("type", org.type());
        narrative(xml, org.name());
        xml.writeEndElement();
        xml.writeStartElement("title");
        narrative(xml, programme.name().toString());
        xml.writeEndElement();
        xml.writeStartElement("description");
        narrative(xml, programme.name() + " of " + org.name() + " (" + programme.department() + ")");
        xml.writeEndElement();
        xml.writeStartElement("participating-org");
        xml.writeAttribute("ref", org.ref());
        xml.writeAttribute("type", org.type());
        xml.writeAttribute("role", "4"); // implementing
        narrative(xml, org.name());
        xml.writeEndElement();
        empty(xml, "activity-status", "code", "2"); // implementation
        xml.writeEmptyElement("activity-date");
        xml.writeAttribute("type", "2"); // actual start
        xml.writeAttribute("iso-date", LocalDate.of(year, 1, 1).toString());
        if (settings.recipientCountry() != null) {
            xml.writeEmptyElement("recipient-country");
            xml.writeAttribute("code", settings.recipientCountry());
            xml.writeAttribute("percentage", "100");
        }
        for (Indicator indicator : programme.indicators()) {
            result(xml, caller, indicator, targets, year);
        }
        xml.writeEndElement();
    }

    private void result(XMLStreamWriter xml, Caller caller, Indicator indicator, Targets targets, int year)
            throws XMLStreamException {
        String months = year + "-01.." + year + "-12";
        boolean bySex = indicator.by().contains(Dimensions.SEX);
        Map<String, List<Cell>> yearCells = figures(caller, indicator, String.valueOf(year), bySex);
        Map<String, List<Cell>> monthCells = figures(caller, indicator, months, bySex);
        xml.writeStartElement("result");
        xml.writeAttribute("type", "1"); // output
        xml.writeAttribute("aggregation-status", "1");
        xml.writeStartElement("title");
        narrative(xml, indicator.name().toString());
        xml.writeEndElement();
        xml.writeStartElement("indicator");
        xml.writeAttribute("measure", "percent".equals(indicator.effectiveUnit()) ? "2" : "1");
        xml.writeAttribute("ascending", "1");
        xml.writeStartElement("title");
        narrative(xml, indicator.name().toString());
        xml.writeEndElement();
        xml.writeStartElement("description");
        narrative(xml, indicator.code() + " (" + indicator.effectiveUnit() + ")");
        xml.writeEndElement();
        Targets.Target target = targets.of(indicator.code(), String.valueOf(year), null).orElse(null);
        if (target != null && target.baseline() != null) {
            xml.writeEmptyElement("baseline");
            xml.writeAttribute("year", String.valueOf(year - 1));
            xml.writeAttribute("value", target.baseline().toString());
        }
        period(xml, LocalDate.of(year, 1, 1), LocalDate.of(year, 12, 31), target == null ? null : target.target(),
                yearCells.getOrDefault(String.valueOf(year), List.of()));
        for (int month = 1; month <= 12; month++) {
            LocalDate start = LocalDate.of(year, month, 1);
            String label = start.toString().substring(0, 7);
            Double monthTarget = targets.of(indicator.code(), label, null).map(Targets.Target::target).orElse(null);
            period(xml, start, start.plusMonths(1).minusDays(1), monthTarget, monthCells.getOrDefault(label, List.of()));
        }
        xml.writeEndElement();
        xml.writeEndElement();
    }

    /** Total cells under "", sex cells under their period, keyed by period label. */
    private Map<String, List<Cell>> figures(Caller caller, Indicator indicator, String period, boolean bySex) {
        Map<String, List<Cell>> byPeriod = new LinkedHashMap<>();
        for (Cell cell : indicators.values(caller, indicator.code(), List.of(period), null, List.of(), IndicatorService.APPROVED).cells()) {
            byPeriod.computeIfAbsent(cell.period(), p -> new ArrayList<>()).add(cell);
        }
        if (bySex) {
            for (Cell cell : indicators.values(caller, indicator.code(), List.of(period), null, List.of(Dimensions.SEX),
                    IndicatorService.APPROVED).cells()) {
                byPeriod.computeIfAbsent(cell.period(), p -> new ArrayList<>()).add(cell);
            }
        }
        return byPeriod;
    }

    /** A period: the target, the total, and the sex breakdown unless any of it is suppressed. */
    private static void period(XMLStreamWriter xml, LocalDate start, LocalDate end, Number target, List<Cell> cells)
            throws XMLStreamException {
        xml.writeStartElement("period");
        empty(xml, "period-start", "iso-date", start.toString());
        empty(xml, "period-end", "iso-date", end.toString());
        if (target != null) {
            empty(xml, "target", "value", target.toString());
        }
        Cell total = cells.stream().filter(c -> c.dimensions().isEmpty()).findFirst().orElse(null);
        if (total != null && !total.suppressed() && total.value() != null) {
            empty(xml, "actual", "value", total.value().toString());
            List<Cell> sexes = cells.stream().filter(c -> c.dimensions().containsKey(Dimensions.SEX)).toList();
            boolean whole = !sexes.isEmpty() && sexes.stream().noneMatch(c -> c.suppressed() || c.value() == null);
            if (whole) {
                for (Cell cell : sexes) {
                    String sex = cell.dimensions().get(Dimensions.SEX);
                    xml.writeStartElement("actual");
                    xml.writeAttribute("value", cell.value().toString());
                    xml.writeEmptyElement("dimension");
                    xml.writeAttribute("name", "sex");
                    xml.writeAttribute("value", SEX.getOrDefault(sex, sex));
                    xml.writeEndElement();
                }
            }
        }
        xml.writeEndElement();
    }

    private static void narrative(XMLStreamWriter xml, String text) throws XMLStreamException {
        text(xml, "narrative", text);
    }

    private static void text(XMLStreamWriter xml, String element, String text) throws XMLStreamException {
        xml.writeStartElement(element);
        xml.writeCharacters(text);
        xml.writeEndElement();
    }

    private static void empty(XMLStreamWriter xml, String element, String attribute, String value) throws XMLStreamException {
        xml.writeEmptyElement(element);
        xml.writeAttribute(attribute, value);
    }

    private static <T> T read(Path file, Class<T> type, T otherwise) {
        if (!Files.exists(file)) {
            return otherwise;
        }
        try {
            T value = YAML.readValue(file.toFile(), type);
            return value == null ? otherwise : value;
        } catch (IOException e) {
            throw new ConfigException(file + ": " + e.getMessage().lines().findFirst().orElse("cannot be read"));
        }
    }
}
