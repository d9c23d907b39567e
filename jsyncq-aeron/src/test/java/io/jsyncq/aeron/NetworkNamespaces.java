package io.jsyncq.aeron;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two network namespaces joined by a veth pair (10.231.X.1 and 10.231.X.2), removed on close: two "hosts"
 * whose traffic crosses a real interface. Needs root and iproute2.
 */
final class NetworkNamespaces implements AutoCloseable {

    private final String[] names;
    private final String[] addresses;

    private NetworkNamespaces(String[] names, String[] addresses) {
        this.names = names;
        this.addresses = addresses;
    }

    static boolean available() {
        String probe = "jsq-probe-" + ThreadLocalRandom.current().nextInt(1_000_000);
        boolean made = run(false, "ip", "netns", "add", probe) == 0;
        if (made) {
            run(false, "ip", "netns", "del", probe);
        }
        return made;
    }

    static NetworkNamespaces vethPair() {
        int id = ThreadLocalRandom.current().nextInt(1, 250);
        String tag = Integer.toString(ThreadLocalRandom.current().nextInt(1_000_000));
        String[] names = {"jsq-a-" + tag, "jsq-b-" + tag};
        String[] devices = {"jqa" + tag, "jqb" + tag};
        String[] addresses = {"10.231." + id + ".1", "10.231." + id + ".2"};
        NetworkNamespaces pair = new NetworkNamespaces(names, addresses);
        try {
            run(true, "ip", "netns", "add", names[0]);
            run(true, "ip", "netns", "add", names[1]);
            run(true, "ip", "link", "add", devices[0], "netns", names[0], "type", "veth", "peer", "name", devices[1],
                    "netns", names[1]);
            for (int i = 0; i < 2; i++) {
                run(true, "ip", "-n", names[i], "addr", "add", addresses[i] + "/24", "dev", devices[i]);
                run(true, "ip", "-n", names[i], "link", "set", devices[i], "up");
                run(true, "ip", "-n", names[i], "link", "set", "lo", "up");
            }
            return pair;
        } catch (RuntimeException e) {
            pair.close();
            throw e;
        }
    }

    String firstAddress() {
        return addresses[0];
    }

    String secondAddress() {
        return addresses[1];
    }

    /** The prefix that runs a command inside namespace 0 or 1. */
    List<String> execIn(int namespace) {
        return List.of("ip", "netns", "exec", names[namespace]);
    }

    /** Bytes sent through the first namespace's veth end, as the kernel counts them. */
    long bytesSentByFirst() {
        String output = output("ip", "-n", names[0], "-s", "link", "show", "jqa" + names[0].substring("jsq-a-".length()));
        Matcher tx = Pattern.compile("TX:[^\\n]*\\n\\s*(\\d+)").matcher(output);
        if (!tx.find()) {
            throw new AssertionError("no TX counters in: " + output);
        }
        return Long.parseLong(tx.group(1));
    }

    @Override
    public void close() {
        for (String name : names) {
            run(false, "ip", "netns", "del", name); // takes its veth end, and so the pair, with it
        }
    }

    private static int run(boolean required, String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", command));
            }
            if (required && process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed: " + output);
            }
            return process.exitValue();
        } catch (IOException e) {
            if (required) {
                throw new UncheckedIOException(e);
            }
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String output(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(30, TimeUnit.SECONDS);
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

}
