package dev.lamina.bench;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Storage;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.cuda.CudaStorage;
import dev.lamina.backend.cuda.Precision;
import dev.lamina.types.DType;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code lamina bench matmul}: GFLOP/s of square float32 C = A·B (n×n×n, 2n³ flops) through
 * {@link Backend#matmul} on preallocated storages, for each size and precision, with cuBLAS's
 * figure for the same buffers and size measured in the same run when the optional cuda preset is
 * present ({@link CublasPeer}), printed as the ratio lamina / cuBLAS.
 *
 * <p>Per size and precision: one untimed call, then (unless {@code --reps} fixes them) one timed
 * call to choose the repetitions (about half a second, 3 to 200), then {@code reps} calls between two clock readings closed by a
 * synchronize. Every measured result is checked: 32 entries of C, gathered on the device, against
 * float64 dot products of the host inputs, as |c − ref| / Σ|a·b| (≤ 1e-4 for fp32, ≤ 1e-2 for
 * tf32); a failed check makes the command exit 1.
 */
final class GemmThroughput {
    static final int CHECKS = 32;
    static final double FP32_TOLERANCE = 1e-4;
    static final double TF32_TOLERANCE = 1e-2;
    static final long TARGET_NANOS = 500_000_000L;

    private GemmThroughput() {
    }

    /** One precision of the benchmark: fp32 (Precision.HIGHEST) or tf32 (Precision.HIGH). */
    enum Mode {
        FP32(Precision.HIGHEST, FP32_TOLERANCE), TF32(Precision.HIGH, TF32_TOLERANCE);

        final Precision precision;
        final double tolerance;

        Mode(Precision p, double tolerance) {
            this.precision = p;
            this.tolerance = tolerance;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Mode parse(String s) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "fp32":
                case "highest":
                    return FP32;
                case "tf32":
                case "high":
                    return TF32;
                default:
                    throw new IllegalArgumentException("precision must be fp32 or tf32, got '" + s + "'");
            }
        }
    }

    /** One measured row. */
    record Row(int n, Mode mode, int reps, double gflops, double cublasGflops, double maxError, boolean ok) {
    }

    static int run(Backend be, String device, List<Integer> sizes, List<Mode> modes, int fixedReps, boolean cublas,
                   PrintStream out) {
        boolean cuda = be instanceof CudaBackend;
        out.printf(Locale.ROOT, "lamina bench matmul: backend %s (%s), float32 C = A*B, n x n x n, GFLOP/s = 2 n^3 / time%n",
                be.name(), device);
        CublasPeer peer = null;
        if (cuda && cublas) {
            StringBuilder why = new StringBuilder();
            peer = CublasPeer.load(why);
            out.println("  peer: " + (peer != null ? peer.describe() : "cuBLAS not measured: " + why));
        } else if (cuda) {
            out.println("  peer: cuBLAS not measured (--no-cublas)");
        }
        out.printf(Locale.ROOT, "  %6s  %-9s  %5s  %14s  %14s  %13s  %s%n", "n", "precision", "reps", "lamina GFLOP/s",
                "cuBLAS GFLOP/s", "lamina/cuBLAS", "check (max error of " + CHECKS + " entries)");
        Precision before = cuda ? CudaBackend.precision() : null;
        boolean allOk = true;
        try {
            for (int n : sizes) {
                for (Mode mode : modes) {
                    Row r = measure(be, n, mode, fixedReps, peer);
                    allOk &= r.ok();
                    out.printf(Locale.ROOT, "  %6d  %-9s  %5d  %14s  %14s  %13s  %s %.1e%n", n, mode.label(), r.reps(),
                            gflops(r.gflops()), Double.isNaN(r.cublasGflops()) ? "-" : gflops(r.cublasGflops()),
                            Double.isNaN(r.cublasGflops()) ? "-" : String.format(Locale.ROOT, "%.2f",
                                    r.gflops() / r.cublasGflops()),
                            r.ok() ? "ok" : "FAILED", r.maxError());
                    out.flush();
                }
            }
        } finally {
            if (cuda) {
                CudaBackend.setPrecision(before);
            }
        }
        if (cuda && peer != null) {
            out.println("  issue #6 targets on an H100: fp32 >= 0.9x cuBLAS fp32 at n = 4096; tf32 >= 0.7x cuBLAS tf32");
        }
        if (!allOk) {
            out.println("lamina bench matmul: a result check FAILED (see the check column)");
        }
        return allOk ? 0 : 1;
    }

    /** One decimal from 100 GFLOP/s up, four significant digits below (never "0.0" for a tiny size). */
    static String gflops(double g) {
        return g >= 100 ? String.format(Locale.ROOT, "%.1f", g) : String.format(Locale.ROOT, "%.4g", g);
    }

    static Row measure(Backend be, int n, Mode mode, int fixedReps, CublasPeer peer) {
        boolean cuda = be instanceof CudaBackend;
        if (!cuda && mode != Mode.FP32) {
            throw new IllegalArgumentException("the " + be.name() + " backend has fp32 matmul only");
        }
        long elems = (long) n * n;
        ByteBuffer ha = random(elems, 11L * n + 1);
        ByteBuffer hb = random(elems, 13L * n + 2);
        Storage a = be.allocateUninitialized(DType.FLOAT32, elems);
        Storage b = be.allocateUninitialized(DType.FLOAT32, elems);
        Storage c = be.allocateUninitialized(DType.FLOAT32, elems);
        try {
            be.upload(ha, a);
            be.upload(hb, b);
            if (cuda) {
                CudaBackend.setPrecision(mode.precision);
            }
            Runnable call = () -> be.matmul(a, b, c, 1, n, n, n, false, false, 0, 0);
            Runnable sync = cuda ? ((CudaBackend) be)::synchronize : () -> { };
            int reps;
            if (fixedReps > 0) {
                call.run(); // warm-up, untimed
                sync.run();
                reps = fixedReps;
            } else {
                reps = chooseReps(call, sync);
            }
            double seconds = time(call, sync, reps);
            double gflops = 2.0 * n * n * (double) n * reps / seconds / 1e9;
            double err = maxError(be, c, ha, hb, n);
            boolean ok = err <= mode.tolerance;

            double cublasGflops = Double.NaN;
            if (peer != null) {
                long pa = ((CudaStorage) a).address();
                long pb = ((CudaStorage) b).address();
                long pc = ((CudaStorage) c).address();
                peer.setTf32(mode == Mode.TF32);
                Runnable cublasCall = () -> peer.sgemm(pa, pb, pc, n);
                Runnable cublasSync = peer::synchronize;
                cublasCall.run();
                cublasSync.run();
                cublasGflops = 2.0 * n * n * (double) n * reps / time(cublasCall, cublasSync, reps) / 1e9;
                double peerErr = maxError(be, c, ha, hb, n);
                if (!(peerErr <= mode.tolerance)) {
                    throw new IllegalStateException("cuBLAS's result fails the check (" + peerErr
                            + "): the benchmark's buffers or layout are wrong");
                }
            }
            return new Row(n, mode, reps, gflops, cublasGflops, err, ok);
        } finally {
            a.release();
            b.release();
            c.release();
        }
    }

    /** Warm-up call, then a timed one: repetitions for about TARGET_NANOS, from 3 to 200. */
    static int chooseReps(Runnable call, Runnable sync) {
        call.run();
        sync.run();
        long t0 = System.nanoTime();
        call.run();
        sync.run();
        long one = Math.max(1, System.nanoTime() - t0);
        return (int) Math.max(3, Math.min(200, TARGET_NANOS / one));
    }

    static double time(Runnable call, Runnable sync, int reps) {
        sync.run();
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            call.run();
        }
        sync.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Little-endian float32 values uniform in [-1, 1). */
    static ByteBuffer random(long elems, long seed) {
        if (elems * 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("matmul bench: " + elems + " elements exceed one buffer");
        }
        ByteBuffer buf = ByteBuffer.allocateDirect((int) (elems * 4)).order(ByteOrder.LITTLE_ENDIAN);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < elems; i++) {
            buf.putFloat((int) (4 * i), (float) (2 * r.nextDouble() - 1));
        }
        return buf;
    }

    /**
     * The largest |c − ref| / Σ_k |a_ik·b_kj| over CHECKS entries (i, j), the entries gathered on
     * the backend with strided copies and downloaded together; NaN when an entry is not finite.
     */
    static double maxError(Backend be, Storage c, ByteBuffer ha, ByteBuffer hb, int n) {
        SplittableRandom r = new SplittableRandom(n);
        int[] is = new int[CHECKS];
        int[] js = new int[CHECKS];
        Storage picked = be.allocateUninitialized(DType.FLOAT32, CHECKS);
        ByteBuffer got = ByteBuffer.allocate(4 * CHECKS).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (int s = 0; s < CHECKS; s++) {
                is[s] = s == 0 ? 0 : s == 1 ? n - 1 : r.nextInt(n);
                js[s] = s == 0 ? 0 : s == 1 ? n - 1 : r.nextInt(n);
                be.copyStrided(c, (long) is[s] * n + js[s], new long[] {1}, picked, s, new long[] {1}, new long[] {1});
            }
            be.download(picked, got);
        } finally {
            picked.release();
        }
        double worst = 0;
        for (int s = 0; s < CHECKS; s++) {
            double ref = 0;
            double scale = 0;
            for (int k = 0; k < n; k++) {
                double p = (double) ha.getFloat(4 * (is[s] * n + k)) * hb.getFloat(4 * (k * n + js[s]));
                ref += p;
                scale += Math.abs(p);
            }
            double v = got.getFloat(4 * s);
            if (!Double.isFinite(v)) {
                return Double.NaN;
            }
            worst = Math.max(worst, Math.abs(v - ref) / Math.max(scale, Double.MIN_NORMAL));
        }
        return worst;
    }
}
