package dev.lamina.parity;

/**
 * The distance between a computed array and a reference: {@code rel = ‖out − ref‖ / ‖ref‖} (the
 * absolute norm ‖out − ref‖ when ‖ref‖ = 0), the largest absolute difference, and whether it passes
 * a tolerance. Computed in double; NaN or infinity in the computed values never passes.
 */
public record Comparison(double relError, double maxAbsError, boolean finite) {

    public static Comparison of(double[] out, double[] ref) {
        if (out.length != ref.length) {
            throw new IllegalArgumentException("length " + out.length + " vs " + ref.length);
        }
        double diff2 = 0;
        double ref2 = 0;
        double maxAbs = 0;
        boolean finite = true;
        for (int i = 0; i < out.length; i++) {
            if (!Double.isFinite(out[i])) {
                finite = false;
            }
            double d = out[i] - ref[i];
            diff2 += d * d;
            ref2 += ref[i] * ref[i];
            maxAbs = Math.max(maxAbs, Math.abs(d));
        }
        double diff = Math.sqrt(diff2);
        double refNorm = Math.sqrt(ref2);
        double rel = refNorm == 0 ? diff : diff / refNorm;
        if (!finite) {
            rel = Double.NaN;
            maxAbs = Double.NaN;
        }
        return new Comparison(rel, maxAbs, finite);
    }

    public boolean passes(double tolerance) {
        return finite && Double.isFinite(relError) && relError <= tolerance;
    }
}
