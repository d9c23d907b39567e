package io.jsyncq.aeron;

import io.jsyncq.QueueClosedException;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * All of a bridge's work on one thread: a duty cycle that runs the embedded media driver and the Aeron
 * client's conductor (both in invoker mode), the {@link Inbound} work (the peers' frames appended) and the
 * {@link Outbound} work (the local queue read without waiting, the outbox served, acknowledgements taken),
 * and backs off when none of them did anything.
 *
 * <p><b>Why one thread.</b> The bridge first had three: outbound (sleeping on the queue's futex), inbound and
 * the driver (each backing off to 1 ms sleeps). Two bridges and two applications were then eight busy threads
 * on a two-core machine against raw Aeron's four, and each message crossed three hand-offs between threads
 * on each host. On one thread the round trip between two hosts fell to less than half (p50, medians of six
 * and seven alternating runs: 1.3 times raw Aeron UDP's, against 3.1 times); throughput did not move (it is
 * spent per message, in copying and appending, not in waiting).
 *
 * <p><b>A full local queue.</b> The inbound work then waits for room, and everything else must go on
 * meanwhile, or the thread would wait for itself: the room the bridge's own appends hold comes back only
 * when the outbound work reads past them and acknowledges, and frames move only when the driver runs. So
 * between its attempts the inbound work runs the rest of the duty cycle ({@link Inbound#whileWaitingForRoom}).
 * Its acknowledgement limit is lifted during those waits (it holds only during one attempt), so the outbound
 * work hands back what it read, as the relay's rules require (design.md §11, {@code model/relay.pml}).
 */
final class BridgeAgent implements Runnable {

    private final Inbound inbound;
    private final Outbound outbound;
    private final List<AgentInvoker> invokers;
    private final BooleanSupplier stopping;
    private final IdleStrategy idle = new BackoffIdleStrategy();

    /**
     * @param invokers the embedded driver's and the client conductor's invokers (the driver's is absent when
     *                 the bridge uses an external driver)
     */
    BridgeAgent(Inbound inbound, Outbound outbound, List<AgentInvoker> invokers, BooleanSupplier stopping) {
        this.inbound = inbound;
        this.outbound = outbound;
        this.invokers = invokers;
        this.stopping = stopping;
        inbound.whileWaitingForRoom(() -> invoke() + outbound.doWork());
    }

    private int invoke() {
        int work = 0;
        for (AgentInvoker invoker : invokers) {
            work += invoker.invoke();
        }
        return work;
    }

    @Override
    public void run() {
        try {
            while (!stopping.getAsBoolean()) {
                idle.idle(invoke() + inbound.doWork() + outbound.doWork());
            }
        } catch (QueueClosedException closed) {
            if (!stopping.getAsBoolean()) {
                throw closed;
            }
        }
    }
}
