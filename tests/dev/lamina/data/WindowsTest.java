package dev.lamina.data;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Windows on small series with exactly known contents (values are small integers: exact in float32). */
class WindowsTest {
    /** Row t = {t, 10t, 100t}: every value says which row and column it came from. */
    private static double[][] series(int rows) {
        double[][] s = new double[rows][];
        for (int t = 0; t < rows; t++) {
            s[t] = new double[] {t, 10 * t, 100 * t};
        }
        return s;
    }

    @Test
    void horizonOneUnivariate() {
        Windows.Batch b = Windows.make(new double[] {0, 1, 2, 3, 4, 5}, 3, 1);
        assertArrayEquals(new long[] {3, 3, 1}, b.xShape());
        assertArrayEquals(new long[] {3, 1}, b.yShape());
        assertArrayEquals(new float[] {0, 1, 2, 1, 2, 3, 2, 3, 4}, b.x());
        assertArrayEquals(new float[] {3, 4, 5}, b.y());
        assertEquals(5, b.targetRow(2));
    }

    @Test
    void horizonFourStrideTwoMultiFeature() {
        // 12 rows, 3 steps, horizon 4: windows start at 0, 2, 4 (start 6 would need row 12)
        Windows.Batch b = Windows.make(series(12), 3, 4, 2, new int[] {0, 2}, new int[] {1});
        assertEquals(3, b.count());
        assertEquals(3, Windows.count(12, 3, 4, 2));
        assertArrayEquals(new long[] {3, 3, 2}, b.xShape());
        assertArrayEquals(new long[] {3, 1}, b.yShape());
        float[] x = b.x();
        for (int i = 0; i < 3; i++) {
            for (int t = 0; t < 3; t++) {
                int row = 2 * i + t;
                assertEquals(row, x[(i * 3 + t) * 2], "X[" + i + "," + t + ",0]");
                assertEquals(100 * row, x[(i * 3 + t) * 2 + 1], "X[" + i + "," + t + ",1]");
            }
        }
        // last input row e = 2i + 2, target row e + 4, column 1 (10·row)
        assertArrayEquals(new float[] {60, 80, 100}, b.y());
        assertEquals(10, b.targetRow(2));
    }

    @Test
    void multiStepTargets() {
        Windows.Batch b = Windows.makeMultiStep(series(7), 2, 3, 1, new int[] {0}, new int[] {0, 1});
        assertArrayEquals(new long[] {3, 2, 1}, b.xShape());
        assertArrayEquals(new long[] {3, 3, 2}, b.yShape());
        assertArrayEquals(new float[] {0, 1, 1, 2, 2, 3}, b.x());
        assertArrayEquals(new float[] {
            2, 20, 3, 30, 4, 40,
            3, 30, 4, 40, 5, 50,
            4, 40, 5, 50, 6, 60}, b.y());
    }

    @Test
    void tooFewRowsSaysHowMany() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Windows.make(series(6), 4, 3, 1, new int[] {0}, new int[] {0}));
        assertTrue(e.getMessage().contains("at least 7 rows") && e.getMessage().contains("has 6"), e.getMessage());
        // exactly enough rows: one window
        assertEquals(1, Windows.make(series(7), 4, 3, 1, new int[] {0}, new int[] {0}).count());
    }

    @Test
    void validation() {
        assertThrows(IllegalArgumentException.class, () -> Windows.make(series(9), 0, 1, 1, new int[] {0}, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> Windows.make(series(9), 2, 0, 1, new int[] {0}, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> Windows.make(series(9), 2, 1, 0, new int[] {0}, new int[] {0}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Windows.make(series(9), 2, 1, 1, new int[] {3}, new int[] {0}));
        assertTrue(e.getMessage().contains("featureColumns") && e.getMessage().contains("3 columns"), e.getMessage());
    }

    @Test
    void nanInsideAWindowIsRejectedOutsideIgnored() {
        double[][] s = series(8);
        s[4][1] = Double.NaN;
        // column 1 unused: fine
        assertEquals(6, Windows.make(s, 2, 1, 1, new int[] {0}, new int[] {2}).count());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Windows.make(s, 2, 1, 1, new int[] {0}, new int[] {1}));
        assertTrue(e.getMessage().contains("row 4, column 1") && e.getMessage().contains("Series.interpolate"), e.getMessage());
        // after interpolation the windows build, with the filled value 40
        double[][] filled = Series.interpolateColumns(s);
        Windows.Batch b = Windows.make(filled, 2, 1, 1, new int[] {0}, new int[] {1});
        assertEquals(40f, b.y()[2]);
    }

    @Test
    void tensorsOnCurrentBackendAndMemoryReturns() {
        Backend cpu = Backends.cpu();
        long base = cpu.bytesInUse();
        try (Backends.Use use = Backends.use(cpu); Scope scope = Scope.open()) {
            Windows.Batch b = Windows.make(series(10), 3, 2, 1, new int[] {0, 1}, new int[] {2});
            Tensor x = b.xTensor();
            Tensor y = b.yTensor();
            assertEquals(DType.FLOAT32, x.dtype());
            assertEquals(cpu, x.backend());
            assertArrayEquals(new long[] {6, 3, 2}, x.shape());
            assertArrayEquals(new long[] {6, 1}, y.shape());
            assertArrayEquals(b.x(), x.toFloatArray());
            assertArrayEquals(new float[] {400, 500, 600, 700, 800, 900}, y.toFloatArray());
        }
        assertEquals(base, cpu.bytesInUse(), "window tensors freed with their scope");
    }
}
