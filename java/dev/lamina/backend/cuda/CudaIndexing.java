package dev.lamina.backend.cuda;

import static dev.lamina.backend.StorageChecks.checkIds;
import static dev.lamina.backend.cuda.CudaBackend.code;

import dev.lamina.backend.Storage;
import dev.lamina.types.DType;

/**
 * Launchers of the indexing kernels ({@code cuda-kernels/reduce.cu}) for {@link CudaBackend}: row
 * gather, its gradient scatterAdd (deterministic: no atomics) and oneHot. Ids were range-checked by the caller (the SPI's contract);
 * their dtype is checked here.
 */
final class CudaIndexing {
    private CudaIndexing() {
    }

    static void gather(CudaBackend be, Storage table, long rowSize, Storage ids, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.gather");
        CudaStorage ts = be.device(table, "cuda.gather"), is = be.device(ids, "cuda.gather"), os = be.device(out, "cuda.gather");
        checkIds("cuda.gather", ids);
        if (table.dtype() != out.dtype()) {
            throw new IllegalArgumentException("cuda.gather: table dtype " + table.dtype() + ", out dtype " + out.dtype());
        }
        if (rowSize < 1 || table.numel() % rowSize != 0 || out.numel() != Math.multiplyExact(ids.numel(), rowSize)) {
            throw new IllegalArgumentException("cuda.gather: table of " + table.numel() + " elements, rows of " + rowSize
                    + ", " + ids.numel() + " ids, out of " + out.numel() + " elements");
        }
        CudaRuntime.check(CudaNative.lamina_cuda_gather(table.dtype().size(), ts.address(), table.numel() / rowSize,
                rowSize, is.address(), code(ids.dtype()), ids.numel(), os.address(), be.stream()),
                "cuda.gather: launch (" + ids.numel() + " ids, rows of " + rowSize + ")");
    }

    static void scatterAdd(CudaBackend be, Storage src, long rowSize, Storage ids, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.scatterAdd");
        CudaStorage ss = be.device(src, "cuda.scatterAdd"), is = be.device(ids, "cuda.scatterAdd");
        CudaStorage os = be.device(out, "cuda.scatterAdd");
        checkIds("cuda.scatterAdd", ids);
        if (src.dtype() != out.dtype()) {
            throw new IllegalArgumentException("cuda.scatterAdd: src dtype " + src.dtype() + ", out dtype " + out.dtype());
        }
        if (rowSize < 1 || out.numel() % rowSize != 0 || src.numel() != Math.multiplyExact(ids.numel(), rowSize)) {
            throw new IllegalArgumentException("cuda.scatterAdd: src of " + src.numel() + " elements, rows of " + rowSize
                    + ", " + ids.numel() + " ids, out of " + out.numel() + " elements");
        }
        if (src.dtype() == DType.BOOL) {
            throw new IllegalArgumentException("cuda.scatterAdd: not defined for dtype bool, as on the reference backend");
        }
        CudaRuntime.check(CudaNative.lamina_cuda_scatter_add(code(src.dtype()), ss.address(), rowSize, is.address(),
                code(ids.dtype()), ids.numel(), os.address(), out.numel() / rowSize, be.stream()),
                "cuda.scatterAdd: launch (" + ids.numel() + " ids, rows of " + rowSize + ")");
    }

    static void oneHot(CudaBackend be, Storage ids, long depth, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.oneHot");
        CudaStorage is = be.device(ids, "cuda.oneHot"), os = be.device(out, "cuda.oneHot");
        checkIds("cuda.oneHot", ids);
        if (depth < 0 || out.numel() != Math.multiplyExact(ids.numel(), depth)) {
            throw new IllegalArgumentException("cuda.oneHot: " + ids.numel() + " ids, depth " + depth + ", out of "
                    + out.numel() + " elements");
        }
        CudaRuntime.check(CudaNative.lamina_cuda_one_hot(is.address(), code(ids.dtype()), ids.numel(), depth,
                os.address(), code(out.dtype()), be.stream()), "cuda.oneHot: launch (" + ids.numel() + " ids, depth "
                + depth + ")");
    }
}
