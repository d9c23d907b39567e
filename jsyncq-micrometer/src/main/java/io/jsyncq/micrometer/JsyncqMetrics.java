package io.jsyncq.micrometer;

import io.jsyncq.QueueInfo;
import io.jsyncq.QueueMonitor;
import io.jsyncq.ReaderInfo;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Binds one queue's figures to a Micrometer registry, read through a {@link QueueMonitor} (which does not
 * register on the queue, so it holds no space):
 *
 * <ul>
 *   <li>{@code jsyncq.queue.capacity}, {@code jsyncq.queue.used}, {@code jsyncq.queue.free} (bytes);
 *   <li>{@code jsyncq.queue.registrations}, {@code jsyncq.queue.readers.live};
 *   <li>{@code jsyncq.queue.appended} (bytes ever claimed, a counter: its rate is the traffic);
 *   <li>{@code jsyncq.queue.readers.reclaimed}, {@code jsyncq.queue.holes.repaired} (counters);
 *   <li>{@code jsyncq.reader.lag} (bytes each reading registration holds), tagged {@code slot} and
 *       {@code sender}, one row per registration present at the last scrape.
 * </ul>
 *
 * Every meter is tagged {@code queue}. A scrape reads one snapshot, taken at most once per
 * {@code refresh} however many meters read it.
 */
public final class JsyncqMetrics implements MeterBinder, AutoCloseable {

    private static final Duration DEFAULT_REFRESH = Duration.ofSeconds(1);

    private final QueueMonitor monitor;
    private final long refreshNanos;
    private final Tags tags;
    private QueueInfo last;
    private long lastNanos;
    private MultiGauge lag;

    /**
     * Binds the queue {@code monitor} watches; closing this closes the monitor. A snapshot serves scrapes for
     * up to one second.
     *
     * @param monitor the monitor of the queue to measure, used by this alone from then on; {@link #close()}
     *                closes it
     */
    public JsyncqMetrics(QueueMonitor monitor) {
        this(monitor, DEFAULT_REFRESH);
    }

    /**
     * As {@link #JsyncqMetrics(QueueMonitor)}, taking a fresh snapshot at most once per {@code refresh}.
     *
     * @param monitor the monitor of the queue to measure, used by this alone from then on; {@link #close()}
     *                closes it
     * @param refresh how long a snapshot serves every meter that reads it; {@link Duration#ZERO} takes a new
     *                one for each meter read
     */
    public JsyncqMetrics(QueueMonitor monitor, Duration refresh) {
        this.monitor = monitor;
        this.refreshNanos = refresh.toNanos();
        this.tags = Tags.of("queue", monitor.name());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "jsyncq.queue.capacity", "bytes", "Ring size", QueueInfo::capacity);
        gauge(registry, "jsyncq.queue.used", "bytes", "Bytes held by the slowest registration", QueueInfo::usedBytes);
        gauge(registry, "jsyncq.queue.free", "bytes", "Bytes free for new messages", QueueInfo::freeBytes);
        gauge(registry, "jsyncq.queue.registrations", null, "Registrations, live or dead and not yet reclaimed",
                QueueInfo::registrations);
        gauge(registry, "jsyncq.queue.readers.live", null, "Registered processes alive", QueueInfo::liveReaders);
        counter(registry, "jsyncq.queue.appended", "bytes", "Bytes ever claimed by appends, headers included",
                QueueInfo::tail);
        counter(registry, "jsyncq.queue.readers.reclaimed", null, "Registrations of dead processes reclaimed",
                QueueInfo::readersReclaimed);
        counter(registry, "jsyncq.queue.holes.repaired", null, "Claims of dead writers skipped",
                QueueInfo::holesRepaired);
        lag = MultiGauge.builder("jsyncq.reader.lag").baseUnit("bytes")
                .description("Bytes between a registration's read position and the tail: the space it holds")
                .tags(tags).register(registry);
        refreshLag(snapshot());
    }

    private void gauge(MeterRegistry registry, String name, String unit, String description,
                       ToDoubleFunction<QueueInfo> value) {
        Gauge.builder(name, this, metrics -> value.applyAsDouble(metrics.snapshot()))
                .baseUnit(unit).description(description).tags(tags).register(registry);
    }

    private void counter(MeterRegistry registry, String name, String unit, String description,
                         ToDoubleFunction<QueueInfo> value) {
        FunctionCounter.builder(name, this, metrics -> value.applyAsDouble(metrics.snapshot()))
                .baseUnit(unit).description(description).tags(tags).register(registry);
    }

    /** The last snapshot, or a new one if it is older than the refresh interval (and the lag rows with it). */
    private synchronized QueueInfo snapshot() {
        long now = System.nanoTime();
        if (last == null || now - lastNanos >= refreshNanos) {
            last = monitor.snapshot(false);
            lastNanos = now;
            if (lag != null) {
                refreshLag(last);
            }
        }
        return last;
    }

    private void refreshLag(QueueInfo info) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (ReaderInfo reader : info.readers()) {
            if (!reader.writeOnly() && !reader.evicted()) {
                rows.add(MultiGauge.Row.of(Tags.of(Tag.of("slot", Integer.toString(reader.slot())),
                        Tag.of("sender", reader.sender())), reader.lagBytes()));
            }
        }
        lag.register(rows, true);
    }

    /** Closes the monitor. */
    @Override
    public void close() {
        monitor.close();
    }
}
