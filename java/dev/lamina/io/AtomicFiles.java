package dev.lamina.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Crash-safe replacement of files and directories: what a reader finds at a path is always a
 * complete old version or a complete new one, never a mix, even when the writing process is killed.
 *
 * <p>A file is written to {@code .NAME.<16 hex>.tmp} beside it, flushed to disk, then renamed over
 * {@code NAME} (one atomic rename). A directory is written complete under
 * {@code .NAME.<16 hex>.tmp}; then the old directory is renamed aside to {@code .NAME.<16 hex>.old},
 * the new one renamed to {@code NAME}, and the old one deleted. A kill between the two renames
 * leaves no {@code NAME} but a complete {@code .NAME.*.old}: {@link #readable} finds it, so loaders
 * still see the previous version. Every write of a target first deletes the temporaries an earlier,
 * interrupted write of the same target left behind (two processes writing one target at the same
 * time is not supported). New files and directories get the process's normal permissions
 * (umask), like any file the program writes.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Temporaries that killed writes of earlier versions left inside a saved directory (replaced with it). */
    private static final Pattern LEFTOVER = Pattern.compile("\\..+\\.[0-9a-f]{16}\\.tmp|\\..+[0-9]+\\.tmp|\\.forecaster-?[0-9]+\\.json");

    /** Writes the contents of a new directory. */
    @FunctionalInterface
    public interface DirectoryWriter {
        void write(Path dir) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Replaces {@code target} with a file holding {@code bytes}, atomically. */
    public static void writeFile(Path target, byte[] bytes) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        try {
            Files.createDirectories(dir);
            cleanStale(abs);
            Path tmp = sibling(abs, ".tmp");
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    ch.force(true);
                }
                move(tmp, abs);
                tmp = null;
            } finally {
                if (tmp != null) {
                    Files.deleteIfExists(tmp);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write: " + e.getMessage(), e);
        }
    }

    /**
     * Replaces the directory {@code target} with one that {@code writer} fills, atomically for
     * readers that go through {@link #readable}. An existing target must be a directory holding
     * only names in {@code ownNames} (what an earlier save wrote), so a save never deletes
     * anything else; otherwise this is an IllegalArgumentException and nothing changes.
     */
    public static void replaceDirectory(Path target, Set<String> ownNames, DirectoryWriter writer) {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new IllegalArgumentException("save: cannot replace the root directory " + target);
        }
        try {
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                checkReplaceable(abs, ownNames);
            }
            Files.createDirectories(parent);
            cleanStale(abs);
            Path tmp = sibling(abs, ".tmp");
            Files.createDirectory(tmp);
            try {
                writer.write(tmp);
                syncTree(tmp);
                if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                    Path old = sibling(abs, ".old");
                    move(abs, old);
                    move(tmp, abs);
                    tmp = null;
                    deleteTree(old);
                } else {
                    move(tmp, abs);
                    tmp = null;
                }
                fsync(parent, true);
            } finally {
                if (tmp != null) {
                    deleteTree(tmp);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot save: " + e.getMessage(), e);
        }
    }

    /**
     * Where to read {@code target} from: the path itself when it exists; when a save was killed
     * between its two renames, the previous version it set aside ({@code .NAME.*.old}); else the
     * path itself (the caller reports it missing).
     */
    public static Path readable(Path target) {
        if (Files.exists(target)) {
            return target;
        }
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return target;
        }
        Pattern old = Pattern.compile(Pattern.quote("." + abs.getFileName()) + "\\.[0-9a-f]{16}\\.old");
        try (Stream<Path> s = Files.list(parent)) {
            List<Path> found = s.filter(p -> old.matcher(p.getFileName().toString()).matches()).sorted().toList();
            return found.size() == 1 ? found.get(0) : target;
        } catch (IOException e) {
            return target;
        }
    }

    /** Deletes what interrupted writes of {@code target} left beside it: {@code .NAME*.tmp} and {@code .NAME.*.old}. */
    static void cleanStale(Path abs) throws IOException {
        Path parent = abs.getParent();
        if (!Files.isDirectory(parent)) {
            return;
        }
        String q = Pattern.quote("." + abs.getFileName());
        // ours (.NAME.<hex>.tmp/.old) and those of Files.createTempFile in earlier versions (.NAME<digits>.tmp)
        Pattern stale = Pattern.compile(q + "(\\.[0-9a-f]{16}\\.(tmp|old)|-?[0-9]+\\.tmp)");
        boolean targetExists = Files.exists(abs, LinkOption.NOFOLLOW_LINKS);
        List<Path> victims = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (stale.matcher(n).matches()) {
                    victims.add(p);
                }
            }
        }
        for (Path p : victims) {
            if (p.getFileName().toString().endsWith(".old") && !targetExists) {
                // a save was killed between its renames: the set-aside version is the only complete one
                move(p, abs);
                targetExists = true;
                continue;
            }
            deleteTree(p);
        }
    }

    private static void checkReplaceable(Path abs, Set<String> ownNames) throws IOException {
        if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("save: " + abs + " exists and is not a directory");
        }
        List<String> foreign = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(abs)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!ownNames.contains(n) && !LEFTOVER.matcher(n).matches()) {
                    foreign.add(n);
                }
            }
        }
        if (!foreign.isEmpty()) {
            throw new IllegalArgumentException("save: " + abs + " holds files a save did not write " + foreign.stream().sorted().limit(5).toList()
                    + (foreign.size() > 5 ? " and " + (foreign.size() - 5) + " more" : "")
                    + "; a save replaces the whole directory, so give it a directory of its own");
        }
    }

    private static Path sibling(Path abs, String suffix) {
        byte[] r = new byte[8];
        RANDOM.nextBytes(r);
        return abs.resolveSibling("." + abs.getFileName() + "." + HexFormat.of().formatHex(r) + suffix);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Flushes every file of a freshly written tree, then the directories, to disk. */
    private static void syncTree(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.toList();
        }
        for (Path p : all) {
            fsync(p, Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS));
        }
    }

    private static void fsync(Path p, boolean directory) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some file systems cannot sync a directory; the renames are still atomic
            if (!directory) {
                throw new UncheckedIOException(p + ": cannot flush to disk: " + e.getMessage(),
                        e instanceof IOException io ? io : new IOException(e));
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> all;
            try (Stream<Path> s = Files.walk(p)) {
                all = new ArrayList<>(s.toList());
            }
            for (int i = all.size() - 1; i >= 0; i--) {
                try {
                    Files.deleteIfExists(all.get(i));
                } catch (NoSuchFileException ignored) {
                    // already gone
                }
            }
        } else {
            Files.deleteIfExists(p);
        }
    }
}
