package dev.lamina.backend;

/**
 * Element-wise unary kernels. Floating dtypes support all of them; integer dtypes support
 * {@link #NEG}, {@link #ABS}, {@link #SIGN} and {@link #SQUARE}.
 */
public enum UnaryOp {
    /** -x */ NEG(0),
    /** |x| */ ABS(1),
    /** sign(x) in {-1, 0, 1} */ SIGN(2),
    /** e^x */ EXP(3),
    /** ln x */ LOG(4),
    /** ln(1 + x), accurate for small x */ LOG1P(5),
    /** sqrt(x) */ SQRT(6),
    /** x^2 */ SQUARE(7),
    /** 1 / x */ RECIPROCAL(8),
    /** tanh x */ TANH(9),
    /** 1 / (1 + e^-x), computed without overflow for large |x| */ SIGMOID(10),
    /** max(x, 0) */ RELU(11),
    /** 1 if x > 0 else 0 (the derivative of relu) */ STEP(12),
    /** log(1 + e^x), computed without overflow for large |x| */ SOFTPLUS(13);

    private final int code;

    UnaryOp(int code) {
        this.code = code;
    }

    /** @return the op code the native kernels take ({@code native/lamina_ops.h}, checked by NativeHeaderTest) */
    public int code() {
        return code;
    }

    /** @return whether int32 and int64 tensors support the op */
    public boolean supportsIntegers() {
        return this == NEG || this == ABS || this == SIGN || this == SQUARE;
    }
}
