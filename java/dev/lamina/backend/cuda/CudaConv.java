package dev.lamina.backend.cuda;

import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;

/**
 * Launchers of the implicit-GEMM convolution ({@code cuda-kernels/conv.cu}) for {@link CudaBackend}:
 * the forward with the Conv2D layer's bias and ReLU fused into the store, and the backward pass
 * writing any of dx, dkernel and dbias in one call (the ReLU mask applied while the kernels read dy).
 * float32 and float64, every {@link ConvGeometry} (strides, dilation, padding, groups). float32 follows
 * {@link CudaBackend#precision()} as matmul does: fp32 FMAs under {@link Precision#HIGHEST} (the
 * default), TF32 tensor cores under {@link Precision#HIGH} (about 1e-3 relative error). Deterministic:
 * fixed summation orders, no atomics; the kernel and bias gradients add fixed slices through a
 * workspace this class allocates from the backend (its size depends on the geometry only).
 *
 * <p>Storages are checked against the geometry (dtype, size, backend, not freed) before any launch,
 * as the cpu backend checks them.
 */
final class CudaConv {
    private CudaConv() {
    }

    static void forward(CudaBackend be, Storage x, Storage kernel, Storage bias, boolean relu, Storage out,
                        ConvGeometry g, String what) {
        CudaRuntime.get().requireAvailable(what);
        g.checkStorages(what, x, kernel, out);
        checkBias(what, bias, out, g);
        long xa = be.device(x, what).address(), ka = be.device(kernel, what).address();
        long ba = bias == null ? 0 : be.device(bias, what).address(), oa = be.device(out, what).address();
        if (g.batch() == 0) {
            return;
        }
        CudaRuntime.check(CudaNative.lamina_cuda_conv2d_forward(x.dtype().ordinal(), xa, ka, ba, relu ? 1 : 0, oa,
                g.toArray(), precision(x.dtype()), be.stream()), what + ": launch (" + x.dtype() + ", " + g + ")");
    }

    static void backwardInput(CudaBackend be, Storage dy, Storage kernel, Storage dx, ConvGeometry g) {
        String what = "cuda.conv2dBackwardInput";
        CudaRuntime.get().requireAvailable(what);
        g.checkStorages(what, dx, kernel, dy);
        launchBackward(be, what, null, kernel, null, dy, false, dx, null, null, g);
    }

    static void backwardFilter(CudaBackend be, Storage x, Storage dy, Storage dkernel, ConvGeometry g) {
        String what = "cuda.conv2dBackwardFilter";
        CudaRuntime.get().requireAvailable(what);
        g.checkStorages(what, x, dkernel, dy);
        launchBackward(be, what, x, null, null, dy, false, null, dkernel, null, g);
    }

    static void backwardFused(CudaBackend be, Storage x, Storage kernel, Storage y, Storage dy, boolean relu,
                              Storage dx, Storage dkernel, Storage dbias, ConvGeometry g) {
        String what = "cuda.conv2dBackwardFused";
        CudaRuntime.get().requireAvailable(what);
        g.checkStorages(what, x, kernel, dy);
        if (relu) {
            if (y == null) {
                throw new IllegalArgumentException(what + ": the ReLU gradient needs the output y");
            }
            if (y.dtype() != dy.dtype() || y.numel() != dy.numel()) {
                throw new IllegalArgumentException(what + ": y is " + y.dtype() + " of " + y.numel()
                        + " elements, dy " + dy.dtype() + " of " + dy.numel());
            }
        }
        if (dx != null) {
            g.checkStorages(what, dx, kernel, dy);
        }
        if (dkernel != null) {
            g.checkStorages(what, x, dkernel, dy);
        }
        checkBias(what, dbias, dy, g);
        launchBackward(be, what, x, kernel, relu ? y : null, dy, relu, dx, dkernel, dbias, g);
    }

    private static void launchBackward(CudaBackend be, String what, Storage x, Storage kernel, Storage y, Storage dy,
                                       boolean relu, Storage dx, Storage dkernel, Storage dbias, ConvGeometry g) {
        long xa = address(be, x, what), ka = address(be, kernel, what), ya = address(be, y, what);
        long dya = address(be, dy, what), dxa = address(be, dx, what), dka = address(be, dkernel, what);
        long dba = address(be, dbias, what);
        if (dx == null && dkernel == null && dbias == null) {
            return;
        }
        long[] ga = g.toArray();
        long wsElems = CudaNative.lamina_cuda_conv2d_backward_workspace(ga, dkernel != null ? 1 : 0,
                dbias != null ? 1 : 0);
        if (wsElems < 0) {
            throw new IllegalArgumentException(what + ": invalid geometry " + g);
        }
        DType dt = dy.dtype();
        Storage ws = wsElems > 0 ? be.allocateUninitialized(dt, wsElems) : null;
        try {
            CudaRuntime.check(CudaNative.lamina_cuda_conv2d_backward(dt.ordinal(), xa, ka, ya, dya, relu ? 1 : 0, dxa,
                    dka, dba, ws == null ? 0 : be.device(ws, what).address(), ga, precision(dt), be.stream()),
                    what + ": launch (" + dt + ", " + g + ")");
        } finally {
            if (ws != null) {
                // queued work on the backend's one stream finishes before a later allocation reuses the block
                ws.release();
            }
        }
    }

    /** The kernels' precision code: 1 (TF32) for float32 under {@link Precision#HIGH}, else 0. */
    private static int precision(DType dt) {
        return dt == DType.FLOAT32 && CudaBackend.precision() == Precision.HIGH ? 1 : 0;
    }

    private static long address(CudaBackend be, Storage s, String what) {
        return s == null ? 0 : be.device(s, what).address();
    }

    private static void checkBias(String what, Storage bias, Storage out, ConvGeometry g) {
        if (bias != null && (bias.dtype() != out.dtype() || bias.numel() != g.outC())) {
            throw new IllegalArgumentException(what + ": bias must be " + out.dtype() + " [" + g.outC() + "], got "
                    + bias.dtype() + " of " + bias.numel() + " elements");
        }
    }
}
