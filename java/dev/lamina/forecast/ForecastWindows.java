package dev.lamina.forecast;

/** The network's inputs and targets: windows of feature rows and the changes of the scaled target after them. */
final class ForecastWindows {
    private ForecastWindows() {
    }

    /** The rows start, start + 1, …, start + count − 1. */
    static int[] range(int start, int count) {
        int[] r = new int[count];
        for (int i = 0; i < count; i++) {
            r[i] = start + i;
        }
        return r;
    }

    /** Windows of feature rows t − w + 1 … t for each origin t, row-major [N, w, F]. */
    static float[] windowInputs(double[][] z, int[] origins, int w) {
        int f = z[0].length;
        float[] x = new float[origins.length * w * f];
        int p = 0;
        for (int t : origins) {
            if (t - w + 1 < 0 || t >= z.length) {
                throw new IllegalArgumentException("forecaster: origin row " + t + " needs rows " + (t - w + 1) + ".." + t
                        + " of " + z.length);
            }
            for (int r = t - w + 1; r <= t; r++) {
                for (int c = 0; c < f; c++) {
                    x[p++] = (float) z[r][c];
                }
            }
        }
        return x;
    }

    /** Changes z[t + j] − z[t] of the scaled target for j = 1 … h, row-major [N, h]. */
    static float[] residualTargets(double[][] z, int[] origins, int h) {
        float[] y = new float[origins.length * h];
        for (int i = 0; i < origins.length; i++) {
            int t = origins[i];
            for (int j = 1; j <= h; j++) {
                y[i * h + j - 1] = (float) (z[t + j][0] - z[t][0]);
            }
        }
        return y;
    }

    /**
     * The training weight of each window for {@link ForecastSettings#levelWeight} = a: (1 + y[t])^a
     * for origin t (y the target in its own units, cases), divided by their mean so the weights
     * average 1. a = 0 gives every window weight 1.
     */
    static float[] levelWeights(double[] y, int[] origins, double power) {
        if (!(power >= 0) || !Double.isFinite(power)) {
            throw new IllegalArgumentException("forecaster: the level weight's power must be a finite number >= 0, got " + power);
        }
        double[] w = new double[origins.length];
        double sum = 0;
        for (int i = 0; i < origins.length; i++) {
            w[i] = Math.pow(1 + Math.max(0, y[origins[i]]), power);
            sum += w[i];
        }
        float[] out = new float[origins.length];
        for (int i = 0; i < origins.length; i++) {
            out[i] = (float) (w[i] * origins.length / sum);
        }
        return out;
    }

    /** Targets [N, h] with each window's weight appended as column h: [N, h + 1] ({@link LevelWeightedLoss}'s form). */
    static float[] withWeights(float[] targets, float[] weights, int h) {
        int n = weights.length;
        if (targets.length != n * h) {
            throw new IllegalArgumentException("forecaster: " + targets.length + " targets for " + n + " windows of " + h
                    + " horizons");
        }
        float[] out = new float[n * (h + 1)];
        for (int i = 0; i < n; i++) {
            System.arraycopy(targets, i * h, out, i * (h + 1), h);
            out[i * (h + 1) + h] = weights[i];
        }
        return out;
    }
}
