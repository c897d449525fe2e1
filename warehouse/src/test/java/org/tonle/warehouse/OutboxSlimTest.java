package org.tonle.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox names its changes only (migration 040-outbox-slim.sql): what a change carries is
 * its record version's. Changes waiting in the table, in the old layout before an upgrade or in
 * the new one after a restart, come back with their record version's action, body, author and
 * time, in order, each once.
 */
class OutboxSlimTest {

    private static final String SLIM = "040-outbox-slim.sql";

    @Test
    void theTableHoldsOnlyWhatNamesAChange(@TempDir Path dir) throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("office.duckdb"))) {
            assertThat(FirstColumn.of(warehouse, "SELECT column_name FROM information_schema.columns WHERE table_name = 'outbox' ORDER BY ordinal_position"))
                    .containsExactly("seq", "record_id", "version");
        }
    }

    @Test
    void anOfficeUpgradedWithChangesWaitingInTheOldOutboxForwardsThemAllOnceInOrder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("office.duckdb");
        List<Change> changes = lifeOfARecordAndOthers();
        // The release before: the outbox carries each change a second time, beside its record version.
        try (Warehouse warehouse = Warehouse.open(file, "16MB", releaseWithout(SLIM)); RecordStore store = new RecordStore(warehouse)) {
            assertThat(FirstColumn.of(warehouse, "SELECT column_name FROM information_schema.columns WHERE table_name = 'outbox'")).contains("body");
            store.commit(changes);
            try (Connection c = warehouse.connect(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO outbox (seq, record_id, version, action, body, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                long seq = 40; // the changes up to 40 were forwarded and trimmed before the upgrade
                for (Change ch : changes) {
                    ps.setLong(1, ++seq);
                    ps.setObject(2, ch.recordId());
                    ps.setInt(3, ch.version());
                    ps.setString(4, ch.action().id());
                    ps.setString(5, ch.body());
                    ps.setString(6, ch.recordedBy());
                    ps.setObject(7, OffsetDateTime.ofInstant(ch.recordedAt(), ZoneOffset.UTC));
                    ps.executeUpdate();
                }
            }
        }
        List<Outbox.Entry> forwarded = new ArrayList<>();
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            assertThat(FirstColumn.of(warehouse, "SELECT name FROM schema_migration")).contains(SLIM);
            Outbox outbox = new Outbox(warehouse, 100, 4);
            store.commitHook(outbox);
            assertThat(outbox.depth().count()).isEqualTo(changes.size());
            assertThat(outbox.depth().oldest()).isEqualTo(changes.get(0).recordedAt());
            // Forwarded in batches of 3 from a queue of 4: the old rows come from the table, a new commit follows them.
            Change after = create(UUID.randomUUID(), "office-staff");
            for (List<Outbox.Entry> batch; !(batch = outbox.next(3)).isEmpty(); ) {
                forwarded.addAll(batch);
                outbox.acknowledge(batch.get(batch.size() - 1).seq());
                if (forwarded.size() == 3) {
                    store.commit(List.of(after));
                }
            }
            outbox.trim();
            List<Change> expected = new ArrayList<>(changes);
            expected.add(after);
            assertSame(forwarded, expected);
            assertThat(forwarded.get(0).seq()).isEqualTo(41);
            assertThat(forwarded.get(forwarded.size() - 1).seq()).isEqualTo(41 + changes.size());
        }
        // Started again: nothing is sent twice, and what is committed next is forwarded.
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100);
            store.commitHook(outbox);
            assertThat(outbox.next(10)).isEmpty();
            assertThat(outbox.depth().count()).isZero();
            Change next = create(UUID.randomUUID(), "office-staff");
            store.commit(List.of(next));
            assertThat(outbox.next(10)).singleElement().extracting(Outbox.Entry::recordId).isEqualTo(next.recordId());
        }
    }

    @Test
    void aRestartReadsTheWaitingChangesBackThroughTheirRecordVersionsACorrectionAndAVoidToo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("office.duckdb");
        List<Change> changes = lifeOfARecordAndOthers();
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100);
            store.commitHook(outbox);
            store.commit(changes.subList(0, 2));
            store.commit(changes.subList(2, changes.size()));
            // In memory: the changes as committed.
            assertSame(outbox.next(10), changes);
            // Killed here: none acknowledged.
        }
        try (Warehouse warehouse = Warehouse.open(file); RecordStore store = new RecordStore(warehouse)) {
            Outbox outbox = new Outbox(warehouse, 100);
            store.commitHook(outbox);
            assertThat(outbox.depth().count()).isEqualTo(changes.size());
            List<Outbox.Entry> read = outbox.next(10);
            assertSame(read, changes);
            Outbox.Entry voided = read.get(2);
            assertThat(voided.action()).isEqualTo("void");
            assertThat(voided.body()).isNull();
            assertThat(read.get(1).action()).isEqualTo("correct");
            assertThat(read.get(1).body()).contains("\"corrected\":true");
            outbox.acknowledge(read.get(read.size() - 1).seq());
            assertThat(outbox.depth().count()).isZero();
        }
    }

    /** A record created, corrected and voided, then two others; recorded by different people at different times. */
    private static List<Change> lifeOfARecordAndOthers() {
        UUID id = UUID.randomUUID();
        Instant at = Instant.parse("2026-11-30T08:00:00.123456Z");
        String corrected = "{\"id\":\"" + id + "\",\"program\":\"investigation\",\"corrected\":true}";
        return List.of(
                new Change(id, 1, Change.Action.CREATE, "hash-1-" + id, body(id), null, "pnh-staff", "http", at),
                new Change(id, 2, Change.Action.CORRECT, "hash-2-" + id, corrected, null, "pnh-lead", "http", at.plusSeconds(60)),
                new Change(id, 3, Change.Action.VOID, "hash-3-" + id, null, null, "pnh-admin", "http", at.plusSeconds(120)),
                create(UUID.randomUUID(), "pnh-staff"),
                create(UUID.randomUUID(), "pnh-staff"));
    }

    private static Change create(UUID id, String by) {
        return new Change(id, 1, Change.Action.CREATE, "hash-" + id, body(id), null, by, "http", Instant.now().truncatedTo(ChronoUnit.MICROS));
    }

    private static String body(UUID id) {
        return "{\"id\":\"" + id + "\",\"program\":\"investigation\"}";
    }

    private static void assertSame(List<Outbox.Entry> entries, List<Change> changes) {
        assertThat(entries).hasSameSizeAs(changes);
        for (int i = 0; i < changes.size(); i++) {
            Outbox.Entry e = entries.get(i);
            Change c = changes.get(i);
            assertThat(e.recordId()).as("change %d", i).isEqualTo(c.recordId());
            assertThat(e.version()).as("change %d", i).isEqualTo(c.version());
            assertThat(e.action()).as("change %d", i).isEqualTo(c.action().id());
            assertThat(e.body()).as("change %d", i).isEqualTo(c.body());
            assertThat(e.recordedBy()).as("change %d", i).isEqualTo(c.recordedBy());
            assertThat(e.recordedAt()).as("change %d", i).isEqualTo(c.recordedAt());
            if (i > 0) {
                assertThat(e.seq()).isGreaterThan(entries.get(i - 1).seq());
            }
        }
    }

    /** This release's schema without one migration: the warehouse of the release before it. */
    private static Schema releaseWithout(String migration) {
        return Schema.read(name -> {
            String text = resource(name);
            return Schema.ORDER.equals(name) ? text.replace(migration, "") : text;
        });
    }

    private static String resource(String name) {
        try (InputStream in = Schema.class.getResourceAsStream(Schema.ROOT + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
