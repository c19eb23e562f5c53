package dev.lamina.backend.cuda;

import dev.lamina.backend.Storage;
import dev.lamina.types.DType;

/**
 * Launcher of the fused softmax cross-entropy ({@code cuda-kernels/xent.cu}) for {@link CudaBackend}:
 * per-row loss and its gradient with respect to the logits in one kernel (version 1, a block per
 * row). Every storage is checked against rows × classes before the launch.
 */
final class CudaLosses {
    private CudaLosses() {
    }

    /** The kernel version used by the backend: 1 (block per row); 0 is the one-thread-per-row check. */
    static final int XENT_VERSION = 1;

    static void softmaxCrossEntropy(CudaBackend be, Storage logits, Storage labels, Storage loss, Storage dlogits,
                                    long rows, long classes, int version) {
        String what = "cuda.softmaxCrossEntropy";
        CudaRuntime.get().requireAvailable(what);
        DType dt = logits.dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException(what + " supports float32 and float64 only, got " + dt);
        }
        if (rows < 0 || classes < 1) {
            throw new IllegalArgumentException(what + ": needs rows >= 0 and classes >= 1, got " + rows + " x "
                    + classes);
        }
        long n = Math.multiplyExact(rows, classes);
        if (logits.numel() != n || labels.dtype() != dt || labels.numel() != n || loss.dtype() != dt
                || loss.numel() != rows || (dlogits != null && (dlogits.dtype() != dt || dlogits.numel() != n))) {
            throw new IllegalArgumentException(what + ": for " + rows + " x " + classes + " " + dt + " logits of "
                    + logits.numel() + " elements got labels " + labels.dtype() + " of " + labels.numel() + ", loss "
                    + loss.dtype() + " of " + loss.numel() + (dlogits == null ? ""
                    : ", dlogits " + dlogits.dtype() + " of " + dlogits.numel()));
        }
        long za = be.device(logits, what).address(), ya = be.device(labels, what).address();
        long la = be.device(loss, what).address();
        long da = dlogits == null ? 0L : be.device(dlogits, what).address();
        CudaRuntime.check(CudaNative.lamina_cuda_softmax_xent(version, dt.ordinal(), za, ya, la, da, rows, classes,
                be.stream()), what + ": launch (" + dt + ", " + rows + " x " + classes + ", version " + version + ")");
    }
}
