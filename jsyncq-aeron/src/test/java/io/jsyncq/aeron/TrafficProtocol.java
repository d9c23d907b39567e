package io.jsyncq.aeron;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The test traffic: each writer's messages carry its sequence number and a checksum of the rest, so a
 * reader on any host can tell a message lost, repeated, reordered or damaged on the way.
 *
 * <pre>
 *  0 sequence (i32) | 4 checksum of bytes 8.. (i32) | 8 random bytes, 0 to 16 KiB of them
 * </pre>
 */
final class TrafficProtocol {

    static final String DATA = "data";
    static final int HEADER = 8;

    private TrafficProtocol() {
    }

    /** Mixed sizes: mostly small, some of a few KiB, a few of 16 KiB. */
    static byte[] message(int sequence, SplittableRandom random) {
        int roll = random.nextInt(100);
        int payload = roll < 80 ? random.nextInt(64) : roll < 98 ? random.nextInt(4096) : 16 * 1024;
        byte[] body = new byte[HEADER + payload];
        for (int i = HEADER; i < body.length; i++) {
            body[i] = (byte) random.nextInt(256);
        }
        ByteBuffer buffer = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(0, sequence);
        buffer.putInt(4, checksum(body));
        return body;
    }

    static int sequence(byte[] body) {
        return ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    static boolean intact(byte[] body) {
        return body.length >= HEADER && ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).getInt(4) == checksum(body);
    }

    private static int checksum(byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body, HEADER, body.length - HEADER);
        return (int) crc.getValue();
    }
}
