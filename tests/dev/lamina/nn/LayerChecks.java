package dev.lamina.nn;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Shared checks for layer tests: finite differences through a layer, and runs on one backend. */
final class LayerChecks {
    private LayerChecks() {
    }

    /** ‖a − b‖ / max(‖b‖, 1e-12); NaN anywhere gives +∞. */
    static double relErr(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("length " + a.length + " vs " + b.length);
        }
        double d2 = 0;
        double b2 = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            d2 += d * d;
            b2 += b[i] * b[i];
        }
        double r = Math.sqrt(d2) / Math.max(Math.sqrt(b2), 1e-12);
        return Double.isNaN(r) ? Double.POSITIVE_INFINITY : r;
    }

    static double relErr(float[] a, float[] b) {
        return relErr(toDouble(a), toDouble(b));
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static double[] random(long seed, int n, double lo, double hi) {
        Rng r = new Rng(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return v;
    }

    static float[] randomFloats(long seed, int n, double lo, double hi) {
        double[] d = random(seed, n, lo, hi);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** A float64 layer from the factory, built for {@code shape}, trainable weights set to {@code w}. */
    private static Layer fresh(Supplier<Layer> factory, long[] shape, double[][] w) {
        Layer l = factory.get();
        l.setDtype(DType.FLOAT64);
        l.ensureBuilt(shape);
        List<Variable> tw = l.trainableWeights();
        for (int i = 0; i < tw.size(); i++) {
            try (Scope s = Scope.open()) {
                tw.get(i).assign(Tensor.of(w[i], tw.get(i).shape()));
            }
        }
        return l;
    }

    /**
     * Relative error between the tape's gradients of L = Σ layer(x) ⊙ R (R fixed random) with respect
     * to x and every trainable weight, and central differences with step h, all in float64 on the
     * reference backend. Every evaluation uses a fresh layer from {@code factory} (so a seeded
     * dropout sees the same mask) with the same weight values. Returns {relErr, checked elements}.
     */
    static double[] gradCheck(Supplier<Layer> factory, boolean training, double[] x, long[] shape, double h) {
        try (Backends.Use use = Backends.use(Backends.reference()); Scope scope = Scope.open()) {
            Layer proto = factory.get();
            proto.setDtype(DType.FLOAT64);
            proto.ensureBuilt(shape);
            List<double[]> wl = new ArrayList<>();
            for (Variable v : proto.trainableWeights()) {
                wl.add(v.toDoubleArray());
            }
            proto.close();
            double[][] params = new double[wl.size() + 1][];
            params[0] = x.clone();
            for (int i = 0; i < wl.size(); i++) {
                params[i + 1] = wl.get(i);
            }
            double[][] w = java.util.Arrays.copyOfRange(params, 1, params.length);

            Layer l = fresh(factory, shape, w);
            Tensor xt = Tensor.of(params[0], shape);
            double[][] analytic = new double[params.length][];
            Tensor r;
            try (GradientTape tape = GradientTape.start()) {
                tape.watch(xt);
                Tensor y = l.apply(xt, training);
                r = Tensor.of(random(4321, (int) y.numel(), -1, 1), y.shape());
                Tensor loss = y.mul(r).sum();
                List<Tensor> sources = new ArrayList<>();
                sources.add(xt);
                sources.addAll(l.trainableWeights());
                List<Tensor> g = tape.gradient(loss, sources);
                for (int i = 0; i < g.size(); i++) {
                    if (g.get(i) == null) {
                        throw new AssertionError("no gradient for source " + i);
                    }
                    analytic[i] = g.get(i).toDoubleArray();
                }
            }
            l.close();
            double d2 = 0;
            double a2 = 0;
            double n2 = 0;
            int count = 0;
            for (int p = 0; p < params.length; p++) {
                for (int e = 0; e < params[p].length; e++) {
                    double keep = params[p][e];
                    params[p][e] = keep + h;
                    double lp = loss(factory, training, params, shape, r);
                    params[p][e] = keep - h;
                    double lm = loss(factory, training, params, shape, r);
                    params[p][e] = keep;
                    double num = (lp - lm) / (2 * h);
                    double d = analytic[p][e] - num;
                    d2 += d * d;
                    a2 += analytic[p][e] * analytic[p][e];
                    n2 += num * num;
                    count++;
                }
            }
            double rel = Math.sqrt(d2) / Math.max(Math.max(Math.sqrt(a2), Math.sqrt(n2)), 1e-12);
            return new double[] {Double.isNaN(rel) ? Double.POSITIVE_INFINITY : rel, count};
        }
    }

    private static double loss(Supplier<Layer> factory, boolean training, double[][] params, long[] shape, Tensor r) {
        try (Scope s = Scope.open()) {
            Layer l = fresh(factory, shape, java.util.Arrays.copyOfRange(params, 1, params.length));
            try {
                return l.apply(Tensor.of(params[0], shape), training).mul(r).sum().item();
            } finally {
                l.close();
            }
        }
    }

    /** Output, gradients (x first, then trainable weights) and all weights after the call, of one run. */
    record Run(float[] y, long[] yShape, List<float[]> grads, List<float[]> weightsAfter) {
    }

    /**
     * Runs a float32 layer from {@code factory} on {@code backend}: forward on x, then the gradients
     * of Σ y ⊙ R (R fixed) for x and every trainable weight. Everything is freed before returning.
     */
    static Run run(Backend backend, Supplier<Layer> factory, float[] x, long[] shape, boolean training) {
        try (Backends.Use use = Backends.use(backend); Scope scope = Scope.open()) {
            Layer l = factory.get();
            try {
                Tensor xt = Tensor.of(x, shape);
                List<float[]> grads = new ArrayList<>();
                float[] yv;
                long[] ys;
                try (GradientTape tape = GradientTape.start()) {
                    tape.watch(xt);
                    Tensor y = l.apply(xt, training);
                    yv = y.toFloatArray();
                    ys = y.shape();
                    Tensor r = Tensor.of(randomFloats(4321, (int) y.numel(), -1, 1), y.shape());
                    Tensor loss = y.mul(r).sum();
                    List<Tensor> sources = new ArrayList<>();
                    sources.add(xt);
                    sources.addAll(l.trainableWeights());
                    for (Tensor g : tape.gradient(loss, sources)) {
                        grads.add(g.toFloatArray());
                    }
                }
                List<float[]> after = new ArrayList<>();
                for (Variable v : l.weights()) {
                    after.add(v.toFloatArray());
                }
                return new Run(yv, ys, grads, after);
            } finally {
                l.close();
            }
        }
    }

    /** Checks cpu against reference for one layer: output, gradients and weights within tol; cpu memory returns to baseline. */
    static void assertCpuMatchesReference(Supplier<Layer> factory, float[] x, long[] shape, boolean training, double tol) {
        long base = Backends.cpu().bytesInUse();
        Run ref = run(Backends.reference(), factory, x, shape, training);
        Run cpu = run(Backends.cpu(), factory, x, shape, training);
        org.junit.jupiter.api.Assertions.assertArrayEquals(ref.yShape(), cpu.yShape());
        double e = relErr(cpu.y(), ref.y());
        org.junit.jupiter.api.Assertions.assertTrue(e <= tol, "forward rel err " + e);
        org.junit.jupiter.api.Assertions.assertEquals(ref.grads().size(), cpu.grads().size());
        for (int i = 0; i < ref.grads().size(); i++) {
            double g = relErr(cpu.grads().get(i), ref.grads().get(i));
            org.junit.jupiter.api.Assertions.assertTrue(g <= tol, "gradient " + i + " rel err " + g);
        }
        for (int i = 0; i < ref.weightsAfter().size(); i++) {
            double g = relErr(cpu.weightsAfter().get(i), ref.weightsAfter().get(i));
            org.junit.jupiter.api.Assertions.assertTrue(g <= tol, "weight " + i + " after the call, rel err " + g);
        }
        org.junit.jupiter.api.Assertions.assertEquals(base, Backends.cpu().bytesInUse(), "cpu bytes in use after the run");
    }
}
