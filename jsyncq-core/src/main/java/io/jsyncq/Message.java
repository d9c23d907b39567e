package io.jsyncq;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A message popped from a queue: who sent it, its type, and its body. The body array belongs to this
 * message; nothing else refers to it.
 *
 * @param sender the sender name of the registration that appended it
 * @param type   the message type given to {@code append}; {@code ""} when none was
 * @param body   the body bytes
 */
public record Message(String sender, String type, byte[] body) {

    /**
     * Holds the body array as it is, without copying it.
     *
     * @throws NullPointerException if any component is null
     */
    public Message {
        java.util.Objects.requireNonNull(sender, "sender");
        java.util.Objects.requireNonNull(type, "type");
        java.util.Objects.requireNonNull(body, "body");
    }

    /**
     * The body decoded as UTF-8 (malformed bytes become U+FFFD).
     *
     * @return a new string on each call
     */
    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * A read-only view of the body.
     *
     * @return a new buffer over the body array, no copy, from position 0 to the body's length
     */
    public ByteBuffer bodyBuffer() {
        return ByteBuffer.wrap(body).asReadOnlyBuffer();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Message that && sender.equals(that.sender) && type.equals(that.type)
                && Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return (sender.hashCode() * 31 + type.hashCode()) * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "Message[sender=" + sender + ", type=" + type + ", body=" + body.length + " bytes]";
    }
}
