package org.tonle.pipelines;

import java.util.UUID;

import org.roaringbitmap.longlong.Roaring64Bitmap;

/**
 * Every record id the warehouse holds, folded to 64 bits, in memory. Most records of a bulk
 * load are new; when none of a batch's ids is here, the loader skips the warehouse lookup of
 * their histories. A hit may be a fold collision, so it only means "look it up". Not
 * thread-safe: the loader's single writer owns it.
 */
final class KnownIds {

    private final Roaring64Bitmap ids = new Roaring64Bitmap();

    void add(UUID id) {
        ids.addLong(fold(id));
    }

    boolean mightContain(UUID id) {
        return ids.contains(fold(id));
    }

    long size() {
        return ids.getLongCardinality();
    }

    private static long fold(UUID id) {
        return id.getMostSignificantBits() ^ id.getLeastSignificantBits();
    }
}
