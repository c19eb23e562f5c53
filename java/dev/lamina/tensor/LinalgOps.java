package dev.lamina.tensor;

/**
 * The linear algebra of {@link Tensor}: matmul, one {@link RawOps} kernel call that records its
 * rule from {@link Gradients}. Documented where {@code Tensor} exposes it.
 */
final class LinalgOps {
    private LinalgOps() {
    }

    static Tensor matmul(Tensor a, Tensor b) {
        Tensor y = RawOps.matmul("matmul", a, false, b, false);
        if (RawOps.recording()) {
            Tape.record("matmul", y, Gradients.matmul(a, b), a, b);
        }
        return y;
    }
}
