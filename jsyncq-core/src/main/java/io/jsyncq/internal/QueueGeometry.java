package io.jsyncq.internal;

import static io.jsyncq.internal.QueueLayout.*;

/**
 * The sizes and offsets of one queue file's variable parts, from its capacity, reader count and the page
 * size of the machine that created it. The ring is page aligned because it is mapped a second time at
 * its own file offset.
 */
public record QueueGeometry(long capacity, int maxReaders, int pageSize) {

    /** The system's page size, as the kernel reports it. */
    public static final int SYSTEM_PAGE_SIZE = Posix.pageSize();

    public static QueueGeometry of(long capacity, int maxReaders) {
        return new QueueGeometry(capacity, maxReaders, SYSTEM_PAGE_SIZE);
    }

    /** The smallest ring: a page, and never less than 4 KiB. */
    public static long minCapacity() {
        return Math.max(MIN_CAPACITY, SYSTEM_PAGE_SIZE);
    }

    public static boolean isValidCapacity(long capacity) {
        return capacity >= minCapacity() && capacity <= MAX_CAPACITY && Long.bitCount(capacity) == 1;
    }

    public long marksOffset() {
        return READER_TABLE_OFFSET + readerTableLength(maxReaders);
    }

    public long marksLength() {
        return (capacity >>> GRANULE_SHIFT) * MARK_LENGTH;
    }

    public long ringOffset() {
        long end = marksOffset() + marksLength();
        return (end + pageSize - 1) / pageSize * pageSize;
    }

    public long fileLength() {
        return ringOffset() + capacity;
    }
}
