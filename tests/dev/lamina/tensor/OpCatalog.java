package dev.lamina.tensor;

import dev.lamina.ops.ConvOps;
import dev.lamina.ops.RecurrentOps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The differentiable ops of the tensor API, each with input shapes and a value domain, shared by
 * the finite-difference gradient test and the backend-against-reference test. Every element-wise op
 * of {@link OpTable} is in it (a table op without a hand-written case gets one from its table entry),
 * and so are the layer ops of {@code dev.lamina.ops} (conv, pooling, the recurrent cells and sequences).
 *
 * <p>Inputs are drawn from a seeded {@link Rng}: {@link #seed(String)} is the seed of one case, from
 * the base seed {@code -Dlamina.test.seed} (default {@value #DEFAULT_SEED}); failures print it.
 */
public final class OpCatalog {
    private OpCatalog() {
    }

    /** The base seed when {@code -Dlamina.test.seed} is not set. */
    public static final long DEFAULT_SEED = 20261202L;

    /** @return the base seed: {@code -Dlamina.test.seed}, or {@link #DEFAULT_SEED} */
    public static long baseSeed() {
        return Long.getLong("lamina.test.seed", DEFAULT_SEED);
    }

    /**
     * @param what the case (and backend) name
     * @return the seed of that case under the base seed
     */
    public static long seed(String what) {
        return baseSeed() * 1_000_003L + what.hashCode();
    }

    /**
     * @param seed a case's seed
     * @return the words a failure message ends with, to replay or vary the inputs
     */
    public static String replay(long seed) {
        return " [seed " + seed + "; base -Dlamina.test.seed=" + baseSeed() + " replays it, another value tries others]";
    }

    /** Where an op's inputs are drawn from. */
    public enum Domain {
        /** uniform in [-2, 2] */ ANY,
        /** uniform in [0.5, 2] */ POSITIVE,
        /** ±[0.5, 2] */ AWAY_FROM_ZERO
    }

    /** One op under test. */
    public record Case(String name, Function<Tensor[], Tensor> f, long[][] shapes, Domain[] domains) {
        @Override
        public String toString() {
            return name;
        }

        /** Random inputs in each input's domain. */
        public double[][] draw(Rng rng) {
            double[][] v = new double[shapes.length][];
            for (int i = 0; i < shapes.length; i++) {
                v[i] = new double[(int) Shapes.numel(shapes[i])];
                for (int j = 0; j < v[i].length; j++) {
                    double u = rng.nextDouble();
                    switch (domains[i]) {
                        case POSITIVE -> v[i][j] = 0.5 + 1.5 * u;
                        case AWAY_FROM_ZERO -> v[i][j] = (rng.nextDouble() < 0.5 ? -1 : 1) * (0.5 + 1.5 * u);
                        default -> v[i][j] = 4 * u - 2;
                    }
                }
            }
            return v;
        }
    }

    private static long[] s(long... d) {
        return d;
    }

    private static Case unary(String name, Function<Tensor, Tensor> f, Domain d, long... shape) {
        return new Case(name, x -> f.apply(x[0]), new long[][] {shape}, new Domain[] {d});
    }

    private static Case binary(String name, java.util.function.BiFunction<Tensor, Tensor, Tensor> f,
                               long[] a, Domain da, long[] b, Domain db) {
        return new Case(name, x -> f.apply(x[0], x[1]), new long[][] {a, b}, new Domain[] {da, db});
    }

    /** Every differentiable op with a few shapes (broadcasting, batching, odd sizes). */
    public static List<Case> differentiable() {
        Domain any = Domain.ANY;
        Domain pos = Domain.POSITIVE;
        Domain nz = Domain.AWAY_FROM_ZERO;
        List<Case> c = new ArrayList<>();
        c.add(binary("add[3,4]+[4]", Tensor::add, s(3, 4), any, s(4), any));
        c.add(binary("add[2,1,3]+[4,1]", Tensor::add, s(2, 1, 3), any, s(4, 1), any));
        c.add(binary("sub[2,3,4]-[3,1]", Tensor::sub, s(2, 3, 4), any, s(3, 1), any));
        c.add(binary("mul[3,4]*[]", Tensor::mul, s(3, 4), any, s(), any));
        c.add(binary("mul[7]*[7]", Tensor::mul, s(7), any, s(7), any));
        c.add(binary("div[3,4]/[3,4]", Tensor::div, s(3, 4), any, s(3, 4), nz));
        c.add(binary("div[1]/[5,1]", Tensor::div, s(1), any, s(5, 1), nz));
        c.add(binary("pow[3,4]^[4]", Tensor::pow, s(3, 4), pos, s(4), any));
        c.add(binary("maximum[3,4],[4]", Tensor::maximum, s(3, 4), any, s(4), any));
        c.add(binary("minimum[3,4],[3,4]", Tensor::minimum, s(3, 4), any, s(3, 4), any));
        c.add(unary("clip", x -> x.clip(-1, 1), any, 5, 3));
        c.add(unary("neg", Tensor::neg, any, 2, 3));
        c.add(unary("view", Tensor::view, any, 2, 3));
        c.add(unary("cast-same-dtype", x -> x.cast(x.dtype()), any, 2, 3));
        c.add(unary("abs", Tensor::abs, nz, 2, 3));
        c.add(unary("exp", Tensor::exp, any, 2, 3));
        c.add(unary("log", Tensor::log, pos, 2, 3));
        c.add(unary("log1p", Tensor::log1p, pos, 2, 3));
        c.add(unary("sqrt", Tensor::sqrt, pos, 2, 3));
        c.add(unary("square", Tensor::square, any, 33));
        c.add(unary("reciprocal", Tensor::reciprocal, nz, 2, 3));
        c.add(unary("tanh", Tensor::tanh, any, 4, 5));
        c.add(unary("sigmoid", Tensor::sigmoid, any, 4, 5));
        c.add(unary("relu", Tensor::relu, nz, 4, 5));
        c.add(unary("softmax(-1)", x -> x.softmax(-1), any, 3, 5));
        c.add(unary("softmax(0)", x -> x.softmax(0), any, 4, 3, 2));
        c.add(unary("logSoftmax(1)", x -> x.logSoftmax(1), any, 3, 6));
        c.add(unary("sum", Tensor::sum, any, 3, 4));
        c.add(unary("sum{0,2}keep", x -> x.sum(new int[] {0, 2}, true), any, 2, 3, 4));
        c.add(unary("sum{0,2}", x -> x.sum(new int[] {0, 2}, false), any, 2, 3, 4));
        c.add(unary("mean(1)", x -> x.mean(1), any, 3, 4));
        c.add(unary("max(1)", x -> x.max(new int[] {1}, false), any, 3, 7));
        c.add(unary("min{0,1}", x -> x.min(new int[] {0, 1}, true), any, 3, 7));
        c.add(unary("variance(0)", x -> x.variance(new int[] {0}, false), any, 5, 3));
        c.add(binary("matmul[5,4]x[4,3]", Tensor::matmul, s(5, 4), any, s(4, 3), any));
        c.add(binary("matmul[2,3,4]x[4,5]", Tensor::matmul, s(2, 3, 4), any, s(4, 5), any));
        c.add(binary("matmul[2,1,3,4]x[3,4,2]", Tensor::matmul, s(2, 1, 3, 4), any, s(3, 4, 2), any));
        c.add(unary("transpose", Tensor::transpose, any, 3, 5));
        c.add(unary("permute(2,0,1)", x -> x.permute(2, 0, 1), any, 2, 3, 4));
        c.add(unary("reshape", x -> x.reshape(4, -1).square(), any, 2, 3, 4));
        c.add(unary("squeeze/unsqueeze", x -> x.unsqueeze(0).squeeze(2).exp(), any, 3, 1, 4));
        c.add(unary("slice", x -> x.slice(new long[] {1, 0, 2}, new long[] {2, -1, 2}), any, 3, 4, 5));
        c.add(unary("broadcastTo", x -> x.broadcastTo(2, 3, 4), any, 3, 1));
        c.add(binary("concat(1)", (a, b) -> Tensor.concat(List.of(a, b, a), 1), s(2, 3), any, s(2, 1), any));
        c.add(binary("stack(0)", (a, b) -> Tensor.stack(List.of(a, b), 0), s(2, 3), any, s(2, 3), any));
        c.add(unary("gather", x -> x.gather(Tensor.of(new int[] {2, 0, 2, 3}, 2, 2)), any, 4, 3));
        c.add(binary("dense-softmax", (x, w) -> x.matmul(w).tanh().softmax(-1).log().mean(), s(4, 3), any, s(3, 5), any));
        // the layer kernels (Backend.conv2d*, pooling, the fused recurrent cells), small and odd
        c.add(binary("conv2d[2,5,6,3]*[3,3,3,4]same", (x, k) -> ConvOps.conv2d(x, k, new int[] {1, 1}, "same"),
                s(2, 5, 6, 3), any, s(3, 3, 3, 4), any));
        c.add(binary("conv2d s2 d1 groups2 valid", (x, k) -> ConvOps.conv2d(x, k, new int[] {2, 1}, "valid",
                new int[] {1, 2}, 2), s(1, 7, 6, 4), any, s(2, 2, 2, 6), any));
        c.add(new Case("conv2d+bias+relu", t -> ConvOps.conv2dBiasAct(t[0], t[1], t[2], true, new int[] {1, 1}, "same",
                new int[] {1, 1}, 1), new long[][] {s(2, 4, 5, 2), s(3, 3, 2, 3), s(3)},
                new Domain[] {any, any, any}));
        c.add(unary("maxPool2d 2x2", x -> ConvOps.maxPool2d(x, new int[] {2, 2}, null, "valid"), any, 2, 5, 4, 3));
        c.add(unary("maxPool2d 3x3 s2 same", x -> ConvOps.maxPool2d(x, new int[] {3, 3}, new int[] {2, 2}, "same"), any,
                1, 7, 6, 2));
        c.add(unary("avgPool2d 3x2 s1 same", x -> ConvOps.avgPool2d(x, new int[] {3, 2}, new int[] {1, 1}, "same"), any,
                2, 5, 4, 3));
        c.add(binary("lstmCell", (z, cp) -> {
            Tensor[] hc = RecurrentOps.lstmCell(z, cp);
            return hc[0].add(hc[1].mul(0.5));
        }, s(3, 20), any, s(3, 5), any));
        c.add(new Case("gruCell", t -> RecurrentOps.gruCell(t[0], t[1], t[2]), new long[][] {s(3, 15), s(3, 15), s(3, 5)},
                new Domain[] {any, any, any}));
        // issue 12: the fused softmax cross-entropy (both inputs differentiable; soft, unnormalised
        // targets) and the whole-sequence LSTM (the persistent cuda kernel for small hidden sizes)
        c.add(binary("softmaxCrossEntropy", LossOps::softmaxCrossEntropy, s(4, 7), any, s(4, 7), pos));
        c.add(new Case("lstm sequence", t -> RecurrentOps.lstm(t[0], t[1], t[2], t[3], null, null, true)[0],
                new long[][] {s(2, 3, 2), s(2, 12), s(3, 12), s(12)}, new Domain[] {any, any, any, any}));
        // the whole-sequence recurrences (one recorded node, backward through time), every input
        c.add(new Case("lstm seq", t -> {
            Tensor[] o = RecurrentOps.lstm(t[0], t[1], t[2], t[3], t[4], t[5], true);
            return o[0].add(o[2].unsqueeze(1).mul(0.5));
        }, new long[][] {s(2, 3, 2), s(2, 12), s(3, 12), s(12), s(2, 3), s(2, 3)},
                new Domain[] {any, any, any, any, any, any}));
        c.add(new Case("gru seq", t -> RecurrentOps.gru(t[0], t[1], t[2], t[3], t[4], true)[0],
                new long[][] {s(2, 3, 2), s(2, 9), s(3, 9), s(2, 9), s(2, 3)}, new Domain[] {any, any, any, any, any}));
        c.add(new Case("simpleRnn last", t -> RecurrentOps.simpleRnn(t[0], t[1], t[2], t[3], t[4], false)[0],
                new long[][] {s(2, 3, 2), s(2, 3), s(3, 3), s(3), s(2, 3)}, new Domain[] {any, any, any, any, any}));
        fromTable(c);
        return c;
    }

    /** One case per differentiable element-wise op of {@link OpTable} that no case above names. */
    private static void fromTable(List<Case> c) {
        for (OpTable.Unary u : OpTable.unaries()) {
            if (u.differentiable() && !covered(c, u.name())) {
                c.add(unary(u.name(), u::apply, domain(u.domain()), 3, 4));
            }
        }
        for (OpTable.Binary b : OpTable.binaries()) {
            if (b.differentiable() && !covered(c, b.name())) {
                c.add(binary(b.name() + "[3,4],[4]", b::apply, s(3, 4), domain(b.domain(0)), s(4), domain(b.domain(1))));
            }
        }
    }

    private static boolean covered(List<Case> c, String op) {
        for (Case k : c) {
            String n = k.name();
            if (n.equals(op) || n.startsWith(op + "[") || n.startsWith(op + "(")) {
                return true;
            }
        }
        return false;
    }

    private static Domain domain(OpTable.Domain d) {
        return switch (d) {
            case ANY -> Domain.ANY;
            case POSITIVE -> Domain.POSITIVE;
            case AWAY_FROM_ZERO -> Domain.AWAY_FROM_ZERO;
        };
    }
}
