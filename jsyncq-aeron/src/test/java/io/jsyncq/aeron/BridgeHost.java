package io.jsyncq.aeron;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A bridge as its own process: {@code DIR QUEUE LISTEN PEER_TIMEOUT_MS PEER...}, where a "peer" of the form
 * {@code sequencer=HOST:PORT} names the sequencer instead. Logs to stderr; prints
 * its final status to stdout and exits when its standard input ends (the test closes it) or on SIGTERM.
 */
public final class BridgeHost {

    public static void main(String[] args) throws IOException {
        Bridge.Builder builder = Bridge.builder(args[1]).directory(Path.of(args[0])).listen(args[2])
                .peerTimeout(Duration.ofMillis(Long.parseLong(args[3]))).termLength(1 << 20);
        for (int i = 4; i < args.length; i++) {
            if (args[i].startsWith("sequencer=")) {
                builder.sequencer(args[i].substring("sequencer=".length()));
            } else {
                builder.peer(args[i]);
            }
        }
        Bridge bridge = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bridge.close();
            System.out.println("status " + bridge.status());
            System.out.flush();
        }));
        while (System.in.read() >= 0) {
            // until the test closes our standard input
        }
        System.exit(0);
    }
}
