package org.tonle.pipelines;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import org.slf4j.LoggerFactory;
import org.tonle.programme.api.Violation;
import org.tonle.warehouse.Change;
import org.tonle.warehouse.RecordHistory;
import org.tonle.warehouse.RecordStore;

/**
 * Decides what each pending item of a batch is, against every stored version of its id: a new
 * record, a duplicate (a version with the same content is stored), a conflict (other content
 * sent again as new), a correction or a void of a stored record, or a correction or void of a
 * record there is none of. It runs on the writer's thread, inside its lock, so what it read is
 * still true when the batch commits.
 */
final class Deduplicate {

    private final RecordStore store;
    /** The ids the warehouse holds, once loaded; until then every id is looked up in the warehouse. */
    private KnownIds known;
    /** The load of {@link #known} (seconds for millions of records), on a thread of its own so that a start does not wait for it. */
    private final CompletableFuture<KnownIds> loading;
    /** Ids committed while {@link #loading} runs: the load may have read the warehouse before their commit. */
    private final List<UUID> committedWhileLoading = new ArrayList<>();
    private boolean loadFailed;

    Deduplicate(RecordStore store) {
        this(store, task -> {
            Thread thread = new Thread(task, "tonle-known-ids");
            thread.setDaemon(true);
            thread.start();
        });
    }

    /** With the executor that loads the known ids (tests hold it back). */
    Deduplicate(RecordStore store, Executor loader) {
        this.store = store;
        this.loading = CompletableFuture.supplyAsync(() -> {
            KnownIds ids = new KnownIds();
            store.forEachRecordId(ids::add);
            return ids;
        }, loader);
    }

    /** On the writer's thread: takes the loaded ids once they are there, with what was committed meanwhile. */
    private void takeLoadedIds() {
        if (known != null || loadFailed || !loading.isDone()) {
            return;
        }
        try {
            KnownIds loaded = loading.join();
            committedWhileLoading.forEach(loaded::add);
            known = loaded;
        } catch (CompletionException | CancellationException e) {
            // Every id stays looked up in the warehouse: slower, never wrong.
            loadFailed = true;
            LoggerFactory.getLogger(Deduplicate.class).warn("The ids of the stored records could not be loaded ({});"
                    + " every record's history is looked up in the warehouse", String.valueOf(e.getCause()));
        }
        committedWhileLoading.clear();
    }

    /** Whether the known ids are in memory (for tests). */
    boolean idsLoaded() {
        takeLoadedIds();
        return known != null;
    }

    /** An item and the submission it came with (its mode, principal and source). */
    record Pending(Submission submission, Item item) {
    }

    /**
     * The changes a batch makes, and the items they accept once committed; {@code idsKnown} when
     * its ids were added to the known ids as it was decided (else they are added once committed).
     */
    record Decision(List<Change> changes, List<Item> accepted, boolean idsKnown) {
    }

    /**
     * The decision for a batch of creations whose every id the known ids never held, made
     * without the warehouse, so it holds whether or not an earlier commit has completed: each
     * is a first version. Null for any other batch (the known ids left as they were), which
     * then needs {@link #decide} once the warehouse holds every earlier commit.
     */
    Decision decideNew(List<Pending> batch, Instant now) {
        takeLoadedIds();
        if (known == null) {
            return null;
        }
        for (Pending p : batch) {
            if (p.submission().mode() != Submission.Mode.CREATE) {
                return null;
            }
        }
        List<UUID> added = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            UUID id = p.item().id();
            if (!known.addIfAbsent(id)) {
                added.forEach(known::remove);
                return null;
            }
            added.add(id);
        }
        List<Change> changes = new ArrayList<>(batch.size());
        List<Item> accepted = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            Item item = p.item();
            changes.add(new Change(item.id(), 1, Change.Action.CREATE, item.contentHash(), item.canonical(), item.record(),
                    p.submission().principal(), p.submission().source(), now));
            accepted.add(item);
        }
        return new Decision(changes, accepted, true);
    }

    /** Marks duplicates and refusals on their items; returns what is left to commit. */
    Decision decide(List<Pending> batch, Instant now) {
        // Only ids the in-memory filter might know need the warehouse's history lookup.
        takeLoadedIds();
        boolean idsKnown = known != null;
        List<UUID> maybeStored = maybeStored(batch);
        Map<UUID, RecordHistory> stored = maybeStored.isEmpty() ? Map.of() : store.histories(maybeStored);
        // One entry per id of the batch or of its stored history (one map, not three: this runs
        // for every record on the writer's thread).
        Map<UUID, Seen> seen = new HashMap<>(Math.max(16, (batch.size() + stored.size()) * 4 / 3 + 1));
        stored.forEach((id, history) -> seen.put(id, new Seen(new ArrayList<>(history.hashes()), history.lastVersion(), history.live())));
        List<Change> changes = new ArrayList<>(batch.size());
        List<Item> accepted = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            Item item = p.item();
            Submission submission = p.submission();
            UUID id = item.id();
            Seen before = seen.get(id);
            List<String> storedHashes = before == null ? null : before.hashes;
            int version = (before == null ? 0 : before.version) + 1;
            if (submission.mode() == Submission.Mode.VOID) {
                if (before == null || !before.live) {
                    item.reject(new Violation("id", "not_found", "there is no live record " + id + " to void"));
                    continue;
                }
                before.version = version;
                before.live = false;
                changes.add(new Change(id, version, Change.Action.VOID, Canonical.sha256("void " + id + " " + version), null, null,
                        submission.principal(), submission.source(), now));
                accepted.add(item);
                continue;
            }
            if (storedHashes != null && storedHashes.contains(item.contentHash())) {
                item.duplicate();
                continue;
            }
            Change.Action action;
            if (submission.mode() == Submission.Mode.CORRECT) {
                if (storedHashes == null) {
                    item.reject(new Violation("id", "not_found", "there is no record " + id + " to correct; send it with POST first"));
                    continue;
                }
                action = Change.Action.CORRECT;
            } else if (storedHashes != null) {
                item.reject(new Violation("id", "conflict", "record " + id + " was already received with different content;"
                        + " to change it, send the correction with PUT /api/v1/activities/" + id));
                continue;
            } else {
                action = Change.Action.CREATE;
            }
            if (before == null) {
                Seen first = new Seen(new ArrayList<>(1), version, true);
                first.hashes.add(item.contentHash());
                seen.put(id, first);
            } else {
                before.version = version;
                before.live = true;
                before.hashes.add(item.contentHash());
            }
            changes.add(new Change(id, version, action, item.contentHash(), item.canonical(), item.record(),
                    submission.principal(), submission.source(), now));
            accepted.add(item);
        }
        return new Decision(changes, accepted, idsKnown);
    }

    /**
     * The ids of a batch that the warehouse may hold. Once the known ids are loaded, each id is
     * added to them here, in one probe, rather than looked up now and added after the commit: an
     * id that was absent is new for sure, and if the commit fails the set merely holds ids the
     * warehouse does not (they are looked up in vain, never missed).
     */
    private List<UUID> maybeStored(List<Pending> batch) {
        List<UUID> maybe = new ArrayList<>();
        if (known == null) {
            for (Pending p : batch) {
                maybe.add(p.item().id());
            }
            return maybe.stream().distinct().toList();
        }
        Set<UUID> asked = null;
        for (Pending p : batch) {
            UUID id = p.item().id();
            if (!known.addIfAbsent(id)) {
                // Known before, a fold collision, or a second item of this batch with the same id.
                if (asked == null) {
                    asked = new HashSet<>();
                }
                if (asked.add(id)) {
                    maybe.add(id);
                }
            }
        }
        return maybe;
    }

    /** What the batch so far and the stored history say of one id: its content hashes, newest version, and whether it is live. */
    private static final class Seen {
        final List<String> hashes;
        int version;
        boolean live;

        Seen(List<String> hashes, int version, boolean live) {
            this.hashes = hashes;
            this.version = version;
            this.live = live;
        }
    }

    /** Remembers the ids a decision's commit stored. */
    void committed(Decision decision) {
        if (decision.idsKnown()) {
            return; // added when decided
        }
        if (known != null) {
            // Decided before the known ids were taken over: they may lack this commit's ids.
            decision.changes().forEach(c -> known.add(c.recordId()));
        } else if (!loadFailed) {
            decision.changes().forEach(c -> committedWhileLoading.add(c.recordId()));
        }
    }
}
