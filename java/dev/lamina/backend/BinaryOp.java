package dev.lamina.backend;

/**
 * Element-wise binary kernels with broadcasting. Comparisons produce BOOL outputs. Each constant's
 * {@link #code()} is its number in {@code native/lamina_ops.h} (checked by NativeHeaderTest).
 */
public enum BinaryOp {
    /** a + b */ ADD(0),
    /** a − b */ SUB(1),
    /** a · b */ MUL(2),
    /** a / b (integers: truncating, x / 0 = 0) */ DIV(3),
    /** a ^ b */ POW(4),
    /** max(a, b), NaN propagating */ MAXIMUM(5),
    /** min(a, b), NaN propagating */ MINIMUM(6),
    /** a == b */ EQ(7),
    /** a != b */ NE(8),
    /** a &lt; b */ LT(9),
    /** a &lt;= b */ LE(10),
    /** a &gt; b */ GT(11),
    /** a &gt;= b */ GE(12);

    private final int code;

    BinaryOp(int code) {
        this.code = code;
    }

    /** @return the op code the native kernels take ({@code native/lamina_ops.h}) */
    public int code() {
        return code;
    }

    /** @return whether the op is a comparison (a bool result) */
    public boolean isComparison() {
        return ordinal() >= EQ.ordinal();
    }
}
