package dev.lamina.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeriesSplitTest {
    private static final double NaN = Double.NaN;

    @Test
    void interpolatesInteriorGapsLinearly() {
        double[] x = {NaN, 1, NaN, NaN, 4, 5, NaN, 9, NaN};
        double[] y = Series.interpolate(x);
        assertTrue(Double.isNaN(y[0]), "leading NaN stays");
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 7, 9}, java.util.Arrays.copyOfRange(y, 1, 8), 1e-12);
        assertTrue(Double.isNaN(y[8]), "trailing NaN stays");
        assertTrue(Double.isNaN(x[2]), "input untouched");
        assertEquals(2, Series.countNaN(y));
        assertThrows(IllegalArgumentException.class, () -> Series.interpolate(new double[] {1, Double.POSITIVE_INFINITY}));
        double[][] cols = Series.interpolateColumns(new double[][] {{0, 10}, {NaN, NaN}, {2, 30}});
        assertArrayEquals(new double[] {1, 20}, cols[1], 1e-12);
    }

    @Test
    void stackAndColumn() {
        double[][] rows = Series.stack(new double[] {1, 2, 3}, new double[] {4, 5, 6});
        assertArrayEquals(new double[] {3, 6}, rows[2]);
        assertArrayEquals(new double[] {4, 5, 6}, Series.column(rows, 1));
        assertThrows(IllegalArgumentException.class, () -> Series.stack(new double[] {1}, new double[] {1, 2}));
    }

    @Test
    void chronologicalBoundaries() {
        TimeSeriesSplit s = TimeSeriesSplit.chronological(10, 0.6, 0.2);
        assertEquals(new TimeSeriesSplit.Range(0, 6), s.train());
        assertEquals(new TimeSeriesSplit.Range(6, 8), s.val());
        assertEquals(new TimeSeriesSplit.Range(8, 10), s.test());
        // floor, with the rest going to test; 100 * 0.29 must give 29, not 28
        TimeSeriesSplit t = TimeSeriesSplit.chronological(100, 0.29, 0.29);
        assertEquals(29, t.train().size());
        assertEquals(29, t.val().size());
        assertEquals(42, t.test().size());
        TimeSeriesSplit u = TimeSeriesSplit.chronological(7, 0.5, 0.25);
        assertEquals(3, u.train().end());
        assertEquals(4, u.val().end());
        assertEquals(7, u.test().end());
        TimeSeriesSplit all = TimeSeriesSplit.chronological(5, 1.0, 0.0);
        assertTrue(all.val().isEmpty() && all.test().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> TimeSeriesSplit.chronological(10, 0.8, 0.3));
        assertThrows(IllegalArgumentException.class, () -> TimeSeriesSplit.chronological(10, 0.05, 0.1));
        assertThrows(IllegalArgumentException.class, () -> TimeSeriesSplit.chronological(0, 0.5, 0.1));
    }

    @Test
    void slicingAndHistory() {
        TimeSeriesSplit s = TimeSeriesSplit.chronological(10, 0.6, 0.2);
        double[] a = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        assertArrayEquals(new double[] {6, 7}, s.val().slice(a));
        assertArrayEquals(new int[] {8, 9}, s.test().slice(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
        assertEquals(List.of("g", "h"), s.val().slice(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")));
        double[][] rows = Series.stack(a);
        assertEquals(6, s.train().slice(rows).length);
        assertEquals(new TimeSeriesSplit.Range(3, 8), s.val().withHistory(3));
        assertEquals(new TimeSeriesSplit.Range(0, 6), s.train().withHistory(3));
        assertThrows(IllegalArgumentException.class, () -> s.test().slice(new double[9]));
    }
}
