package io.jsyncq;

/** Receives messages read in place; see {@link MessageView} for how long a view stays valid. */
@FunctionalInterface
public interface MessageHandler {
    void onMessage(MessageView message);
}
