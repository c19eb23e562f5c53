package dev.lamina.backend.cuda;

import java.util.SplittableRandom;

/** The host arrays the cuda kernel tests draw inputs into and compare: seeded uniforms, a relative error, a concatenation. */
final class TestArrays {
    private TestArrays() {
    }

    /** {@code n} values uniform in [lo, hi) from a SplittableRandom of {@code seed}. */
    static double[] random(int n, double lo, double hi, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return v;
    }

    /**
     * ‖got − want‖ / ‖want‖ (the absolute norm when {@code want} is all zeros); infinite when any
     * element of {@code got} is not finite, so NaN never passes a bound.
     */
    static double rel(double[] want, double[] got) {
        double d2 = 0, r2 = 0;
        for (int i = 0; i < want.length; i++) {
            if (!Double.isFinite(got[i])) {
                return Double.POSITIVE_INFINITY;
            }
            d2 += (got[i] - want[i]) * (got[i] - want[i]);
            r2 += want[i] * want[i];
        }
        return r2 == 0 ? Math.sqrt(d2) : Math.sqrt(d2 / r2);
    }

    /** The arrays one after the other. */
    static double[] concat(double[]... parts) {
        int n = 0;
        for (double[] p : parts) {
            n += p.length;
        }
        double[] out = new double[n];
        int o = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
