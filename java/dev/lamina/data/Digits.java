package dev.lamina.data;

import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The handwritten digits set shipped in {@code data/digits/} (scikit-learn's copy of the UCI
 * optical digits test set): 8×8 grayscale images with integer pixels 0..16 and labels 0..9.
 *
 * <p>File format: one image per line, 65 comma-separated integers, no header; the first 64 are
 * the pixels in row-major order, the last is the label. A name ending in {@code .gz} is
 * gunzipped. Pixels are returned unscaled (0..16); divide by 16 for [0, 1].
 */
public final class Digits {
    /** Image side. */
    public static final int SIDE = 8;
    /** Pixels per image. */
    public static final int PIXELS = SIDE * SIDE;
    /** Number of classes. */
    public static final int CLASSES = 10;

    private final float[] pixels;   // [N, 64] row-major
    private final int[] labels;

    private Digits(float[] pixels, int[] labels) {
        this.pixels = pixels;
        this.labels = labels;
    }

    /** Classpath resource of the bundled digits set (in the library jar, and in target/classes). */
    public static final String RESOURCE = "/dev/lamina/data/digits/digits.csv.gz";

    /**
     * Reads the digits set bundled in the library jar as the classpath resource {@link #RESOURCE}
     * (the same 1797 images as {@code data/digits/digits.csv.gz}), so a program that depends on
     * {@code dev.lamina:lamina} needs no data files.
     *
     * @return the bundled digits
     * @throws UncheckedIOException when the resource is missing from the class path or unreadable
     */
    public static Digits load() {
        InputStream raw = Digits.class.getResourceAsStream(RESOURCE);
        if (raw == null) {
            throw new UncheckedIOException("Digits.load: no classpath resource " + RESOURCE
                    + " (is the lamina jar on the class path?)", new NoSuchFileException(RESOURCE));
        }
        try (raw) {
            return parse(new GZIPInputStream(raw), "classpath:" + RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("Digits.load: cannot read classpath:" + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the digits file (for example {@code data/digits/digits.csv.gz}).
     *
     * @param file the file; a name ending in {@code .gz} is gunzipped
     * @return the images and labels of the file
     * @throws UncheckedIOException naming the path when it is missing or unreadable
     * @throws CsvFormatException   naming the file and line for a wrong field count, a non-integer,
     *                              a pixel outside 0..16 or a label outside 0..9
     */
    public static Digits load(Path file) {
        if (!Files.exists(file)) {
            throw new UncheckedIOException("Digits.load: no such file: " + file.toAbsolutePath(),
                    new NoSuchFileException(file.toString()));
        }
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Digits.load: cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** Parses the CSV text of {@code in} (not closed here); {@code source} names it in errors. */
    private static Digits parse(InputStream in, String source) throws IOException {
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        long lineNo = 0;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != PIXELS + 1) {
                throw new CsvFormatException(source, lineNo, "expected " + (PIXELS + 1) + " fields (64 pixels and a label), found "
                        + f.length);
            }
            float[] px = new float[PIXELS];
            for (int i = 0; i < PIXELS; i++) {
                int v = parseInt(source, lineNo, f[i], "pixel " + i);
                if (v < 0 || v > 16) {
                    throw new CsvFormatException(source, lineNo, "pixel " + i + " is " + v + ", expected 0..16");
                }
                px[i] = v;
            }
            int label = parseInt(source, lineNo, f[PIXELS], "label");
            if (label < 0 || label >= CLASSES) {
                throw new CsvFormatException(source, lineNo, "label is " + label + ", expected 0..9");
            }
            rows.add(px);
            labels.add(label);
        }
        if (rows.isEmpty()) {
            throw new CsvFormatException(source, 0, "no images");
        }
        float[] pixels = new float[rows.size() * PIXELS];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, pixels, i * PIXELS, PIXELS);
        }
        return new Digits(pixels, labels.stream().mapToInt(Integer::intValue).toArray());
    }

    private static int parseInt(String source, long line, String s, String what) {
        String t = s.strip();
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            // allow "3.0" as written by some tools, but only for integral values
            try {
                double d = Double.parseDouble(t);
                if (d == Math.rint(d) && Math.abs(d) < 1e9) {
                    return (int) d;
                }
            } catch (NumberFormatException ignored) {
                // fall through
            }
            throw new CsvFormatException(source, line, what + ": not an integer: \"" + s + "\"");
        }
    }

    /** Number of images N. */
    public int size() {
        return labels.length;
    }

    /** Labels 0..9, one per image (a copy). */
    public int[] labels() {
        return labels.clone();
    }

    /** Pixels as rows of 64 values 0..16 ({@code [N][64]}, a copy). */
    public float[][] features() {
        float[][] out = new float[size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = Arrays.copyOfRange(pixels, i * PIXELS, (i + 1) * PIXELS);
        }
        return out;
    }

    /** Pixels flat in row-major [N, 64] order (a copy); the same bytes as [N, 8, 8, 1]. */
    public float[] flat() {
        return pixels.clone();
    }

    /** Pixels as NHWC images {@code [N][8][8][1]}: {@code out[n][r][c][0] = features[n][8·r + c]}. */
    public float[][][][] asImages() {
        float[][][][] out = new float[size()][SIDE][SIDE][1];
        for (int n = 0; n < out.length; n++) {
            for (int r = 0; r < SIDE; r++) {
                for (int c = 0; c < SIDE; c++) {
                    out[n][r][c][0] = pixels[n * PIXELS + r * SIDE + c];
                }
            }
        }
        return out;
    }

    /** float32 tensor [N, 64] on the current backend (the caller owns it). */
    public Tensor featuresTensor() {
        return Tensor.of(pixels, size(), PIXELS);
    }

    /** float32 tensor [N, 8, 8, 1] (NHWC) on the current backend (the caller owns it). */
    public Tensor imagesTensor() {
        return Tensor.of(pixels, size(), SIDE, SIDE, 1);
    }

    /** int32 tensor [N] of labels on the current backend (the caller owns it). */
    public Tensor labelsTensor() {
        return Tensor.of(labels, size());
    }

    /** The images at the given indices, in that order. */
    public Digits subset(int[] indices) {
        float[] px = new float[indices.length * PIXELS];
        int[] lb = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            int k = indices[i];
            if (k < 0 || k >= size()) {
                throw new IllegalArgumentException("Digits.subset: index " + k + " out of range [0, " + size() + ")");
            }
            System.arraycopy(pixels, k * PIXELS, px, i * PIXELS, PIXELS);
            lb[i] = labels[k];
        }
        return new Digits(px, lb);
    }

    /** A train/test pair. */
    public record Split(Digits train, Digits test) {
    }

    /**
     * A seeded random split. With {@code stratify}, each class contributes
     * {@code round(count_c · testFraction)} of its images (chosen at random) to the test set,
     * so both sets keep the class proportions; otherwise {@code round(N · testFraction)} images
     * chosen at random form the test set. Both sets are shuffled. The same seed gives the same
     * split on every machine ({@link Rng} is counter-based).
     */
    public Split trainTestSplit(double testFraction, long seed, boolean stratify) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("Digits.trainTestSplit: testFraction must be in (0, 1), got " + testFraction);
        }
        Rng rng = new Rng(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        if (stratify) {
            for (int c = 0; c < CLASSES; c++) {
                List<Integer> members = new ArrayList<>();
                for (int i = 0; i < size(); i++) {
                    if (labels[i] == c) {
                        members.add(i);
                    }
                }
                int[] m = members.stream().mapToInt(Integer::intValue).toArray();
                rng.shuffle(m);
                int nTest = (int) Math.round(m.length * testFraction);
                for (int i = 0; i < m.length; i++) {
                    (i < nTest ? test : train).add(m[i]);
                }
            }
        } else {
            int[] all = rng.order(size(), true);
            int nTest = (int) Math.round(all.length * testFraction);
            for (int i = 0; i < all.length; i++) {
                (i < nTest ? test : train).add(all[i]);
            }
        }
        int[] tr = train.stream().mapToInt(Integer::intValue).toArray();
        int[] te = test.stream().mapToInt(Integer::intValue).toArray();
        rng.shuffle(tr);
        rng.shuffle(te);
        return new Split(subset(tr), subset(te));
    }
}
