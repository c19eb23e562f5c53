package dev.lamina.tensor;

import dev.lamina.types.DType;

/**
 * The element-wise ops of {@link Tensor} that are not rows of {@link OpTable}: the identity
 * (view), the dtype cast, and clip (a composition of maximum and minimum). Each records its
 * gradient rule from {@link Gradients} on open tapes. Documented where {@code Tensor} exposes them.
 */
final class ElementwiseOps {
    private ElementwiseOps() {
    }

    static Tensor view(Tensor x) {
        Tensor y = x.alias();
        if (RawOps.recording()) {
            Tape.record("view", y, Gradients.identity(), x);
        }
        return y;
    }

    static Tensor cast(Tensor x, DType target) {
        if (target == x.dtype) {
            Tensor v = x.alias();
            if (RawOps.recording()) {
                Tape.record("cast", v, Gradients.identity(), x);
            }
            return v;
        }
        Tensor y = RawOps.castNoGrad(x, target);
        if (RawOps.recording() && x.dtype.isFloating() && target.isFloating()) {
            Tape.record("cast", y, Gradients.cast(x.dtype), x);
        }
        return y;
    }

    static Tensor clip(Tensor x, double lo, double hi) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("clip: need lo <= hi, got [" + lo + ", " + hi + "]");
        }
        Tensor a = x.maximum(lo);
        Tensor r;
        try {
            r = a.minimum(hi);
        } catch (RuntimeException | Error e) {
            a.close();
            throw e;
        }
        if (!RawOps.recording()) {
            a.close(); // a recorded rule still needs it; then its scope frees it
        }
        return r;
    }
}
