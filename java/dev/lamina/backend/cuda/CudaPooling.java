package dev.lamina.backend.cuda;

import dev.lamina.backend.PoolGeometry;
import dev.lamina.backend.Storage;

/**
 * Launchers of the 2-D pooling kernels ({@code cuda-kernels/pool.cu}) for {@link CudaBackend}:
 * max and average pooling, forward and backward, float32 and float64, with the cpu backend's
 * semantics (first-maximum routing on ties, the first NaN wins, padding excluded from the
 * average's count). Results are bitwise those of the cpu backend: the backwards are gathers that
 * add in the cpu backend's (oh, ow) order, and the averages sum in float64. Global pooling layers
 * reduce with {@link CudaBackend#reduce} instead and need no kernel here.
 *
 * <p>Every storage is checked against the geometry (dtype, size, backend, not freed) before the
 * launch, so the kernels never see an index outside their storages.
 */
final class CudaPooling {
    private static final int MAX_FORWARD = 0, MAX_BACKWARD = 1, AVG_FORWARD = 2, AVG_BACKWARD = 3;

    private CudaPooling() {
    }

    static void maxForward(CudaBackend be, Storage x, Storage out, PoolGeometry g) {
        String what = "cuda.maxPool2dForward";
        CudaRuntime.get().requireAvailable(what);
        g.checkStorages(what, x, out);
        launch(be, what, MAX_FORWARD, g, be.device(x, what).address(), 0, be.device(out, what).address(), x);
    }

    static void maxBackward(CudaBackend be, Storage x, Storage dy, Storage dx, PoolGeometry g) {
        String what = "cuda.maxPool2dBackward";
        CudaRuntime.get().requireAvailable(what);
        g.checkStorages(what, x, dy);
        g.checkStorages(what, dx, dy);
        launch(be, what, MAX_BACKWARD, g, be.device(x, what).address(), be.device(dy, what).address(),
                be.device(dx, what).address(), x);
    }

    static void avgForward(CudaBackend be, Storage x, Storage out, PoolGeometry g) {
        String what = "cuda.avgPool2dForward";
        CudaRuntime.get().requireAvailable(what);
        g.checkStorages(what, x, out);
        launch(be, what, AVG_FORWARD, g, be.device(x, what).address(), 0, be.device(out, what).address(), x);
    }

    static void avgBackward(CudaBackend be, Storage dy, Storage dx, PoolGeometry g) {
        String what = "cuda.avgPool2dBackward";
        CudaRuntime.get().requireAvailable(what);
        g.checkStorages(what, dx, dy);
        launch(be, what, AVG_BACKWARD, g, 0, be.device(dy, what).address(), be.device(dx, what).address(), dy);
    }

    private static void launch(CudaBackend be, String what, int kind, PoolGeometry g, long x, long dy, long out,
                               Storage typed) {
        if (g.batch() == 0) {
            return;
        }
        CudaRuntime.check(CudaNative.lamina_cuda_pool2d(kind, typed.dtype().ordinal(), x, dy, out, g.toArray(),
                be.stream()), what + ": launch (" + typed.dtype() + ", " + g + ")");
    }
}
