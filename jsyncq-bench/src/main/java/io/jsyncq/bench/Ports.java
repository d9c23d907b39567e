package io.jsyncq.bench;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * UDP ports on loopback for a task's "hosts". Chosen below the kernel's ephemeral range: a port the kernel
 * handed out and took back (a socket bound to port 0) can be handed out again at once, and every Aeron
 * publication binds an ephemeral port of its own, so one publication could take a host's port before its
 * driver binds it.
 */
final class Ports {

    private static final int LOWEST = 20_000;

    private Ports() {
    }

    /** {@code count} distinct ports, each free on 127.0.0.1 when tried, as {@code p0,p1,...}. */
    static String freeLoopbackUdp(int count) {
        int below = ephemeralLow();
        Set<Integer> ports = new LinkedHashSet<>();
        for (int tries = 0; ports.size() < count; tries++) {
            if (tries == 1_000) {
                throw new IllegalStateException("no free UDP port on loopback from " + LOWEST + " to " + below);
            }
            int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (!ports.contains(port) && bindable(port)) {
                ports.add(port);
            }
        }
        return String.join(",", ports.stream().map(String::valueOf).toList());
    }

    private static boolean bindable(int port) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            return socket.getLocalPort() == port;
        } catch (IOException taken) {
            return false;
        }
    }

    /** The first port of Linux's ephemeral range (32768 if it cannot be read). */
    private static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Math.max(LOWEST + 1_000, Integer.parseInt(range.split("\\s+")[0]));
        } catch (IOException | RuntimeException unreadable) {
            return 32_768;
        }
    }
}
