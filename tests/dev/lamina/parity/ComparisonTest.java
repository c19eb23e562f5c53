package dev.lamina.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ComparisonTest {
    @Test
    void relativeAndAbsolute() {
        Comparison c = Comparison.of(new double[] {3, 4.5}, new double[] {3, 4});
        assertEquals(0.5 / 5, c.relError(), 1e-15);
        assertEquals(0.5, c.maxAbsError(), 1e-15);
        assertTrue(c.passes(0.1));
        assertFalse(c.passes(0.09));
        Comparison zero = Comparison.of(new double[] {1e-6, 0}, new double[] {0, 0});
        assertEquals(1e-6, zero.relError(), 1e-20);
        assertTrue(Comparison.of(new double[0], new double[0]).passes(0));
    }

    @Test
    void nanAndInfNeverPass() {
        assertFalse(Comparison.of(new double[] {Double.NaN}, new double[] {1}).passes(1e9));
        assertFalse(Comparison.of(new double[] {Double.POSITIVE_INFINITY}, new double[] {1}).passes(1e9));
        assertFalse(Comparison.of(new double[] {1}, new double[] {Double.NaN}).passes(1e9));
    }
}
