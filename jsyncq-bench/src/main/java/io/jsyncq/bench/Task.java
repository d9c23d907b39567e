package io.jsyncq.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One task as a worker sees it: the orchestrator's parameters (key=value words), this worker's rank among
 * the task's workers, and the barrier they share.
 */
final class Task {
    final Map<String, String> params;
    final Ctl ctl;
    final String run;
    final int id;
    final int rank;
    final int parties;
    private final int slot;
    private int generation;

    Task(Map<String, String> params, Ctl ctl, String run) {
        this.params = params;
        this.ctl = ctl;
        this.run = run;
        this.id = intParam("task", 0);
        this.rank = intParam("rank", 0);
        this.parties = intParam("parties", 1);
        this.slot = id % Ctl.BARRIER_SLOTS;
    }

    /** Waits until every worker of this task is here. */
    void barrier() {
        if (parties > 1) {
            ctl.await(slot, parties, ++generation);
        }
    }

    /** A name for this task's shared-memory objects: {@code jsyncq-bench-<run>-t<task>-<what>}. */
    String name(String what) {
        return Shm.PREFIX + run + "-t" + id + "-" + what;
    }

    Path shmPath(String what) {
        return Shm.DIR.resolve(name(what));
    }

    String param(String key) {
        String value = params.get(key);
        if (value == null) {
            throw new IllegalArgumentException("task has no parameter " + key + ": " + params);
        }
        return value;
    }

    String param(String key, String fallback) {
        return params.getOrDefault(key, fallback);
    }

    int intParam(String key, int fallback) {
        String value = params.get(key);
        return value == null ? fallback : Integer.parseInt(value);
    }

    long longParam(String key, long fallback) {
        String value = params.get(key);
        return value == null ? fallback : Long.parseLong(value);
    }

    static Map<String, String> parse(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String word : line.trim().split("\\s+")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                out.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return out;
    }

    static String format(Map<String, ?> values) {
        StringBuilder out = new StringBuilder();
        values.forEach((k, v) -> {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append(k).append('=').append(v);
        });
        return out.toString();
    }
}
