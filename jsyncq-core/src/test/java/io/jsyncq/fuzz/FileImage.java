package io.jsyncq.fuzz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A queue file read and written through a file channel, little-endian, by offset: the outsider that
 * corrupts it. On tmpfs the writes land in the same pages the queue's mappings show, so a registration
 * that is open in this JVM sees them at once.
 */
final class FileImage implements AutoCloseable {

    private final FileChannel channel;

    private FileImage(FileChannel channel) {
        this.channel = channel;
    }

    static FileImage open(Path path) throws IOException {
        return new FileImage(FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
    }

    long size() throws IOException {
        return channel.size();
    }

    long getLong(long offset) throws IOException {
        return read(offset, Long.BYTES).getLong(0);
    }

    int getInt(long offset) throws IOException {
        return read(offset, Integer.BYTES).getInt(0);
    }

    byte[] get(long offset, int length) throws IOException {
        return read(offset, length).array();
    }

    void putLong(long offset, long value) throws IOException {
        write(offset, buffer(Long.BYTES).putLong(0, value));
    }

    void putInt(long offset, int value) throws IOException {
        write(offset, buffer(Integer.BYTES).putInt(0, value));
    }

    void putShort(long offset, short value) throws IOException {
        write(offset, buffer(Short.BYTES).putShort(0, value));
    }

    void put(long offset, byte[] bytes) throws IOException {
        write(offset, ByteBuffer.wrap(bytes));
    }

    /** Shrinks the file to {@code length} bytes. */
    void truncate(long length) throws IOException {
        channel.truncate(length);
    }

    /** Grows the file to {@code length} bytes (a sparse tail of zeros). */
    void extend(long length) throws IOException {
        if (length > channel.size()) {
            write(length - 1, ByteBuffer.wrap(new byte[1]));
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static ByteBuffer buffer(int length) {
        return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Bytes past the end of the file read as zeros. */
    private ByteBuffer read(long offset, int length) throws IOException {
        ByteBuffer buffer = buffer(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.clear();
    }

    private void write(long offset, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes, offset + bytes.position());
        }
    }
}
