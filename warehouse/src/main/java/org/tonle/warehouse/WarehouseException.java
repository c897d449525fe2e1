package org.tonle.warehouse;

/** The warehouse could not do what was asked; the record or query was not committed. */
public class WarehouseException extends RuntimeException {

    public WarehouseException(String message) {
        super(message);
    }

    public WarehouseException(String message, Throwable cause) {
        super(message, cause);
    }
}
