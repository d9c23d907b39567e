package io.jsyncq.aeron;

import io.jsyncq.MessageView;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The layout of one relayed message in an Aeron stream between bridges: a jsyncq record's header, less
 * what only means something in the origin's file (its writer slot), plus the origin's sequence.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  origin sequence (i64): 1, 2, 3...             |
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
 * Little-endian, as Aeron's own headers. The origin sequence numbers the messages one bridge run sends, on
 * every one of its streams alike: a receiver that sees a gap knows the origin cut it off for that long
 * (its peer timeout), and says so. A frame comes from the network, so {@link #isWellFormed} checks every
 * length before any is used.
 */
final class RelayFrame {

    static final int SEQUENCE_OFFSET = 0;
    static final int BODY_LENGTH_OFFSET = 8;
    static final int SENDER_LENGTH_OFFSET = 12;
    static final int TYPE_LENGTH_OFFSET = 13;
    static final int HEADER_LENGTH = 16;

    private RelayFrame() {
    }

    static int length(MessageView message) {
        return HEADER_LENGTH + message.senderLength() + message.typeLength() + message.bodyLength();
    }

    /**
     * Writes {@code message} into {@code frame} at 0, with {@code sequence}; the frame must hold
     * {@link #length}. Copies the names' and the body's bytes straight from the queue's memory.
     */
    static int encode(MessageView message, long sequence, MutableDirectBuffer frame, MemorySegment frameMemory) {
        int senderLength = message.senderLength();
        int typeLength = message.typeLength();
        int bodyLength = message.bodyLength();
        frame.putLong(SEQUENCE_OFFSET, sequence, ByteOrder.LITTLE_ENDIAN);
        frame.putInt(BODY_LENGTH_OFFSET, bodyLength, ByteOrder.LITTLE_ENDIAN);
        frame.putByte(SENDER_LENGTH_OFFSET, (byte) senderLength);
        frame.putByte(TYPE_LENGTH_OFFSET, (byte) typeLength);
        frame.putShort(TYPE_LENGTH_OFFSET + 1, (short) 0);
        MemorySegment source = message.buffer();
        MemorySegment.copy(source, message.senderOffset(), frameMemory, HEADER_LENGTH, senderLength);
        MemorySegment.copy(source, message.typeOffset(), frameMemory, HEADER_LENGTH + senderLength, typeLength);
        MemorySegment.copy(source, message.bodyOffset(), frameMemory, HEADER_LENGTH + senderLength + typeLength,
                bodyLength);
        return HEADER_LENGTH + senderLength + typeLength + bodyLength;
    }

    /** True if the frame's lengths add up to exactly {@code length} bytes. */
    static boolean isWellFormed(DirectBuffer buffer, int offset, int length) {
        if (length < HEADER_LENGTH) {
            return false;
        }
        long bodyLength = buffer.getInt(offset + BODY_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        return bodyLength >= 0
                && HEADER_LENGTH + senderLength(buffer, offset) + typeLength(buffer, offset) + bodyLength == length;
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
