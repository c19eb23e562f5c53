package dev.lamina.ops;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BinaryOp;
import dev.lamina.types.DType;
import dev.lamina.tensor.Tensor;

/**
 * The buffer moves shared by the recurrences' forward passes ({@link RecurrentOps}) and their
 * gradient rules ({@link RecurrentGradients}): one step of a batch-major [B, steps, w] buffer in
 * and out, an add of two [B, w] buffers, allocation and closing. Callers have checked the shapes.
 */
final class RecurrentSteps {
    private RecurrentSteps() {
    }

    static Tensor alloc(Backend be, DType dt, long... shape) {
        return Tensor.zeros(be, dt, shape);
    }

    static void closeAll(Tensor... ts) {
        for (Tensor x : ts) {
            x.close();
        }
    }

    /** dst [B, w] = src[:, s, :] where src is [B, steps, w] (any shape with that layout). */
    static void getStep(Backend be, Tensor src, int s, long steps, Tensor dst, long b, long w) {
        be.copyStrided(src.storage(), s * w, new long[] {steps * w, 1}, dst.storage(), 0, new long[] {w, 1},
                new long[] {b, w});
    }

    /** dst[:, s, :] = src [B, w] where dst is [B, steps, w]. */
    static void putStep(Backend be, Tensor src, Tensor dst, int s, long steps, long b, long w) {
        be.copyStrided(src.storage(), 0, new long[] {w, 1}, dst.storage(), s * w, new long[] {steps * w, 1},
                new long[] {b, w});
    }

    /** out = x + y, all [B, w]. */
    static void add(Backend be, Tensor x, Tensor y, Tensor out, long b, long w) {
        long[] st = {w, 1};
        be.binary(BinaryOp.ADD, x.storage(), st, y.storage(), st, out.storage(), new long[] {b, w});
    }
}
