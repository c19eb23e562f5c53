package dev.lamina.backend;

import static dev.lamina.backend.ComposedKernelsTest.assertClose;
import static dev.lamina.backend.ComposedKernelsTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.ops.ConvOps;
import dev.lamina.types.DType;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.Tensor;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The composed kernels on the cuda device's primitives (a {@link DecliningBackend} over the cuda
 * backend declines every fused kernel), through the tensor ops with their gradients, against the
 * reference backend: float32 within 1e-5 and float64 within 1e-12 relative error; max pooling with
 * ties routes exactly as the reference. Tagged {@code gpu}: skipped where no device (real or
 * emulated) is usable.
 */
@Tag("gpu")
class CudaComposedGpuTest {
    /** The device's primitives, every fused kernel declined (so the compositions run even where cuda has kernels). */
    private static final Backend CUDA = DecliningBackend.all(CudaBackend.instance(), "declining-cuda");
    private static final Backend REF = Backends.reference();

    @BeforeEach
    void needsDevice() {
        dev.lamina.backend.cuda.GpuTestSupport.requireDevice();
    }

    /** A subset of ComposedKernelsTest's cases (the emulated device is slow): same, groups, depthwise s2, chunks. */
    private static final String[] CONVS = {"3x3 same", "3x3 same groups2", "depthwise 3x3 same s2",
        "3x3 same s2 groups3, chunked batch"};
    /** Padded, overlapping, strided and chunked pooling. */
    private static final String[] POOLS = {"2x2 same", "3x3 s1 same (overlapping)", "3x2 s(2,1) valid",
        "3x3 s1 same, chunked batch"};

    private static <T> java.util.List<T> pick(java.util.List<T> all, String[] names) {
        java.util.List<T> out = new java.util.ArrayList<>();
        for (T t : all) {
            if (java.util.Arrays.asList(names).contains(t.toString())) {
                out.add(t);
            }
        }
        org.junit.jupiter.api.Assertions.assertEquals(names.length, out.size(), "cases missing");
        return out;
    }

    private static double[] random(Random r, long n, boolean ties) {
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = ties ? r.nextInt(3) : r.nextDouble() * 2 - 1;
        }
        return v;
    }

    private static void againstReference(String what, double[][] in, long[][] shapes, Function<Tensor[], Tensor> f) {
        assertClose(run(CUDA, DType.FLOAT32, in, shapes, null, f), run(REF, DType.FLOAT32, in, shapes, null, f), 1e-5,
                what + " float32");
        assertClose(run(CUDA, DType.FLOAT64, in, shapes, null, f), run(REF, DType.FLOAT64, in, shapes, null, f), 1e-12,
                what + " float64");
    }

    @Test
    void convolutionsRunComposedOnTheDevice() {
        Random r = new Random(21);
        for (ComposedKernelsTest.Conv c : pick(ComposedKernelsTest.convs(), CONVS)) {
            long[] xs = {c.b(), c.h(), c.w(), c.c()}, ks = {c.kh(), c.kw(), c.c() / c.groups(), c.k()};
            double[] x = random(r, xs[0] * xs[1] * xs[2] * xs[3], false), k = random(r, ks[0] * ks[1] * ks[2] * ks[3], false);
            double[] bias = random(r, c.k(), false);
            ComposedKernelsTest.chunked(c.name().contains("chunked"), () -> againstReference("conv2d+bias+relu " + c,
                    new double[][] {x, k, bias}, new long[][] {xs, ks, {c.k()}},
                    t -> ConvOps.conv2dBiasAct(t[0], t[1], t[2], true, c.s(), c.pad(), c.d(), c.groups())));
        }
    }

    @Test
    void poolingRunsComposedOnTheDeviceAndRoutesTiesAsTheReference() {
        Random r = new Random(22);
        for (ComposedKernelsTest.Pool p : pick(ComposedKernelsTest.pools(), POOLS)) {
            long[] xs = {p.b(), p.h(), p.w(), p.c()};
            double[] x = random(r, xs[0] * xs[1] * xs[2] * xs[3], true);
            Function<Tensor[], Tensor> max = t -> ConvOps.maxPool2d(t[0], p.size(), p.strides(), p.pad());
            Function<Tensor[], Tensor> avg = t -> ConvOps.avgPool2d(t[0], p.size(), p.strides(), p.pad());
            ComposedKernelsTest.chunked(p.name().contains("chunked"), () -> {
                double[][] want = run(REF, DType.FLOAT64, new double[][] {x}, new long[][] {xs}, null, max);
                double[][] got = run(CUDA, DType.FLOAT64, new double[][] {x}, new long[][] {xs}, null, max);
                assertArrayEquals(want[0], got[0], "max pool " + p);
                assertArrayEquals(want[1], got[1], "max pool gradient " + p);
                againstReference("avg pool " + p, new double[][] {x}, new long[][] {xs}, avg);
            });
        }
    }

    @Test
    void lstmAndGruRunComposedOnTheDevice() {
        Random r = new Random(23);
        int b = 3, t = 4, in = 5, h = 7;
        double[] x = random(r, (long) b * t * in, false);
        againstReference("lstm", new double[][] {x, random(r, in * 4L * h, false), random(r, h * 4L * h, false),
            random(r, 4L * h, false)}, new long[][] {{b, t, in}, {in, 4 * h}, {h, 4 * h}, {4 * h}},
                ts -> RecurrentOps.lstm(ts[0], ts[1], ts[2], ts[3], null, null, true)[0]);
        againstReference("gru", new double[][] {x, random(r, in * 3L * h, false), random(r, h * 3L * h, false),
            random(r, 6L * h, false)}, new long[][] {{b, t, in}, {in, 3 * h}, {h, 3 * h}, {2, 3 * h}},
                ts -> RecurrentOps.gru(ts[0], ts[1], ts[2], ts[3], null, true)[0]);
    }
}
