package dev.lamina.backend.cuda;

import dev.lamina.backend.Storage;
import dev.lamina.tensor.DType;

/**
 * Launchers of the fused optimizer kernels ({@code cuda-kernels/optim.cu}) for {@link CudaBackend}.
 * Adam is one pass over w, g, m, v with the arithmetic of {@link dev.lamina.backend.Backend#adamUpdate}
 * (each operation rounded to the dtype, no FMA contraction), so it is bitwise the cpu backend's step
 * and the composed element-wise one's. RMSprop and SGD have no SPI method of their own: they run as
 * compositions of the element-wise kernels.
 */
final class CudaOptimizers {
    private CudaOptimizers() {
    }

    static void adam(CudaBackend be, Storage w, Storage g, Storage m, Storage v, double alpha, double beta1,
                     double beta2, double epsilon) {
        String what = "cuda.adamUpdate";
        CudaRuntime.get().requireAvailable(what);
        DType dt = w.dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException(what + " supports float32 and float64 only, got " + dt);
        }
        for (Storage s : new Storage[] {g, m, v}) {
            if (s.dtype() != dt || s.numel() != w.numel()) {
                throw new IllegalArgumentException(what + ": w is " + dt + " of " + w.numel() + " elements, got "
                        + s.dtype() + " of " + s.numel());
            }
        }
        long wa = be.device(w, what).address(), ga = be.device(g, what).address();
        long ma = be.device(m, what).address(), va = be.device(v, what).address();
        CudaRuntime.check(CudaNative.lamina_cuda_adam_update(dt.ordinal(), wa, ga, ma, va, w.numel(), alpha, 1 - beta1,
                1 - beta2, epsilon, be.stream()), what + ": launch (" + dt + ", " + w.numel() + " elements)");
    }
}
