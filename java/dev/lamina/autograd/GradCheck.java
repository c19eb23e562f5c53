package dev.lamina.autograd;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.function.Function;

/**
 * Finite-difference gradient check in float64 on the reference backend.
 *
 * <p>For a function f of tensors, it compares the tape's gradient of L = Σ f(x) ⊙ R (R a fixed
 * random tensor, so every output element matters) with the central difference
 * (L(x + h·e_i) − L(x − h·e_i)) / 2h for every input element i, and reports the relative error
 * ‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖, 1e-12) over all inputs together.
 */
public final class GradCheck {
    private GradCheck() {
    }

    /** Outcome of one check. */
    public record Result(double relativeError, double maxAbsError, int checkedElements) {
    }

    /** Checks f at the given points (float64 values with shapes); h = 1e-6. */
    public static Result check(Function<Tensor[], Tensor> f, double[][] values, long[][] shapes) {
        return check(f, values, shapes, 1e-6);
    }

    public static Result check(Function<Tensor[], Tensor> f, double[][] values, long[][] shapes, double h) {
        Backend ref = Backends.reference();
        try (Backends.Use use = Backends.use(ref); Scope scope = Scope.open()) {
            double[] weights;
            Tensor[] xs = build(values, shapes);
            Tensor y0 = f.apply(xs);
            weights = new double[(int) y0.numel()];
            Rng rng = new Rng(1234);
            for (int i = 0; i < weights.length; i++) {
                weights[i] = rng.nextDouble() * 2 - 1;
            }
            Tensor r = Tensor.of(weights, y0.shape());

            double[][] analytic = new double[values.length][];
            try (GradientTape tape = GradientTape.start()) {
                Tensor[] in = build(values, shapes);
                tape.watch(in);
                Tensor loss = f.apply(in).mul(r).sum();
                Tensor[] g = tape.gradient(loss, in);
                for (int i = 0; i < g.length; i++) {
                    analytic[i] = g[i] == null ? new double[values[i].length] : g[i].toDoubleArray();
                }
            }
            double num2 = 0;
            double ana2 = 0;
            double diff2 = 0;
            double maxAbs = 0;
            int count = 0;
            for (int a = 0; a < values.length; a++) {
                for (int e = 0; e < values[a].length; e++) {
                    double keep = values[a][e];
                    values[a][e] = keep + h;
                    double lp = lossAt(f, values, shapes, r);
                    values[a][e] = keep - h;
                    double lm = lossAt(f, values, shapes, r);
                    values[a][e] = keep;
                    double numeric = (lp - lm) / (2 * h);
                    double d = analytic[a][e] - numeric;
                    num2 += numeric * numeric;
                    ana2 += analytic[a][e] * analytic[a][e];
                    diff2 += d * d;
                    maxAbs = Math.max(maxAbs, Math.abs(d));
                    count++;
                }
            }
            double denom = Math.max(Math.max(Math.sqrt(num2), Math.sqrt(ana2)), 1e-12);
            double rel = Math.sqrt(diff2) / denom;
            if (Double.isNaN(rel)) {
                rel = Double.POSITIVE_INFINITY;
            }
            return new Result(rel, maxAbs, count);
        }
    }

    private static double lossAt(Function<Tensor[], Tensor> f, double[][] values, long[][] shapes, Tensor r) {
        try (Scope s = Scope.open()) {
            return f.apply(build(values, shapes)).mul(r).sum().item();
        }
    }

    private static Tensor[] build(double[][] values, long[][] shapes) {
        Tensor[] xs = new Tensor[values.length];
        for (int i = 0; i < values.length; i++) {
            xs[i] = Tensor.of(values[i], shapes[i]);
            if (xs[i].dtype() != DType.FLOAT64) {
                throw new IllegalStateException("GradCheck works in float64");
            }
        }
        return xs;
    }
}
