package org.tonle.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tonle.warehouse.RecordStore;
import org.tonle.warehouse.Warehouse;

/**
 * The ids of the stored records load on a thread of their own, so a start does not wait for
 * them: until they are in memory every id is looked up in the warehouse, and the ids committed
 * meanwhile join them when they arrive, so nothing is taken for new that the warehouse holds.
 */
class DeduplicateKnownIdsTest {

    @TempDir
    Path dir;

    @Test
    void beforeTheIdsAreLoadedEveryIdIsLookedUpAndCommitsMeanwhileAreKnownAfter() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Validate validate = new Validate(Fixtures.registry(), Fixtures::config, p -> List.of(), Clock.systemUTC());
            Pseudonymise pseudonymise = new Pseudonymise(SubjectKeys.of(new byte[32]));
            UUID first = UUID.randomUUID();
            UUID second = UUID.randomUUID();
            // Stored before the node starts.
            commit(new Deduplicate(store, Runnable::run), store, Fixtures.validSubmission(pseudonymise, validate, first));

            List<Runnable> held = new ArrayList<>();
            Deduplicate deduplicate = new Deduplicate(store, held::add);
            assertThat(deduplicate.idsLoaded()).isFalse();
            // Not loaded yet: the warehouse is asked, and the record sent again is a duplicate.
            Submission again = Fixtures.validSubmission(pseudonymise, validate, first);
            assertThat(commit(deduplicate, store, again)).isZero();
            assertThat(again.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);
            // A new record committed while the ids load...
            assertThat(commit(deduplicate, store, Fixtures.validSubmission(pseudonymise, validate, second))).isEqualTo(1);
            // ... that the load did not see (as when it read the warehouse before that commit).
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE aside AS SELECT * FROM record_version WHERE record_id = '" + second + "'");
                s.execute("DELETE FROM record_version WHERE record_id = '" + second + "'");
            }
            held.forEach(Runnable::run);
            assertThat(deduplicate.idsLoaded()).isTrue();
            try (Connection c = warehouse.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO record_version SELECT * FROM aside");
            }

            // Both are sent again once the ids are in memory: both are found, neither taken for new.
            Submission firstAgain = Fixtures.validSubmission(pseudonymise, validate, first);
            Submission secondAgain = Fixtures.validSubmission(pseudonymise, validate, second);
            assertThat(commit(deduplicate, store, firstAgain)).as("loaded from the warehouse").isZero();
            assertThat(commit(deduplicate, store, secondAgain)).as("committed while loading").isZero();
            assertThat(firstAgain.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);
            assertThat(secondAgain.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);
        }
    }

    @Test
    void idsAddedWhenDecidedAreNeverTakenForNewAndAFailedCommitOnlyCostsALookUp() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Validate validate = new Validate(Fixtures.registry(), Fixtures::config, p -> List.of(), Clock.systemUTC());
            Pseudonymise pseudonymise = new Pseudonymise(SubjectKeys.of(new byte[32]));
            Deduplicate deduplicate = new Deduplicate(store, Runnable::run);
            assertThat(deduplicate.idsLoaded()).isTrue();

            // A new id: added to the known ids as it is decided, once, and stored.
            UUID stored = UUID.randomUUID();
            assertThat(commit(deduplicate, store, Fixtures.validSubmission(pseudonymise, validate, stored))).isEqualTo(1);
            Submission again = Fixtures.validSubmission(pseudonymise, validate, stored);
            assertThat(commit(deduplicate, store, again)).isZero();
            assertThat(again.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);

            // Decided, then its commit fails: the id stays known, is looked up, and found new.
            UUID lost = UUID.randomUUID();
            Submission failed = Fixtures.validSubmission(pseudonymise, validate, lost);
            Deduplicate.Decision decision = deduplicate.decide(pending(failed), Instant.now());
            assertThat(decision.changes()).hasSize(1);
            Submission resent = Fixtures.validSubmission(pseudonymise, validate, lost);
            assertThat(commit(deduplicate, store, resent)).isEqualTo(1);
            assertThat(resent.items().get(0).outcome()).isEqualTo(Item.Outcome.ACCEPTED);

            // The same new id twice in one batch: the second is the first's duplicate, one version stored.
            UUID twice = UUID.randomUUID();
            Submission first = Fixtures.validSubmission(pseudonymise, validate, twice);
            Submission second = Fixtures.validSubmission(pseudonymise, validate, twice);
            List<Deduplicate.Pending> both = new ArrayList<>(pending(first));
            both.addAll(pending(second));
            Deduplicate.Decision pair = deduplicate.decide(both, Instant.now());
            assertThat(pair.changes()).hasSize(1);
            assertThat(second.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);
        }
    }

    @Test
    void aBatchDecidedBeforeTheIdsWereTakenOverJoinsThemWhenCommitted() throws Exception {
        try (Warehouse warehouse = Warehouse.open(dir.resolve("w.duckdb")); RecordStore store = new RecordStore(warehouse)) {
            Validate validate = new Validate(Fixtures.registry(), Fixtures::config, p -> List.of(), Clock.systemUTC());
            Pseudonymise pseudonymise = new Pseudonymise(SubjectKeys.of(new byte[32]));
            List<Runnable> held = new ArrayList<>();
            Deduplicate deduplicate = new Deduplicate(store, held::add);
            UUID id = UUID.randomUUID();
            Submission submission = Fixtures.validSubmission(pseudonymise, validate, id);
            Deduplicate.Decision decision = deduplicate.decide(pending(submission), Instant.now());
            assertThat(decision.idsKnown()).isFalse();
            // The load finishes (before this commit) and is taken over between decide and committed.
            held.forEach(Runnable::run);
            assertThat(deduplicate.idsLoaded()).isTrue();
            store.commit(decision.changes(), List.of());
            deduplicate.committed(decision);
            Submission again = Fixtures.validSubmission(pseudonymise, validate, id);
            assertThat(commit(deduplicate, store, again)).as("committed after the take-over").isZero();
            assertThat(again.items().get(0).outcome()).isEqualTo(Item.Outcome.DUPLICATE);
        }
    }

    private static List<Deduplicate.Pending> pending(Submission submission) {
        return submission.items().stream().filter(Item::pending).map(item -> new Deduplicate.Pending(submission, item)).toList();
    }

    /** Decides and commits as the writer does; the number of records accepted. */
    private static int commit(Deduplicate deduplicate, RecordStore store, Submission submission) {
        List<Deduplicate.Pending> pending = submission.items().stream().filter(Item::pending)
                .map(item -> new Deduplicate.Pending(submission, item)).toList();
        Deduplicate.Decision decision = deduplicate.decide(pending, Instant.now());
        store.commit(decision.changes(), List.of());
        deduplicate.committed(decision);
        decision.accepted().forEach(Item::accept);
        return decision.accepted().size();
    }
}
