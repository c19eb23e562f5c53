package dev.lamina.backend;

import java.lang.management.ManagementFactory;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Accounting and the safety net for the host memory of tensors (cpu and reference backends).
 *
 * <p><b>Limit.</b> Every host storage counts toward one process-wide limit. An allocation that
 * would go over it first runs {@link System#gc()} and waits a little for the {@link Cleaner} to free
 * unreachable, never-closed tensors (as JavaCPP's {@code maxBytes} does), retrying up to ten times;
 * only then it fails with an {@link OutOfMemoryError} that names the request, the bytes in use and
 * the limit. The limit is {@value #MAX_BYTES_PROPERTY} (bytes; suffixes k, m, g accepted) when set,
 * else twice the Java heap limit ({@link Runtime#maxMemory()}), at least 1 GiB and at most 90 % of
 * the machine's physical memory. {@link #setLimit} changes it at run time.
 *
 * <p><b>Leaks.</b> A storage whose tensors become unreachable without being closed is freed by the
 * cleaner thread and counted ({@link #leaksFreed()}, {@link #leakedBytesFreed()}). The first such
 * leak is logged once (logger {@code dev.lamina.memory}); with {@code -D}{@value #LEAKS_PROPERTY}
 * {@code =trace} every one is logged with the stack trace of its allocation (capturing it costs a
 * stack walk per allocation, so it is off by default; the property is read at each allocation). Scopes and {@code close()} stay the fast,
 * deterministic way to free memory; the cleaner only bounds what forgotten tensors can hold.
 */
public final class NativeMemory {
    /** System property: the host memory limit in bytes (suffixes k, m, g). */
    public static final String MAX_BYTES_PROPERTY = "lamina.memory.maxBytes";

    /** System property: "trace" logs every leaked storage with its allocation stack trace. */
    public static final String LEAKS_PROPERTY = "lamina.leaks";

    /**
     * System property: "false" registers no new storage with the cleaner, so a forgotten tensor is
     * only freed by an explicit close (read at each allocation). The test build sets it: its exact
     * leak checks (bytes in use before and after a test) must not see an earlier test's leak freed in
     * between. Default: on.
     */
    public static final String CLEANER_PROPERTY = "lamina.memory.cleaner";

    private static final Logger LOG = Logger.getLogger("dev.lamina.memory");
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "lamina-cleaner");
        t.setDaemon(true);
        return t;
    });
    private static final int GC_RETRIES = 10;

    private static final AtomicLong IN_USE = new AtomicLong();
    private static final AtomicLong PEAK = new AtomicLong();
    private static final AtomicLong LEAKS = new AtomicLong();
    private static final AtomicLong LEAKED_BYTES = new AtomicLong();
    private static final AtomicLong GCS = new AtomicLong();
    private static final Object GC_LOCK = new Object();
    private static volatile long limit = defaultLimit();

    private NativeMemory() {
    }

    /** Host bytes held by live storages of all host backends. */
    public static long bytesInUse() {
        return IN_USE.get();
    }

    /** Largest {@link #bytesInUse()} since start or the last {@link #resetPeak()}. */
    public static long peakBytes() {
        return PEAK.get();
    }

    /** Sets {@link #peakBytes()} to the current use. */
    public static void resetPeak() {
        PEAK.set(IN_USE.get());
    }

    /** The limit in bytes (see the class comment). */
    public static long limit() {
        return limit;
    }

    /** Sets the limit in bytes (≥ 1); returns the previous one. */
    public static long setLimit(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("NativeMemory.setLimit: limit must be at least 1 byte, got " + bytes);
        }
        long old = limit;
        limit = bytes;
        return old;
    }

    /** Storages freed by the cleaner because they became unreachable without being closed. */
    public static long leaksFreed() {
        return LEAKS.get();
    }

    /** Bytes of the storages counted in {@link #leaksFreed()}. */
    public static long leakedBytesFreed() {
        return LEAKED_BYTES.get();
    }

    /** Times an allocation ran {@link System#gc()} because the limit was reached. */
    public static long forcedCollections() {
        return GCS.get();
    }

    /**
     * Counts {@code bytes} about to be allocated against the limit, collecting garbage first when
     * they would exceed it; OutOfMemoryError (naming {@code op}) when they still do.
     */
    static void reserve(String op, long bytes) {
        long lim = limit;
        if (bytes > lim) {
            throw new OutOfMemoryError(op + ": " + bytes + " bytes requested, more than the native memory limit of "
                    + lim + " bytes (" + MAX_BYTES_PROPERTY + ")");
        }
        if (tryAdd(bytes)) {
            return;
        }
        synchronized (GC_LOCK) {
            for (int attempt = 0; attempt < GC_RETRIES; attempt++) {
                if (tryAdd(bytes)) {
                    return;
                }
                GCS.incrementAndGet();
                System.gc();
                try {
                    Thread.sleep(attempt < 2 ? 5 : 20L * attempt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (tryAdd(bytes)) {
            return;
        }
        throw new OutOfMemoryError(op + ": " + bytes + " more bytes would exceed the native memory limit of " + limit
                + " bytes (" + IN_USE.get() + " in use after a garbage collection); close tensors or use Scopes, or raise -D"
                + MAX_BYTES_PROPERTY);
    }

    /** Gives back a reservation (allocation failed, or memory freed). */
    static void unreserve(long bytes) {
        IN_USE.addAndGet(-bytes);
    }

    private static boolean tryAdd(long bytes) {
        for (;;) {
            long cur = IN_USE.get();
            long next = cur + bytes;
            if (next > limit && bytes > 0) {
                return false;
            }
            if (IN_USE.compareAndSet(cur, next)) {
                PEAK.accumulateAndGet(next, Math::max);
                return true;
            }
        }
    }

    /** Runs the GC and waits up to {@code maxMillis} for the cleaner to bring use down to {@code target} bytes. */
    public static boolean collect(long target, long maxMillis) {
        long deadline = System.nanoTime() + maxMillis * 1_000_000;
        do {
            System.gc();
            if (IN_USE.get() <= target) {
                return true;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return IN_USE.get() <= target;
            }
        } while (System.nanoTime() < deadline);
        return IN_USE.get() <= target;
    }

    /** Registers {@code owner} with the cleaner; the returned action frees now (once). */
    static Release track(Object owner, long bytes, String backend, Runnable free) {
        // read on every allocation (a map look-up), so tracing can be switched on in a running process
        Throwable site = "trace".equalsIgnoreCase(System.getProperty(LEAKS_PROPERTY, "")) ? new Throwable("allocated here")
                : null;
        Action action = new Action(bytes, backend, free, site);
        boolean clean = !"false".equalsIgnoreCase(System.getProperty(CLEANER_PROPERTY, ""));
        return new Release(action, clean ? CLEANER.register(owner, action) : null);
    }

    /** Frees explicitly (the last reference was released): runs the action once, not counted as a leak. */
    static final class Release {
        private final Action action;
        private final Cleaner.Cleanable cleanable;    // null when the cleaner was off for this storage
        private final java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();

        Release(Action action, Cleaner.Cleanable cleanable) {
            this.action = action;
            this.cleanable = cleanable;
        }

        void run() {
            action.explicit = true;
            if (cleanable != null) {
                cleanable.clean();      // runs the action at most once
            } else if (!ran.getAndSet(true)) {
                action.run();
            }
        }
    }

    /** The free action; holds no reference to its storage. */
    private static final class Action implements Runnable {
        private final long bytes;
        private final String backend;
        private final Runnable free;
        private final Throwable site;
        volatile boolean explicit;

        Action(long bytes, String backend, Runnable free, Throwable site) {
            this.bytes = bytes;
            this.backend = backend;
            this.free = free;
            this.site = site;
        }

        @Override
        public void run() {
            free.run();
            if (!explicit) {
                long n = LEAKS.incrementAndGet();
                LEAKED_BYTES.addAndGet(bytes);
                if (site != null) {
                    LOG.log(Level.WARNING, "freed a " + backend + " storage of " + bytes
                            + " bytes whose tensors were never closed", site);
                } else if (n == 1) {
                    LOG.info("freed a " + backend + " storage of " + bytes + " bytes whose tensors were never closed"
                            + " (the garbage collector found it); close tensors or use Scopes. -D" + LEAKS_PROPERTY
                            + "=trace logs where each leaked tensor was allocated");
                }
            }
        }
    }

    private static long defaultLimit() {
        String v = System.getProperty(MAX_BYTES_PROPERTY);
        if (v != null && !v.isBlank()) {
            return parseBytes(v);
        }
        long heap = Runtime.getRuntime().maxMemory();
        long lim = heap == Long.MAX_VALUE ? Long.MAX_VALUE / 4 : Math.max(2 * heap, 1L << 30);
        try {
            java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                long physical = sun.getTotalMemorySize();
                if (physical > 0) {
                    lim = Math.min(lim, physical / 10 * 9);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // no physical-memory figure on this JVM: keep the heap-based limit
        }
        return lim;
    }

    /** "4096", "512m", "2g" as bytes; IllegalArgumentException naming the property otherwise. */
    static long parseBytes(String v) {
        String s = v.trim().toLowerCase(java.util.Locale.ROOT);
        long mult = 1;
        if (s.endsWith("k") || s.endsWith("m") || s.endsWith("g")) {
            mult = s.endsWith("k") ? 1L << 10 : s.endsWith("m") ? 1L << 20 : 1L << 30;
            s = s.substring(0, s.length() - 1).trim();
        }
        try {
            long n = Math.multiplyExact(Long.parseLong(s), mult);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(MAX_BYTES_PROPERTY + " must be a positive number of bytes (suffix k, m or g"
                    + " allowed), got '" + v + "'");
        }
    }
}
