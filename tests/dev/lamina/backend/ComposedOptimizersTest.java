package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.optim.Optimizer;
import dev.lamina.optim.RMSprop;
import dev.lamina.optim.SGD;
import dev.lamina.types.DType;
import dev.lamina.tensor.LossOps;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * The fused-kernel SPI of issue 12 part 1 on the backends without the fused kernels (cpu,
 * reference, a declining wrapper): RMSprop and SGD now call {@link Backend#rmspropUpdate} /
 * {@link Backend#sgdUpdate}, whose composition must be bitwise the tensor-level code the optimizers
 * ran before (copied here as the oracle), over several steps of every variant, float32 and float64;
 * the composed {@link Backend#softmaxCrossEntropy} must be bitwise the tensor-level
 * {@code −Σ y·logSoftmax(z)} and its tape gradient, and {@link LossOps} on such a backend is exactly
 * that composition.
 */
class ComposedOptimizersTest {
    private static final long SEED = Long.getLong("lamina.test.seed", 20261202L);
    private static final int N = 37;
    private static final int STEPS = 4;

    private static List<Backend> backends() {
        List<Backend> bs = new ArrayList<>();
        bs.add(Backends.reference());
        if (Backends.cpu().isAvailable()) {
            bs.add(Backends.cpu());
            bs.add(DecliningBackend.all(Backends.cpu(), "declining-cpu"));
        }
        return bs;
    }

    /** The tensor-level RMSprop update of before the fused kernel (optim.RMSprop), verbatim. */
    private static BiConsumer<Variable, Tensor> oldRmsprop(double lr, double rho, double momentum, double epsilon,
                                                           boolean centered, Variable vel, Variable mom, Variable avg) {
        return (w, g) -> {
            vel.assign(vel.mul(rho).add(g.square().mul(1 - rho)));
            Tensor denom;
            if (centered) {
                avg.assign(avg.mul(rho).add(g.mul(1 - rho)));
                denom = vel.sub(avg.square()).add(epsilon);
            } else {
                denom = vel.add(epsilon);
            }
            Tensor increment = g.mul(lr).div(denom.sqrt());
            if (momentum > 0) {
                mom.assign(mom.mul(momentum).add(increment));
                w.assignSub(mom);
            } else {
                w.assignSub(increment);
            }
        };
    }

    /** The tensor-level SGD update of before the fused kernel (optim.SGD), verbatim. */
    private static BiConsumer<Variable, Tensor> oldSgd(double lr, double momentum, boolean nesterov, Variable m) {
        return (w, g) -> {
            Tensor lrG = g.mul(lr);
            if (momentum == 0) {
                w.assignSub(lrG);
                return;
            }
            m.assign(m.mul(momentum).sub(lrG));
            if (nesterov) {
                w.assignAdd(m.mul(momentum).sub(lrG));
            } else {
                w.assignAdd(m);
            }
        };
    }

    private static Tensor randomTensor(DType dt, long seed, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[N];
        for (int i = 0; i < N; i++) {
            v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return Tensor.of(v, N).cast(dt);
    }

    /** Runs the optimizer (new path) and the oracle (old code) from the same start; bitwise equal. */
    private static void compare(String what, Backend be, DType dt, Optimizer opt, int oldSlots,
                                java.util.function.Function<Variable[], BiConsumer<Variable, Tensor>> oracle) {
        try (var u = Backends.use(be); Scope s = Scope.open()) {
            Variable wNew = new Variable(randomTensor(dt, SEED, -1, 1));
            Variable wOld = new Variable(randomTensor(dt, SEED, -1, 1));
            Variable[] slots = new Variable[3];
            for (int i = 0; i < 3; i++) {
                slots[i] = new Variable(Tensor.zeros(dt, N));
            }
            BiConsumer<Variable, Tensor> old = oracle.apply(slots);
            double moved = 0;
            double[] w0 = wNew.toDoubleArray();
            for (int step = 0; step < STEPS; step++) {
                Tensor g = randomTensor(dt, SEED + 1 + step, -1, 1);
                opt.apply(List.of(g), List.of(wNew));
                GradientTape.noGrad(() -> {
                    old.accept(wOld, g);
                    return null;
                });
                assertArrayEquals(wOld.toDoubleArray(), wNew.toDoubleArray(), 0.0,
                        what + " on " + be.name() + " " + dt + ": step " + (step + 1) + " (seed " + SEED + ")");
            }
            double[] w1 = wNew.toDoubleArray();
            for (int i = 0; i < N; i++) {
                moved = Math.max(moved, Math.abs(w1[i] - w0[i]));
            }
            assertTrue(moved > 1e-3, what + " barely moved: " + moved);
        }
    }

    @Test
    void rmspropIsBitwiseTheTensorLevelCode() {
        for (Backend be : backends()) {
            for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                for (double mom : new double[] {0, 0.9}) {
                    for (boolean centered : new boolean[] {false, true}) {
                        double lr = 0.01, rho = 0.8, eps = 1e-7;
                        compare("RMSprop momentum=" + mom + " centered=" + centered, be, dt,
                                new RMSprop(lr, rho, mom, eps, centered), 3,
                                sl -> oldRmsprop(lr, rho, mom, eps, centered, sl[0], sl[1], sl[2]));
                    }
                }
            }
        }
    }

    @Test
    void sgdIsBitwiseTheTensorLevelCode() {
        for (Backend be : backends()) {
            for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                double lr = 0.03;
                compare("SGD", be, dt, new SGD(lr), 0, sl -> oldSgd(lr, 0, false, sl[0]));
                compare("SGD momentum", be, dt, new SGD(lr, 0.9, false), 1, sl -> oldSgd(lr, 0.9, false, sl[0]));
                compare("SGD nesterov", be, dt, new SGD(lr, 0.9, true), 1, sl -> oldSgd(lr, 0.9, true, sl[0]));
            }
        }
    }

    @Test
    void composedStepsCheckTheirOperands() {
        Backend be = Backends.reference();
        Storage w = be.allocate(DType.FLOAT32, 4), shorter = be.allocate(DType.FLOAT32, 3);
        Storage i32 = be.allocate(DType.INT32, 4);
        try {
            assertThrows(IllegalArgumentException.class, () -> be.sgdUpdate(w, shorter, null, 0.1, 0, false));
            assertThrows(IllegalArgumentException.class, () -> be.sgdUpdate(i32, i32, null, 0.1, 0, false));
            assertThrows(IllegalArgumentException.class,
                    () -> be.rmspropUpdate(w, w, w, null, shorter, 0.1, 0.9, 0, 1e-7));
            assertThrows(IllegalArgumentException.class,
                    () -> be.softmaxCrossEntropy(w, w, shorter, null, 2, 2));
            assertThrows(IllegalArgumentException.class, () -> be.softmaxCrossEntropy(w, w, w, null, 4, 0));
        } finally {
            w.release();
            shorter.release();
            i32.release();
        }
    }

    // ---- softmax cross-entropy ----------------------------------------------------------------

    @Test
    void composedSoftmaxCrossEntropyIsBitwiseTheTensorComposition() {
        int rows = 9, classes = 13;
        for (Backend be : backends()) {
            for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                for (boolean soft : new boolean[] {false, true}) {
                    String what = be.name() + " " + dt + (soft ? " soft" : " one-hot") + " (seed " + SEED + ")";
                    try (var u = Backends.use(be); Scope s = Scope.open()) {
                        SplittableRandom r = new SplittableRandom(SEED + (soft ? 1 : 0));
                        double[] z = new double[rows * classes], y = new double[rows * classes];
                        for (int i = 0; i < z.length; i++) {
                            z[i] = r.nextDouble() * 30 - 15;
                            y[i] = soft ? r.nextDouble() / classes : 0;
                        }
                        for (int i = 0; !soft && i < rows; i++) {
                            y[i * classes + r.nextInt(classes)] = 1;
                        }
                        Tensor logits = Tensor.of(z, rows, classes).cast(dt);
                        Tensor labels = Tensor.of(y, rows, classes).cast(dt);
                        // the tensor-level composition and its tape gradient (unit upstream: the loss summed)
                        double[] wantLoss, wantGrad;
                        try (GradientTape tape = GradientTape.start()) {
                            tape.watch(logits);
                            Tensor l = labels.mul(logits.logSoftmax(-1)).sum(-1).neg();
                            wantLoss = l.toDoubleArray();
                            wantGrad = tape.gradient(l, logits).toDoubleArray();
                        }
                        Tensor loss = Tensor.zeros(dt, rows), dlogits = Tensor.zeros(dt, rows, classes);
                        KernelDispatch.softmaxCrossEntropy(be, logits.storage(), labels.storage(), loss.storage(),
                                dlogits.storage(), rows, classes);
                        assertArrayEquals(wantLoss, loss.toDoubleArray(), 0.0, what + " loss");
                        assertArrayEquals(wantGrad, dlogits.toDoubleArray(), 0.0, what + " dlogits");
                        // LossOps, with a mean as the losses take it (upstream 1/rows): on a backend without
                        // the kernel exactly the composition, gradient included; on the reference (which
                        // "has" every kernel as its composition) the precomputed dlogits times 1/rows
                        double[] meanGrad;
                        try (GradientTape tape = GradientTape.start()) {
                            tape.watch(logits);
                            meanGrad = tape.gradient(labels.mul(logits.logSoftmax(-1)).sum(-1).neg().mean(), logits)
                                    .toDoubleArray();
                        }
                        try (GradientTape tape = GradientTape.start()) {
                            tape.watch(logits);
                            Tensor l = LossOps.softmaxCrossEntropy(logits, labels);
                            assertArrayEquals(wantLoss, l.toDoubleArray(), 0.0, what + " LossOps loss");
                            double[] got = tape.gradient(l.mean(), logits).toDoubleArray();
                            double tol = be == Backends.reference() ? 1e-6 / rows : 0.0;
                            assertArrayEquals(meanGrad, got, tol, what + " LossOps gradient of the mean");
                        }
                    }
                }
            }
            if (be != Backends.reference()) {   // the reference "has" every kernel: its default bodies
                assertFalse(be.kernel(Kernel.SOFTMAX_CROSS_ENTROPY, DType.FLOAT32).available(), be.name());
            }
        }
    }
}
