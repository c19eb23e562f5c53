package dev.lamina.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * toCategorical and padSequences against Keras 3.15.1's {@code keras.utils.to_categorical} and
 * {@code pad_sequences}: the expected arrays were printed by
 * {@code tests/dev/lamina/data/keras/text_expected.py} (output in {@code text_expected.txt}).
 */
class UtilsTest {
    static final List<int[]> SEQS = List.of(new int[] {1, 2, 3}, new int[] {4, 5}, new int[] {6, 7, 8, 9, 10}, new int[0]);

    static int[] flat(int[][] rows) {
        return java.util.Arrays.stream(rows).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    @Test
    void padSequencesMatchesKeras() {
        try (Scope s = Scope.open()) {
            Tensor d = Utils.padSequences(SEQS);
            assertEquals(DType.INT32, d.dtype());
            assertArrayEquals(new long[] {4, 5}, d.shape());
            assertArrayEquals(flat(new int[][] {{0, 0, 1, 2, 3}, {0, 0, 0, 4, 5}, {6, 7, 8, 9, 10}, {0, 0, 0, 0, 0}}),
                    d.toIntArray());
            assertArrayEquals(flat(new int[][] {{0, 1, 2, 3}, {0, 0, 4, 5}, {7, 8, 9, 10}, {0, 0, 0, 0}}),
                    Utils.padSequences(SEQS, 4).toIntArray());
            assertArrayEquals(flat(new int[][] {{1, 2, 3, 0}, {4, 5, 0, 0}, {6, 7, 8, 9}, {0, 0, 0, 0}}),
                    Utils.padSequences(SEQS, 4, "post", "post", 0).toIntArray());
            assertArrayEquals(flat(new int[][] {{1, 2}, {4, 5}, {6, 7}, {9, 9}}),
                    Utils.padSequences(SEQS.toArray(new int[0][]), 2, "pre", "post", 9).toIntArray());
        }
        // the older nn.Sequences entry point gives the same rows (maxlen <= 0 meaning the longest)
        assertArrayEquals(flat(new int[][] {{0, 1, 2, 3}, {0, 0, 4, 5}, {7, 8, 9, 10}, {0, 0, 0, 0}}),
                flat(dev.lamina.nn.Sequences.padSequences(SEQS, 4)));
        assertEquals(5, dev.lamina.nn.Sequences.padSequences(SEQS, 0)[0].length);
    }

    @Test
    void padSequencesRejectsBadArguments() {
        IllegalArgumentException side = assertThrows(IllegalArgumentException.class,
                () -> Utils.padSequences(SEQS, 3, "middle", "pre", 0));
        assertTrue(side.getMessage().contains("'pre' or 'post'"), side.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Utils.padSequences(SEQS, 0));
        assertThrows(IllegalArgumentException.class, () -> Utils.padSequences(SEQS, 3, "pre", "both", 0));
    }

    @Test
    void toCategoricalMatchesKeras() {
        try (Scope s = Scope.open()) {
            Tensor y = Utils.toCategorical(new int[] {0, 2, 1, 2}, 3);
            assertEquals(DType.FLOAT32, y.dtype());
            assertArrayEquals(new long[] {4, 3}, y.shape());
            assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1}, y.toFloatArray());
            Tensor inferred = Utils.toCategorical(new int[] {1, 3});
            assertArrayEquals(new long[] {2, 4}, inferred.shape());
            assertArrayEquals(new float[] {0, 1, 0, 0, 0, 0, 0, 1}, inferred.toFloatArray());
            // Keras drops a trailing axis of 1 (column labels) and keeps other axes
            Tensor column = Utils.toCategorical(Tensor.of(new int[] {1, 0}, 2, 1), 2);
            assertArrayEquals(new long[] {2, 2}, column.shape());
            assertArrayEquals(new float[] {0, 1, 1, 0}, column.toFloatArray());
            Tensor grid = Utils.toCategorical(Tensor.of(new long[] {1, 0, 2, 2, 2, 0}, 2, 3), 3);
            assertArrayEquals(new long[] {2, 3, 3}, grid.shape());
            assertArrayEquals(new float[] {0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0}, grid.toFloatArray());
            // float labels holding whole numbers are accepted; the count is inferred from the largest
            Tensor fromFloat = Utils.toCategorical(Tensor.of(new float[] {2, 0}, 2));
            assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, fromFloat.toFloatArray());
        }
    }

    @Test
    void toCategoricalRejectsBadLabels() {
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> Utils.toCategorical(new int[] {0, 3}, 3));
        assertTrue(range.getMessage().contains("label 3 at position 1 is outside [0, 3)"), range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Utils.toCategorical(new int[] {-1}, 3));
        assertThrows(IllegalArgumentException.class, () -> Utils.toCategorical(new int[] {0}, 0));
        assertThrows(IllegalArgumentException.class, () -> Utils.toCategorical(new int[0]));
        try (Scope s = Scope.open()) {
            IllegalArgumentException frac = assertThrows(IllegalArgumentException.class,
                    () -> Utils.toCategorical(Tensor.of(new float[] {0.5f}, 1), 2));
            assertTrue(frac.getMessage().contains("whole numbers"), frac.getMessage());
        }
    }
}
