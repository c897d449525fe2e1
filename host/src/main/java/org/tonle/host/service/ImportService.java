package org.tonle.host.service;

import java.io.IOException;
import java.io.InputStream;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.tonle.core.RequestRefused;
import org.tonle.core.access.Caller;
import org.tonle.core.config.Role;
import org.tonle.pipelines.imports.ImportJob;
import org.tonle.pipelines.imports.Importer;
import org.tonle.pipelines.imports.Imports;
import org.tonle.warehouse.AuditLog;

/**
 * Import jobs over HTTP ({@code POST /api/v1/imports}): the body is read as a stream and goes
 * through the pipeline batch by batch while it arrives, so no file of any size is held in
 * memory or written to disk with its raw subject refs. {@code GET /api/v1/imports/{id}} shows
 * a job's progress from any other connection while it runs, and its counts and rejections after.
 */
public final class ImportService {

    public static final String XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /** Finished jobs are kept for looking up; the oldest leave beyond this many. */
    private static final int KEPT_JOBS = 200;

    private final Imports imports;
    private final Importer importer;
    private final AuditLog audit;
    private final Map<String, ImportJob> jobs = new ConcurrentHashMap<>();

    public ImportService(Imports imports, Importer importer, AuditLog audit) {
        this.imports = imports;
        this.importer = importer;
        this.audit = audit;
    }

    public ImportJob.View run(Caller caller, InputStream body, String contentType, String mapping, Long length) {
        Imports.Format format = format(contentType);
        ImportJob job = new ImportJob(format.name().toLowerCase(Locale.ROOT), caller.name(), "import", length);
        String source = "import:" + job.id();
        try {
            var records = imports.open(body, format, blankToNull(mapping), Map.of());
            jobs.put(job.id(), job);
            forgetOldJobs();
            importer.run(job, records, source, caller.officeScope());
        } catch (IllegalArgumentException e) {
            throw RequestRefused.invalid(e.getMessage());
        } catch (IOException e) {
            throw RequestRefused.invalid("the body could not be read: " + e.getMessage());
        }
        ImportJob.View view = job.view();
        audit.record(caller.name(), caller.role().id(), "write", "POST /api/v1/imports",
                "{\"job\":\"" + job.id() + "\",\"records\":" + view.records() + ",\"rejected\":" + view.rejected() + "}", view.accepted());
        return view;
    }

    public ImportJob.View job(Caller caller, String id) {
        ImportJob job = jobs.get(id);
        // Staff see their own jobs only; another's job is as absent as an unknown one.
        if (job == null || (caller.role() != Role.ADMIN && !job.principal().equals(caller.name()))) {
            throw RequestRefused.notFound("there is no import job " + id);
        }
        return job.view();
    }

    /** Running and recent jobs, newest first: a caller's own, or every job for an admin. */
    public List<ImportJob.View> jobs(Caller caller) {
        return jobs.values().stream()
                .filter(j -> caller.role() == Role.ADMIN || j.principal().equals(caller.name()))
                .map(ImportJob::view)
                .sorted(Comparator.comparing(ImportJob.View::startedAt).reversed())
                .toList();
    }

    private void forgetOldJobs() {
        if (jobs.size() <= KEPT_JOBS) {
            return;
        }
        jobs.values().stream().filter(j -> j.state() != ImportJob.State.RUNNING)
                .sorted(Comparator.comparing(j -> j.view().startedAt()))
                .limit(jobs.size() - KEPT_JOBS).toList()
                .forEach(j -> jobs.remove(j.id()));
    }

    private static Imports.Format format(String contentType) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith("text/csv")) {
            return Imports.Format.CSV;
        }
        if (type.startsWith(XLSX)) {
            return Imports.Format.XLSX;
        }
        if (type.startsWith(ActivityService.NDJSON) || type.startsWith("application/jsonl")) {
            return Imports.Format.NDJSON;
        }
        throw new RequestRefused(RequestRefused.Reason.UNSUPPORTED_FORMAT,
                "send an import as text/csv, " + XLSX + " or application/x-ndjson (the Content-Type was " + (contentType == null ? "missing" : contentType) + ")");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
