package io.jsyncq;

/**
 * The file system of the queue directory (the tmpfs of {@code /dev/shm} by default) has too little free
 * space for a queue of the size asked for. The message says how much is needed and how much is free.
 */
public class InsufficientSpaceException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates one with a message and a cause.
     *
     * @param message how many bytes the queue needs, how many are free if known, and what to do
     * @param cause   the failure to reserve the space, or null when a check of the free space found too little
     */
    public InsufficientSpaceException(String message, Throwable cause) {
        super(message, cause);
    }
}
