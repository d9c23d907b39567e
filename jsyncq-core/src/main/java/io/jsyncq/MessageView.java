package io.jsyncq;

import java.lang.foreign.MemorySegment;

/**
 * A message read in place, through a view of the shared memory. Valid only inside
 * {@link MessageHandler#onMessage}: the space is handed back to writers as soon as the handler returns,
 * so copy out whatever must outlive the call.
 *
 * <p>One exception to "valid inside the handler": a registration that an operator evicts while its handler
 * runs no longer holds the message's space, which writers may reuse under it; the pop then ends with
 * {@link RegistrationLostException} after the handler returns, and whatever the handler read must be
 * discarded.
 *
 * <p>{@link #buffer()}, {@link #bodyOffset()} and {@link #bodyLength()} read the body without allocating;
 * the methods that return a {@code String}, an array or a slice allocate as their types imply.
 */
public interface MessageView {

    /** The mapped memory that holds the message; the body is {@code bodyLength()} bytes at {@code bodyOffset()}. */
    MemorySegment buffer();

    long bodyOffset();

    int bodyLength();

    /** The body as a slice of {@link #buffer()}: no copy. */
    default MemorySegment body() {
        return buffer().asSlice(bodyOffset(), bodyLength());
    }

    String sender();

    String type();

    /** True if the sender name is {@code name}, compared as UTF-8 bytes without allocating. */
    boolean senderEquals(byte[] name);

    /** True if the type is {@code type}, compared as UTF-8 bytes without allocating. */
    boolean typeEquals(byte[] type);

    /** A copy of the body. */
    byte[] bodyBytes();

    /** The body decoded as UTF-8. */
    String bodyText();

    /** A copy of the whole message that outlives the handler. */
    default Message toMessage() {
        return new Message(sender(), type(), bodyBytes());
    }
}
