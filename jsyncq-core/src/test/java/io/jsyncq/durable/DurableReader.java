package io.jsyncq.durable;

import io.jsyncq.SyncQueue;
import io.jsyncq.internal.Registration;
import io.jsyncq.internal.RegistrationSettings;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A process with the durable registration "audit": {@code QUEUE MODE COUNT [ACK_AFTER]}. Prints
 * {@code resumed=true|false} and, when resumed, {@code lastAppend=POSITION|none}; then by MODE:
 * <ul>
 *   <li>{@code read}: pops COUNT messages, printing each body on a line, then {@code done}, and waits to be
 *       killed (or, with COUNT 0 and a fourth argument {@code close}, closes);</li>
 *   <li>{@code read-ack}: acknowledges by hand: reads COUNT messages, acknowledges the end of the ACK_AFTER-th,
 *       prints {@code done}, and waits to be killed;</li>
 *   <li>{@code append-die}: appends "sure" and prints its position ({@code noted=P}), then appends "in doubt"
 *       and dies right after it is published ({@code appended=P}, {@code published}), or with ACK_AFTER
 *       {@code claim}, right after claiming it (before it is written).</li>
 *   <li>{@code relay}: as a relay does, appends COUNT messages under the sender "peer" with {@code appendAs}
 *       ({@code r-FROM}, ...), reading none of them, each followed by a message of another registration of
 *       this process ({@code m-FROM}, ...); FROM is the fourth argument. Prints {@code appended}; then waits
 *       to be killed or, with a fifth argument {@code close}, closes both and prints {@code closed}.</li>
 * </ul>
 */
public final class DurableReader {

    public static void main(String[] args) throws Exception {
        System.setProperty("jsyncq.testing.stalls", "true"); // before jsyncq's classes load
        String name = args[0];
        String mode = args[1];
        int count = Integer.parseInt(args[2]);
        if (mode.equals("append-die")) {
            appendAndDie(name, args.length > 3 && args[3].equals("claim"));
            return;
        }
        if (mode.equals("relay")) {
            relay(name, count, Integer.parseInt(args[3]), args.length > 4 && args[4].equals("close"));
            return;
        }
        SyncQueue.Builder builder = SyncQueue.builder(name).sender("audit").durable();
        if (mode.equals("read-ack")) {
            builder.acknowledgeManually();
        }
        SyncQueue queue = builder.open();
        System.out.println("resumed=" + queue.isResumed());
        if (queue.isResumed()) {
            System.out.println("lastAppend=" + (queue.lastAppendBeforeResume().isPresent()
                    ? Long.toString(queue.lastAppendBeforeResume().getAsLong()) : "none"));
        }
        System.out.flush();
        if (count == 0 && args.length > 3 && args[3].equals("close")) {
            queue.close();
            System.out.println("closed");
            return;
        }
        int ackAfter = args.length > 3 ? Integer.parseInt(args[3]) : -1;
        for (int i = 1; i <= count; i++) {
            int index = i;
            boolean[] got = {false};
            queue.pop(view -> {
                System.out.println(view.bodyText());
                got[0] = true;
                if (index == ackAfter) {
                    queue.acknowledge(view.endPosition());
                }
            }, Duration.ofSeconds(60));
            if (!got[0]) {
                System.out.println("timeout after " + (i - 1));
                System.exit(1);
            }
        }
        System.out.println("done");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // killed by the test
    }

    /** Relays messages it never reads, interleaved with another writer's; filters itself, as a relay must. */
    private static void relay(String name, int count, int from, boolean close) throws InterruptedException {
        SyncQueue audit = SyncQueue.builder(name).sender("audit").durable().open();
        SyncQueue local = SyncQueue.builder(name).sender("local").writeOnly().open();
        System.out.println("resumed=" + audit.isResumed());
        for (int i = from; i < from + count; i++) {
            audit.appendAs("peer", "t", MemorySegment.ofArray(("r-" + i).getBytes(StandardCharsets.UTF_8)),
                    Duration.ofSeconds(10));
            local.append("t", "m-" + i);
        }
        System.out.println("appended");
        System.out.flush();
        if (close) {
            audit.close();
            local.close();
            System.out.println("closed");
            return;
        }
        Thread.sleep(Long.MAX_VALUE); // killed by the test
    }

    /** Dies in the middle of an append, as a relay's process might, through the test hook. */
    private static void appendAndDie(String name, boolean atClaim) {
        RegistrationSettings settings = new RegistrationSettings("audit", 20_000, false, true, true);
        Registration registration = Registration.join(SyncQueue.defaultDirectory(), name, Registration.Join.ATTACH,
                null, settings);
        MemorySegment body = MemorySegment.ofArray("in doubt".getBytes(StandardCharsets.UTF_8));
        long noted = registration.appendAs("audit", "t", MemorySegment.ofArray("sure".getBytes(StandardCharsets.UTF_8)),
                Long.MAX_VALUE);
        System.out.println("noted=" + noted);
        System.out.flush();
        if (atClaim) {
            registration.appendStallingAt("t", body, Registration.StallPoint.AFTER_CLAIM, -1); // halts the JVM
        } else {
            System.out.println("appended=" + registration.appendAs("audit", "t", body, Long.MAX_VALUE));
            System.out.println("published");
            System.out.flush();
            Runtime.getRuntime().halt(0); // dies without closing
        }
    }

}
