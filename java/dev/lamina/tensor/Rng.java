package dev.lamina.tensor;

import dev.lamina.types.DType;

/**
 * A seeded counter-based random generator (Philox-4x32-10, the generator of cuRAND, JAX and
 * TensorFlow's stateless ops): the same seed gives the same stream on every machine and backend.
 *
 * <pre>{@code
 * Rng rng = new Rng(42);
 * Tensor w = rng.normal(DType.FLOAT32, 0.0, 0.05, 784, 128);
 * }</pre>
 */
public final class Rng {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private final int key0;
    private final int key1;
    private long counter;
    private final int[] block = new int[4];
    private int used = 4;

    private static Rng global = new Rng(Long.getLong("lamina.seed", 0L));

    /**
     * Reseeds the process-wide generator that initializers, dropout and shuffling draw their
     * seeds from when none is given (as {@code keras.utils.set_random_seed}). The default seed is
     * 0 (or the system property {@code lamina.seed}), so runs are reproducible by default.
     */
    public static synchronized void setGlobalSeed(long seed) {
        global = new Rng(seed);
    }

    /** A fresh seed from the process-wide generator. */
    public static synchronized long nextGlobalSeed() {
        return ((long) global.nextInt() << 32) ^ Integer.toUnsignedLong(global.nextInt());
    }

    public Rng(long seed) {
        this.key0 = (int) seed;
        this.key1 = (int) (seed >>> 32);
    }

    /** Next 32 random bits. */
    public int nextInt() {
        if (used == 4) {
            philox(counter++);
            used = 0;
        }
        return block[used++];
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        long hi = Integer.toUnsignedLong(nextInt()) >>> 5;   // 27 bits
        long lo = Integer.toUnsignedLong(nextInt()) >>> 6;   // 26 bits
        return ((hi << 26) | lo) * 0x1.0p-53;
    }

    /** Standard normal (Box-Muller). */
    public double nextGaussian() {
        double u1 = nextDouble();
        double u2 = nextDouble();
        if (u1 < 1e-300) {
            u1 = 1e-300;
        }
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** Uniform integer in [0, bound). */
    public long nextLong(long bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("Rng.nextLong: bound must be positive, got " + bound);
        }
        return (long) Math.floor(nextDouble() * bound);
    }

    /**
     * Shuffles {@code a} in place (Fisher-Yates from the last element down, each swap partner drawn
     * with {@link #nextLong(long)}), so the same seed gives the same order.
     */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = (int) nextLong(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** 0, 1, ..., n − 1, in order or (when {@code shuffle}) shuffled with {@link #shuffle(int[])}. */
    public int[] order(int n, boolean shuffle) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        if (shuffle) {
            shuffle(idx);
        }
        return idx;
    }

    /** Values uniform in [lo, hi). */
    public Tensor uniform(DType dtype, double lo, double hi, long... shape) {
        if (!(hi >= lo)) {
            throw new IllegalArgumentException("Rng.uniform: need lo <= hi, got [" + lo + ", " + hi + ")");
        }
        double[] v = new double[Shapes.checkedNumel("uniform", shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * nextDouble();
        }
        return Tensor.of(v, shape).castAndClose(dtype);
    }

    /** Values from N(mean, std²). */
    public Tensor normal(DType dtype, double mean, double std, long... shape) {
        double[] v = new double[Shapes.checkedNumel("normal", shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = mean + std * nextGaussian();
        }
        return Tensor.of(v, shape).castAndClose(dtype);
    }

    /** Values from N(mean, std²) redrawn until within two standard deviations (as Keras). */
    public Tensor truncatedNormal(DType dtype, double mean, double std, long... shape) {
        double[] v = new double[Shapes.checkedNumel("truncatedNormal", shape)];
        for (int i = 0; i < v.length; i++) {
            double z;
            do {
                z = nextGaussian();
            } while (Math.abs(z) > 2.0);
            v[i] = mean + std * z;
        }
        return Tensor.of(v, shape).castAndClose(dtype);
    }

    private void philox(long ctr) {
        int c0 = (int) ctr;
        int c1 = (int) (ctr >>> 32);
        int c2 = 0;
        int c3 = 0;
        int k0 = key0;
        int k1 = key1;
        for (int round = 0; round < 10; round++) {
            long p0 = Integer.toUnsignedLong(M0) * Integer.toUnsignedLong(c0);
            long p1 = Integer.toUnsignedLong(M1) * Integer.toUnsignedLong(c2);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        block[0] = c0;
        block[1] = c1;
        block[2] = c2;
        block[3] = c3;
    }
}
