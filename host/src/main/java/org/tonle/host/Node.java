package org.tonle.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.tonle.analytics.AnalystSnapshots;
import org.tonle.analytics.AnalystWorkers;
import org.tonle.analytics.SqlSandbox;
import org.tonle.analytics.SqlService;
import org.tonle.analytics.flight.FlightSqlServer;
import org.tonle.core.config.Settings;
import org.tonle.core.config.TargetsFile;
import org.tonle.core.config.TonleConfig;
import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.host.api.ActivitiesResource;
import org.tonle.host.api.AnalyticsResource;
import org.tonle.host.api.AuditResource;
import org.tonle.host.api.BackupResource;
import org.tonle.host.api.ExportsResource;
import org.tonle.host.api.HealthResource;
import org.tonle.host.api.HighlightsResource;
import org.tonle.host.api.ImportsResource;
import org.tonle.host.api.IndicatorsResource;
import org.tonle.host.api.LanguageResource;
import org.tonle.host.api.MeResource;
import org.tonle.host.api.MetricsResource;
import org.tonle.host.api.OidcResource;
import org.tonle.host.api.OpenApiResource;
import org.tonle.host.api.PeriodsResource;
import org.tonle.host.api.ProgramsResource;
import org.tonle.host.api.RejectionsResource;
import org.tonle.host.api.ReportsResource;
import org.tonle.host.api.SessionResource;
import org.tonle.host.api.SignInOptionsResource;
import org.tonle.host.api.SqlResource;
import org.tonle.host.api.StatusResource;
import org.tonle.host.api.UsersResource;
import org.tonle.host.auth.AccessControl;
import org.tonle.host.auth.Accounts;
import org.tonle.host.auth.Authentication;
import org.tonle.host.auth.CallerInjection;
import org.tonle.host.auth.OidcSignIn;
import org.tonle.host.auth.UserFile;
import org.tonle.host.http.HttpServer;
import org.tonle.host.http.LanguageInjection;
import org.tonle.host.http.OutboxFullMapper;
import org.tonle.host.http.ServerKeys;
import org.tonle.host.service.ActivityService;
import org.tonle.host.service.AuditService;
import org.tonle.host.service.BackupService;
import org.tonle.host.service.DeploymentService;
import org.tonle.host.service.HighlightHolds;
import org.tonle.host.service.HighlightService;
import org.tonle.host.service.ImportService;
import org.tonle.host.service.ImportTemplate;
import org.tonle.host.service.LanguageService;
import org.tonle.host.service.PeriodService;
import org.tonle.host.service.PrincipalService;
import org.tonle.host.service.ProgrammeService;
import org.tonle.host.service.ProtectedNames;
import org.tonle.host.service.RejectionService;
import org.tonle.host.service.StatusService;
import org.tonle.host.transport.NodeTransport;
import org.tonle.pages.PagesResource;
import org.tonle.pipelines.CaseCodes;
import org.tonle.pipelines.GroupCommitWriter;
import org.tonle.pipelines.Ingest;
import org.tonle.pipelines.IngestRoutes;
import org.tonle.pipelines.OwnerOnly;
import org.tonle.pipelines.PeriodLock;
import org.tonle.pipelines.Pseudonymise;
import org.tonle.pipelines.Quarantine;
import org.tonle.pipelines.RouteErrors;
import org.tonle.pipelines.SubjectKeys;
import org.tonle.pipelines.Validate;
import org.tonle.pipelines.imports.Importer;
import org.tonle.pipelines.imports.Imports;
import org.tonle.pipelines.imports.InboxRoutes;
import org.tonle.pipelines.imports.RecordKeys;
import org.tonle.programmes.IntakeEndpoint;
import org.tonle.programmes.OsgiFramework;
import org.tonle.programmes.ProgrammeExtender;
import org.tonle.programmes.ProgrammeRoutes;
import org.tonle.programmes.RecordChecks;
import org.tonle.reports.MonthlyReportService;
import org.tonle.reports.ReportRenderer;
import org.tonle.reports.iati.IatiExport;
import org.tonle.warehouse.AnalyticsDictionary;
import org.tonle.warehouse.AuditLog;
import org.tonle.warehouse.DeadLetterStore;
import org.tonle.warehouse.Highlights;
import org.tonle.warehouse.KnownSubjects;
import org.tonle.warehouse.SubjectRefLengths;
import org.tonle.warehouse.LanguagePreferences;
import org.tonle.warehouse.NodeSettings;
import org.tonle.warehouse.Outbox;
import org.tonle.warehouse.Periods;
import org.tonle.warehouse.RecordOffices;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;
import org.tonle.warehouse.WarehouseKey;
import org.tonle.warehouse.backup.Secret;
import org.tonle.warehouse.indicators.DisclosureControl;
import org.tonle.warehouse.indicators.IndicatorCube;
import org.tonle.warehouse.indicators.IndicatorEngine;
import org.tonle.warehouse.indicators.IndicatorService;

/**
 * One Tonle node: configuration, the warehouse, the ingest pipeline, the OSGi framework with
 * the programme bundles, and the HTTP API, started in that order and stopped in reverse.
 */
public final class Node implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Node.class);
    private static final String KEY_FINGERPRINT = "subject_key_fingerprint";
    private static final String ID_NAMESPACE = "id_namespace";
    /** The longest the cube's warm-up waits for {@code /health}'s first ready answer. */
    private static final Duration WARM_UP_WAIT = Duration.ofSeconds(2);

    /**
     * How to start a node (the options of {@code bin/tonle serve}).
     *
     * @param bundles    the distribution's bundle folder
     * @param adminToken the token of an extra admin principal ({@code TONLE_ADMIN_TOKEN}), or null
     * @param deferReady  {@code /health} stays 503 after the start until {@link Node#ready()} is
     *                    called: the caller still loads what the node must answer from (the demo data)
     */
    public record Options(Path config, Path data, String host, int port, int flightPort, String office, Path bundles,
                          String adminToken, boolean deferReady) {

        public Options(Path config, Path data, String host, int port, int flightPort, String office, Path bundles,
                       String adminToken) {
            this(config, data, host, port, flightPort, office, bundles, adminToken, false);
        }
    }

    private final List<AutoCloseable> parts = new ArrayList<>();
    private final Options options;
    /** Replaced whole when offices.yaml or a deployment changes (DeploymentService). */
    private volatile TonleConfig config;
    private Warehouse warehouse;
    private ProgrammeRegistry registry;
    private AccessControl access;
    private Accounts accounts;
    private OidcSignIn oidc;
    private Ingest ingest;
    private PeriodService periodService;
    private HighlightService highlightService;
    private OsgiFramework osgi;
    private HttpServer http;
    private FlightSqlServer flight;
    private AnalyticsDictionary analyticsDictionary;
    /** Set once the programmes of the start are live and recorded together: from then on each change is recorded as it comes. */
    private volatile boolean programmeChangesRecorded;
    private final AtomicBoolean ready = new AtomicBoolean();
    /** Open once {@code /health} has first answered ready, or the node stops: the cube's warm-up waits for it. */
    private final CountDownLatch firstReadyAnswer = new CountDownLatch(1);

    private Node(Options options) {
        this.options = options;
    }

    static {
        // Jersey and Grizzly log through java.util.logging; send it where everything else goes.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    public static Node start(Options options) {
        Node node = new Node(options);
        try {
            node.startParts();
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void startParts() {
        long started = System.nanoTime();
        TonleConfig loaded = TonleConfig.load(options.config());
        config = options.office() == null ? loaded : loaded.forOffice(options.office());
        Path data = options.data();
        ownerOnly(data);
        // Encrypted at rest where tonle.yaml asks for it (warehouse.encryption), with a key outside the data folder.
        warehouse = Warehouse.open(data.resolve("tonle.duckdb"), config.settings().warehouse(),
                config.settings().sql(), WarehouseKey.configured(config.settings(), config.directory(), data, System::getenv));
        parts.add(warehouse::checkpoint);
        parts.add(warehouse::close);
        SubjectKeys keys = subjectKeys(data);

        analyticsDictionary = new AnalyticsDictionary(warehouse);
        registry = new ProgrammeRegistry();
        // Recorded as each programme changes once the programmes of the start are live; those are
        // recorded together, once (one write of the four instead of 1 + 2 + 3 + 4 of them at start).
        registry.onChange(entry -> {
            if (programmeChangesRecorded) {
                syncProgrammeDimension();
            }
        });
        // Felix with the distribution's bundles starts on a thread of its own while this one builds
        // Camel's context, the record store, the writer and the services the resources need, which
        // need nothing of it; the node joins it before the first part that does (docs/PERFORMANCE.md,
        // "Start to healthy").
        CompletableFuture<OsgiFramework> osgiStarting = CompletableFuture.supplyAsync(() -> OsgiFramework.start(data.resolve("felix-cache"),
                distributionBundles(), data.resolve("deploy"), registry, config.directory(), options.bundles()),
                task -> new Thread(task, "tonle-osgi-start").start());
        // A start failing before the join stops the framework once its start is over.
        AutoCloseable stopOsgiUnjoined = () -> closeStarted(osgiStarting);
        parts.add(0, stopOsgiUnjoined);
        CamelContext camel = new DefaultCamelContext();
        camel.getShutdownStrategy().setTimeout(10);
        ProgrammeRoutes.configure(camel, data);
        RecordStore store = new RecordStore(warehouse);
        parts.add(0, store);
        // Before anything can commit: the inbox, the intake and the bundles' routes start before the transport.
        Outbox outbox = NodeTransport.outbox(config.settings().transport(), warehouse, store);
        IndicatorCube cube = new IndicatorCube(warehouse);
        // The analyst snapshot (ad-hoc SQL) counts commits too, to know when it is behind.
        AnalystSnapshots snapshots = new AnalystSnapshots(warehouse, SqlSandbox.VIEWS, warehouse.spillFolder().resolve("analyst-snapshot"),
                config.settings().sql().snapshotMaxAge());
        parts.add(0, snapshots);
        store.onCommit(snapshots.counting(cube));
        CompletableFuture<Void> cubeRestored = new CompletableFuture<>();
        GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), config.settings().ingest().batchSize(),
                Clock.systemUTC(), afterStart(cubeRestored));
        // The cube of the last clean stop, where the warehouse has not changed since (docs/INDICATORS.md);
        // only now: the writer has just repaired facts after a crash (reconcile), which the cube does not follow.
        Path cubeFile = data.resolve("indicator-cube.bin");
        cube.restoreInBackground(cubeFile).whenComplete((done, failed) -> cubeRestored.complete(null));
        parts.add(0, cube);
        parts.add(0, () -> cube.persist(cubeFile));
        Periods periods = new Periods(warehouse);
        writer.periodLock(new PeriodLock(periods, new RecordOffices(warehouse)));
        // What the resources need is built before the framework is joined (none of it reads the
        // programmes or the bundles until a request comes), so that Jersey builds its application
        // beside Felix's start and the pipeline's (docs/PERFORMANCE.md, "Start to healthy"). The
        // pipeline's routes start below, before the port is bound: nothing sends to them before.
        ingest = new Ingest(camel, writer);
        ProgrammeRoutes routes = new ProgrammeRoutes(camel, data, secretsFolder(data));
        Imports imports = new Imports(registry, config.directory().resolve("mappings"), new RecordKeys(idNamespace(), keys));
        Importer importer = new Importer(ingest, config.settings().ingest().batchSize());
        parts.add(0, importer);
        access = AccessControl.watching(config.directory().resolve("access.yaml"), config.principals(), options.adminToken(),
                () -> config.withPrincipalsReloaded().principals());
        AuditLog audit = new AuditLog(warehouse);
        accounts = new Accounts(UserFile.in(config.directory()), audit,
                Duration.ofMinutes(config.settings().http().sessionIdleMinutes()));
        oidc = OidcSignIn.configure(config.settings().oidc(), secretsFolder(data), accounts, audit);
        BackupService backups = new BackupService(warehouse, writer, keyFile(data), warehouse.spillFolder().resolve("backup-staging"), audit);
        parts.add(0, backups);
        SqlService sql = startSql(audit, snapshots);
        IndicatorEngine engine = new IndicatorEngine(warehouse, registry, () -> config, cube);
        IndicatorService indicators = new IndicatorService(engine, registry, audit,
                new DisclosureControl(engine, config.settings().disclosure().minCell()), () -> config, new TargetsFile(config.directory()), periods);
        periodService = new PeriodService(periods, indicators, writer, () -> config);
        highlightService = new HighlightService(new Highlights(warehouse), new HighlightHolds(
                new ProtectedNames(config.directory().resolve(ProtectedNames.FILE))), periods, writer, audit);
        // Two services need what starts later, and the resources reading them are given them
        // through these futures, completed before the port is bound: the programmes' (the
        // started framework and the programmes' checks) and the status (the transport, which
        // starts after the programmes are live).
        CompletableFuture<ProgrammeService> programmeService = new CompletableFuture<>();
        CompletableFuture<StatusService> statusService = new CompletableFuture<>();
        List<Object> components = List.of(
                new Authentication(access, accounts),
                new SessionResource(accounts),
                new OidcResource(oidc),
                new SignInOptionsResource(oidc),
                new UsersResource(accounts),
                new CallerInjection(),
                new LanguageInjection(),
                new HealthResource(this::answersReady),
                new ActivitiesResource(new ActivityService(ingest, config.settings().ingest().maxBodyBytes(),
                        new RecordOffices(warehouse))),
                new ImportsResource(new ImportService(imports, importer, audit)),
                new RejectionsResource(new RejectionService(new DeadLetterStore(warehouse), ingest, audit)),
                new ProgramsResource(programmeService::join, new ImportTemplate(registry, () -> config)),
                new IndicatorsResource(indicators),
                new AnalyticsResource(indicators),
                new PeriodsResource(periodService),
                new HighlightsResource(highlightService),
                new ReportsResource(new MonthlyReportService(registry, () -> config, indicators, new Highlights(warehouse), audit),
                        new ReportRenderer()),
                new AuditResource(new AuditService(audit)),
                new ExportsResource(new IatiExport(indicators, registry, config.directory(), audit)),
                new MeResource(new PrincipalService(registry, () -> config)),
                new LanguageResource(new LanguageService(new LanguagePreferences(warehouse), audit)),
                new SqlResource(sql),
                new PagesResource(),
                new StatusResource(statusService::join),
                new BackupResource(backups, this::backupRecipient),
                new MetricsResource(statusService::join),
                new OpenApiResource(),
                new OutboxFullMapper());
        // Jersey's application (the resource model of the resources above and its validation, about
        // 0.35 s of CPU) is built on a thread of its own while this one joins Felix, starts the
        // pipeline and the programmes' bundles: the two share nothing. The port is bound only once
        // both are done, so every request finds the programmes live (docs/PERFORMANCE.md, "Start to healthy").
        CompletableFuture<HttpServer.Application> application = CompletableFuture.supplyAsync(() -> {
            HttpServer.Application built = HttpServer.application(components);
            // The first request's own work, in memory: /health/live reads nothing of the node.
            built.answerInMemory("/health/live");
            return built;
        }, task -> new Thread(task, "tonle-http-build").start());
        // A start that fails meanwhile waits for the build to end, and shuts the application down
        // when no server took it (once served, the server's stop shuts it down).
        parts.add(0, () -> {
            HttpServer.Application built = application.exceptionally(failed -> null).join();
            if (built != null && http == null) {
                built.close();
            }
        });

        osgi = joined(osgiStarting);
        // Stopped where it always was among the parts: after Camel's routes, before the cube and the record store.
        parts.remove(stopOsgiUnjoined);
        parts.add(0, osgi);
        RecordChecks checks = new RecordChecks(osgi.context());
        checks.open();
        Validate validate = new Validate(registry, () -> config, checks, Clock.systemUTC());
        SubjectRefLengths refLengths = SubjectRefLengths.of(warehouse);
        CaseCodes caseCodes = new CaseCodes(keys, new KnownSubjects(warehouse)::known, refLengths);
        try {
            camel.addRoutes(new RouteErrors());
            camel.addRoutes(new IngestRoutes(new Pseudonymise(keys, caseCodes), validate, writer));
            camel.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the ingest pipeline: " + e.getMessage(), e);
        }
        parts.add(0, camel::close);
        osgi.register(ingest);
        try {
            camel.addRoutes(new IntakeEndpoint(osgi.context(), ingest, new Quarantine(keys), data.resolve("intake")));
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the intake endpoint: " + e.getMessage(), e);
        }
        try {
            camel.addRoutes(new InboxRoutes(data.resolve("inbox"), config.offices().stream().map(o -> o.code()).toList(), imports, importer,
                    caseCodes));
        } catch (Exception e) {
            throw new IllegalStateException("cannot watch the office inboxes: " + e.getMessage(), e);
        }
        programmeService.complete(new ProgrammeService(registry, () -> config, osgi, checks, routes));
        ProgrammeExtender extender = new ProgrammeExtender(osgi.context(), registry,
                id -> config.deployments().values().stream().anyMatch(programmes -> programmes.contains(id)), routes)
                .withTrust(osgi.trust());
        extender.open();
        parts.add(0, extender::close);
        // Set before the write: a programme changing meanwhile (a bundle dropped into deploy/) is
        // written by this write or by its own, which reads the registry as it is then.
        programmeChangesRecorded = true;
        syncProgrammeDimension();
        syncOfficeDimension();
        // Arrow Flight SQL starts on a thread of its own once the programmes are live (its queries read
        // their views), while the transport starts and the HTTP server binds; both serve before the node is ready.
        CompletableFuture<FlightSqlServer> flightStarting = startFlight(sql);
        parts.add(0, () -> closeStarted(flightStarting));
        // After the programmes are live: headquarters validates what it consumes against them.
        NodeTransport transport = NodeTransport.start(config.settings().transport(), outbox, options.office(), warehouse, camel, ingest,
                refLengths, config.directory(), secretsFolder(data), config.offices().stream().map(o -> o.code()).toList());
        parts.add(0, transport);
        StatusService status = new StatusService(options.office(), registry, transport, ingest, cube);
        DeploymentService deployments = new DeploymentService(config.directory(), options.office(), () -> config, reloaded -> {
            config = reloaded;
            syncOfficeDimension();
            extender.redeploy();
        });
        parts.add(0, deployments);
        status.section("deployments", deployments::status);
        status.section("access", access::status);
        status.section("users", accounts::status);
        backups.schedule(config.settings().backup(), config.directory(), System.getenv("TONLE_BACKUP_PASSPHRASE"));
        status.section("backup", backups::status);
        statusService.complete(status);
        http = HttpServer.serve(options.host(), options.port(), config.settings().http().workers(), joined(application), tlsContext());
        parts.add(0, http);
        flight = joined(flightStarting);
        LOG.info("Tonle serves at {} ({} programmes live{}) after {} ms", url(), registry.programmes().size(),
                options.office() == null ? ", all offices" : ", office " + options.office(), (System.nanoTime() - started) / 1_000_000);
        warmUp(cube);
        if (!options.deferReady()) {
            ready();
        }
    }

    /** Arrow Flight SQL started on a thread of its own, or nothing when its port is 0. */
    private CompletableFuture<FlightSqlServer> startFlight(SqlService sql) {
        if (options.flightPort() <= 0) {
            return CompletableFuture.completedFuture(null);
        }
        // The same key as HTTPS: with a certificate configured, Flight SQL serves TLS only.
        FlightSqlServer.Tls flightTls = null;
        if (config.settings().http().secure()) {
            ServerKeys serverKeys = ServerKeys.load(config.directory(), config.settings().http().tls());
            flightTls = new FlightSqlServer.Tls(serverKeys.certificateChainPem(), serverKeys.privateKeyPem());
        }
        FlightSqlServer.Tls tls = flightTls;
        return CompletableFuture.supplyAsync(() -> FlightSqlServer.start(options.host(), options.flightPort(), access::authenticate, sql, tls),
                task -> new Thread(task, "tonle-flight-start").start());
    }

    /** What a part started on a thread of its own gave (Felix, the Flight SQL server, null when off; Jersey's application); its failure as it was thrown. */
    private static <T> T joined(CompletableFuture<T> starting) {
        try {
            return starting.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw e;
        }
    }

    /** Stops a part started on a thread of its own (Flight SQL, Felix) once its start is over, whether the node's start went on or failed meanwhile. */
    private static void closeStarted(CompletableFuture<? extends AutoCloseable> starting) throws Exception {
        AutoCloseable started = starting.exceptionally(failed -> null).join();
        if (started != null) {
            started.close();
        }
    }

    /** From now on {@code GET /health} answers 200: the node answers correctly. */
    public void ready() {
        if (!ready.getAndSet(true)) {
            LOG.info("Tonle is ready");
        }
    }

    public boolean isReady() {
        return ready.get();
    }

    /**
     * Runs the load of de-duplication's id set (seconds of CPU for millions of records) on a thread
     * of its own once the cube is restored and {@code /health} has first answered ready (at the
     * latest {@link #WARM_UP_WAIT} after the restore): on two cores it took CPU from the start and
     * the restore (docs/PERFORMANCE.md, "Restart at scale"). Until then the writer looks ids up in
     * the warehouse.
     */
    private Executor afterStart(CompletableFuture<Void> cubeRestored) {
        return task -> {
            AtomicBoolean stopping = new AtomicBoolean();
            Thread thread = new Thread(() -> {
                try {
                    cubeRestored.join();
                    firstReadyAnswer.await(WARM_UP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (!stopping.get()) {
                    task.run();
                }
            }, "tonle-known-ids");
            thread.setDaemon(true);
            thread.start();
            // A stop waits for a load under way (its scan must not outlive the warehouse) and skips one not begun.
            parts.add(0, () -> {
                stopping.set(true);
                cubeRestored.complete(null); // a start that failed before the restore began never completes it
                firstReadyAnswer.countDown();
                thread.join();
            });
        };
    }

    /** What {@code /health} reads: the first ready answer lets the cube's warm-up begin. */
    private boolean answersReady() {
        boolean answers = ready.get();
        if (answers) {
            firstReadyAnswer.countDown();
        }
        return answers;
    }

    /**
     * Builds the indicator cube in the background once the node serves, so that the first
     * donor query does not wait for it. Stopping the node lets the slice being built finish,
     * then stops. It begins once {@code /health} has first answered ready (at the latest
     * {@link #WARM_UP_WAIT} after the node serves): on two cores, DuckDB's threads building
     * slices beside the first request made the start to healthy slower by about a tenth
     * (docs/PERFORMANCE.md, "Start to healthy").
     */
    private void warmUp(IndicatorCube cube) {
        AtomicBoolean stopping = new AtomicBoolean();
        Thread thread = new Thread(() -> {
            try {
                firstReadyAnswer.await(WARM_UP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (stopping.get()) {
                    return;
                }
                long began = System.nanoTime();
                int built = cube.warm(registry.programmes(), stopping::get);
                LOG.info("Indicator cube ready: {} slices built in {} ms", built, (System.nanoTime() - began) / 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!stopping.get()) {
                    LOG.warn("Indicator cube not built ahead ({}); each slice is built by the first query that needs it", e.getMessage());
                }
            }
        }, "tonle-cube-warm-up");
        thread.setDaemon(true);
        thread.start();
        parts.add(0, () -> {
            stopping.set(true);
            firstReadyAnswer.countDown();
            thread.join();
        });
    }

    /** The configured {@code backup.recipient} public key, or null: backups asked for without a passphrase are sealed for it. */
    private Secret backupRecipient() {
        String recipient = config.settings().backup().recipient();
        return recipient.isEmpty() ? null : Secret.recipient(config.directory().resolve(recipient));
    }

    /** Ad-hoc SQL (HTTP and Flight SQL): the sandbox on the warehouse and the Arrow memory its answers use. */
    private SqlService startSql(AuditLog audit, AnalystSnapshots snapshots) {
        BufferAllocator allocator = new RootAllocator();
        parts.add(0, allocator);
        var settings = config.settings().sql();
        SqlSandbox sandbox = new SqlSandbox(warehouse,
                new SqlSandbox.Limits(settings.timeout(), settings.maxAnswerBytes(), settings.concurrentQueries()));
        parts.add(0, sandbox);
        // Statements run in worker processes over a snapshot of the views, never in the node (docs/ANALYTICS.md).
        AnalystWorkers workers = new AnalystWorkers(snapshots, warehouse.spillFolder().resolve("analyst-workers"),
                AnalystWorkers.Limits.of(settings.timeout(), settings.maxAnswerBytes(), settings.concurrentQueries(),
                        settings.memoryLimit(), settings.threads(), settings.maxTempSize()));
        parts.add(0, workers);
        return new SqlService(sandbox, workers, audit, allocator);
    }

    /**
     * The data folder holds the warehouse, its write-ahead log and the key: created owner-only,
     * so every file DuckDB or Camel creates inside is out of other users' reach from its first
     * byte (DuckDB cannot be handed a pre-made owner-only file). An existing folder that others
     * may enter is closed, loudly.
     */
    private static void ownerOnly(Path data) {
        try {
            if (!Files.exists(data)) {
                OwnerOnly.createDirectories(data);
                return;
            }
            var view = Files.getFileAttributeView(data, PosixFileAttributeView.class);
            if (view == null) {
                return;
            }
            var permissions = view.readAttributes().permissions();
            var owner = PosixFilePermissions.fromString("rwx------");
            if (!owner.containsAll(permissions)) {
                LOG.warn("The data folder {} was open to other users ({}); it is now owner-only",
                        data, PosixFilePermissions.toString(permissions));
                view.setPermissions(owner);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot make the data folder " + data + " owner-only: " + e.getMessage(), e);
        }
    }

    /**
     * The organisation's pseudonymisation key. A warehouse remembers the fingerprint of the key
     * it was built with; a node given another key (or a lost one regenerated) refuses to start,
     * because every person would silently count twice.
     */
    private SubjectKeys subjectKeys(Path data) {
        Path keyFile = keyFile(data);
        apartFromReach(data, keyFile);
        apartFromReach(data, secretsFolder(data));
        NodeSettings settings = new NodeSettings(warehouse);
        var fingerprint = settings.get(KEY_FINGERPRINT);
        boolean hasRecords = countRecords() > 0;
        if (!Files.exists(keyFile) && (fingerprint.isPresent() || hasRecords)) {
            throw new IllegalStateException("the pseudonymisation key " + keyFile + " is missing, but the warehouse "
                    + warehouse.file() + " holds records made with a key. Restore the key from the backup you made with the"
                    + " warehouse; a new key would count every person twice.");
        }
        SubjectKeys keys = SubjectKeys.fromFile(keyFile, true);
        if (fingerprint.isPresent() && !fingerprint.get().equals(keys.fingerprint())) {
            throw new IllegalStateException("the pseudonymisation key " + keyFile + " is not the key the warehouse "
                    + warehouse.file() + " was built with. Restore the right key; a different key would count every person twice.");
        }
        if (fingerprint.isEmpty()) {
            settings.put(KEY_FINGERPRINT, keys.fingerprint());
        }
        return keys;
    }

    /**
     * The server's key for HTTPS ({@code http.tls} in config/tonle.yaml), or {@code null} for
     * plain HTTP: a PKCS#12 key store and its password from a file or an environment variable.
     */
    private SSLContext tlsContext() {
        Settings.Http settings = config.settings().http();
        return settings.secure() ? ServerKeys.load(config.directory(), settings.tls()).sslContext() : null;
    }

    /** The folder of the node's secrets: {@code secrets.folder}, or {@code <data>/secrets}. */
    private Path secretsFolder(Path data) {
        return config.settings().secrets().folder(config.directory(), data);
    }

    /**
     * Refuses a secret where SQL or programme routes could reach it: in the one folder DuckDB may
     * touch, or in the intake, inbox or deploy folders.
     */
    private void apartFromReach(Path data, Path secret) {
        Path absolute = secret.toAbsolutePath().normalize();
        Path root = data.toAbsolutePath().normalize();
        for (Path reachable : List.of(warehouse.spillFolder().toAbsolutePath().normalize(), root.resolve("intake"), root.resolve("inbox"),
                root.resolve("deploy"))) {
            if (absolute.startsWith(reachable) || reachable.startsWith(absolute)) {
                throw new IllegalStateException(secret + " is in or around " + reachable + ", which SQL or programme routes can reach;"
                        + " set secrets.folder (and pseudonymisation.key_file) to a folder of its own (docs/OPERATIONS.md)");
            }
        }
    }

    /** The pseudonymisation key file: {@code pseudonymisation.key_file}, or {@code subject-key} in the secrets folder. */
    private Path keyFile(Path data) {
        return config.settings().keyFile(config.directory(), data);
    }

    /**
     * The namespace in which spreadsheet keys become record ids (DESIGN.md 9.5): the configured
     * one, else the one this warehouse was given on its first start. A configured namespace that
     * differs from the remembered one is used, with a warning: sheets imported before under the
     * old one would come back as new records.
     */
    private UUID idNamespace() {
        NodeSettings settings = new NodeSettings(warehouse);
        var remembered = settings.get(ID_NAMESPACE).map(UUID::fromString);
        var configured = config.settings().organisation().namespaceId();
        if (configured.isPresent()) {
            if (remembered.isPresent() && !remembered.get().equals(configured.get())) {
                LOG.warn("organisation.namespace {} differs from the namespace {} this warehouse's earlier imports used: a sheet with"
                        + " keys as ids imported before would now be counted again", configured.get(), remembered.get());
            }
            settings.put(ID_NAMESPACE, configured.get().toString());
            return configured.get();
        }
        if (remembered.isPresent()) {
            return remembered.get();
        }
        UUID generated = UUID.randomUUID();
        settings.put(ID_NAMESPACE, generated.toString());
        LOG.info("Generated the namespace for spreadsheet keys, {}: set organisation.namespace to it in tonle.yaml on every node"
                + " that may import the same sheets", generated);
        return generated;
    }

    private long countRecords() {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM record_version");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void syncOfficeDimension() {
        try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO dim_office VALUES (?, ?)")) {
            for (var office : config.offices()) {
                ps.setString(1, office.code());
                ps.setString(2, office.name());
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record offices: " + e.getMessage(), e);
        }
    }

    // Bundles change on Felix's and FileInstall's threads at once; two writers of the same rows
    // would conflict in DuckDB and one update would be lost. Each call writes the registry as
    // it is then, so the last one leaves the latest state.
    private synchronized void syncProgrammeDimension() {
        try {
            analyticsDictionary.sync(registry.programmes());
        } catch (RuntimeException e) {
            // The programmes' rows lag behind until the next change; a programme never fails for it.
            LOG.warn("Cannot record the programmes: {}", e.getMessage());
        }
    }

    /** The bundles of the distribution: host/target/bundles beside the host jar, unless overridden. */
    private List<Path> distributionBundles() {
        Path dir = options.bundles();
        try (Stream<Path> jars = Files.list(dir)) {
            return jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list the bundles in " + dir + ": " + e.getMessage(), e);
        }
    }

    public String url() {
        return (config.settings().http().secure() ? "https://" : "http://") + options.host() + ":" + http.port();
    }

    public int port() {
        return http.port();
    }

    /** The Arrow Flight SQL port, or 0 when Flight SQL is off. */
    public int flightPort() {
        return flight == null ? 0 : flight.port();
    }

    public HttpServer http() {
        return http;
    }

    public ProgrammeRegistry registry() {
        return registry;
    }

    /** People's accounts and sessions (users.yaml). */
    public Accounts accounts() {
        return accounts;
    }

    /** Sign-in through the organisation's OpenID Connect provider, or null when none is configured. */
    public OidcSignIn oidcSignIn() {
        return oidc;
    }

    public AccessControl access() {
        return access;
    }

    public Ingest ingest() {
        return ingest;
    }

    /** The monthly cycle's services, for {@code tonle demo}, which approves its months as an admin would. */
    public PeriodService periods() {
        return periodService;
    }

    public HighlightService highlights() {
        return highlightService;
    }

    public OsgiFramework osgi() {
        return osgi;
    }

    public Warehouse warehouse() {
        return warehouse;
    }

    public TonleConfig config() {
        return config;
    }

    @Override
    public void close() {
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                LOG.warn("Stopping {} failed: {}", part, e.getMessage());
            }
        }
        parts.clear();
    }
}
