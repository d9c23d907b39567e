package io.jsyncq;

/** Receives messages read in place; see {@link MessageView} for how long a view stays valid. */
@FunctionalInterface
public interface MessageHandler {

    /**
     * Called by a pop, on the popping thread, once for each message it reads. If it throws, the exception
     * ends the pop and this message stays unread. It may append through any handle, and close the handle,
     * but not pop through the handle whose pop called it.
     *
     * @param message the message, valid only until this method returns
     */
    void onMessage(MessageView message);
}
