/**
 * jsyncq: a broadcast message queue in named shared memory, for processes on one machine.
 *
 * <p>Start with {@link io.jsyncq.SyncQueue}. The library maps files under {@code /dev/shm} and waits on
 * futexes through {@code java.lang.foreign}, so the JVM must grant it native access:
 * {@code --enable-native-access=io.jsyncq} on the module path, or {@code --enable-native-access=ALL-UNNAMED}
 * on the class path.
 */
module io.jsyncq {
    requires jdk.jfr;
    exports io.jsyncq;
}
