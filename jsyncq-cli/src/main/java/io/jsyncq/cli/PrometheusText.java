package io.jsyncq.cli;

import io.jsyncq.QueueInfo;
import io.jsyncq.ReaderInfo;

/**
 * A queue's figures in the Prometheus text exposition format (version 0.0.4), named as the
 * {@code jsyncq-micrometer} binder's meters are when a Prometheus registry names them, so that a scrape of
 * {@code jsyncq stat --prometheus} and one of an application look the same.
 */
final class PrometheusText {

    private PrometheusText() {
    }

    static String of(QueueInfo info) {
        StringBuilder text = new StringBuilder();
        String queue = "queue=\"" + escape(info.name()) + "\"";
        metric(text, "jsyncq_queue_capacity_bytes", "gauge", "Ring size", queue, info.capacity());
        metric(text, "jsyncq_queue_used_bytes", "gauge", "Bytes held by the slowest registration", queue, info.usedBytes());
        metric(text, "jsyncq_queue_free_bytes", "gauge", "Bytes free for new messages", queue, info.freeBytes());
        metric(text, "jsyncq_queue_registrations", "gauge", "Registrations, live or dead and not yet reclaimed", queue,
                info.registrations());
        metric(text, "jsyncq_queue_readers_live", "gauge", "Registered processes alive", queue, info.liveReaders());
        metric(text, "jsyncq_queue_appended_bytes_total", "counter", "Bytes ever claimed by appends, headers included",
                queue, info.tail());
        metric(text, "jsyncq_queue_readers_reclaimed_total", "counter", "Registrations of dead processes reclaimed",
                queue, info.readersReclaimed());
        metric(text, "jsyncq_queue_holes_repaired_total", "counter", "Claims of dead writers skipped", queue,
                info.holesRepaired());
        header(text, "jsyncq_reader_lag_bytes", "gauge",
                "Bytes between a registration's read position and the tail: the space it holds");
        for (ReaderInfo reader : info.readers()) {
            if (!reader.writeOnly() && !reader.evicted()) {
                sample(text, "jsyncq_reader_lag_bytes", queue + ",slot=\"" + reader.slot() + "\",sender=\""
                        + escape(reader.sender()) + "\"", reader.lagBytes());
            }
        }
        return text.toString();
    }

    private static void metric(StringBuilder text, String name, String type, String help, String labels, long value) {
        header(text, name, type, help);
        sample(text, name, labels, value);
    }

    private static void header(StringBuilder text, String name, String type, String help) {
        text.append("# HELP ").append(name).append(' ').append(help).append('\n');
        text.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder text, String name, String labels, long value) {
        text.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    /** A label value: backslash, double quote and line feed escaped, as the format requires. */
    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
