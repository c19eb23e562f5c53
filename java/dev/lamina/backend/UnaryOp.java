package dev.lamina.backend;

/**
 * Element-wise unary kernels. Floating dtypes support all of them; integer dtypes support
 * {@link #NEG}, {@link #ABS}, {@link #SIGN} and {@link #SQUARE}.
 */
public enum UnaryOp {
    /** -x */ NEG,
    /** |x| */ ABS,
    /** sign(x) in {-1, 0, 1} */ SIGN,
    /** e^x */ EXP,
    /** ln x */ LOG,
    /** ln(1 + x), accurate for small x */ LOG1P,
    /** sqrt(x) */ SQRT,
    /** x^2 */ SQUARE,
    /** 1 / x */ RECIPROCAL,
    /** tanh x */ TANH,
    /** 1 / (1 + e^-x), computed without overflow for large |x| */ SIGMOID,
    /** max(x, 0) */ RELU,
    /** 1 if x > 0 else 0 (the derivative of relu) */ STEP;

    public boolean supportsIntegers() {
        return this == NEG || this == ABS || this == SIGN || this == SQUARE;
    }
}
