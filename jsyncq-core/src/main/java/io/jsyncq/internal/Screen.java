package io.jsyncq.internal;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Objects;

/**
 * A set of sender or type names that a registration does not want to read. Elements are compared as
 * UTF-8 bytes against the bytes of each record, in place, without allocating.
 *
 * <p>Any thread may edit a screen at any time; each edit replaces an immutable array (copy on write), and a
 * pop uses whichever array it reads first. Screens are short, so a linear search beats hashing the record.
 */
public final class Screen extends AbstractSet<String> {

    private record Entry(String name, byte[] bytes, long hash) {
    }

    private static final Entry[] EMPTY = new Entry[0];

    private volatile Entry[] entries = EMPTY;
    /** Told after every edit: publishes the screens for writers (see {@link ReaderTable#publishScreens}). */
    private final Runnable onChange;

    Screen(Runnable onChange) {
        this.onChange = onChange;
    }

    @Override
    public synchronized boolean add(String name) {
        Objects.requireNonNull(name, "a screen cannot hold null");
        if (contains(name)) {
            return false;
        }
        Entry[] current = entries;
        Entry[] next = Arrays.copyOf(current, current.length + 1);
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        next[current.length] = new Entry(name, bytes, NameHash.of(bytes));
        entries = next;
        onChange.run();
        return true;
    }

    @Override
    public synchronized boolean remove(Object name) {
        Entry[] current = entries;
        Entry[] next = Arrays.stream(current).filter(entry -> !entry.name.equals(name)).toArray(Entry[]::new);
        entries = next;
        if (next.length != current.length) {
            onChange.run();
            return true;
        }
        return false;
    }

    @Override
    public synchronized void clear() {
        if (entries.length != 0) {
            entries = EMPTY;
            onChange.run();
        }
    }

    /** The hashes of the names screened now ({@link NameHash}). */
    long[] hashes() {
        return Arrays.stream(entries).mapToLong(Entry::hash).toArray();
    }

    @Override
    public boolean contains(Object name) {
        for (Entry entry : entries) {
            if (entry.name.equals(name)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int size() {
        return entries.length;
    }

    @Override
    public Iterator<String> iterator() {
        Entry[] snapshot = entries;
        return new Iterator<>() {
            private int next;
            private String last;

            @Override
            public boolean hasNext() {
                return next < snapshot.length;
            }

            @Override
            public String next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                last = snapshot[next++].name;
                return last;
            }

            @Override
            public void remove() {
                if (last == null) {
                    throw new IllegalStateException();
                }
                Screen.this.remove(last);
                last = null;
            }
        };
    }

    /** True if the {@code length} bytes at {@code offset} are the UTF-8 form of any element. */
    boolean matches(MemorySegment memory, long offset, int length) {
        for (Entry entry : entries) {
            if (RecordView.bytesEqual(memory, offset, length, entry.bytes)) {
                return true;
            }
        }
        return false;
    }
}
