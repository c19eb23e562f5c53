package dev.lamina.backend.cuda;

import dev.lamina.backend.Storage;
import dev.lamina.backend.StorageChecks;
import dev.lamina.types.DType;

/**
 * Launcher of the batched matrix product for {@link CudaBackend}: float32 by the fp32 SIMT kernel or
 * TF32 tensor cores as {@link #precision()} says, float64 by the convolution's tiled GEMM. Holds the
 * process-wide float32 precision (property {@code lamina.cuda.precision}).
 */
final class CudaMatmul {
    private CudaMatmul() {
    }

    private static volatile Precision precision = initialPrecision();

    private static Precision initialPrecision() {
        String v = System.getProperty("lamina.cuda.precision");
        return v == null || v.isBlank() ? Precision.HIGHEST : Precision.parse(v);
    }

    /** The precision of float32 matmul (and the convolutions). */
    static Precision precision() {
        return precision;
    }

    /** Sets the precision of float32 matmul for all later calls. */
    static void setPrecision(Precision p) {
        if (p == null) {
            throw new IllegalArgumentException("cuda.setPrecision: precision is null");
        }
        precision = p;
    }

    static void matmul(CudaBackend be, Storage a, Storage b, Storage out, long batch, long m, long n, long k,
                       boolean transA, boolean transB, long strideA, long strideB) {
        CudaRuntime.get().requireAvailable("cuda.matmul");
        CudaStorage as = be.device(a, "cuda.matmul"), bs = be.device(b, "cuda.matmul"), os = be.device(out, "cuda.matmul");
        DType dt = a.dtype();
        if (!dt.isFloating() || b.dtype() != dt || out.dtype() != dt) {
            throw new IllegalArgumentException("cuda.matmul supports float32 and float64 only, got " + a.dtype() + " x "
                    + b.dtype() + " -> " + out.dtype());
        }
        if (batch < 0 || m < 0 || n < 0 || k < 0 || strideA < 0 || strideB < 0) {
            throw new IllegalArgumentException("cuda.matmul: negative size, batch " + batch + " m " + m + " n " + n
                    + " k " + k + " strides " + strideA + ", " + strideB);
        }
        if (m > Integer.MAX_VALUE || n > Integer.MAX_VALUE || k > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cuda.matmul: m " + m + ", n " + n + ", k " + k
                    + " exceed the int range");
        }
        long outSize = StorageChecks.exact("cuda.matmul", "out size", StorageChecks.exact("cuda.matmul", "out size", batch, m), n);
        if (out.numel() != outSize) {
            throw new IllegalArgumentException("cuda.matmul: out has " + out.numel() + " elements, [" + batch + ", "
                    + m + ", " + n + "] expected");
        }
        if (batch == 0 || m == 0 || n == 0) {
            return;
        }
        if (k > 0) {
            long sizeA = m * k, sizeB = k * n;
            if ((batch - 1) * strideA + sizeA > a.numel() || (batch - 1) * strideB + sizeB > b.numel()) {
                throw new IllegalArgumentException("cuda.matmul: a (" + a.numel() + " elements) or b (" + b.numel()
                        + ") too small for batch " + batch + ", m " + m + ", n " + n + ", k " + k + ", strides "
                        + strideA + ", " + strideB);
            }
        }
        if (dt == DType.FLOAT64) {
            CudaRuntime.check(CudaNative.lamina_cuda_matmul_f64(as.address(), bs.address(), os.address(), batch, m, n,
                    k, transA ? 1 : 0, transB ? 1 : 0, strideA, strideB, be.stream()),
                    "cuda.matmul: launch of the float64 gemm (batch " + batch + ", m " + m + ", n " + n + ", k " + k
                            + ")");
            return;
        }
        Precision p = precision;
        CudaRuntime.check(CudaNative.lamina_cuda_matmul_f32(as.address(), bs.address(), os.address(), batch, m, n, k,
                transA ? 1 : 0, transB ? 1 : 0, strideA, strideB, p.ordinal(), be.stream()),
                "cuda.matmul: launch of " + (p == Precision.HIGH ? "sgemm_tf32" : "sgemm_simt") + " (batch " + batch
                        + ", m " + m + ", n " + n + ", k " + k + ")");
    }
}
