package io.jsyncq.aeron;

/** A bridge cannot start as described: its message says what to change. */
public final class BridgeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A bridge failure.
     *
     * @param message what is wrong and what to do
     */
    public BridgeException(String message) {
        super(message);
    }

    /**
     * A bridge failure caused by another.
     *
     * @param message what is wrong and what to do
     * @param cause   the failure underneath
     */
    public BridgeException(String message, Throwable cause) {
        super(message, cause);
    }
}
