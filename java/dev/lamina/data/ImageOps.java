package dev.lamina.data;

import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;

/**
 * Image preparation for NHWC tensors [N, H, W, C]: one-hot labels, per-channel standardisation and
 * seeded augmentation (random horizontal flips, random crops after zero padding).
 *
 * <p>The augmentations copy the batch to the host, move pixels, and return a new tensor of the
 * same dtype on the same backend (the caller owns it). The same seed gives the same result on
 * every machine ({@link Rng} is counter-based); draw a new seed per batch (for example
 * {@code seed + step}) for fresh augmentation each step.
 */
public final class ImageOps {
    private ImageOps() {
    }

    /**
     * One-hot rows, as {@code keras.utils.to_categorical}: float32 [N, classes] with
     * out[i][labels[i]] = 1 and zeros elsewhere, on the current backend ({@link Utils#toCategorical(int[], int)}).
     *
     * @throws IllegalArgumentException for classes &lt; 1 or a label outside [0, classes), naming its position
     */
    public static Tensor toCategorical(int[] labels, int classes) {
        return Utils.toCategorical(labels, classes);
    }

    private static long[] checkImages(String op, Tensor images) {
        long[] s = images.shape();
        if (s.length != 4) {
            throw new IllegalArgumentException(op + ": images must have rank 4 [N, H, W, C] (NHWC), got "
                    + dev.lamina.tensor.Shapes.str(s));
        }
        if (!images.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": images must be float32 or float64, got " + images.dtype());
        }
        return s;
    }

    /**
     * Per-channel standardisation, fitted on training images: {@code y = (x − mean_c) / std_c}
     * with mean_c and the population std_c taken over every image, row and column of channel c
     * (a channel with std below 1e-12 is only centred: std_c taken as 1).
     */
    public static final class Standardizer {
        private final double[] mean;
        private final double[] std;

        private Standardizer(double[] mean, double[] std) {
            this.mean = mean;
            this.std = std;
        }

        /** Fits mean_c and std_c on {@code images} [N, H, W, C] (accumulated in double). */
        public static Standardizer fit(Tensor images) {
            long[] s = checkImages("Standardizer.fit", images);
            int c = (int) s[3];
            double[] v = images.toDoubleArray();
            long per = v.length / Math.max(c, 1);
            if (per == 0) {
                throw new IllegalArgumentException("Standardizer.fit: no pixels in images " + dev.lamina.tensor.Shapes.str(s));
            }
            double[] mean = new double[c];
            double[] std = new double[c];
            for (int i = 0; i < v.length; i++) {
                mean[i % c] += v[i];
            }
            for (int ch = 0; ch < c; ch++) {
                mean[ch] /= per;
            }
            for (int i = 0; i < v.length; i++) {
                double d = v[i] - mean[i % c];
                std[i % c] += d * d;
            }
            for (int ch = 0; ch < c; ch++) {
                std[ch] = Math.sqrt(std[ch] / per);
                if (std[ch] < 1e-12) {
                    std[ch] = 1;
                }
            }
            return new Standardizer(mean, std);
        }

        /** Per-channel means (a copy). */
        public double[] mean() {
            return mean.clone();
        }

        /** Per-channel standard deviations used for dividing (a copy). */
        public double[] std() {
            return std.clone();
        }

        /** (x − mean) / std per channel, as tensor ops on x's backend; x must have the fitted channel count. */
        public Tensor transform(Tensor images) {
            long[] s = checkImages("Standardizer.transform", images);
            if (s[3] != mean.length) {
                throw new IllegalArgumentException("Standardizer.transform: fitted on " + mean.length
                        + " channels, got images " + dev.lamina.tensor.Shapes.str(s));
            }
            try (Backends.Use u = Backends.use(images.backend())) {
                Tensor m = Tensor.of(mean, mean.length).cast(images.dtype());
                Tensor sd = Tensor.of(std, std.length).cast(images.dtype());
                return images.sub(m).div(sd);
            }
        }
    }

    /** Every image mirrored left-right: y[n, r, c, ch] = x[n, r, W − 1 − c, ch]. */
    public static Tensor flipLeftRight(Tensor images) {
        long[] s = checkImages("flipLeftRight", images);
        boolean[] all = new boolean[(int) s[0]];
        java.util.Arrays.fill(all, true);
        return flip(images, s, all);
    }

    /**
     * Each image mirrored left-right with probability 1/2 (the draws come from {@code new Rng(seed)},
     * one per image in order), as {@code RandomFlip("horizontal")}.
     */
    public static Tensor randomFlipLeftRight(Tensor images, long seed) {
        long[] s = checkImages("randomFlipLeftRight", images);
        Rng rng = new Rng(seed);
        boolean[] which = new boolean[(int) s[0]];
        for (int i = 0; i < which.length; i++) {
            which[i] = rng.nextDouble() < 0.5;
        }
        return flip(images, s, which);
    }

    private static Tensor flip(Tensor images, long[] s, boolean[] which) {
        double[] v = images.toDoubleArray();
        double[] out = v.clone();
        int h = (int) s[1], w = (int) s[2], c = (int) s[3];
        for (int n = 0; n < which.length; n++) {
            if (!which[n]) {
                continue;
            }
            for (int r = 0; r < h; r++) {
                int row = (n * h + r) * w;
                for (int col = 0; col < w; col++) {
                    System.arraycopy(v, (row + w - 1 - col) * c, out, (row + col) * c, c);
                }
            }
        }
        return build(images, out, s);
    }

    /**
     * Random crops after zero padding (the classic CIFAR augmentation): each image is padded with
     * {@code padding} zeros on every side and an H × W window is cut at offsets (dy, dx) drawn
     * uniformly from [0, 2·padding]² ({@code new Rng(seed)}, dy then dx per image in order):
     * y[n, r, c, ch] = x[n, r + dy − padding, c + dx − padding, ch], or 0 outside the image.
     */
    public static Tensor randomCrop(Tensor images, int padding, long seed) {
        long[] s = checkImages("randomCrop", images);
        if (padding < 0) {
            throw new IllegalArgumentException("randomCrop: padding must be >= 0, got " + padding);
        }
        Rng rng = new Rng(seed);
        int n = (int) s[0];
        int[][] offsets = new int[n][2];
        for (int i = 0; i < n; i++) {
            offsets[i][0] = (int) rng.nextLong(2L * padding + 1) - padding;
            offsets[i][1] = (int) rng.nextLong(2L * padding + 1) - padding;
        }
        return shift(images, s, offsets);
    }

    /** Each image n shifted by offsets[n] = (dy, dx): y[n, r, c] = x[n, r + dy, c + dx], zeros outside. */
    static Tensor shift(Tensor images, long[] s, int[][] offsets) {
        double[] v = images.toDoubleArray();
        double[] out = new double[v.length];
        int h = (int) s[1], w = (int) s[2], c = (int) s[3];
        for (int n = 0; n < offsets.length; n++) {
            int dy = offsets[n][0], dx = offsets[n][1];
            for (int r = 0; r < h; r++) {
                int sr = r + dy;
                if (sr < 0 || sr >= h) {
                    continue;
                }
                int c0 = Math.max(0, -dx);
                int c1 = Math.min(w, w - dx);
                if (c1 > c0) {
                    System.arraycopy(v, ((n * h + sr) * w + c0 + dx) * c, out, ((n * h + r) * w + c0) * c, (c1 - c0) * c);
                }
            }
        }
        return build(images, out, s);
    }

    private static Tensor build(Tensor like, double[] values, long[] shape) {
        try (Backends.Use u = Backends.use(like.backend())) {
            if (like.dtype() == DType.FLOAT64) {
                return Tensor.of(values, shape);
            }
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return Tensor.of(f, shape);
        }
    }
}
