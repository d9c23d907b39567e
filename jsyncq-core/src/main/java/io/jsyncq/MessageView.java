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

    /**
     * The mapped memory that holds the message; the body is {@code bodyLength()} bytes at {@code bodyOffset()}.
     *
     * @return a read-only segment over the mapped queue file
     */
    MemorySegment buffer();

    /**
     * Where the body starts.
     *
     * @return the offset of the body's first byte in {@link #buffer()}, in bytes
     */
    long bodyOffset();

    /**
     * How long the body is.
     *
     * @return the body's length in bytes, zero for an empty body
     */
    int bodyLength();

    /**
     * The body as a slice of {@link #buffer()}: no copy.
     *
     * @return a read-only segment of {@code bodyLength()} bytes
     */
    default MemorySegment body() {
        return buffer().asSlice(bodyOffset(), bodyLength());
    }

    /**
     * The sender name of the registration that appended the message.
     *
     * @return the sender name, decoded from UTF-8 into a new string
     */
    String sender();

    /**
     * The message type given to {@code append}.
     *
     * @return the type, decoded from UTF-8 into a new string; {@code ""} when none was given
     */
    String type();

    /**
     * The queue position just past this message: what {@link SyncQueue#acknowledge(long)} takes to hand back
     * this message's space and everything before it, for a registration that acknowledges by hand. Positions
     * only grow, so they also order the messages of one queue.
     *
     * @return a byte position in the queue
     */
    long endPosition();

    /**
     * Where the sender name's UTF-8 bytes start, for copying them out without decoding (a relay's need).
     *
     * @return the offset of the sender name's first byte in {@link #buffer()}, in bytes
     */
    long senderOffset();

    /**
     * How long the sender name is.
     *
     * @return the sender name's length in UTF-8 bytes, 0 to 255
     */
    int senderLength();

    /**
     * Where the type's UTF-8 bytes start, for copying them out without decoding.
     *
     * @return the offset of the type's first byte in {@link #buffer()}, in bytes
     */
    long typeOffset();

    /**
     * How long the type is.
     *
     * @return the type's length in UTF-8 bytes, 0 (none) to 255
     */
    int typeLength();

    /**
     * True if the sender name is {@code name}, compared as UTF-8 bytes without allocating.
     *
     * @param name a sender name encoded as UTF-8, best encoded once outside the handler
     * @return true if the sender name has exactly these bytes
     */
    boolean senderEquals(byte[] name);

    /**
     * True if the type is {@code type}, compared as UTF-8 bytes without allocating.
     *
     * @param type a message type encoded as UTF-8 ({@code new byte[0]} for none), best encoded once outside
     *             the handler
     * @return true if the type has exactly these bytes
     */
    boolean typeEquals(byte[] type);

    /**
     * A copy of the body.
     *
     * @return a new array of {@code bodyLength()} bytes, which outlives the handler
     */
    byte[] bodyBytes();

    /**
     * The body decoded as UTF-8.
     *
     * @return a new string; malformed bytes become U+FFFD
     */
    String bodyText();

    /**
     * A copy of the whole message that outlives the handler.
     *
     * @return a new message holding a copy of the body
     */
    default Message toMessage() {
        return new Message(sender(), type(), bodyBytes());
    }
}
