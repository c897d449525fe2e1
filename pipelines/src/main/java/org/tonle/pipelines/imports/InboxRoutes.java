package org.tonle.pipelines.imports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.file.GenericFile;
import org.tonle.pipelines.CaseCodes;

/**
 * A watched inbox per office, {@code <data>/inbox/<OFFICE>/}, for offices that deliver files
 * rather than call the API (a USB stick, a synced folder). Each file goes through the same
 * import as {@code bin/tonle import}, as records of that office only. Afterwards it moves to
 * {@code done/} when every record was stored (or already was), or to {@code failed/} when any
 * record was rejected or the file could not be read; a {@code <file>.report.json} there
 * names each rejected line, field and rule. The file itself is deleted once read, because it
 * holds raw case codes (DESIGN.md section 2); the office keeps its own copy. Fixing a failed
 * file and dropping it in again is safe: what was stored comes back as duplicates. A file named {@code x.<mapping>.csv} (or {@code .xlsx}) is read
 * through {@code <config>/mappings/<mapping>.yaml} (a KoboToolbox export, for instance).
 *
 * <p>A file is often named after what it holds ("PNH-C-0042 intake.csv"). Its name is repeated
 * (the job, the report's name and content, the log) only with the case codes of known subjects
 * replaced, as in a highlight's text ({@link CaseCodes}): once for the job, before the import,
 * and again for the report and the log, after it, when the file's own subjects are known.
 */
public final class InboxRoutes extends RouteBuilder {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    private final Path inbox;
    private final List<String> offices;
    private final Imports imports;
    private final Importer importer;
    private final CaseCodes codes;

    public InboxRoutes(Path inbox, List<String> offices, Imports imports, Importer importer, CaseCodes codes) {
        this.inbox = inbox;
        this.offices = offices;
        this.imports = imports;
        this.importer = importer;
        this.codes = codes;
    }

    @Override
    public void configure() throws Exception {
        for (String office : offices) {
            Path folder = inbox.resolve(office);
            Files.createDirectories(folder);
            // readLock=changed: a file still being copied in is left until its size stops changing.
            fromF("file:%s?antInclude=*.csv,*.xlsx,*.ndjson,*.jsonl&readLock=changed&readLockCheckInterval=500&readLockMinAge=500"
                    + "&delay=1000&delete=true", folder.toAbsolutePath())
                    .routeId("inbox-" + office)
                    .process(exchange -> importFile(exchange, office));
        }
    }

    private void importFile(Exchange exchange, String office) throws Exception {
        GenericFile<?> file = exchange.getIn().getBody(GenericFile.class);
        String name = file.getFileNameOnly();
        Imports.Format format = Imports.formatOf(name);
        String mapping = mappingOf(name);
        ImportJob job = new ImportJob(format.name().toLowerCase(Locale.ROOT), "inbox:" + office,
                "inbox:" + office + "/" + shown(name, Set.of()), file.getFileLength());
        try (InputStream in = exchange.getIn().getBody(InputStream.class)) {
            importer.run(job, imports.open(in, format, mapping, Map.of("office", office)), "inbox:" + office, Set.of(office));
        } catch (RuntimeException | IOException e) {
            // Reported, never rethrown: a failed exchange would leave the raw file behind.
            job.finish(e.getMessage());
        }
        // The file's own subjects count as known, rejected or not: the warehouse may never have learned them.
        String shown = shown(name, job.subjects());
        ImportJob.View view = job.view().from("inbox:" + office + "/" + shown);
        boolean failed = job.state() != ImportJob.State.DONE || job.rejected() > 0;
        try {
            Path reports = inbox.resolve(office).resolve(failed ? "failed" : "done");
            Files.createDirectories(reports);
            // Written aside and moved into place, so whoever watches the folder never reads half a report.
            String reportName = fitted(shown);
            Path report = reports.resolve(reportName + ".report.json");
            Path partial = reports.resolve("." + reportName + ".report.json.part");
            JSON.writeValue(partial.toFile(), view);
            Files.move(partial, report, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            // Logged, never rethrown: a failed exchange would leave the raw file behind, to be read again and again.
            log.error("Inbox {}: the report of {} could not be written ({})", office, shown, e.getClass().getSimpleName());
        }
        log.info("Inbox {}: {} -> {} ({} accepted, {} duplicates, {} rejected)", office, shown, failed ? "failed" : "done",
                view.accepted(), view.duplicates(), view.rejected());
    }

    /** The file's name with the case codes of known subjects, and of {@code alsoKnown}, replaced. */
    private String shown(String name, Set<UUID> alsoKnown) {
        return name.length() > CaseCodes.MAX_TEXT_LENGTH ? "(a file name too long to show)" : codes.redact(List.of(name), alsoKnown).get(0);
    }

    /**
     * A report's name from the shown name, short enough for the file system (255 bytes a name,
     * with room for the report's endings): a longer name is cut at a character and marked.
     */
    static String fitted(String shown) {
        int budget = MAX_REPORT_NAME_BYTES;
        if (shown.getBytes(StandardCharsets.UTF_8).length <= budget) {
            return shown;
        }
        StringBuilder cut = new StringBuilder();
        int bytes = "…".getBytes(StandardCharsets.UTF_8).length;
        for (int i = 0; i < shown.length(); ) {
            int cp = shown.codePointAt(i);
            int width = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + width > budget) {
                break;
            }
            cut.appendCodePoint(cp);
            bytes += width;
            i += Character.charCount(cp);
        }
        return cut.append('…').toString();
    }

    /** 255 bytes less the longest ending added ("." before, ".report.json.part" after). */
    static final int MAX_REPORT_NAME_BYTES = 255 - 1 - ".report.json.part".length();

    private String mappingOf(String fileName) {
        String[] parts = fileName.split("\\.");
        String extension = parts[parts.length - 1];
        return parts.length >= 3 && (extension.equalsIgnoreCase("csv") || extension.equalsIgnoreCase("xlsx")) && imports.hasMapping(parts[parts.length - 2])
                ? parts[parts.length - 2] : null;
    }

}
