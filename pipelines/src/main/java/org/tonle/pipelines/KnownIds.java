package org.tonle.pipelines;

import java.util.UUID;

import com.carrotsearch.hppc.LongHashSet;

/**
 * Every record id the warehouse holds, folded to 64 bits, in memory. Most records of a bulk
 * load are new; when none of a batch's ids is here, the loader skips the warehouse lookup of
 * their histories. A hit may be a fold collision, so it only means "look it up". Not
 * thread-safe: the loader's single writer owns it.
 *
 * <p>An open-addressing set of longs (8 to 16 bytes an id): random 64-bit keys defeat a
 * compressed bitmap, which spent a quarter of the writer's time finding them.
 *
 * <p>An id may be here that the warehouse does not hold: the writer adds a batch's ids when it
 * decides them ({@link #addIfAbsent}), before their commit, so that each new id costs one probe of
 * this set, not a look-up then an insertion (each a cache miss in a set of millions). If that
 * commit fails, its ids stay here and are only looked up in the warehouse in vain.
 */
final class KnownIds {

    private final LongHashSet ids = new LongHashSet();

    void add(UUID id) {
        ids.add(fold(id));
    }

    /** Adds the id; true when it was not here before, so the warehouse cannot hold it. */
    boolean addIfAbsent(UUID id) {
        return ids.add(fold(id));
    }

    /** Takes back an id this set did not hold before {@link #addIfAbsent} added it. */
    void remove(UUID id) {
        ids.remove(fold(id));
    }

    private static long fold(UUID id) {
        return id.getMostSignificantBits() ^ id.getLeastSignificantBits();
    }
}
