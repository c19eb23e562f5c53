package dev.lamina.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.ops.ConvOps;
import dev.lamina.types.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded fuzz of the public tensor API under adversarial input: zero-size and size-1 dims, rank 0
 * to 6, incompatible shapes, out-of-range and negative axes, mixed dtypes, NaN/Inf, slices out of
 * range, wrong reshapes, matmul with mismatched or rank-1 operands, gather ids out of range, conv
 * and pooling geometry. Every call runs on the reference and the cpu backend with the same inputs;
 * either both return the same dtype, shape and values (floats within {@value #RTOL} relative /
 * {@value #ATOL} absolute per element, NaN only matches NaN, infinities match exactly; integers and
 * bools exactly), or both throw an {@link IllegalArgumentException} (or the documented
 * {@link IllegalStateException}/{@link UnsupportedOperationException}) with a message. Anything else
 * (a NullPointerException, an index exception, a result on one side and an exception on the other)
 * is a finding; all findings are listed in one failure with the call that produced them.
 *
 * <p>Seed: {@code -Dlamina.test.seed} (see {@link OpCatalog#baseSeed()}); calls: {@code -Dlamina.fuzz.calls}.
 */
class TensorApiFuzzTest {
    static final double RTOL = 1e-4;
    static final double ATOL = 1e-5;
    static final int CALLS = Integer.getInteger("lamina.fuzz.calls", 2000);

    /** One fuzz call: its description and a body that builds its inputs on the current backend. */
    record Call(String what, Supplier<Tensor> body) {
    }

    /** While a gradient call runs: the tape that watches every float input the call makes, and those inputs. */
    static final ThreadLocal<GradientTape> TAPE = new ThreadLocal<>();
    static final ThreadLocal<List<Tensor>> WATCHED = new ThreadLocal<>();
    /** How many call runs compared gradients (both backends counted). */
    static final java.util.concurrent.atomic.AtomicInteger WITH_GRADIENTS = new java.util.concurrent.atomic.AtomicInteger();

    /** The outcome of one call on one backend: a result's dtype, shape and values, or an exception. */
    record Outcome(DType dtype, long[] shape, double[] values, Throwable error) {
        static Outcome run(Backend b, Call c) {
            try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
                Tensor t = c.body().get();
                double[] v = t.dtype() == DType.BOOL ? toDoubles(t.toBooleanArray()) : t.toDoubleArray();
                return new Outcome(t.dtype(), t.shape(), v, null);
            } catch (Throwable e) {
                return new Outcome(null, null, null, e);
            }
        }

        /**
         * Runs the call under a gradient tape; for a float result, the values are followed by the
         * gradient of Σ w·result (w[i] = 1 + (i mod 7)/4, so that misplaced gradients show) with respect
         * to each float input: its element count (-1 for none), then its values.
         */
        static Outcome runWithGradients(Backend b, Call c) {
            List<Tensor> watched = new ArrayList<>();
            try (Backends.Use use = Backends.use(b); Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                TAPE.set(tape);
                WATCHED.set(watched);
                Tensor t;
                try {
                    t = c.body().get();
                } finally {
                    TAPE.remove();
                    WATCHED.remove();
                }
                List<Double> v = new ArrayList<>();
                for (double x : t.dtype() == DType.BOOL ? toDoubles(t.toBooleanArray()) : t.toDoubleArray()) {
                    v.add(x);
                }
                boolean isFloat = t.dtype() == DType.FLOAT32 || t.dtype() == DType.FLOAT64;
                if (isFloat && !watched.isEmpty()) {
                    WITH_GRADIENTS.incrementAndGet();
                    double[] w = new double[(int) t.numel()];
                    for (int i = 0; i < w.length; i++) {
                        w[i] = 1 + (i % 7) / 4.0;
                    }
                    Tensor weights = Tensor.of(w, 1, w.length).reshape(t.shape()).cast(t.dtype());
                    Tensor target = t.mul(weights).sum();
                    for (Tensor g : tape.gradient(target, watched)) {
                        if (g == null) {
                            v.add(-1.0);
                        } else {
                            v.add((double) g.numel());
                            for (double x : g.toDoubleArray()) {
                                v.add(x);
                            }
                        }
                    }
                }
                return new Outcome(t.dtype(), t.shape(), v.stream().mapToDouble(Double::doubleValue).toArray(), null);
            } catch (Throwable e) {
                return new Outcome(null, null, null, e);
            }
        }

        private static double[] toDoubles(boolean[] b) {
            double[] d = new double[b.length];
            for (int i = 0; i < b.length; i++) {
                d[i] = b[i] ? 1 : 0;
            }
            return d;
        }
    }

    @Test
    void referenceAndCpuAgreeOrBothRejectClearly() {
        List<String> findings = fuzz(Backends.reference(), Backends.cpu(), OpCatalog.seed("TensorApiFuzz"), CALLS);
        assertTrue(findings.isEmpty(), findings.size() + " findings (seed " + OpCatalog.baseSeed() + "):\n"
                + String.join("\n", findings.subList(0, Math.min(60, findings.size()))));
    }

    static Stream<Backend> backends() {
        return Stream.of(Backends.reference(), Backends.cpu());
    }

    // ---- the fuzz's findings, pinned (each disagreed between reference and cpu before the fix) ----

    /** Float pow follows C (and TensorFlow, PyTorch): pow(1, NaN) = pow(1, inf) = pow(-1, inf) = 1 (reference gave NaN). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void floatPowOfOneIsOneForAnyExponent(Backend b) {
        try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
            Tensor x = Tensor.of(new float[] {1, 1, 1, -1, -1, 2});
            Tensor y = Tensor.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN});
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, Float.NaN}, x.pow(y).toFloatArray());
            assertArrayEquals(new float[] {1, 1}, Tensor.of(new int[] {1, 1}).pow(Double.NaN).toFloatArray());
        }
    }

    /** Integer pow wraps as NumPy and truncates negative exponents (reference saturated 3^40 and gave -1 for 0^-3). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void integerPowWrapsAndTruncatesNegativeExponents(Backend b) {
        try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
            Tensor x = Tensor.of(new long[] {3, 0, 1, -1, -1, 2, -5});
            Tensor y = Tensor.of(new long[] {40, -3, -7, -3, -4, -1, 3});
            long threeTo40 = 1;
            for (int i = 0; i < 40; i++) {
                threeTo40 *= 3;   // wraps in two's complement
            }
            assertArrayEquals(new long[] {threeTo40, 0, 1, -1, 1, 0, -125}, x.pow(y).toLongArray());
            assertArrayEquals(new int[] {(int) 1_000_000_000_000L, 0}, Tensor.of(new int[] {10, 0})
                    .pow(Tensor.of(new int[] {12, -3})).toIntArray());
        }
    }

    /** conv2d's zero padding takes part: 0 · inf is NaN, as in TensorFlow and PyTorch (reference skipped the padding). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void convPaddingTimesAnInfiniteWeightIsNaN(Backend b) {
        try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
            Tensor x = Tensor.of(new float[] {1, 1, 1}, 1, 3, 1, 1);
            Tensor k = Tensor.of(new float[] {Float.POSITIVE_INFINITY, 1, 1}, 3, 1, 1, 1);
            assertArrayEquals(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY},
                    ConvOps.conv2d(x, k, new int[] {1, 1}, "same").toFloatArray());
        }
    }

    /** The fused conv2d + bias + ReLU keeps a NaN as Tensor.relu does (the cpu epilogue made it 0). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void fusedConvReluKeepsNaN(Backend b) {
        try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
            Tensor x = Tensor.of(new float[] {Float.NaN, 1, -1, 2}, 1, 2, 2, 1);
            Tensor k = Tensor.of(new float[] {1}, 1, 1, 1, 1);
            Tensor bias = Tensor.of(new float[] {0.5f});
            float[] fused = ConvOps.conv2dBiasAct(x, k, bias, true, new int[] {1, 1}, "valid", new int[] {1, 1}, 1)
                    .toFloatArray();
            assertArrayEquals(new float[] {Float.NaN, 1.5f, 0, 2.5f}, fused);
            assertArrayEquals(ConvOps.conv2d(x, k, new int[] {1, 1}, "valid").add(bias).relu().toFloatArray(), fused);
        }
    }

    /** A null sub-array in ofNested is an IllegalArgumentException (was a NullPointerException). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void ofNestedWithANullRowIsRejected(Backend b) {
        try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
            for (Object nested : new Object[] {new float[][] {null}, new float[][] {null, {0, 0}},
                new long[][][] {{null}}, new float[][] {{1, 2}, null}}) {
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> Tensor.ofNested(nested));
                assertTrue(e.getMessage().startsWith("ofNested: ragged array"), e.getMessage());
            }
        }
    }

    /** arange with a NaN bound was an empty tensor, with an infinite one a misleading size error. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void arangeNeedsFiniteBounds(Backend b) {
        try (Backends.Use use = Backends.use(b); Scope s = Scope.open()) {
            double[][] bad = {{Double.NaN, 7, 1}, {0, Double.NaN, 1}, {0, Double.POSITIVE_INFINITY, 1},
                {Double.NEGATIVE_INFINITY, 0, 2.5}, {0, 5, Double.POSITIVE_INFINITY}};
            for (double[] a : bad) {
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> Tensor.arange(a[0], a[1], a[2], DType.FLOAT32));
                assertTrue(e.getMessage().startsWith("arange: start, stop and step must be finite"), e.getMessage());
            }
            assertArrayEquals(new float[] {7, 4, 1}, Tensor.arange(7, 0, -3, DType.FLOAT32).toFloatArray());
        }
    }

    /**
     * Runs {@code calls} random calls on both backends.
     *
     * @param ref the oracle
     * @param fast the backend under test
     * @param seed the seed
     * @param calls how many calls
     * @return the findings, one line each
     */
    static List<String> fuzz(Backend ref, Backend fast, long seed, int calls) {
        return fuzz(ref, fast, seed, calls, false);
    }

    @Test
    void gradientsAgreeToo() {
        List<String> findings = fuzz(Backends.reference(), Backends.cpu(), OpCatalog.seed("TensorApiFuzzGrad"),
                CALLS, true);
        assertTrue(findings.isEmpty(), findings.size() + " findings (seed " + OpCatalog.baseSeed() + "):\n"
                + String.join("\n", findings.subList(0, Math.min(60, findings.size()))));
    }

    /**
     * Runs {@code calls} random calls on both backends, with or without gradients.
     *
     * @param ref the oracle
     * @param fast the backend under test
     * @param seed the seed
     * @param calls how many calls
     * @param gradients also compare the gradients of each float result with respect to its float inputs
     * @return the findings, one line each
     */
    static List<String> fuzz(Backend ref, Backend fast, long seed, int calls, boolean gradients) {
        return fuzz(ref, fast, seed, calls, gradients, false);
    }

    /**
     * As {@link #fuzz(Backend, Backend, long, int, boolean)}, optionally without NaN or infinite conv2d kernels.
     *
     * @param ref the oracle
     * @param fast the backend under test
     * @param seed the seed
     * @param calls how many calls
     * @param gradients also compare gradients
     * @param finiteConvKernels draw only finite conv2d kernels
     * @return the findings, one line each
     */
    static List<String> fuzz(Backend ref, Backend fast, long seed, int calls, boolean gradients,
                             boolean finiteConvKernels) {
        Random rng = new Random(seed);
        List<String> findings = new ArrayList<>();
        int agreedValues = 0;
        int agreedErrors = 0;
        int only = Integer.getInteger("lamina.fuzz.only", -1);   // replay one call of the sequence alone
        for (int i = 0; i < calls; i++) {
            Call c = new Gen(new Random(rng.nextLong()), finiteConvKernels).next();
            if (only >= 0 && i != only) {
                continue;
            }
            long refBefore = ref.bytesInUse();
            long fastBefore = fast.bytesInUse();
            Outcome r = gradients ? Outcome.runWithGradients(ref, c) : Outcome.run(ref, c);
            Outcome f = gradients ? Outcome.runWithGradients(fast, c) : Outcome.run(fast, c);
            String finding = judge(r, f, fast.name());
            // the call's scope freed everything it made, results and rejected calls alike (≤: a cleaner may free more)
            if (finding == null && ref.bytesInUse() > refBefore) {
                finding = "reference holds " + (ref.bytesInUse() - refBefore) + " bytes more after the call";
            }
            if (finding == null && fast.bytesInUse() > fastBefore) {
                finding = fast.name() + " holds " + (fast.bytesInUse() - fastBefore) + " bytes more after the call";
            }
            if (finding != null) {
                findings.add("#" + i + " " + c.what() + ": " + finding);
            } else if (r.error() == null) {
                agreedValues++;
            } else {
                agreedErrors++;
                if (Boolean.getBoolean("lamina.fuzz.verbose")) {
                    System.out.println("REJECT " + c.what() + " -> " + describe(r.error()) + " | " + describe(f.error()));
                }
            }
        }
        System.out.println("TensorApiFuzz " + (gradients ? "with gradients " : "") + ref.name() + " vs " + fast.name()
                + ": " + calls + " calls, "
                + agreedValues + " same results (" + WITH_GRADIENTS.getAndSet(0) / 2 + " with gradients), " + agreedErrors
                + " both rejected, " + findings.size() + " findings");
        return findings;
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + "(" + e.getMessage() + ")";
    }

    private static boolean clear(Throwable e) {
        return (e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e instanceof UnsupportedOperationException)
                && !(e instanceof NumberFormatException)
                && e.getMessage() != null && !e.getMessage().isBlank();
    }

    static String judge(Outcome r, Outcome f, String fastName) {
        if (r.error() != null || f.error() != null) {
            if (r.error() == null) {
                return "reference returned " + r.dtype() + Arrays.toString(r.shape()) + " but " + fastName + " threw "
                        + describe(f.error());
            }
            if (f.error() == null) {
                return fastName + " returned " + f.dtype() + Arrays.toString(f.shape()) + " but reference threw "
                        + describe(r.error());
            }
            if (!clear(r.error())) {
                return "unclear error on reference: " + describe(r.error());
            }
            if (!clear(f.error())) {
                return "unclear error on " + fastName + ": " + describe(f.error());
            }
            return null;
        }
        if (r.dtype() != f.dtype() || !Arrays.equals(r.shape(), f.shape())) {
            return "reference " + r.dtype() + Arrays.toString(r.shape()) + " vs " + fastName + " " + f.dtype()
                    + Arrays.toString(f.shape());
        }
        boolean exact = r.dtype() != DType.FLOAT32 && r.dtype() != DType.FLOAT64;
        for (int i = 0; i < r.values().length; i++) {
            double a = r.values()[i];
            double b = f.values()[i];
            boolean ok;
            if (Double.isNaN(a) || Double.isNaN(b)) {
                ok = Double.isNaN(a) && Double.isNaN(b);
            } else if (Double.isInfinite(a) || Double.isInfinite(b) || exact) {
                ok = a == b;
            } else {
                ok = Math.abs(a - b) <= ATOL + RTOL * Math.abs(a);
            }
            if (!ok) {
                return "value " + i + " of " + r.dtype() + Arrays.toString(r.shape()) + ": reference " + a + ", "
                        + fastName + " " + b;
            }
        }
        return null;
    }

    /** Draws one random call. */
    static final class Gen {
        private final Random r;
        private final boolean finiteConvKernels;

        Gen(Random r) {
            this(r, false);
        }

        /**
         * @param r the source of randomness
         * @param finiteConvKernels no NaN or infinite conv2d kernels (for the cuda gradients: see TensorApiFuzzGpuTest)
         */
        Gen(Random r, boolean finiteConvKernels) {
            this.r = r;
            this.finiteConvKernels = finiteConvKernels;
        }

        /** A tensor's recipe: dtype, shape and values, built on whichever backend is current. */
        record Input(DType dtype, long[] shape, double[] values) {
            Tensor make() {
                // Tensor.of(data) with no shape is a vector, so a rank-0 input is reshaped to ()
                Tensor t = shape.length == 0 ? of(new long[] {1}).reshape() : of(shape);
                if (!Arrays.equals(t.shape(), shape)) {
                    throw new AssertionError("fuzz input " + this + " came out as " + Arrays.toString(t.shape()));
                }
                if (TAPE.get() != null && (dtype == DType.FLOAT32 || dtype == DType.FLOAT64)) {
                    TAPE.get().watch(t);
                    WATCHED.get().add(t);
                }
                return t;
            }

            private Tensor of(long[] shape) {
                int n = values.length;
                switch (dtype) {
                    case FLOAT32: {
                        float[] a = new float[n];
                        for (int i = 0; i < n; i++) {
                            a[i] = (float) values[i];
                        }
                        return Tensor.of(a, shape);
                    }
                    case FLOAT64:
                        return Tensor.of(values.clone(), shape);
                    case INT32: {
                        int[] a = new int[n];
                        for (int i = 0; i < n; i++) {
                            a[i] = (int) values[i];
                        }
                        return Tensor.of(a, shape);
                    }
                    case INT64: {
                        long[] a = new long[n];
                        for (int i = 0; i < n; i++) {
                            a[i] = (long) values[i];
                        }
                        return Tensor.of(a, shape);
                    }
                    default: {
                        boolean[] a = new boolean[n];
                        for (int i = 0; i < n; i++) {
                            a[i] = values[i] != 0;
                        }
                        return Tensor.of(a, shape);
                    }
                }
            }

            @Override
            public String toString() {
                return dtype.name().toLowerCase() + Arrays.toString(shape);
            }
        }

        int axisFor(int rank) {
            // mostly valid, sometimes one past either end, sometimes far off
            int k = r.nextInt(10);
            if (k < 7) {
                int a = rank == 0 ? 0 : r.nextInt(rank);
                return r.nextBoolean() ? a : a - rank;
            }
            if (k < 9) {
                return r.nextBoolean() ? rank : -rank - 1;
            }
            return r.nextBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        }

        long dim() {
            if (r.nextInt(25) == 0) {
                // now and then past the kernels' vector widths and tails
                return new long[] {7, 17, 33, 65}[r.nextInt(4)];
            }
            int k = r.nextInt(10);
            return k == 0 ? 0 : k < 4 ? 1 : 2 + r.nextInt(3);
        }

        long[] shape(int rank) {
            long[] s = new long[rank];
            for (int i = 0; i < rank; i++) {
                s[i] = dim();
            }
            // keep the element count small
            while (numel(s) > 16384) {
                s[r.nextInt(rank)] = 1;
            }
            return s;
        }

        long[] shape() {
            int k = r.nextInt(10);
            return shape(k == 0 ? 0 : k < 8 ? 1 + r.nextInt(3) : 4 + r.nextInt(3));
        }

        static long numel(long[] s) {
            long n = 1;
            for (long d : s) {
                n *= d;
            }
            return n;
        }

        DType dtype() {
            int k = r.nextInt(10);
            return k < 5 ? DType.FLOAT32 : k < 6 ? DType.FLOAT64 : k < 8 ? DType.INT32 : k < 9 ? DType.INT64 : DType.BOOL;
        }

        DType floatish() {
            return r.nextInt(5) == 0 ? dtype() : DType.FLOAT32;
        }

        Input input(DType dt, long[] shape) {
            return input(dt, shape, true);
        }

        Input input(DType dt, long[] shape, boolean specials) {
            int n = (int) numel(shape);
            double[] v = new double[n];
            boolean special = r.nextInt(4) == 0 && specials;
            for (int i = 0; i < n; i++) {
                if (dt == DType.FLOAT32 || dt == DType.FLOAT64) {
                    int k = special ? r.nextInt(12) : 99;
                    v[i] = switch (k) {
                        case 0 -> Double.NaN;
                        case 1 -> Double.POSITIVE_INFINITY;
                        case 2 -> Double.NEGATIVE_INFINITY;
                        case 3 -> -0.0;
                        case 4 -> 1e30 * (r.nextBoolean() ? 1 : -1);
                        default -> r.nextGaussian() * 2;
                    };
                } else if (dt == DType.BOOL) {
                    v[i] = r.nextBoolean() ? 1 : 0;
                } else {
                    v[i] = r.nextInt(11) - 5;
                }
            }
            return new Input(dt, shape, v);
        }

        /** A shape that broadcasts against s (dims dropped from the front or set to 1), or a random one. */
        long[] partner(long[] s) {
            if (r.nextInt(5) == 0) {
                return shape();
            }
            int drop = s.length == 0 ? 0 : r.nextInt(s.length + 1);
            long[] p = Arrays.copyOfRange(s, drop, s.length);
            for (int i = 0; i < p.length; i++) {
                if (r.nextInt(3) == 0) {
                    p[i] = 1;
                }
            }
            if (r.nextInt(6) == 0) {
                // broadcast the other way: a longer partner
                long[] q = new long[p.length + 1];
                q[0] = dim();
                System.arraycopy(p, 0, q, 1, p.length);
                return q;
            }
            return p;
        }

        int[] axes(int rank) {
            if (r.nextInt(5) == 0) {
                return r.nextBoolean() ? null : new int[0];
            }
            int n = 1 + r.nextInt(Math.max(1, Math.min(3, rank + 1)));
            int[] a = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = axisFor(rank);
            }
            return a;
        }

        Call next() {
            int k = r.nextInt(18);
            return switch (k) {
                case 16 -> misuse();
                case 17 -> factory();
                case 0, 1 -> binary();
                case 2 -> scalarOp();
                case 3 -> unary();
                case 4, 5 -> reduction();
                case 6 -> softmax();
                case 7 -> matmul();
                case 8 -> reshape();
                case 9 -> axisOps();
                case 10 -> slice();
                case 11 -> concatStack();
                case 12 -> gather();
                case 13 -> conv();
                case 14 -> broadcastPermute();
                default -> castClip();
            };
        }

        Call binary() {
            long[] s = shape();
            Input a = input(dtype(), s);
            Input b = input(r.nextInt(3) == 0 ? dtype() : a.dtype(), partner(s));
            boolean swap = r.nextBoolean();
            Input x = swap ? b : a;
            Input y = swap ? a : b;
            String[] ops = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge"};
            String op = ops[r.nextInt(ops.length)];
            return new Call(op + "(" + x + ", " + y + ")", () -> {
                Tensor p = x.make();
                Tensor q = y.make();
                return switch (op) {
                    case "add" -> p.add(q);
                    case "sub" -> p.sub(q);
                    case "mul" -> p.mul(q);
                    case "div" -> p.div(q);
                    case "pow" -> p.pow(q);
                    case "maximum" -> p.maximum(q);
                    case "minimum" -> p.minimum(q);
                    case "eq" -> p.eq(q);
                    case "ne" -> p.ne(q);
                    case "lt" -> p.lt(q);
                    case "le" -> p.le(q);
                    case "gt" -> p.gt(q);
                    default -> p.ge(q);
                };
            });
        }

        Call scalarOp() {
            Input a = input(dtype(), shape());
            String[] ops = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "lt", "gt"};
            String op = ops[r.nextInt(ops.length)];
            boolean asLong = r.nextBoolean() && !op.equals("eq") && !op.equals("lt") && !op.equals("gt");
            double[] specials = {0, -0.0, 1, -3, 2.5, Double.NaN, Double.POSITIVE_INFINITY, 1e300};
            double v = asLong ? r.nextInt(7) - 3 : specials[r.nextInt(specials.length)];
            long lv = (long) v;
            return new Call(op + "(" + a + ", " + (asLong ? lv + "L" : v) + ")", () -> {
                Tensor p = a.make();
                if (asLong) {
                    return switch (op) {
                        case "add" -> p.add(lv);
                        case "sub" -> p.sub(lv);
                        case "mul" -> p.mul(lv);
                        case "div" -> p.div(lv);
                        case "pow" -> p.pow(lv);
                        case "maximum" -> p.maximum(lv);
                        default -> p.minimum(lv);
                    };
                }
                return switch (op) {
                    case "add" -> p.add(v);
                    case "sub" -> p.sub(v);
                    case "mul" -> p.mul(v);
                    case "div" -> p.div(v);
                    case "pow" -> p.pow(v);
                    case "maximum" -> p.maximum(v);
                    case "minimum" -> p.minimum(v);
                    case "eq" -> p.eq(v);
                    case "lt" -> p.lt(v);
                    default -> p.gt(v);
                };
            });
        }

        Call unary() {
            Input a = input(floatish(), shape());
            String[] ops = {"neg", "abs", "sign", "exp", "log", "log1p", "sqrt", "square", "reciprocal", "tanh",
                "sigmoid", "relu", "softplus"};
            String op = ops[r.nextInt(ops.length)];
            return new Call(op + "(" + a + ")", () -> {
                Tensor p = a.make();
                return switch (op) {
                    case "neg" -> p.neg();
                    case "abs" -> p.abs();
                    case "sign" -> p.sign();
                    case "exp" -> p.exp();
                    case "log" -> p.log();
                    case "log1p" -> p.log1p();
                    case "sqrt" -> p.sqrt();
                    case "square" -> p.square();
                    case "reciprocal" -> p.reciprocal();
                    case "tanh" -> p.tanh();
                    case "sigmoid" -> p.sigmoid();
                    case "relu" -> p.relu();
                    default -> p.softplus();
                };
            });
        }

        Call reduction() {
            long[] s = shape();
            Input a = input(floatish(), s);
            String[] ops = {"sum", "mean", "max", "min", "variance", "argmax", "argmin", "sumAll", "maxAll", "minAll",
                "meanAll", "sumAxis"};
            String op = ops[r.nextInt(ops.length)];
            int[] axes = axes(s.length);
            boolean keep = r.nextBoolean();
            int axis = axisFor(s.length);
            String args = op.startsWith("arg") || op.equals("sumAxis") ? "axis " + axis
                    : op.endsWith("All") ? "" : Arrays.toString(axes) + ", keepdims " + keep;
            return new Call(op + "(" + a + " " + args + ")", () -> {
                Tensor p = a.make();
                return switch (op) {
                    case "sum" -> p.sum(axes, keep);
                    case "mean" -> p.mean(axes, keep);
                    case "max" -> p.max(axes, keep);
                    case "min" -> p.min(axes, keep);
                    case "variance" -> p.variance(axes, keep);
                    case "argmax" -> p.argmax(axis);
                    case "argmin" -> p.argmin(axis);
                    case "sumAll" -> p.sum();
                    case "maxAll" -> p.max();
                    case "minAll" -> p.min();
                    case "meanAll" -> p.mean();
                    default -> p.sum(axis);
                };
            });
        }

        Call softmax() {
            long[] s = shape();
            Input a = input(floatish(), s);
            int axis = axisFor(s.length);
            boolean log = r.nextBoolean();
            return new Call((log ? "logSoftmax(" : "softmax(") + a + ", " + axis + ")",
                    () -> log ? a.make().logSoftmax(axis) : a.make().softmax(axis));
        }

        Call matmul() {
            long m = dim();
            long k = dim();
            long n = dim();
            long k2 = r.nextInt(4) == 0 ? dim() : k;
            long[] batch = shape(r.nextInt(3));
            long[] sa = concat(r.nextInt(3) == 0 ? new long[0] : batch, new long[] {m, k});
            long[] sb = concat(r.nextInt(3) == 0 ? new long[0] : partner(batch), new long[] {k2, n});
            if (r.nextInt(6) == 0) {
                sa = new long[] {k};
            }
            if (r.nextInt(6) == 0) {
                sb = new long[] {k2};
            }
            Input a = input(floatish(), sa);
            Input b = input(r.nextInt(6) == 0 ? dtype() : a.dtype(), sb);
            return new Call("matmul(" + a + ", " + b + ")", () -> a.make().matmul(b.make()));
        }

        static long[] concat(long[] a, long[] b) {
            long[] c = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, c, a.length, b.length);
            return c;
        }

        Call reshape() {
            long[] s = shape();
            Input a = input(dtype(), s);
            long[] t;
            int k = r.nextInt(4);
            if (k == 0) {
                t = shape();
            } else {
                // a permutation of the same dims, one maybe -1, maybe one perturbed
                List<Long> dims = new ArrayList<>();
                for (long d : s) {
                    dims.add(d);
                }
                java.util.Collections.shuffle(dims, r);
                t = dims.stream().mapToLong(Long::longValue).toArray();
                if (t.length > 0 && k == 1) {
                    t[r.nextInt(t.length)] = -1;
                }
                if (t.length > 0 && k == 2) {
                    int i = r.nextInt(t.length);
                    t[i] = r.nextBoolean() ? t[i] + 1 : -2 - r.nextInt(2);
                }
                if (k == 3 && r.nextBoolean()) {
                    t = concat(t, new long[] {-1, -1});
                }
            }
            long[] target = t;
            return new Call("reshape(" + a + ", " + Arrays.toString(target) + ")", () -> a.make().reshape(target));
        }

        Call axisOps() {
            long[] s = shape();
            Input a = input(dtype(), s);
            int axis = axisFor(s.length + 1);
            String[] ops = {"unsqueeze", "squeeze", "squeezeAll", "flatten", "transpose"};
            String op = ops[r.nextInt(ops.length)];
            return new Call(op + "(" + a + ", " + axis + ")", () -> {
                Tensor p = a.make();
                return switch (op) {
                    case "unsqueeze" -> p.unsqueeze(axis);
                    case "squeeze" -> p.squeeze(axis);
                    case "squeezeAll" -> p.squeeze();
                    case "flatten" -> p.flatten();
                    default -> p.transpose();
                };
            });
        }

        Call broadcastPermute() {
            long[] s = shape();
            Input a = input(dtype(), s);
            if (r.nextBoolean()) {
                long[] target = r.nextInt(4) == 0 ? shape() : concat(shape(r.nextInt(2)), s.clone());
                if (target.length > 0 && r.nextInt(3) == 0) {
                    target[r.nextInt(target.length)] = r.nextInt(3) == 0 ? -1 : dim();
                }
                long[] tt = target;
                return new Call("broadcastTo(" + a + ", " + Arrays.toString(tt) + ")", () -> a.make().broadcastTo(tt));
            }
            int[] perm = new int[s.length + (r.nextInt(8) == 0 ? 1 : 0) - (r.nextInt(8) == 0 && s.length > 0 ? 1 : 0)];
            List<Integer> ax = new ArrayList<>();
            for (int i = 0; i < s.length; i++) {
                ax.add(i);
            }
            java.util.Collections.shuffle(ax, r);
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i < ax.size() ? ax.get(i) : axisFor(s.length);
                if (r.nextInt(5) == 0) {
                    perm[i] = r.nextBoolean() ? perm[i] - s.length : axisFor(s.length);
                }
            }
            return new Call("permute(" + a + ", " + Arrays.toString(perm) + ")", () -> a.make().permute(perm));
        }

        Call slice() {
            long[] s = shape();
            Input a = input(dtype(), s);
            if (r.nextBoolean()) {
                int axis = axisFor(s.length);
                long d = s.length == 0 ? 1 : s[Math.floorMod(axis, Math.max(1, s.length))];
                long start = r.nextInt(d + 3 > 0 ? (int) d + 3 : 1) - 1;
                long end = r.nextInt((int) d + 3) - 1;
                return new Call("slice(" + a + ", axis " + axis + ", " + start + ", " + end + ")",
                        () -> a.make().slice(axis, start, end));
            }
            int rank = r.nextInt(8) == 0 ? s.length + 1 : s.length;
            long[] begin = new long[rank];
            long[] size = new long[rank];
            for (int i = 0; i < rank; i++) {
                long d = i < s.length ? s[i] : 1;
                begin[i] = r.nextInt((int) d + 2) - (r.nextInt(10) == 0 ? 1 : 0);
                size[i] = r.nextInt(4) == 0 ? -1 : r.nextInt((int) d + 2) - (r.nextInt(10) == 0 ? 2 : 0);
            }
            return new Call("slice(" + a + ", " + Arrays.toString(begin) + ", " + Arrays.toString(size) + ")",
                    () -> a.make().slice(begin, size));
        }

        Call concatStack() {
            long[] s = shape();
            boolean stack = r.nextBoolean();
            int axis = axisFor(stack ? s.length + 1 : s.length);
            int n = r.nextInt(4);
            DType dt = dtype();
            List<Input> parts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long[] si = s.clone();
                if (!stack && si.length > 0) {
                    int ax = Math.floorMod(axis, si.length);
                    si[ax] = dim();
                }
                if (r.nextInt(6) == 0 && si.length > 0) {
                    si[r.nextInt(si.length)] = dim();
                }
                if (r.nextInt(10) == 0) {
                    si = shape();
                }
                parts.add(input(r.nextInt(8) == 0 ? dtype() : dt, si));
            }
            return new Call((stack ? "stack(" : "concat(") + parts + ", axis " + axis + ")", () -> {
                List<Tensor> ts = new ArrayList<>();
                for (Input p : parts) {
                    ts.add(p.make());
                }
                return stack ? Tensor.stack(ts, axis) : Tensor.concat(ts, axis);
            });
        }

        Call gather() {
            long[] s = shape(1 + r.nextInt(3));
            Input table = input(dtype(), s);
            long v = s[0];
            long[] is = shape(r.nextInt(3));
            int n = (int) numel(is);
            double[] ids = new double[n];
            boolean bad = r.nextInt(4) == 0;
            for (int i = 0; i < n; i++) {
                ids[i] = v == 0 ? r.nextInt(2) : r.nextInt((int) v);
                if (bad && r.nextInt(3) == 0) {
                    ids[i] = r.nextBoolean() ? -1 - r.nextInt(2) : v + r.nextInt(2);
                }
            }
            int kind = r.nextInt(6);
            DType it = kind == 0 ? DType.FLOAT32 : kind < 4 ? DType.INT32 : DType.INT64;
            Input idx = new Input(it, is, ids);
            if (r.nextInt(3) == 0) {
                long depth = r.nextInt(5) - 1;
                DType out = dtype();
                return new Call("oneHot(" + idx + " " + Arrays.toString(ids) + ", " + depth + ", " + out + ")",
                        () -> idx.make().oneHot(depth, out));
            }
            return new Call("gather(" + table + ", " + idx + " " + Arrays.toString(ids) + ")",
                    () -> table.make().gather(idx.make()));
        }

        Call conv() {
            long b = r.nextInt(3);
            long h = 1 + r.nextInt(5);
            long w = 1 + r.nextInt(5);
            long c = 1 + r.nextInt(3);
            long[] xs = r.nextInt(8) == 0 ? shape() : new long[] {b, h, w, c};
            Input x = input(floatish(), xs);
            String padding = new String[] {"valid", "same", "same", "valid", "full"}[r.nextInt(5)];
            int[] strides = {r.nextInt(8) == 0 ? r.nextInt(2) - 1 : 1 + r.nextInt(2), 1 + r.nextInt(2)};
            if (r.nextBoolean()) {
                long kh = 1 + r.nextInt(4);
                long kw = 1 + r.nextInt(4);
                long kc = r.nextInt(6) == 0 ? 1 + r.nextInt(3) : c;
                long ko = 1 + r.nextInt(3);
                Input k = input(r.nextInt(6) == 0 ? dtype() : x.dtype(), new long[] {kh, kw, kc, ko}, !finiteConvKernels);
                int[] dil = {1 + (r.nextInt(4) == 0 ? 1 : 0), 1};
                // groups: mostly 1, else a divisor or not of C (the kernel's channel axis then C/groups or not)
                int groups = r.nextInt(4) == 0 ? 1 + r.nextInt(3) : 1;
                if (r.nextInt(5) == 0) {
                    // a bias [K] (or of a wrong length / dtype), with or without the ReLU
                    Input bias = input(r.nextInt(6) == 0 ? dtype() : x.dtype(), new long[] {r.nextInt(6) == 0 ? ko + 1 : ko});
                    boolean relu = r.nextBoolean();
                    return new Call("conv2dBiasAct(" + x + ", " + k + ", " + bias + ", relu " + relu + ", strides "
                            + Arrays.toString(strides) + ", " + padding + ", dilation " + Arrays.toString(dil) + ", groups "
                            + groups + ")", () -> ConvOps.conv2dBiasAct(x.make(), k.make(), bias.make(), relu, strides,
                            padding, dil, groups));
                }
                return new Call("conv2d(" + x + ", " + k + ", strides " + Arrays.toString(strides) + ", " + padding
                        + ", dilation " + Arrays.toString(dil) + ", groups " + groups + ")",
                        () -> ConvOps.conv2d(x.make(), k.make(), strides, padding, dil, groups));
            }
            int[] pool = {1 + r.nextInt(4), r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(3)};
            boolean max = r.nextBoolean();
            int[] st = r.nextInt(3) == 0 ? null : strides;
            return new Call((max ? "maxPool2d(" : "avgPool2d(") + x + ", pool " + Arrays.toString(pool) + ", strides "
                    + Arrays.toString(st) + ", " + padding + ")",
                    () -> max ? ConvOps.maxPool2d(x.make(), pool, st, padding)
                            : ConvOps.avgPool2d(x.make(), pool, st, padding));
        }

        /** The factories with odd arguments: empty, negative, NaN or infinite ranges, short buffers, ragged arrays. */
        Call factory() {
            double[] odd = {0, 1, -1, 2.5, -3, 7, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-300,
                1e12};
            int k = r.nextInt(6);
            double a = odd[r.nextInt(odd.length)];
            double b = odd[r.nextInt(odd.length)];
            double c = odd[r.nextInt(odd.length)];
            int n = r.nextInt(7) - 2;
            DType dt = dtype();
            switch (k) {
                case 0:
                    return new Call("arange(" + a + ", " + b + ", " + c + ", " + dt + ")", () -> Tensor.arange(a, b, c, dt));
                case 1:
                    return new Call("linspace(" + a + ", " + b + ", " + n + ")", () -> Tensor.linspace(a, b, n));
                case 2:
                    return new Call("eye(" + n + ", " + dt + ")", () -> Tensor.eye(n, dt));
                case 3: {
                    long[] sh = shape();
                    return new Call("full(" + dt + ", " + a + ", " + Arrays.toString(sh) + ")", () -> Tensor.full(dt, a, sh));
                }
                case 4: {
                    long[] sh = shape();
                    int bytes = (int) Math.max(0, numel(sh) * dt.size() + r.nextInt(3) - 1);
                    return new Call("fromBuffer(" + dt + ", " + Arrays.toString(sh) + ", " + bytes + " bytes)",
                            () -> Tensor.fromBuffer(dt, sh, java.nio.ByteBuffer.allocate(bytes)));
                }
                default: {
                    int rows = r.nextInt(4);
                    float[][] nested = new float[rows][];
                    int w = r.nextInt(3);
                    for (int i = 0; i < rows; i++) {
                        nested[i] = new float[r.nextInt(6) == 0 ? r.nextInt(3) : w];
                    }
                    if (rows > 0 && r.nextInt(8) == 0) {
                        nested[r.nextInt(rows)] = null;
                    }
                    return new Call("ofNested(" + Arrays.deepToString(nested) + ")", () -> Tensor.ofNested(nested));
                }
            }
        }

        /** An operand on another backend, or one already closed: both are errors that name the op. */
        Call misuse() {
            long[] sh = shape();
            Input a = input(DType.FLOAT32, sh);
            Input b = input(DType.FLOAT32, sh);
            boolean closed = r.nextBoolean();
            String[] ops = {"add", "matmul", "concat", "gather", "sum"};
            String op = ops[r.nextInt(ops.length)];
            return new Call(op + "(" + a + ", " + b + (closed ? " closed)" : " on another backend)"), () -> {
                Tensor p = a.make();
                Tensor q;
                if (closed) {
                    q = b.make();
                    q.close();
                    if (op.equals("sum")) {
                        p = q;
                    }
                } else {
                    Backend here = Backends.current();
                    Backend other = here == Backends.reference() ? Backends.cpu() : Backends.reference();
                    try (Backends.Use use = Backends.use(other)) {
                        q = b.make();
                    }
                    if (op.equals("sum")) {
                        // a reduction has one operand: add a tensor of the other backend to its result
                        return p.sum().add(q.sum());
                    }
                }
                return switch (op) {
                    case "add" -> p.add(q);
                    case "matmul" -> p.matmul(q);
                    case "concat" -> Tensor.concat(List.of(p, q), 0);
                    case "gather" -> p.gather(q.cast(DType.INT32));
                    default -> p.sum();
                };
            });
        }

        Call castClip() {
            Input a = input(dtype(), shape());
            if (r.nextBoolean()) {
                DType to = dtype();
                return new Call("cast(" + a + ", " + to + ")", () -> a.make().cast(to));
            }
            double lo = r.nextInt(5) - 2;
            double hi = r.nextInt(5) - 2;
            return new Call("clip(" + a + ", " + lo + ", " + hi + ")", () -> a.make().clip(lo, hi));
        }
    }
}
