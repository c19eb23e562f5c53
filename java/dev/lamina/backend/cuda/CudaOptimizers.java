package dev.lamina.backend.cuda;

import dev.lamina.backend.Storage;
import dev.lamina.types.DType;

/**
 * Launchers of the fused optimizer kernels ({@code cuda-kernels/optim.cu}) for {@link CudaBackend}.
 * Adam is one pass over w, g, m, v with the arithmetic of {@link dev.lamina.backend.Backend#adamUpdate}
 * (each operation rounded to the dtype, no FMA contraction), so it is bitwise the cpu backend's step
 * and the composed element-wise one's. RMSprop and SGD likewise ({@code rmsprop_kernel},
 * {@code sgd_kernel}): bitwise the composition of element-wise ops the tensor-level optimizers ran.
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

    /** Checks w floating and every non-null slot of w's dtype and size; returns the dtype. */
    private static DType checkSlots(String what, Storage w, Storage... others) {
        CudaRuntime.get().requireAvailable(what);
        DType dt = w.dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException(what + " supports float32 and float64 only, got " + dt);
        }
        for (Storage s : others) {
            if (s != null && (s.dtype() != dt || s.numel() != w.numel())) {
                throw new IllegalArgumentException(what + ": w is " + dt + " of " + w.numel() + " elements, got "
                        + s.dtype() + " of " + s.numel());
            }
        }
        return dt;
    }

    private static long address(CudaBackend be, Storage s, String what) {
        return s == null ? 0L : be.device(s, what).address();
    }

    static void rmsprop(CudaBackend be, Storage w, Storage g, Storage vel, Storage mom, Storage avg, double lr,
                        double rho, double momentum, double epsilon) {
        String what = "cuda.rmspropUpdate";
        CudaRuntime.get().requireAvailable(what); // no device: IllegalStateException before any argument check
        if (g == null || vel == null) {
            throw new IllegalArgumentException(what + ": g and vel are required");
        }
        DType dt = checkSlots(what, w, g, vel, mom, avg);
        CudaRuntime.check(CudaNative.lamina_cuda_rmsprop_update(dt.ordinal(), address(be, w, what),
                address(be, g, what), address(be, vel, what), address(be, mom, what), address(be, avg, what),
                w.numel(), lr, rho, 1 - rho, momentum, epsilon, be.stream()),
                what + ": launch (" + dt + ", " + w.numel() + " elements)");
    }

    static void sgd(CudaBackend be, Storage w, Storage g, Storage m, double lr, double momentum, boolean nesterov) {
        String what = "cuda.sgdUpdate";
        CudaRuntime.get().requireAvailable(what); // no device: IllegalStateException before any argument check
        if (g == null) {
            throw new IllegalArgumentException(what + ": g is required");
        }
        DType dt = checkSlots(what, w, g, m);
        CudaRuntime.check(CudaNative.lamina_cuda_sgd_update(dt.ordinal(), address(be, w, what), address(be, g, what),
                address(be, m, what), w.numel(), lr, momentum, nesterov ? 1 : 0, be.stream()),
                what + ": launch (" + dt + ", " + w.numel() + " elements)");
    }
}
