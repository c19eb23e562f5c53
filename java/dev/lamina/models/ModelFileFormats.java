package dev.lamina.models;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The {@link ModelFileFormat}s on the class path, looked up once. */
final class ModelFileFormats {
    private static final List<ModelFileFormat> ALL = load();

    private ModelFileFormats() {
    }

    private static List<ModelFileFormat> load() {
        List<ModelFileFormat> all = new ArrayList<>();
        for (ModelFileFormat f : ServiceLoader.load(ModelFileFormat.class, ModelFileFormat.class.getClassLoader())) {
            all.add(f);
        }
        return List.copyOf(all);
    }

    /** The format that writes {@code file} by its name, or null for Lamina's own. */
    static ModelFileFormat byName(Path file) {
        for (ModelFileFormat f : ALL) {
            if (f.claimsName(file)) {
                return f;
            }
        }
        return null;
    }

    /** The format that reads the existing {@code file}, or null for Lamina's own (and for directories). */
    static ModelFileFormat reading(Path file, String op) {
        if (Files.isDirectory(file)) {
            return null;
        }
        for (ModelFileFormat f : ALL) {
            if (f.claims(file, op)) {
                return f;
            }
        }
        return null;
    }
}
