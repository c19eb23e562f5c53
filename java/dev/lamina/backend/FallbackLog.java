package dev.lamina.backend;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs, once per backend, kernel and reason, that a fused kernel could not serve and its composition
 * of primitives ran instead (DESIGN rule 4: fast paths say why not). Logger {@code
 * dev.lamina.backend}, level INFO; the message reads
 * {@code "<backend>: <kernel> runs as a composition of primitives: <reason>"}.
 */
public final class FallbackLog {
    /** The logger the fallbacks are reported on. */
    public static final Logger LOG = Logger.getLogger("dev.lamina.backend");

    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    private FallbackLog() {
    }

    /**
     * Reports that {@code what} (a kernel's name) runs composed on {@code backend} because of
     * {@code reason}; logs only the first time this backend, kernel and reason are seen. Returns true
     * when it logged.
     */
    public static boolean report(Backend backend, String what, String reason) {
        String message = backend.name() + ": " + what + " runs as a composition of primitives: " + reason;
        if (!REPORTED.add(backend.name() + '\u0000' + what + '\u0000' + reason)) {
            return false;
        }
        LOG.log(Level.INFO, message);
        return true;
    }

    /** Forgets what was reported, so the next fallback of each kind logs again (for tests). */
    static void reset() {
        REPORTED.clear();
    }
}
