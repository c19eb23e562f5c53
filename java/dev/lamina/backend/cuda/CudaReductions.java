package dev.lamina.backend.cuda;

import static dev.lamina.backend.StorageChecks.checkReduce;
import static dev.lamina.backend.StorageChecks.checkSoftmax;
import static dev.lamina.backend.cuda.CudaBackend.code;

import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;

/**
 * Launchers of the reductions ({@code cuda-kernels/reduce.cu}) for {@link CudaBackend}: SUM, MAX,
 * MIN, ARGMAX, ARGMIN over the middle axis in a fixed order, and softmax / log-softmax.
 */
final class CudaReductions {
    private CudaReductions() {
    }

    static void reduce(CudaBackend be, ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.reduce");
        String what = "cuda.reduce " + op;
        CudaStorage xs = be.device(x, what), os = be.device(out, what);
        checkReduce(what, op, x, outer, n, inner, out);
        if (x.dtype() == DType.BOOL && op == ReduceOp.SUM) {
            throw new IllegalArgumentException(what + ": SUM is not defined for dtype bool (cast first), as on the"
                    + " reference backend");
        }
        if (out.numel() == 0) {
            return;
        }
        CudaRuntime.check(CudaNative.lamina_cuda_reduce(op.code(), code(x.dtype()), xs.address(), outer, n, inner,
                os.address(), be.stream()), what + ": launch (" + x.dtype() + ", [" + outer + ", " + n + ", " + inner + "])");
    }

    static void softmax(CudaBackend be, Storage x, Storage out, long outer, long n, long inner, boolean log) {
        String what = log ? "cuda.logSoftmax" : "cuda.softmax";
        CudaRuntime.get().requireAvailable(what);
        CudaStorage xs = be.device(x, what), os = be.device(out, what);
        checkSoftmax(what, x, out, outer, n, inner);
        if (x.numel() == 0) {
            return;
        }
        CudaRuntime.check(CudaNative.lamina_cuda_softmax(code(x.dtype()), xs.address(), os.address(), outer, n, inner,
                log ? 1 : 0, be.stream()), what + ": launch (" + x.dtype() + ", [" + outer + ", " + n + ", " + inner + "])");
    }
}
