package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.types.DType;

/**
 * How the cpu backend's native sequence kernels compare with the per-step composition: float64
 * bitwise (the same OpenBLAS products), float32 within {@link #F32_REL}·(1 + max|reference|) per
 * element, the maximum over the array (a weight gradient sums B·T terms larger than itself, so its
 * rounding scales with the array, not with each element; measured: 1.9e-5 on an element of -0.71 of
 * a GRU kernel gradient, 32×20 rows, whose array reaches several units), because float32 recurrent products run on the packed microkernel (cpu-kernels/lamina_seq_packed.hpp,
 * one FMA chain per element) rather than OpenBLAS's summation order.
 */
final class SequenceTolerance {
    /** Relative float32 tolerance (to the array's largest magnitude), outputs and gradients alike. */
    static final double F32_REL = 1e-5;

    private SequenceTolerance() {}

    /** Asserts got matches want: bitwise for float64, within the float32 tolerance for float32. */
    static void assertClose(DType dt, double[] want, double[] got, String what) {
        if (dt != DType.FLOAT32) {
            assertArrayEquals(want, got, 0.0, what);
            return;
        }
        assertEquals(want.length, got.length, what + ": length");
        double scale = 0;
        for (double w : want) scale = Math.max(scale, Math.abs(w));
        double tol = F32_REL * (1 + scale);
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(got[i] - want[i]) <= tol)) {
                throw new AssertionError(what + ": element " + i + " expected " + want[i] + " but was " + got[i]
                        + " (tolerance " + tol + ")");
            }
        }
    }
}
