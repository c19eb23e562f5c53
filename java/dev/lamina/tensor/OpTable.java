package dev.lamina.tensor;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.UnaryOp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The table of element-wise ops and reductions: each is defined once, here, with its name (used in
 * error messages, on the tape and by the parity runner), its backend call ({@link UnaryOp},
 * {@link BinaryOp} or {@link ReduceOp}), its shape and dtype rule, its gradient rule (in
 * {@link Gradients}) and the input domain on which it is differentiable (read by the op tests).
 *
 * <p>{@link Tensor}'s methods call {@link Unary#apply}, {@link Binary#apply} and
 * {@link Reduction#apply}; the op catalog of the tests draws one case per entry, on every backend,
 * forward and backward. Adding an element-wise op is one entry here, one {@link UnaryOp} constant
 * (with its code in {@code native/lamina_ops.h}) and its three kernels: see
 * {@code docs/ADDING_AN_OP.md}.
 *
 * <p>Shape and dtype rules: a unary op keeps the shape and dtype (float dtypes; int32/int64 only
 * where {@link UnaryOp#supportsIntegers()}; never bool). A binary op broadcasts its operands as
 * NumPy does; both must have one dtype; a comparison gives bool, any other op the operands' dtype.
 * A reduction drops (or with keepdims keeps as size 1) the reduced axes; argmax/argmin give int64.
 */
public final class OpTable {
    private OpTable() {
    }

    /** Where an op's inputs may be drawn from for a gradient check. */
    public enum Domain {
        /** any real value (tests draw uniform in [-2, 2]) */ ANY,
        /** positive values only (tests draw [0.5, 2]) */ POSITIVE,
        /** away from a kink or pole at zero (tests draw ±[0.5, 2]) */ AWAY_FROM_ZERO
    }

    /** g·f'(x) of an element-wise unary op, from the upstream gradient, the input and the output. */
    @FunctionalInterface
    interface UnaryGrad {
        Tensor apply(Tensor g, Tensor x, Tensor y);
    }

    /** The gradient rule of an element-wise binary op, from its operands and output. */
    @FunctionalInterface
    interface BinaryGrad {
        Backward rule(Tensor a, Tensor b, Tensor y);
    }

    /** An element-wise op of one tensor: y = f(x), same shape and dtype. */
    public static final class Unary {
        private final String name;
        private final UnaryOp code;
        private final UnaryGrad grad;
        private final Domain domain;

        Unary(String name, UnaryOp code, UnaryGrad grad, Domain domain) {
            this.name = name;
            this.code = code;
            this.grad = grad;
            this.domain = domain;
        }

        /** @return the op's name ({@code Tensor}'s method name) */
        public String name() {
            return name;
        }

        /** @return the backend kernel code */
        public UnaryOp code() {
            return code;
        }

        /** @return whether the op has a gradient rule (float inputs) */
        public boolean differentiable() {
            return grad != null;
        }

        /** @return where the op is differentiable */
        public Domain domain() {
            return domain;
        }

        /**
         * Runs the op and records its gradient rule on open tapes (float inputs only).
         *
         * @param x the input
         * @return f(x), a new tensor of x's shape and dtype
         * @throws IllegalArgumentException when x's dtype is not supported
         */
        public Tensor apply(Tensor x) {
            Tensor y = RawOps.unary(name, code, x);
            if (grad != null && RawOps.recording() && x.dtype.isFloating()) {
                Tape.record(name, y, g -> new Tensor[] {grad.apply(g, x, y)}, x);
            }
            return y;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** An element-wise op of two tensors, broadcasting. */
    public static final class Binary {
        private final String name;
        private final BinaryOp code;
        private final BinaryGrad grad;
        private final Domain left;
        private final Domain right;

        Binary(String name, BinaryOp code, BinaryGrad grad, Domain left, Domain right) {
            this.name = name;
            this.code = code;
            this.grad = grad;
            this.left = left;
            this.right = right;
        }

        /** @return the op's name ({@code Tensor}'s method name) */
        public String name() {
            return name;
        }

        /** @return the backend kernel code */
        public BinaryOp code() {
            return code;
        }

        /** @return whether the op has a gradient rule (comparisons have none) */
        public boolean differentiable() {
            return grad != null;
        }

        /**
         * @param operand 0 for the left operand, 1 for the right
         * @return where that operand may be drawn for a gradient check
         */
        public Domain domain(int operand) {
            return operand == 0 ? left : right;
        }

        /**
         * Runs the op and records its gradient rule on open tapes.
         *
         * @param a the left operand
         * @param b the right operand (same dtype and backend)
         * @return a new tensor of the broadcast shape: bool for comparisons, else a's dtype
         * @throws IllegalArgumentException when the shapes do not broadcast or the dtypes differ
         */
        public Tensor apply(Tensor a, Tensor b) {
            Tensor y = RawOps.binary(name, code, a, b);
            if (grad != null && RawOps.recording()) {
                Tape.record(name, y, grad.rule(a, b, y), a, b);
            }
            return y;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** A reduction over axes: sum, max, min (differentiable) and argmax, argmin (int64 indices). */
    public static final class Reduction {
        private final String name;
        private final ReduceOp code;

        Reduction(String name, ReduceOp code) {
            this.name = name;
            this.code = code;
        }

        /** @return the op's name */
        public String name() {
            return name;
        }

        /** @return the backend kernel code */
        public ReduceOp code() {
            return code;
        }

        /**
         * Reduces x over axes. For argmax and argmin exactly one axis is taken and keepdims must be
         * false.
         *
         * @param x the input (not bool)
         * @param axes the axes (null or empty: all; negative counts from the end)
         * @param keepdims keep reduced axes with size 1
         * @return the reduction; sum/max/min record their gradient rule for float inputs
         * @throws IllegalArgumentException on a bad axis, a bool input, or an empty max/min
         */
        public Tensor apply(Tensor x, int[] axes, boolean keepdims) {
            if (code.isArg()) {
                if (axes == null || axes.length != 1 || keepdims) {
                    throw new IllegalArgumentException(name + ": takes exactly one axis without keepdims");
                }
                int[] a = {Shapes.axis(name, axes[0], x.shape.length)};
                return RawOps.finishReduce(x, RawOps.reduce(name, code, x, a), a, false);
            }
            int[] ax = Shapes.axes(name, axes, x.shape.length);
            if (code == ReduceOp.SUM) {
                Tensor y = RawOps.finishReduce(x, RawOps.reduce(name, code, x, ax), ax, keepdims);
                if (RawOps.recording() && x.dtype.isFloating()) {
                    Tape.record(name, y, Gradients.sum(x, ax), x);
                }
                return y;
            }
            Tensor kept = RawOps.reduce(name, code, x, ax);
            Tensor y = RawOps.finishReduce(x, kept.alias(), ax, keepdims);
            if (RawOps.recording() && x.dtype.isFloating()) {
                Tape.record(name, y, Gradients.extreme(name, x, kept, ax), x);
            } else {
                kept.close();
            }
            return y;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final Domain ANY = Domain.ANY;
    private static final Domain POS = Domain.POSITIVE;
    private static final Domain NZ = Domain.AWAY_FROM_ZERO;

    // ---- unary ----------------------------------------------------------------------------
    /** -x. */
    public static final Unary NEG = new Unary("neg", UnaryOp.NEG, Gradients::neg, ANY);
    /** |x|; the gradient is sign(x) (0 at 0). */
    public static final Unary ABS = new Unary("abs", UnaryOp.ABS, Gradients::abs, NZ);
    /** sign(x) in {-1, 0, 1}; no gradient (zero almost everywhere). */
    public static final Unary SIGN = new Unary("sign", UnaryOp.SIGN, null, ANY);
    /** e^x. */
    public static final Unary EXP = new Unary("exp", UnaryOp.EXP, Gradients::exp, ANY);
    /** ln x. */
    public static final Unary LOG = new Unary("log", UnaryOp.LOG, Gradients::log, POS);
    /** ln(1 + x). */
    public static final Unary LOG1P = new Unary("log1p", UnaryOp.LOG1P, Gradients::log1p, POS);
    /** √x. */
    public static final Unary SQRT = new Unary("sqrt", UnaryOp.SQRT, Gradients::sqrt, POS);
    /** x². */
    public static final Unary SQUARE = new Unary("square", UnaryOp.SQUARE, Gradients::square, ANY);
    /** 1 / x. */
    public static final Unary RECIPROCAL = new Unary("reciprocal", UnaryOp.RECIPROCAL, Gradients::reciprocal, NZ);
    /** tanh x. */
    public static final Unary TANH = new Unary("tanh", UnaryOp.TANH, Gradients::tanh, ANY);
    /** 1 / (1 + e^-x). */
    public static final Unary SIGMOID = new Unary("sigmoid", UnaryOp.SIGMOID, Gradients::sigmoid, ANY);
    /** max(x, 0); the gradient at 0 is 0, as in TensorFlow. */
    public static final Unary RELU = new Unary("relu", UnaryOp.RELU, Gradients::relu, NZ);
    /** log(1 + e^x); the gradient is sigmoid(x). */
    public static final Unary SOFTPLUS = new Unary("softplus", UnaryOp.SOFTPLUS, Gradients::softplus, ANY);

    // ---- binary ---------------------------------------------------------------------------
    /** a + b. */
    public static final Binary ADD = new Binary("add", BinaryOp.ADD, Gradients::add, ANY, ANY);
    /** a − b. */
    public static final Binary SUB = new Binary("sub", BinaryOp.SUB, Gradients::sub, ANY, ANY);
    /** a · b. */
    public static final Binary MUL = new Binary("mul", BinaryOp.MUL, Gradients::mul, ANY, ANY);
    /** a / b; integer division truncates toward zero and x / 0 is 0. */
    public static final Binary DIV = new Binary("div", BinaryOp.DIV, Gradients::div, ANY, NZ);
    /** a ^ b. */
    public static final Binary POW = new Binary("pow", BinaryOp.POW, Gradients::pow, POS, ANY);
    /** max(a, b); ties send the gradient to a. */
    public static final Binary MAXIMUM = new Binary("maximum", BinaryOp.MAXIMUM, Gradients::maximum, ANY, ANY);
    /** min(a, b); ties send the gradient to a. */
    public static final Binary MINIMUM = new Binary("minimum", BinaryOp.MINIMUM, Gradients::minimum, ANY, ANY);
    /** a == b (bool). */
    public static final Binary EQ = new Binary("eq", BinaryOp.EQ, null, ANY, ANY);
    /** a != b (bool). */
    public static final Binary NE = new Binary("ne", BinaryOp.NE, null, ANY, ANY);
    /** a &lt; b (bool). */
    public static final Binary LT = new Binary("lt", BinaryOp.LT, null, ANY, ANY);
    /** a &lt;= b (bool). */
    public static final Binary LE = new Binary("le", BinaryOp.LE, null, ANY, ANY);
    /** a &gt; b (bool). */
    public static final Binary GT = new Binary("gt", BinaryOp.GT, null, ANY, ANY);
    /** a &gt;= b (bool). */
    public static final Binary GE = new Binary("ge", BinaryOp.GE, null, ANY, ANY);

    // ---- reductions -----------------------------------------------------------------------
    /** Σ over axes. */
    public static final Reduction SUM = new Reduction("sum", ReduceOp.SUM);
    /** max over axes; the gradient is shared equally among tied maxima. */
    public static final Reduction MAX = new Reduction("max", ReduceOp.MAX);
    /** min over axes; the gradient is shared equally among tied minima. */
    public static final Reduction MIN = new Reduction("min", ReduceOp.MIN);
    /** index of the largest value along one axis (int64, first of ties). */
    public static final Reduction ARGMAX = new Reduction("argmax", ReduceOp.ARGMAX);
    /** index of the smallest value along one axis (int64, first of ties). */
    public static final Reduction ARGMIN = new Reduction("argmin", ReduceOp.ARGMIN);

    private static final List<Unary> UNARIES = List.of(NEG, ABS, SIGN, EXP, LOG, LOG1P, SQRT, SQUARE, RECIPROCAL,
            TANH, SIGMOID, RELU, SOFTPLUS);
    private static final List<Binary> BINARIES = List.of(ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, EQ, NE, LT, LE,
            GT, GE);
    private static final List<Reduction> REDUCTIONS = List.of(SUM, MAX, MIN, ARGMAX, ARGMIN);
    private static final Map<String, Object> BY_NAME;

    static {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> all = new ArrayList<>(UNARIES);
        all.addAll(BINARIES);
        all.addAll(REDUCTIONS);
        for (Object o : all) {
            if (m.put(o.toString(), o) != null) {
                throw new ExceptionInInitializerError("OpTable: op name " + o + " defined twice");
            }
        }
        BY_NAME = Collections.unmodifiableMap(m);
    }

    /** @return every element-wise unary op, in table order */
    public static List<Unary> unaries() {
        return UNARIES;
    }

    /** @return every element-wise binary op, in table order */
    public static List<Binary> binaries() {
        return BINARIES;
    }

    /** @return every reduction, in table order */
    public static List<Reduction> reductions() {
        return REDUCTIONS;
    }

    /**
     * @param name an op name, as {@code "tanh"}
     * @return the {@link Unary}, {@link Binary} or {@link Reduction} of that name, or null
     */
    public static Object byName(String name) {
        return BY_NAME.get(name);
    }

    /** @return every op name in the table, in table order */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }
}
