package io.jsyncq.internal;

import io.jsyncq.MessageView;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A reusable flyweight over one record in the mapped ring, pointed at each record in turn by a
 * {@link Registration}. Validates a record's header before anything uses its lengths.
 */
public final class RecordView implements MessageView {

    private final MemorySegment memory;
    /** What handlers see: the same mapping, read-only, so that no handler can write a header or cursor. */
    private final MemorySegment readOnlyMemory;
    private final long capacity;
    private long offset;
    private int senderLength;
    private int typeLength;
    private int bodyLength;
    private int recordLength;
    private int writerSlot;
    private long endPosition;

    RecordView(MemorySegment memory, long capacity) {
        this.memory = memory;
        this.readOnlyMemory = memory.asReadOnly();
        this.capacity = capacity;
    }

    /**
     * Points this view at the record that starts at {@code offset} and checks that its header is
     * self-consistent and fits in the ring.
     *
     * @return false if the header is damaged
     */
    boolean wrap(long offset) {
        this.offset = offset;
        long lengths = memory.get(ValueLayout.JAVA_LONG, offset + RecordLayout.LENGTH_OFFSET); // two loads, not four
        long writer = memory.get(ValueLayout.JAVA_LONG, offset + RecordLayout.WRITER_GENERATION_OFFSET);
        recordLength = (int) lengths;
        bodyLength = (int) (lengths >>> 32);
        senderLength = (int) (writer >>> 48) & 0xFF;
        typeLength = (int) (writer >>> 56) & 0xFF;
        writerSlot = (int) (writer >>> 32) & 0xFFFF;
        return recordLength >= RecordLayout.HEADER_LENGTH
                && recordLength <= capacity
                && bodyLength >= 0
                && (long) RecordLayout.HEADER_LENGTH + senderLength + typeLength + bodyLength == recordLength;
    }

    /** Set by the reader before it hands the view to a handler. */
    void endPosition(long position) {
        this.endPosition = position;
    }

    @Override
    public long endPosition() {
        return endPosition;
    }

    /** The slot of the registration that wrote the record. */
    int writerSlot() {
        return writerSlot;
    }

    int recordLength() {
        return recordLength;
    }

    @Override
    public long senderOffset() {
        return offset + RecordLayout.HEADER_LENGTH;
    }

    @Override
    public int senderLength() {
        return senderLength;
    }

    @Override
    public long typeOffset() {
        return senderOffset() + senderLength;
    }

    @Override
    public int typeLength() {
        return typeLength;
    }

    @Override
    public MemorySegment buffer() {
        return readOnlyMemory;
    }

    @Override
    public long bodyOffset() {
        return typeOffset() + typeLength;
    }

    @Override
    public int bodyLength() {
        return bodyLength;
    }

    @Override
    public String sender() {
        return text(senderOffset(), senderLength);
    }

    @Override
    public String type() {
        return text(typeOffset(), typeLength);
    }

    @Override
    public boolean senderEquals(byte[] name) {
        return bytesEqual(senderOffset(), senderLength, name);
    }

    @Override
    public boolean typeEquals(byte[] type) {
        return bytesEqual(typeOffset(), typeLength, type);
    }

    @Override
    public byte[] bodyBytes() {
        return bytes(bodyOffset(), bodyLength);
    }

    @Override
    public String bodyText() {
        return text(bodyOffset(), bodyLength);
    }

    private boolean bytesEqual(long at, int length, byte[] expected) {
        return bytesEqual(memory, at, length, expected);
    }

    static boolean bytesEqual(MemorySegment memory, long at, int length, byte[] expected) {
        if (expected.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (memory.get(ValueLayout.JAVA_BYTE, at + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private byte[] bytes(long at, int length) {
        byte[] copy = new byte[length];
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, at, copy, 0, length);
        return copy;
    }

    private String text(long at, int length) {
        return new String(bytes(at, length), StandardCharsets.UTF_8);
    }
}
