package io.jsyncq.internal;

import io.jsyncq.SyncQueueException;

/**
 * Checks, before any native call is linked, that jsyncq can run here: Linux on x86-64 or aarch64, with
 * native access granted to this module. Linking a downcall without native access would make the JDK print
 * a warning and go on; a clear error that says which flag to add is better.
 */
public final class Platform {

    private Platform() {
    }

    public static void requireUsable() {
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        boolean supported = os.startsWith("Linux")
                && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
        if (!supported) {
            throw new UnsupportedOperationException("jsyncq runs on Linux x86-64 and aarch64; this is "
                    + os + " " + arch);
        }
        Module module = Platform.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            String flag = module.isNamed() ? module.getName() : "ALL-UNNAMED";
            throw new SyncQueueException("jsyncq needs native access to map shared memory and use futexes: "
                    + "start java with --enable-native-access=" + flag);
        }
    }
}
