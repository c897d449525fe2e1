package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.warehouse.DeadLetterStore;
import org.tonle.warehouse.Outbox;
import org.tonle.warehouse.OutboxFullException;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;

/**
 * Review attack across branches writer and outbox (issue 22): the writer adds a batch's ids to
 * the known ids when it decides them, before the commit; the commit then fails inside its
 * transaction because the slim outbox is full. The record was refused, never acknowledged: sent
 * again once the outbox drained it must be stored once, forwarded once, and a third sending is a
 * duplicate. The same after a restart of the office (the outbox read back through record_version).
 */
class WriterOutboxAttackTest {

    @TempDir
    Path dir;

    @Test
    void aRecordRefusedByAFullOutboxAfterItsIdWasAddedIsStoredAndForwardedOnceWhenSentAgain() throws Exception {
        Path file = dir.resolve("office.duckdb");
        Validate validate = new Validate(Fixtures.registry(), Fixtures::config, p -> List.of(), Clock.systemUTC());
        Pseudonymise pseudonymise = new Pseudonymise(SubjectKeys.of(new byte[32]));
        UUID refused = UUID.randomUUID();
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 2);
            store.commitHook(outbox);
            // Known ids loaded at once: the writer's path that adds ids as it decides them.
            GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), 100, Clock.systemUTC(), Runnable::run);
            writer.process(Fixtures.validSubmission(pseudonymise, validate, UUID.randomUUID()));
            writer.process(Fixtures.validSubmission(pseudonymise, validate, UUID.randomUUID()));
            Submission full = Fixtures.validSubmission(pseudonymise, validate, refused);
            assertThatThrownBy(() -> writer.process(full)).isInstanceOf(OutboxFullException.class);
            assertThat(versions(warehouse, refused)).isZero();

            // Kafka takes the two waiting changes.
            List<Outbox.Entry> sent = outbox.next(10);
            assertThat(sent).hasSize(2);
            outbox.acknowledge(sent.get(1).seq());

            Submission again = Fixtures.validSubmission(pseudonymise, validate, refused);
            writer.process(again);
            assertThat(again.items().get(0).outcome()).isEqualTo(Item.Outcome.ACCEPTED);
            Submission third = Fixtures.validSubmission(pseudonymise, validate, refused);
            writer.process(third);
            assertThat(third.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);
            assertThat(versions(warehouse, refused)).isEqualTo(1);
            // Killed before Kafka took it.
        }
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 2);
            store.commitHook(outbox);
            List<Outbox.Entry> waiting = outbox.next(10);
            // Acknowledged changes not yet trimmed may come again (headquarters drops them as duplicates);
            // the refused record, sent again, is there once, with its record version's action and body.
            List<Outbox.Entry> mine = waiting.stream().filter(e -> e.recordId().equals(refused)).toList();
            assertThat(mine).hasSize(1);
            assertThat(mine.get(0).action()).isEqualTo("create");
            assertThat(mine.get(0).version()).isEqualTo(1);
            assertThat(mine.get(0).body()).isNotNull().contains(refused.toString());
            // A re-send after the restart, ids not yet loaded (the restart branch defers the load): still a duplicate.
            List<Runnable> held = new ArrayList<>();
            GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), 100, Clock.systemUTC(), held::add);
            Submission fourth = Fixtures.validSubmission(pseudonymise, validate, refused);
            writer.process(fourth);
            assertThat(fourth.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);
            held.forEach(Runnable::run);
            Submission fifth = Fixtures.validSubmission(pseudonymise, validate, refused);
            writer.process(fifth);
            assertThat(fifth.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);
            assertThat(versions(warehouse, refused)).isEqualTo(1);
        }
    }

    /**
     * A voided record's original sent again (a client's retry after the void): with the known ids
     * loaded, and again after a restart before they load (restart branch), it is a duplicate of a
     * stored version, never new: the void is not undone and nothing is counted twice.
     */
    @Test
    void aVoidedRecordSentAgainIsADuplicateWhetherTheIdsAreLoadedOrNot() throws Exception {
        Path file = dir.resolve("office.duckdb");
        Validate validate = new Validate(Fixtures.registry(), Fixtures::config, p -> List.of(), Clock.systemUTC());
        Pseudonymise pseudonymise = new Pseudonymise(SubjectKeys.of(new byte[32]));
        UUID id = UUID.randomUUID();
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), 100, Clock.systemUTC(), Runnable::run);
            writer.process(Fixtures.validSubmission(pseudonymise, validate, id));
            Submission voiding = Submission.voiding("tester", "http", id);
            writer.process(voiding);
            assertThat(voiding.items().get(0).outcome()).isEqualTo(Item.Outcome.ACCEPTED);
            Submission retry = Fixtures.validSubmission(pseudonymise, validate, id);
            writer.process(retry);
            assertThat(retry.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);
            assertThat(versions(warehouse, id)).isEqualTo(2);
        }
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            List<Runnable> held = new ArrayList<>();
            GroupCommitWriter writer = new GroupCommitWriter(store, new DeadLetterStore(warehouse), 100, Clock.systemUTC(), held::add);
            Submission retry = Fixtures.validSubmission(pseudonymise, validate, id);
            writer.process(retry);
            assertThat(retry.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);
            held.forEach(Runnable::run);
            Submission later = Fixtures.validSubmission(pseudonymise, validate, id);
            writer.process(later);
            assertThat(later.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);
            assertThat(versions(warehouse, id)).isEqualTo(2);
            try (Connection c = warehouse.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM fact_activity WHERE record_id = '" + id + "'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("still voided").isZero();
            }
        }
    }

    private static long versions(Warehouse warehouse, UUID id) throws Exception {
        try (Connection c = warehouse.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM record_version WHERE record_id = '" + id + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
