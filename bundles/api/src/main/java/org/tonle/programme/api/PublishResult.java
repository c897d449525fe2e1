package org.tonle.programme.api;

import java.util.List;

/**
 * What became of published records.
 *
 * @param accepted   records committed to the warehouse
 * @param duplicates records already stored in identical form
 * @param rejected   records refused, each with its 1-based position in the call
 */
public record PublishResult(int accepted, int duplicates, List<Rejection> rejected) {

    public PublishResult {
        rejected = List.copyOf(rejected);
    }

    /** One refused record: which one, which field, which rule, and why in plain words. */
    public record Rejection(String id, int line, String field, String rule, String reason) {
    }
}
