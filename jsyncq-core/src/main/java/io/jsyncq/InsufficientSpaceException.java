package io.jsyncq;

/**
 * The file system of the queue directory (the tmpfs of {@code /dev/shm} by default) has too little free
 * space for a queue of the size asked for. The message says how much is needed and how much is free.
 */
public class InsufficientSpaceException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public InsufficientSpaceException(String message, Throwable cause) {
        super(message, cause);
    }
}
