package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.List;

/** Sequence utilities for embeddings and recurrent layers (see also {@link dev.lamina.data.Utils}). */
public final class Sequences {
    private Sequences() {
    }

    /**
     * Pads (or truncates) integer sequences to one length, as Keras's {@code pad_sequences}:
     * {@code padding} "pre" (default) puts the padding value before the sequence, "post" after;
     * {@code truncating} "pre" drops the start of longer sequences, "post" the end. maxlen ≤ 0
     * means the longest sequence's length.
     */
    public static int[][] padSequences(List<int[]> sequences, int maxlen, String padding, String truncating, int value) {
        return dev.lamina.data.Utils.padSequencesArray(sequences, maxlen <= 0 ? null : maxlen, padding, truncating, value);
    }

    /** Keras defaults: pre padding, pre truncation, value 0. */
    public static int[][] padSequences(List<int[]> sequences, int maxlen) {
        return padSequences(sequences, maxlen, "pre", "pre", 0);
    }

    /** {@link #padSequences} as an int32 tensor [N, maxlen]. */
    public static Tensor padSequencesTensor(List<int[]> sequences, int maxlen, String padding, String truncating) {
        int[][] p = padSequences(sequences, maxlen, padding, truncating, 0);
        int width = p.length == 0 ? Math.max(0, maxlen) : p[0].length;
        int[] flat = new int[p.length * width];
        for (int i = 0; i < p.length; i++) {
            System.arraycopy(p[i], 0, flat, i * width, width);
        }
        return Tensor.of(flat, p.length, width);
    }
}
