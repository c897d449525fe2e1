package org.tonle.pipelines.imports;

import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

import org.tonle.pipelines.Item;

/**
 * A stream of records read from a file or a request body, a batch at a time, so that a file of
 * any size passes through in constant memory. Items carry the line a person finds the record on.
 */
public interface RecordSource extends AutoCloseable {

    /**
     * Up to {@code max} further records, read but perhaps not yet parsed; an empty batch at the
     * end. Reading is sequential; {@link Batch#items()} may run on another thread, so parsing one
     * batch overlaps with reading the next.
     */
    Batch read(int max) throws IOException;

    /** Up to {@code max} further items, parsed; an empty list at the end. */
    default List<Item> next(int max) throws IOException {
        return read(max).items();
    }

    /** Bytes consumed so far, for progress. */
    long bytesRead();

    @Override
    void close() throws IOException;

    /** Records read from a source, and how to make them items. */
    final class Batch {

        private final int size;
        private final Supplier<List<Item>> parse;

        public Batch(int size, Supplier<List<Item>> parse) {
            this.size = size;
            this.parse = parse;
        }

        /** A batch whose items are already made. */
        public static Batch of(List<Item> items) {
            return new Batch(items.size(), () -> items);
        }

        public int size() {
            return size;
        }

        public boolean isEmpty() {
            return size == 0;
        }

        public List<Item> items() {
            return parse.get();
        }
    }
}
