package dev.lamina.tuner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A directory's files as bytes by relative path (what a remote trial ships), and back. */
final class TrialFiles {
    private TrialFiles() {
    }

    /** Every regular file under {@code dir}, by path relative to it ('/'-separated), in sorted order. */
    static Map<String, byte[]> read(Path dir) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.filter(Files::isRegularFile).sorted().toList()) {
                out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("tuner: cannot read " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Writes {@code files} under {@code dir}. */
    static void write(Path dir, Map<String, byte[]> files) {
        try {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path p = inside(dir, f.getKey());
                Files.createDirectories(p.getParent());
                Files.write(p, f.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("tuner: cannot write under " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code dir/relative}, refusing a path that leaves {@code dir}. */
    static Path inside(Path dir, String relative) {
        Path p = dir.resolve(relative).normalize();
        if (!p.startsWith(dir.normalize()) || p.equals(dir.normalize())) {
            throw new IllegalArgumentException("tuner: file path '" + relative + "' leaves its directory");
        }
        return p;
    }

    /** Deletes {@code p} and everything under it (nothing when absent). */
    static void delete(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            List<Path> paths = all.sorted(Comparator.reverseOrder()).toList();
            for (Path q : paths) {
                Files.delete(q);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("tuner: cannot delete " + p + ": " + e.getMessage(), e);
        }
    }
}
