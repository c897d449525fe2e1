package org.tonle.pipelines;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import org.apache.camel.impl.DefaultCamelContext;
import org.tonle.warehouse.DeadLetterStore;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;

/** The real ingest route into a real DuckDB file, wired as the node wires it (batches of 3), for tests. */
final class IngestPipeline implements AutoCloseable {

    final Warehouse warehouse;
    final RecordStore store;
    final Ingest ingest;
    private final DefaultCamelContext camel;

    IngestPipeline(Path file) throws Exception {
        warehouse = Warehouse.open(file);
        store = new RecordStore(warehouse);
        GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), 3, Clock.systemUTC());
        Validate validate = new Validate(Fixtures.registry(), Fixtures::config, p -> List.of(), Clock.systemUTC());
        camel = new DefaultCamelContext();
        camel.addRoutes(new RouteErrors());
        camel.addRoutes(new IngestRoutes(new Pseudonymise(SubjectKeys.of(new byte[32])), validate, writer));
        camel.start();
        ingest = new Ingest(camel, writer);
    }

    @Override
    public void close() {
        camel.stop();
        store.close();
        warehouse.close();
    }
}
