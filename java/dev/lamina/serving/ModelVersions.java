package dev.lamina.serving;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The versions of one model under its base directory, laid out as TensorFlow Serving lays them out
 * ({@code BASE/1/}, {@code BASE/2/}, ...; other entries, such as a {@code .tmp} directory being
 * written, are ignored). The highest version that loads is served.
 *
 * <p>A directory scan runs every poll interval. A version higher than the served one is loaded
 * when it is <em>complete</em>: none of its files changed during the last poll interval (not
 * asked of the directories present at start), it loads
 * without error (the model savers write every file through a temporary file and a rename, and the
 * file that marks a directory as a model, the weights or {@code forecaster.json}, last, so a
 * directory still being written fails to load), and its files (names, sizes, modification times)
 * were the same before and after the load. Then it replaces the served version in one atomic step:
 * requests already running finish on the old version, which is closed after the last of them
 * ({@link Servable}); new requests go to the new one. No request is refused during the swap.
 *
 * <p>A version that fails to load is reported once and tried again only after its files change.
 */
final class ModelVersions implements AutoCloseable {
    private final ServerConfig cfg;
    private final ServingMetrics metrics;
    private final PrintStream log;
    private final Map<Long, String> failed = new HashMap<>();
    private final ScheduledExecutorService poller;
    private volatile Servable current;
    private boolean closed;

    ModelVersions(ServerConfig cfg, ServingMetrics metrics) {
        this.cfg = cfg;
        this.metrics = metrics;
        this.log = cfg.log();
        if (!Files.isDirectory(cfg.baseDir())) {
            throw new IllegalArgumentException("serve: model base directory " + cfg.baseDir() + " does not exist "
                    + "(expected numbered version directories such as " + cfg.baseDir().resolve("1") + ")");
        }
        poll(false);
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lamina-serving-poll-" + cfg.name());
            t.setDaemon(true);
            return t;
        });
        long ms = cfg.pollInterval().toMillis();
        poller.scheduleWithFixedDelay(this::pollQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** The served version's number, or 0 when none is loaded yet. */
    long servedVersion() {
        Servable s = current;
        return s == null ? 0 : s.version;
    }

    /**
     * A reference to the served version (or to {@code version} when not null) for one request;
     * give it back with {@link Servable#release}. 404 when it is not loaded.
     */
    Servable acquire(Long version) {
        while (true) {
            Servable s = current;
            if (s == null) {
                throw new ServingException(404, "Servable not found for request: no version of model '" + cfg.name()
                        + "' is loaded (is " + cfg.baseDir() + " holding a version directory such as 1/?)");
            }
            if (version != null && s.version != version) {
                throw new ServingException(404, "Servable not found for request: version " + version + " of model '"
                        + cfg.name() + "' is not loaded (serving version " + s.version + ")");
            }
            if (s.tryAcquire()) {
                return s;
            }
            // swapped out between the read and the acquire: the next read sees the new version
            Thread.onSpinWait();
        }
    }

    private void pollQuietly() {
        try {
            poll(true);
        } catch (RuntimeException | Error e) {
            say("serve: scanning " + cfg.baseDir() + " failed: " + e);
        }
    }

    /**
     * One scan: loads and swaps in the highest complete version above the served one. The first
     * scan, at start, takes directories without waiting for them to be quiet for a poll interval.
     */
    synchronized void poll(boolean waitQuiet) {
        if (closed) {
            return;
        }
        TreeMap<Long, Path> versions = listVersions();
        long served = servedVersion();
        for (Map.Entry<Long, Path> e : versions.descendingMap().entrySet()) {
            long v = e.getKey();
            if (v <= served) {
                break;
            }
            if (tryLoad(v, e.getValue(), waitQuiet)) {
                break;
            }
        }
    }

    private boolean tryLoad(long v, Path dir, boolean waitQuiet) {
        String before = fingerprint(dir);
        if (before.equals(failed.get(v))) {
            return false;  // failed before and unchanged since
        }
        if (waitQuiet && newestChange(dir) > System.currentTimeMillis() - cfg.pollInterval().toMillis()) {
            return false;  // still being written (or just finished): look again next poll
        }
        Servable s;
        try {
            s = Servable.load(v, dir, cfg, metrics);
        } catch (RuntimeException | Error e) {
            if (fingerprint(dir).equals(before)) {
                failed.put(v, before);
                metrics.loadFailure();
                say("serve: version " + v + " of model '" + cfg.name() + "' (" + dir + ") does not load: " + oneLine(e)
                        + "; it is tried again when its files change");
            }
            return false;
        }
        if (!fingerprint(dir).equals(before)) {
            s.retire();  // changed while loading: take it next time
            return false;
        }
        failed.remove(v);
        Servable old = current;
        current = s;
        metrics.served(v, old != null);
        say("serve: model '" + cfg.name() + "' version " + v + " loaded from " + dir
                + (old != null ? " (replaces version " + old.version + ")" : ""));
        if (old != null) {
            old.retire();
        }
        return true;
    }

    /** The numbered version directories under the base directory. */
    private TreeMap<Long, Path> listVersions() {
        TreeMap<Long, Path> out = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(cfg.baseDir())) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.matches("[0-9]{1,18}") && Files.isDirectory(p)) {
                    long v = Long.parseLong(n);
                    if (v > 0) {
                        out.put(v, p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("serve: cannot list " + cfg.baseDir() + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Names, sizes and modification times of every file under dir, in order. */
    static String fingerprint(Path dir) {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted().forEach(p -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    sb.append(dir.relativize(p)).append('\u0000').append(a.size()).append('\u0000')
                            .append(a.lastModifiedTime().toMillis()).append('\n');
                } catch (IOException e) {
                    sb.append(dir.relativize(p)).append("\u0000gone\n");
                }
            });
        } catch (IOException | UncheckedIOException e) {
            sb.append("unreadable: ").append(e.getMessage());
        }
        return sb.toString();
    }

    /** The latest modification time (ms) of dir or anything under it. */
    private static long newestChange(Path dir) {
        long[] newest = {0};
        try (Stream<Path> s = Files.walk(dir)) {
            s.forEach(p -> {
                try {
                    newest[0] = Math.max(newest[0], Files.getLastModifiedTime(p).toMillis());
                } catch (IOException e) {
                    newest[0] = Long.MAX_VALUE;  // vanished while walking: being changed
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return Long.MAX_VALUE;
        }
        return newest[0];
    }

    private void say(String line) {
        if (log != null) {
            log.println(line);
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.replace('\n', ' ');
    }

    /** Stops polling and unloads the served version (after its in-flight requests). */
    @Override
    public void close() {
        poller.shutdownNow();
        try {
            poller.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            closed = true;
            Servable s = current;
            current = null;
            if (s != null) {
                s.retire();
            }
        }
    }
}
