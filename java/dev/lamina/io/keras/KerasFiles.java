package dev.lamina.io.keras;

import dev.lamina.io.AtomicFiles;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.util.Json;
import io.jhdf.HdfFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Keras 3 files in and out: the {@code .keras} archive (a zip of config.json, metadata.json and
 * model.weights.h5) and the {@code .weights.h5} weights file. HDF5 is read and written with jhdf
 * (pure Java). What is in a file is decided by its first bytes ({@link #sniff}), so a file of
 * another format gets an error that names the format it is.
 */
public final class KerasFiles {
    /** The file formats told apart by their first bytes. */
    public enum Format {
        /** A zip archive (a {@code .keras} file is one). */
        ZIP("a zip archive"),
        /** An HDF5 file (Keras {@code .weights.h5}, or a Keras 2 {@code .h5} model). */
        HDF5("an HDF5 file"),
        /** A safetensors file (Lamina's own weights format). */
        SAFETENSORS("a safetensors file"),
        /** A directory (Lamina's model directory). */
        DIRECTORY("a directory"),
        /** None of the above. */
        UNKNOWN("not a zip, HDF5 or safetensors file");

        private final String description;

        Format(String description) {
            this.description = description;
        }

        /**
         * The format in words, for messages.
         *
         * @return for example "an HDF5 file"
         */
        public String description() {
            return description;
        }
    }

    /** The Keras version whose archive layout Lamina writes (and was checked against). */
    public static final String KERAS_VERSION = "3.15.1";
    static final String CONFIG = "config.json";
    static final String METADATA = "metadata.json";
    static final String WEIGHTS = "model.weights.h5";
    private static final byte[] HDF5_MAGIC = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final long MAX_MEMBER_BYTES = Integer.MAX_VALUE - 64;

    static {
        // jhdf logs every group it opens at INFO; under Jetty's slf4j binding (lamina serve) that is a line
        // per weight. As ServeCommand does for Jetty itself, default it to WARN unless the user set a level.
        if (System.getProperty("io.jhdf.LEVEL") == null) {
            System.setProperty("io.jhdf.LEVEL", "WARN");
        }
    }

    private KerasFiles() {
    }

    /**
     * Tells a file's format from its first bytes: zip ({@code PK}), HDF5 (its 8-byte signature at
     * offset 0, or after a user block of 512, 1024, 2048... bytes), safetensors (a little-endian
     * header length, then an opening brace).
     *
     * @param file the file
     * @return its format (UNKNOWN for empty or unrecognised files)
     */
    public static Format sniff(Path file) {
        if (Files.isDirectory(file)) {
            return Format.DIRECTORY;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(16);
            if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5) && (head[3] == 4 || head[3] == 6)) {
                return Format.ZIP;
            }
            if (startsWith(head, HDF5_MAGIC)) {
                return Format.HDF5;
            }
            if (head.length >= 9 && head[8] == '{') {
                return Format.SAFETENSORS;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        for (long off = 512; off + 8 <= size && off <= (1L << 20); off *= 2) {
            try (var ch = Files.newByteChannel(file)) {
                ch.position(off);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8);
                while (b.hasRemaining() && ch.read(b) > 0) {
                    // fill
                }
                if (startsWith(b.array(), HDF5_MAGIC)) {
                    return Format.HDF5;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return Format.UNKNOWN;
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a file name is a Keras one: {@code .keras}, {@code .h5} or {@code .hdf5}.
     *
     * @param file a path
     * @return true for a Keras file name
     */
    public static boolean isKerasName(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".keras") || n.endsWith(".h5") || n.endsWith(".hdf5");
    }

    /**
     * Loads a Keras 3 {@code .keras} archive: its architecture (config.json) and its weights
     * (model.weights.h5). Every problem is a {@link KerasFormatException} naming the file (and the
     * layer and option, for what does not map); nothing stays allocated after a failure.
     *
     * <p>A Keras Sequential model, or a functional one whose graph is a plain chain, comes back as
     * a {@link Sequential}; any other functional model (branches, merges, several inputs or
     * outputs, shared layers) as a functional {@link Model}. The caller's type picks {@code M}
     * ({@code Sequential m = KerasFiles.load(p)}; a mismatch is a ClassCastException).
     *
     * @param <M> the model type the caller expects
     * @param file the archive
     * @return the model
     */
    @SuppressWarnings("unchecked")
    public static <M extends Model> M load(Path file) {
        String source = file.toString();
        Format f = requireFile(file, "load");
        if (f != Format.ZIP) {
            String hint = f == Format.HDF5 ? " (a weights-only .weights.h5 loads with loadWeights into a model built in code;"
                    + " a Keras 2 .h5 model does not load: save it with Keras 3 as .keras)" : "";
            throw new KerasFormatException("load: " + source + " is " + f.description() + ", not a Keras .keras archive"
                    + " (a zip of config.json and model.weights.h5)" + hint);
        }
        try (ZipFile zip = openZip(file)) {
            ZipEntry cfgEntry = zip.getEntry(CONFIG);
            if (cfgEntry == null) {
                throw new KerasFormatException("load: " + source + " is a zip archive but not a Keras .keras archive: it has no "
                        + CONFIG + " (entries: " + entries(zip) + ")");
            }
            Map<String, Object> root;
            try {
                root = Json.parseObject(new String(member(zip, cfgEntry, source), StandardCharsets.UTF_8));
            } catch (KerasFormatException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new KerasFormatException("load: " + source + ": " + CONFIG + " is not a JSON object: " + e.getMessage(), e);
            }
            ZipEntry wEntry = zip.getEntry(WEIGHTS);
            if (wEntry == null) {
                String why = zip.getEntry("model.weights.json") != null ? " (sharded weights are not supported)" : "";
                throw new KerasFormatException("load: " + source + ": the archive has no " + WEIGHTS + why + " (entries: "
                        + entries(zip) + ")");
            }
            byte[] weights = member(zip, wEntry, source);
            Model model = KerasModelConfig.modelFromKeras(root, source + "!/" + CONFIG);
            try {
                readWeights(weights, model, source + "!/" + WEIGHTS);
                return (M) model;
            } catch (RuntimeException | Error e) {
                model.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("load: cannot read " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads Keras 3 weights into a model of the same structure, from a {@code .weights.h5} file or
     * from the model.weights.h5 of a {@code .keras} archive. Variables are matched by layer
     * structure, not by name.
     *
     * @param model the model
     * @param file the weights file or archive
     */
    public static void loadWeights(Model model, Path file) {
        String source = file.toString();
        Format f = requireFile(file, "loadWeights");
        if (f == Format.ZIP) {
            try (ZipFile zip = openZip(file)) {
                ZipEntry w = zip.getEntry(WEIGHTS);
                if (w == null) {
                    throw new KerasFormatException("loadWeights: " + source + " is a zip archive without " + WEIGHTS
                            + ", not a Keras .keras archive (entries: " + entries(zip) + ")");
                }
                readWeights(member(zip, w, source), model, source + "!/" + WEIGHTS);
                return;
            } catch (IOException e) {
                throw new UncheckedIOException("loadWeights: cannot read " + source + ": " + e.getMessage(), e);
            }
        }
        if (f != Format.HDF5) {
            throw new KerasFormatException("loadWeights: " + source + " is " + f.description()
                    + ", not a Keras weights file (HDF5, .weights.h5)");
        }
        try (HdfFile h5 = openHdf(() -> new HdfFile(file), source)) {
            KerasWeights.load(h5, KerasModelConfig.kerasOrder(model), source);
        }
    }

    private static void readWeights(byte[] bytes, Model model, String source) {
        try (HdfFile h5 = openHdf(() -> HdfFile.fromBytes(bytes), source)) {
            KerasWeights.load(h5, KerasModelConfig.kerasOrder(model), source);
        }
    }

    private static HdfFile openHdf(java.util.function.Supplier<HdfFile> open, String source) {
        try {
            HdfFile h = open.get();
            h.getChildren(); // reads the root group: a damaged file fails here, not later
            return h;
        } catch (KerasFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new KerasFormatException("load: " + source + " is not a readable HDF5 file: " + e.getMessage(), e);
        }
    }

    private static Format requireFile(Path file, String op) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(op + ": " + file + " does not exist");
        }
        Format f = sniff(file);
        if (f == Format.DIRECTORY) {
            throw new KerasFormatException(op + ": " + file + " is a directory, not a Keras file");
        }
        return f;
    }

    private static ZipFile openZip(Path file) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new KerasFormatException("load: " + file + " starts as a zip archive but is not a readable one (a .keras"
                    + " archive is a zip): " + e.getMessage(), e);
        }
    }

    private static List<String> entries(ZipFile zip) {
        List<String> names = new ArrayList<>();
        for (ZipEntry e : Collections.list(zip.entries())) {
            names.add(e.getName());
        }
        return names;
    }

    private static byte[] member(ZipFile zip, ZipEntry e, String source) throws IOException {
        if (e.getSize() > MAX_MEMBER_BYTES) {
            throw new KerasFormatException("load: " + source + "!/" + e.getName() + " is " + e.getSize() + " bytes, more than"
                    + " Lamina reads from one archive member (" + MAX_MEMBER_BYTES + ")");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) Math.min(MAX_MEMBER_BYTES, Math.max(0, e.getSize()) + 1));
            if (e.getSize() >= 0 && b.length != e.getSize()) {
                throw new KerasFormatException("load: " + source + "!/" + e.getName() + " has " + b.length + " bytes, its zip"
                        + " entry says " + e.getSize());
            }
            return b;
        } catch (ZipException ex) {
            throw new KerasFormatException("load: " + source + "!/" + e.getName() + " is damaged: " + ex.getMessage(), ex);
        }
    }

    /**
     * Writes a Sequential or functional model as a Keras 3 {@code .keras} archive that
     * {@code keras.saving.load_model} reads: config.json in Keras's format (a {@code Functional}
     * with inbound nodes for a functional model), metadata.json and model.weights.h5 (layers
     * numbered in Keras's order). The file is replaced atomically.
     *
     * @param model a built Sequential model, or a functional model, of layers Keras has
     * @param file the archive to write
     */
    public static void save(Model model, Path file) {
        Map<String, Object> root;
        if (model instanceof Sequential seq) {
            root = KerasModelConfig.toKeras(seq);
        } else if (model.getClass() == Model.class && !model.outputs().isEmpty()) {
            root = KerasModelConfig.toKerasFunctional(model);
        } else {
            throw new IllegalArgumentException("save: only Sequential and functional models are written as .keras; "
                    + model.getClass().getSimpleName() + " is a subclassed model (Keras cannot rebuild a Java class); save it to a directory or a .safetensors"
                    + " file, which Model.load re-creates it from");
        }
        byte[] config = Json.writePretty(root).getBytes(StandardCharsets.UTF_8);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("keras_version", KERAS_VERSION);
        meta.put("date_saved", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd@HH:mm:ss")));
        meta.put("written_by", "Lamina");
        byte[] metadata = Json.write(meta).getBytes(StandardCharsets.UTF_8);
        byte[] weights = weightsBytes(model);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            put(zip, METADATA, metadata);
            put(zip, CONFIG, config);
            put(zip, WEIGHTS, weights);
        } catch (IOException e) {
            throw new UncheckedIOException("save: " + e.getMessage(), e);
        }
        AtomicFiles.writeFile(file, out.toByteArray());
    }

    /**
     * Writes the weights alone as a Keras 3 {@code .weights.h5} file (Keras's
     * {@code model.load_weights} reads it into a model of the same structure). Replaced atomically.
     *
     * @param model the model
     * @param file the file to write
     */
    public static void saveWeights(Model model, Path file) {
        AtomicFiles.writeFile(file, weightsBytes(model));
    }

    private static byte[] weightsBytes(Model model) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("lamina-keras-", ".weights.h5");
            KerasWeights.write(tmp, KerasModelConfig.kerasOrder(model));
            return Files.readAllBytes(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("save: cannot write the HDF5 weights: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }
}
