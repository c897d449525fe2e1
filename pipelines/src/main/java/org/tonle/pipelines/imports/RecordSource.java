package org.tonle.pipelines.imports;

import java.io.IOException;
import java.util.List;

import org.tonle.pipelines.Item;

/**
 * A stream of records read from a file or a request body, a batch at a time, so that a file of
 * any size passes through in constant memory. Items carry the line a person finds the record on.
 */
public interface RecordSource extends AutoCloseable {

    /** Up to {@code max} further items; an empty list at the end. */
    List<Item> next(int max) throws IOException;

    /** Bytes consumed so far, for progress. */
    long bytesRead();

    @Override
    void close() throws IOException;
}
