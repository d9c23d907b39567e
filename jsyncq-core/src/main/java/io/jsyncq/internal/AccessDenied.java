package io.jsyncq.internal;

import io.jsyncq.QueueAccessDeniedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** The one message for a queue's file (or its lock file) that this process may not open: whose it is, and what to do. */
final class AccessDenied {

    private AccessDenied() {
    }

    /** @param what "queue file" or "lock file" */
    static QueueAccessDeniedException of(String what, Path path, Throwable cause) {
        String whose;
        try {
            int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            String ownerName = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName();
            whose = "it belongs to " + ownerName + " (uid " + owner + ") with mode 0" + Integer.toOctalString(mode & 0777)
                    + ", and this process runs as uid " + Posix.geteuid();
        } catch (IOException | UnsupportedOperationException | ClassCastException e) {
            whose = "its owner and mode could not be read";
        }
        QueueAccessDeniedException denied = new QueueAccessDeniedException("permission denied for the " + what + " "
                + path + ": " + whose + ". Run as its owner, or have the queue created with group access "
                + "(jsyncq create --group, Builder.groupAccess) and run in its group");
        denied.initCause(cause);
        return denied;
    }
}
