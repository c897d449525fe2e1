package org.tonle.host.service;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.tonle.core.declaration.ProgrammeRegistry;
import org.tonle.host.transport.NodeTransport;
import org.tonle.host.transport.TransportMetrics;
import org.tonle.pipelines.Ingest;
import org.tonle.warehouse.indicators.IndicatorCube;

/**
 * The node's state for operators: {@code GET /api/v1/status} as JSON and the same figures for
 * Prometheus at {@code GET /metrics}, through Micrometer's Prometheus registry.
 */
public final class StatusService {

    private final String office;
    private final ProgrammeRegistry programmes;
    private final NodeTransport transport;
    private final Instant started = Instant.now();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final TransportMetrics transportMetrics;
    private final Map<String, Supplier<Object>> sections = new ConcurrentSkipListMap<>();

    /** @param office the node's --office, or null for every office */
    public StatusService(String office, ProgrammeRegistry programmes, NodeTransport transport, Ingest ingest, IndicatorCube cube) {
        this.office = office;
        this.programmes = programmes;
        this.transport = transport;
        Gauge.builder("tonle.programmes.live", () -> programmes.programmes().size())
                .description("programmes deployed and live on this node").register(registry);
        // Records are committed by one writer: when its busy time grows as fast as the clock,
        // ingest runs as fast as the warehouse takes it (docs/PERFORMANCE.md).
        FunctionCounter.builder("tonle.ingest.writer.busy", ingest, i -> i.writerStats().busyNanos() / 1e9).baseUnit("seconds")
                .description("time the pipeline's single writer spent committing records").register(registry);
        FunctionCounter.builder("tonle.ingest.commits", ingest, i -> i.writerStats().groups())
                .description("group commits of the pipeline's writer (submissions committed together)").register(registry);
        FunctionCounter.builder("tonle.ingest.submissions", ingest, i -> i.writerStats().submissions())
                .description("submissions (requests, import batches, bundle publishes) the writer committed").register(registry);
        FunctionCounter.builder("tonle.ingest.commits.pipelined", ingest, i -> i.writerStats().pipelined())
                .description("group commits of new records only, committed while the next group was appended").register(registry);
        // The cube follows commits on its own thread (docs/INDICATORS.md): a lag that keeps growing,
        // failures or fallbacks mean queries are being answered by SQL, correctly but slowly.
        Gauge.builder("tonle.indicators.cube.lag", cube, IndicatorCube::lag)
                .description("commits the indicator cube has taken over but not yet applied").register(registry);
        FunctionCounter.builder("tonle.indicators.cube.failures", cube, IndicatorCube::failures)
                .description("commits the indicator cube could not apply (each drops the cube, rebuilt from the warehouse)").register(registry);
        FunctionCounter.builder("tonle.indicators.cube.fallbacks", cube, IndicatorCube::fallbacks)
                .description("indicator queries answered by SQL from scratch because the cube had not caught up in time").register(registry);
        this.transportMetrics = new TransportMetrics(transport, registry);
        // Heap against bin/tonle's -Xmx, threads and CPU: what an operator watches before raising
        // the heap (docs/OPERATIONS.md, "Memory").
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /**
     * The answer of {@code GET /api/v1/status}.
     *
     * @param transport the transport's own report ({@code role}, and for an office its outbox and
     *                  forwarding, for headquarters its consumer), as {@link NodeTransport#status} gives it
     * @param sections  further sections by name (backups, deployments), as members of the answer
     */
    public record Status(Node node, Map<String, Object> transport, @JsonAnyGetter Map<String, Object> sections) {
    }

    /** @param office the node's --office, or {@code null} for every office */
    public record Node(String office, @JsonProperty("started_at") String startedAt, @JsonProperty("uptime_seconds") long uptimeSeconds,
                       int programmes) {
    }

    public Status status() {
        Map<String, Object> more = new LinkedHashMap<>();
        sections.forEach((name, section) -> more.put(name, section.get()));
        return new Status(new Node(office, started.toString(), Duration.between(started, Instant.now()).toSeconds(),
                programmes.programmes().size()), transport.status(), more);
    }

    /** Adds a section to {@code GET /api/v1/status} (backups, deployments). */
    public void section(String name, Supplier<Object> section) {
        sections.put(name, section);
    }

    /** Every meter in the Prometheus text format or OpenMetrics, by content type. */
    public String scrape(String contentType) {
        transportMetrics.refresh();
        return registry.scrape(contentType);
    }
}
