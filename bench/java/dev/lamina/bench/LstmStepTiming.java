package dev.lamina.bench;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.ops.RecurrentOps;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.util.List;
import java.util.Locale;

/**
 * Forward and backward of {@link RecurrentOps#lstm} at the seed model's size (B=32, T=20, I=1,
 * H=64, float32, return_sequences; inputs and weights uniform in [-0.5, 0.5]) on the reference and
 * cpu backends: four rounds each, printing milliseconds per call as {@code name: value} lines. It
 * was a test that only printed (RecurrentOpsTest.timing, skipped unless -Dlamina.timing=true).
 *
 * <p>Run: {@code java -cp target/classes:$(cat target/runtime-classpath.txt) dev.lamina.bench.LstmStepTiming}
 */
public final class LstmStepTiming {
    private LstmStepTiming() {
    }

    /**
     * Runs the timing.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        long b = 32;
        long t = 20;
        long in = 1;
        long h = 64;
        long[][] shapes = {{b, t, in}, {in, 4 * h}, {h, 4 * h}, {4 * h}, {b, h}, {b, h}};
        for (Backend be : List.of(Backends.reference(), Backends.cpu())) {
            int reps = be == Backends.reference() ? 20 : 300;
            for (int round = 0; round < 4; round++) {
                Rng rng = new Rng(61);
                long t0 = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    try (Backends.Use u = Backends.use(be); Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                        Tensor[] xs = new Tensor[shapes.length];
                        for (int i = 0; i < shapes.length; i++) {
                            xs[i] = rng.uniform(DType.FLOAT32, -0.5, 0.5, shapes[i]);
                        }
                        tape.watch(xs);
                        Tensor[] out = RecurrentOps.lstm(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5], true);
                        tape.gradient(out[0].sum(), xs);
                    }
                }
                double ms = (System.nanoTime() - t0) / 1e6 / reps;
                System.out.printf(Locale.ROOT, "lstm_fwd_bwd_b32_t20_i1_h64_%s_round%d_ms: %.3f%n", be.name(), round, ms);
            }
        }
    }
}
