package org.tonle.warehouse;

/**
 * The office's outbox holds as many changes as it may; nothing of the request was committed.
 * The office answers 503: headquarters has been unreachable for long, and the records already
 * accepted are safe in the outbox.
 */
public final class OutboxFullException extends WarehouseException {

    private final long depth;
    private final long capacity;

    public OutboxFullException(long depth, long capacity) {
        super("the outbox to headquarters holds " + depth + " of at most " + capacity + " changes", null);
        this.depth = depth;
        this.capacity = capacity;
    }

    public long depth() {
        return depth;
    }

    public long capacity() {
        return capacity;
    }
}
