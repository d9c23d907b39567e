package io.jsyncq.bench;

/**
 * How a waiting side waits. SPIN: never gives up the core. BLOCK: each contender's own way of waiting
 * without burning a core: jsyncq spins 20 µs then sleeps on a futex; Aeron and Agrona back off (spin, yield,
 * then park 1 µs to 1 ms); Chronicle uses its balanced pauser (spin, yield, then sleep).
 */
enum Mode {
    SPIN("busy-spin"), BLOCK("blocking");

    final String label;

    Mode(String label) {
        this.label = label;
    }

    static Mode parse(String text) {
        return switch (text) {
            case "spin", "SPIN", "busy-spin" -> SPIN;
            case "block", "BLOCK", "blocking" -> BLOCK;
            default -> throw new IllegalArgumentException("unknown mode " + text);
        };
    }

    String key() {
        return this == SPIN ? "spin" : "block";
    }
}
