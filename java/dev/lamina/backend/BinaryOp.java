package dev.lamina.backend;

/** Element-wise binary kernels with broadcasting. Comparisons produce BOOL outputs. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM,
    EQ, NE, LT, LE, GT, GE;

    public boolean isComparison() {
        return ordinal() >= EQ.ordinal();
    }
}
