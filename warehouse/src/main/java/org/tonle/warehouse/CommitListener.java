package org.tonle.warehouse;

import java.util.List;
import java.util.concurrent.locks.Lock;

/**
 * Told of every commit of {@link RecordStore}, so that figures kept beside the warehouse (the
 * indicator cube) stay equal to the facts. Called after the transaction is durable and before
 * {@code commit} returns: a listener takes the commit over there (the cube numbers and queues
 * it, and applies it on its own thread), so that a query begun after the write was acknowledged
 * can wait for it.
 */
public interface CommitListener {

    /**
     * A lock the store holds from before its COMMIT until {@link #committed} has returned (around
     * the whole transaction when it reads what it replaces; a transaction of new records only
     * takes it for its COMMIT, as rows not yet committed are invisible to other connections):
     * while {@code committed} runs, the commit is the warehouse's newest. A listener that
     * rebuilds state from the warehouse takes it too, so that it never sees a commit both in the
     * tables and as a call.
     */
    Lock commitLock();

    /**
     * @param removed the facts of the replaced versions (corrections and voids), read inside the transaction
     * @param added   the facts of the new versions
     */
    void committed(List<FactRow> removed, List<FactRow> added);
}
