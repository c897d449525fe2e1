package org.tonle.warehouse.backup;

/** A backup that cannot be taken or restored; the message says why, for the person who asked. */
public final class BackupException extends RuntimeException {

    public BackupException(String message) {
        super(message);
    }

    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }
}
