package org.tonle.pipelines.imports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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
                "inbox:" + office + "/" + shown(name), file.getFileLength());
        try (InputStream in = exchange.getIn().getBody(InputStream.class)) {
            importer.run(job, imports.open(in, format, mapping, Map.of("office", office)), "inbox:" + office, Set.of(office));
        } catch (RuntimeException | IOException e) {
            // Reported, never rethrown: a failed exchange would leave the raw file behind.
            job.finish(e.getMessage());
        }
        String shown = shown(name);
        ImportJob.View view = job.view().from("inbox:" + office + "/" + shown);
        boolean failed = job.state() != ImportJob.State.DONE || job.rejected() > 0;
        Path reports = inbox.resolve(office).resolve(failed ? "failed" : "done");
        Files.createDirectories(reports);
        // Written aside and moved into place, so whoever watches the folder never reads half a report.
        Path report = reports.resolve(shown + ".report.json");
        Path partial = reports.resolve("." + shown + ".report.json.part");
        JSON.writeValue(partial.toFile(), view);
        Files.move(partial, report, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log.info("Inbox {}: {} -> {} ({} accepted, {} duplicates, {} rejected)", office, shown, failed ? "failed" : "done",
                view.accepted(), view.duplicates(), view.rejected());
    }

    /** The file's name with the case codes of the subjects known now replaced. */
    private String shown(String name) {
        return name.length() > CaseCodes.MAX_TEXT_LENGTH ? "(a file name too long to show)" : codes.redact(List.of(name), Set.of()).get(0);
    }

    private String mappingOf(String fileName) {
        String[] parts = fileName.split("\\.");
        String extension = parts[parts.length - 1];
        return parts.length >= 3 && (extension.equalsIgnoreCase("csv") || extension.equalsIgnoreCase("xlsx")) && imports.hasMapping(parts[parts.length - 2])
                ? parts[parts.length - 2] : null;
    }

}
