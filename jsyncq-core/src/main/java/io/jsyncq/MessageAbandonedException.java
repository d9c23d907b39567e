package io.jsyncq;

/**
 * A message this process was appending was not delivered: readers skipped its space as abandoned, because
 * this process was judged dead or stalled, between claiming the space and writing the message's header,
 * for longer than their abandoned-claim timeout. Nothing of it was delivered; append it again.
 */
public class MessageAbandonedException extends SyncQueueException {
    private static final long serialVersionUID = 1L;

    public MessageAbandonedException(String message) {
        super(message);
    }
}
