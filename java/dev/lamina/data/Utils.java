package dev.lamina.data;

import dev.lamina.backend.Backends;
import dev.lamina.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Keras's data helpers from {@code keras.utils}: {@link #toCategorical} (one-hot labels) and
 * {@link #padSequences} (integer sequences to one length), with Keras's semantics and defaults.
 *
 * <pre>{@code
 * Tensor y = Utils.toCategorical(labels, 10);                 // keras.utils.to_categorical(labels, 10)
 * Tensor x = Utils.padSequences(seqs, 100, "post", "pre", 0); // pad_sequences(seqs, maxlen=100, padding="post")
 * }</pre>
 */
public final class Utils {
    private Utils() {
    }

    // ---- to_categorical ----

    /**
     * One-hot rows for integer class labels, as {@code keras.utils.to_categorical(y, num_classes)}:
     * a float32 tensor [n, numClasses] with row i all zeros but a 1 at column y[i].
     *
     * @param y class labels, each in [0, numClasses)
     * @param numClasses number of classes (columns), positive
     * @return a new float32 tensor [y.length, numClasses] on the default backend
     */
    public static Tensor toCategorical(int[] y, int numClasses) {
        long[] labels = new long[y.length];
        for (int i = 0; i < y.length; i++) {
            labels[i] = y[i];
        }
        return oneHot(labels, numClasses, new long[] {y.length});
    }

    /**
     * {@link #toCategorical(int[], int)} with numClasses = max(y) + 1, as Keras without
     * {@code num_classes}.
     *
     * @param y class labels, non-negative, at least one
     * @return a new float32 tensor [y.length, max(y) + 1]
     */
    public static Tensor toCategorical(int[] y) {
        if (y.length == 0) {
            throw new IllegalArgumentException("toCategorical: no labels to infer num_classes from; pass numClasses");
        }
        return toCategorical(y, Math.toIntExact((long) Arrays.stream(y).max().getAsInt() + 1));
    }

    /**
     * One-hot encoding of a tensor of class labels, as {@code keras.utils.to_categorical}: labels
     * of shape S give float32 [S..., numClasses]; a trailing axis of size 1 (column labels
     * [n, 1]) is dropped first, as Keras does. Integer tensors and float tensors holding whole
     * numbers are accepted. The result lives on y's backend.
     *
     * @param y class labels, each in [0, numClasses)
     * @param numClasses number of classes, positive
     * @return a new float32 tensor
     */
    public static Tensor toCategorical(Tensor y, int numClasses) {
        long[] shape = y.shape();
        if (shape.length > 1 && shape[shape.length - 1] == 1) {
            shape = Arrays.copyOf(shape, shape.length - 1);
        }
        double[] v = y.toDoubleArray();
        long[] labels = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != Math.rint(v[i]) || Double.isInfinite(v[i])) {
                throw new IllegalArgumentException("toCategorical: labels must be whole numbers, got " + v[i] + " at index " + i);
            }
            labels[i] = (long) v[i];
        }
        try (Backends.Use u = Backends.use(y.backend())) {
            return oneHot(labels, numClasses, shape);
        }
    }

    /**
     * {@link #toCategorical(Tensor, int)} with numClasses = max(y) + 1.
     *
     * @param y class labels, non-negative, at least one
     * @return a new float32 tensor
     */
    public static Tensor toCategorical(Tensor y) {
        if (y.numel() == 0) {
            throw new IllegalArgumentException("toCategorical: no labels to infer num_classes from; pass numClasses");
        }
        double max = Arrays.stream(y.toDoubleArray()).max().getAsDouble();
        if (!(max >= 0 && max < Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("toCategorical: cannot infer num_classes from the largest label " + max);
        }
        return toCategorical(y, (int) max + 1);
    }

    private static Tensor oneHot(long[] labels, int numClasses, long[] shape) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("toCategorical: numClasses must be positive, got " + numClasses);
        }
        long cells = (long) labels.length * numClasses;
        if (cells > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("toCategorical: " + labels.length + " labels x " + numClasses
                    + " classes is too large for one array");
        }
        float[] out = new float[(int) cells];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("toCategorical: label " + labels[i] + " at position " + i + " is outside [0, "
                        + numClasses + ")");
            }
            out[i * numClasses + (int) labels[i]] = 1f;
        }
        long[] outShape = Arrays.copyOf(shape, shape.length + 1);
        outShape[shape.length] = numClasses;
        return Tensor.of(out, outShape);
    }

    // ---- pad_sequences ----

    /**
     * Pads integer sequences to the longest one's length, as {@code keras.utils.pad_sequences(seqs)}:
     * zeros before each sequence. An int32 tensor [n, maxlen].
     *
     * @param sequences the sequences (e.g. from {@link Tokenizer#textsToSequences})
     * @return a new int32 tensor
     */
    public static Tensor padSequences(List<int[]> sequences) {
        return padSequences(sequences, null, "pre", "pre", 0);
    }

    /**
     * Pads or truncates integer sequences to {@code maxlen}, as
     * {@code keras.utils.pad_sequences(seqs, maxlen=maxlen)}: zeros before shorter sequences, the
     * start of longer ones dropped.
     *
     * @param sequences the sequences
     * @param maxlen the length of every row, positive
     * @return a new int32 tensor [n, maxlen]
     */
    public static Tensor padSequences(List<int[]> sequences, int maxlen) {
        return padSequences(sequences, maxlen, "pre", "pre", 0);
    }

    /**
     * Pads or truncates integer sequences to one length, as {@code keras.utils.pad_sequences}.
     *
     * @param sequences the sequences
     * @param maxlen the length of every row, positive; null for the longest sequence's length
     * @param padding "pre" (default in Keras) puts the padding before a shorter sequence, "post" after it
     * @param truncating "pre" (default) drops the start of a longer sequence, "post" its end
     * @param value the padding value (Keras's default 0)
     * @return a new int32 tensor [n, maxlen]
     */
    public static Tensor padSequences(List<int[]> sequences, Integer maxlen, String padding, String truncating, int value) {
        int[][] rows = padSequencesArray(sequences, maxlen, padding, truncating, value);
        int width = rows.length == 0 ? (maxlen == null ? 0 : maxlen) : rows[0].length;
        int[] flat = new int[Math.multiplyExact(rows.length, width)];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * width, width);
        }
        return Tensor.of(flat, rows.length, width);
    }

    /**
     * {@link #padSequences(List, Integer, String, String, int)} for sequences given as rows of an array.
     *
     * @param sequences the sequences
     * @param maxlen the length of every row, positive; null for the longest sequence's length
     * @param padding "pre" or "post"
     * @param truncating "pre" or "post"
     * @param value the padding value
     * @return a new int32 tensor [n, maxlen]
     */
    public static Tensor padSequences(int[][] sequences, Integer maxlen, String padding, String truncating, int value) {
        return padSequences(Arrays.asList(sequences), maxlen, padding, truncating, value);
    }

    /**
     * The rows of {@link #padSequences(List, Integer, String, String, int)} as Java arrays.
     *
     * @param sequences the sequences (none null)
     * @param maxlen the length of every row, positive; null for the longest sequence's length
     * @param padding "pre" or "post"
     * @param truncating "pre" or "post"
     * @param value the padding value
     * @return new arrays, one per sequence, each of length maxlen
     */
    public static int[][] padSequencesArray(List<int[]> sequences, Integer maxlen, String padding, String truncating,
            int value) {
        boolean padPre = side("padding", padding);
        boolean truncPre = side("truncating", truncating);
        int len;
        if (maxlen == null) {
            len = 0;
            for (int i = 0; i < sequences.size(); i++) {
                len = Math.max(len, sequence(sequences, i).length);
            }
        } else if (maxlen < 1) {
            throw new IllegalArgumentException("padSequences: maxlen must be positive (or null for the longest), got " + maxlen);
        } else {
            len = maxlen;
        }
        int[][] out = new int[sequences.size()][len];
        for (int i = 0; i < out.length; i++) {
            int[] s = sequence(sequences, i);
            Arrays.fill(out[i], value);
            int keep = Math.min(len, s.length);
            int from = truncPre ? s.length - keep : 0;
            int to = padPre ? len - keep : 0;
            System.arraycopy(s, from, out[i], to, keep);
        }
        return out;
    }

    private static int[] sequence(List<int[]> sequences, int i) {
        int[] s = sequences.get(i);
        if (s == null) {
            throw new IllegalArgumentException("padSequences: sequence " + i + " is null");
        }
        return s;
    }

    private static boolean side(String what, String v) {
        String s = v == null ? "" : v.toLowerCase(Locale.ROOT);
        switch (s) {
            case "pre":
                return true;
            case "post":
                return false;
            default:
                throw new IllegalArgumentException("padSequences: " + what + " must be 'pre' or 'post', got '" + v + "'");
        }
    }
}
