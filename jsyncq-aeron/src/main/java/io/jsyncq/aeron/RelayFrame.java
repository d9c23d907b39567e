package io.jsyncq.aeron;

import io.jsyncq.MessageView;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The layout of one relayed message in an Aeron stream between bridges: a jsyncq record's header, less
 * what only means something in the origin's file (its writer slot), plus where it comes from.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 origin id (i64): the origin's outbox           |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |              origin sequence (i64): 1, 2, 3...                 |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       body length (i32)                       |
 *  +---------------+---------------+-------------------------------+
 *  | sender length | type length   |         reserved (0)          |
 *  +---------------+---------------+-------------------------------+
 *  |  sender bytes, then type bytes, then body bytes (UTF-8 names)  ...
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Little-endian, as Aeron's own headers. The origin id names the origin host's {@link Outbox} (random, made
 * with it), and the origin sequence numbers that outbox's frames for its whole life, across restarts of
 * its bridge: a receiver drops a frame it has appended already (at or below the newest sequence of that
 * origin in its {@link Inbox}), and one that sees a gap knows the origin cut it off for that long, and says
 * so.
 *
 * <p>A <em>gap notice</em> is a header alone with a body length of -1: "no frame of this origin up to this
 * sequence will come to you" (the origin counted them as not delivered to this peer, or it no longer holds
 * them). A receiver appends only a frame that follows the one before it, or the sequence of a notice; any
 * other is one it must drop, because the origin sends it again. A frame comes from the network, so
 * {@link #isWellFormed} checks every length before any is used.
 */
final class RelayFrame {

    static final int ORIGIN_OFFSET = 0;
    static final int SEQUENCE_OFFSET = 8;
    static final int BODY_LENGTH_OFFSET = 16;
    static final int SENDER_LENGTH_OFFSET = 20;
    static final int TYPE_LENGTH_OFFSET = 21;
    static final int HEADER_LENGTH = 24;
    private static final int GAP_NOTICE = -1;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RelayFrame() {
    }

    static int length(MessageView message) {
        return HEADER_LENGTH + message.senderLength() + message.typeLength() + message.bodyLength();
    }

    /**
     * Writes {@code message} into {@code frame} (which holds {@link #length} bytes), from {@code origin}
     * with {@code sequence}. Copies the names' and the body's bytes straight from the queue's memory.
     */
    static void encode(MessageView message, long origin, long sequence, MemorySegment frame) {
        int senderLength = message.senderLength();
        int typeLength = message.typeLength();
        frame.set(LONG, ORIGIN_OFFSET, origin);
        frame.set(LONG, SEQUENCE_OFFSET, sequence);
        frame.set(INT, BODY_LENGTH_OFFSET, message.bodyLength());
        frame.set(INT, SENDER_LENGTH_OFFSET, senderLength | typeLength << 8); // and the reserved bytes, 0
        MemorySegment source = message.buffer();
        long names = message.senderOffset();
        if (message.typeOffset() == names + senderLength && message.bodyOffset() == names + senderLength + typeLength) {
            // A queue record keeps them in the frame's order, back to back: one copy, not three (each copy's
            // bounds and overlap checks showed in a sending bridge's profile with 32-byte messages)
            MemorySegment.copy(source, names, frame, HEADER_LENGTH, senderLength + typeLength + message.bodyLength());
            return;
        }
        MemorySegment.copy(source, names, frame, HEADER_LENGTH, senderLength);
        MemorySegment.copy(source, message.typeOffset(), frame, HEADER_LENGTH + senderLength, typeLength);
        MemorySegment.copy(source, message.bodyOffset(), frame, HEADER_LENGTH + senderLength + typeLength,
                message.bodyLength());
    }

    /** Writes a gap notice from {@code origin}; its sequence is set before each use. */
    static void encodeGapNotice(MutableDirectBuffer notice, long origin) {
        notice.putLong(ORIGIN_OFFSET, origin, ByteOrder.LITTLE_ENDIAN);
        notice.putInt(BODY_LENGTH_OFFSET, GAP_NOTICE, ByteOrder.LITTLE_ENDIAN);
        notice.putInt(SENDER_LENGTH_OFFSET, 0);
    }

    static void setSequence(MutableDirectBuffer frame, long sequence) {
        frame.putLong(SEQUENCE_OFFSET, sequence, ByteOrder.LITTLE_ENDIAN);
    }

    /** True if the frame's lengths add up to exactly {@code length} bytes, or it is a gap notice. */
    static boolean isWellFormed(DirectBuffer buffer, int offset, int length) {
        if (length < HEADER_LENGTH) {
            return false;
        }
        long bodyLength = buffer.getInt(offset + BODY_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        int names = senderLength(buffer, offset) + typeLength(buffer, offset);
        return bodyLength >= 0 ? HEADER_LENGTH + names + bodyLength == length
                : bodyLength == GAP_NOTICE && length == HEADER_LENGTH && names == 0;
    }

    /** True for a well-formed frame that is a gap notice. */
    static boolean isGapNotice(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + BODY_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN) == GAP_NOTICE;
    }

    static long origin(DirectBuffer buffer, int offset) {
        return buffer.getLong(offset + ORIGIN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static long sequence(DirectBuffer buffer, int offset) {
        return buffer.getLong(offset + SEQUENCE_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static int senderLength(DirectBuffer buffer, int offset) {
        return buffer.getByte(offset + SENDER_LENGTH_OFFSET) & 0xFF;
    }

    static int typeLength(DirectBuffer buffer, int offset) {
        return buffer.getByte(offset + TYPE_LENGTH_OFFSET) & 0xFF;
    }

    static String sender(DirectBuffer buffer, int offset) {
        return buffer.getStringWithoutLengthUtf8(offset + HEADER_LENGTH, senderLength(buffer, offset));
    }

    static String type(DirectBuffer buffer, int offset) {
        return buffer.getStringWithoutLengthUtf8(offset + HEADER_LENGTH + senderLength(buffer, offset),
                typeLength(buffer, offset));
    }

    /**
     * The body as a segment over the frame's own memory (Aeron's log buffer, or its reassembly buffer): no
     * copy before the queue's own.
     */
    static MemorySegment body(DirectBuffer buffer, int offset, int length) {
        int bodyOffset = offset + HEADER_LENGTH + senderLength(buffer, offset) + typeLength(buffer, offset);
        int bodyLength = offset + length - bodyOffset;
        byte[] array = buffer.byteArray();
        if (array != null) {
            long arrayOffset = buffer.addressOffset() - BufferUtil.ARRAY_BASE_OFFSET;
            return MemorySegment.ofArray(array).asSlice(arrayOffset + bodyOffset, bodyLength);
        }
        return MemorySegment.ofAddress(buffer.addressOffset() + bodyOffset).reinterpret(bodyLength);
    }
}
