package dev.lamina.data;

import dev.lamina.types.DType;
import dev.lamina.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CIFAR-10 data set in its binary format ({@code cifar-10-batches-bin}): 32×32 colour images
 * in 10 classes.
 *
 * <p>File format: records of 3073 bytes, no header; byte 0 is the label 0..9, then 3072 pixel
 * bytes channel-major: the red plane (1024 bytes, row-major 32×32), then green, then blue. The
 * reader turns them into NHWC: {@code image[n][r][c][ch] = record[1 + ch·1024 + r·32 + c] / 255},
 * values in [0, 1]. Pixels are kept as bytes (3 KiB per image) and converted to float32 when a
 * tensor is asked for.
 */
public final class Cifar10 {
    /** Image side. */
    public static final int SIDE = 32;
    /** Colour channels. */
    public static final int CHANNELS = 3;
    /** Pixel bytes per image. */
    public static final int PIXELS = SIDE * SIDE * CHANNELS;
    /** Bytes per record: the label and the pixels. */
    public static final int RECORD = PIXELS + 1;
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** Class names in label order, as in {@code batches.meta.txt}. */
    public static final List<String> CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");
    /** The training files of {@link #load}, in order. */
    public static final List<String> TRAIN_FILES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin");
    /** The test file of {@link #load}. */
    public static final String TEST_FILE = "test_batch.bin";

    private final byte[] pixels;  // [N, 32, 32, 3] NHWC, unsigned bytes
    private final int[] labels;

    private Cifar10(byte[] pixels, int[] labels) {
        this.pixels = pixels;
        this.labels = labels;
    }

    /**
     * Reads one binary batch file.
     *
     * @throws UncheckedIOException     naming the file when it is missing or unreadable
     * @throws IllegalArgumentException naming the file when its size is not a positive multiple of
     *                                  3073 bytes, or a label byte is not 0..9 (with the record index)
     */
    public static Cifar10 read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UncheckedIOException("Cifar10.read: no such file: " + file.toAbsolutePath(),
                    new NoSuchFileException(file.toString()));
        }
        byte[] raw;
        try {
            long size = Files.size(file);
            if (size == 0 || size % RECORD != 0) {
                throw new IllegalArgumentException("Cifar10.read: " + file + " has " + size
                        + " bytes, not a positive multiple of the " + RECORD + "-byte record (1 label + 3072 pixels)"
                        + (size > RECORD ? "; truncated after " + size / RECORD + " whole records?" : ""));
            }
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("Cifar10.read: " + file + " is too large (" + size + " bytes)");
            }
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cifar10.read: cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        int n = raw.length / RECORD;
        byte[] px = new byte[n * PIXELS];
        int[] lb = new int[n];
        int plane = SIDE * SIDE;
        for (int i = 0; i < n; i++) {
            int base = i * RECORD;
            int label = raw[base] & 0xff;
            if (label >= CLASSES) {
                throw new IllegalArgumentException("Cifar10.read: " + file + ": record " + i + " has label " + label
                        + ", expected 0..9");
            }
            lb[i] = label;
            int out = i * PIXELS;
            for (int p = 0; p < plane; p++) {
                for (int ch = 0; ch < CHANNELS; ch++) {
                    px[out + p * CHANNELS + ch] = raw[base + 1 + ch * plane + p];
                }
            }
        }
        return new Cifar10(px, lb);
    }

    /** A train/test pair. */
    public record Split(Cifar10 train, Cifar10 test) {
    }

    /**
     * Reads {@code data_batch_1.bin} … {@code data_batch_5.bin} (concatenated in that order) and
     * {@code test_batch.bin} from {@code dir}.
     *
     * @throws UncheckedIOException naming the folder and every missing file, before reading any
     */
    public static Split load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UncheckedIOException("Cifar10.load: no such folder: " + dir.toAbsolutePath(),
                    new NoSuchFileException(dir.toString()));
        }
        List<String> missing = new ArrayList<>();
        for (String f : TRAIN_FILES) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                missing.add(f);
            }
        }
        if (!Files.isRegularFile(dir.resolve(TEST_FILE))) {
            missing.add(TEST_FILE);
        }
        if (!missing.isEmpty()) {
            throw new UncheckedIOException("Cifar10.load: " + dir.toAbsolutePath() + " lacks " + String.join(", ", missing)
                    + " (the binary version, cifar-10-batches-bin)", new NoSuchFileException(dir.resolve(missing.get(0)).toString()));
        }
        List<Cifar10> parts = new ArrayList<>();
        for (String f : TRAIN_FILES) {
            parts.add(read(dir.resolve(f)));
        }
        return new Split(concat(parts), read(dir.resolve(TEST_FILE)));
    }

    /** The images of several sets, one after the other. */
    public static Cifar10 concat(List<Cifar10> parts) {
        int n = 0;
        for (Cifar10 p : parts) {
            n += p.size();
        }
        byte[] px = new byte[n * PIXELS];
        int[] lb = new int[n];
        int at = 0;
        for (Cifar10 p : parts) {
            System.arraycopy(p.pixels, 0, px, at * PIXELS, p.pixels.length);
            System.arraycopy(p.labels, 0, lb, at, p.labels.length);
            at += p.size();
        }
        return new Cifar10(px, lb);
    }

    /** Number of images N. */
    public int size() {
        return labels.length;
    }

    /** Labels 0..9 (a copy). */
    public int[] labels() {
        return labels.clone();
    }

    /** Pixel (row, col, channel) of image n in [0, 1]. */
    public float pixel(int n, int row, int col, int channel) {
        return (pixels[n * PIXELS + (row * SIDE + col) * CHANNELS + channel] & 0xff) / 255f;
    }

    /** The first {@code n} images (all when n ≥ size). */
    public Cifar10 limit(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("Cifar10.limit: n must be >= 0, got " + n);
        }
        int m = Math.min(n, size());
        byte[] px = new byte[m * PIXELS];
        System.arraycopy(pixels, 0, px, 0, px.length);
        int[] lb = new int[m];
        System.arraycopy(labels, 0, lb, 0, m);
        return new Cifar10(px, lb);
    }

    /** float32 tensor [N, 32, 32, 3] (NHWC) in [0, 1] on the current backend (the caller owns it). */
    public Tensor imagesTensor() {
        int chunk = 4096;
        if (size() <= chunk) {
            return imagesTensor(0, size());
        }
        List<Tensor> parts = new ArrayList<>();
        try {
            for (int s = 0; s < size(); s += chunk) {
                parts.add(imagesTensor(s, Math.min(size(), s + chunk)));
            }
            return Tensor.concat(parts, 0);
        } finally {
            for (Tensor t : parts) {
                t.close();
            }
        }
    }

    /** float32 tensor [to − from, 32, 32, 3] of images [from, to) (the caller owns it). */
    public Tensor imagesTensor(int from, int to) {
        if (from < 0 || to < from || to > size()) {
            throw new IllegalArgumentException("Cifar10.imagesTensor: range [" + from + ", " + to + ") is outside [0, "
                    + size() + ")");
        }
        int count = to - from;
        ByteBuffer b = ByteBuffer.allocateDirect(count * PIXELS * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = from * PIXELS; i < to * PIXELS; i++) {
            b.putFloat((pixels[i] & 0xff) / 255f);
        }
        b.flip();
        return Tensor.fromBuffer(DType.FLOAT32, new long[] {count, SIDE, SIDE, CHANNELS}, b);
    }

    /** int32 tensor [N] of labels (the caller owns it). */
    public Tensor labelsTensor() {
        return Tensor.of(labels, size());
    }
}
