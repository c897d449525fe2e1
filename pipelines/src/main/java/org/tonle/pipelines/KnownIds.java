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
 */
final class KnownIds {

    private final LongHashSet ids = new LongHashSet();

    void add(UUID id) {
        ids.add(fold(id));
    }

    boolean mightContain(UUID id) {
        return ids.contains(fold(id));
    }

    long size() {
        return ids.size();
    }

    private static long fold(UUID id) {
        return id.getMostSignificantBits() ^ id.getLeastSignificantBits();
    }
}
