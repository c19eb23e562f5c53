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
}
