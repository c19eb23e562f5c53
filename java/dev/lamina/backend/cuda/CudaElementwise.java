package dev.lamina.backend.cuda;

import static dev.lamina.backend.StorageChecks.checkBinary;
import static dev.lamina.backend.StorageChecks.checkRange;
import static dev.lamina.backend.StorageChecks.numel;
import static dev.lamina.backend.StorageChecks.sameNumel;
import static dev.lamina.backend.cuda.CudaBackend.code;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import java.util.Arrays;

/**
 * Launchers of the element-wise kernels ({@code cuda-kernels/elementwise.cu}, {@code fused.cu}) for
 * {@link CudaBackend}: fill, cast, strided copy, unary, broadcasting binary and the graph API's fused
 * element-wise program. Each checks availability, then the storages as the cpu backend does, then
 * launches on the backend's stream.
 */
final class CudaElementwise {
    private CudaElementwise() {
    }

    static void fill(CudaBackend be, Storage out, double value) {
        CudaRuntime.get().requireAvailable("cuda.fill");
        CudaStorage o = be.device(out, "cuda.fill");
        CudaRuntime.check(CudaNative.lamina_cuda_fill(code(out.dtype()), o.address(), out.numel(), value, be.stream()),
                "cuda.fill: launch of fill (" + out.dtype() + ", " + out.numel() + " elements)");
    }

    static void cast(CudaBackend be, Storage x, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.cast");
        CudaStorage xs = be.device(x, "cuda.cast"), os = be.device(out, "cuda.cast");
        sameNumel("cuda.cast", x, out);
        CudaRuntime.check(CudaNative.lamina_cuda_cast(code(x.dtype()), xs.address(), code(out.dtype()), os.address(),
                x.numel(), be.stream()), "cuda.cast: launch of cast " + x.dtype() + " -> " + out.dtype());
    }

    static void copyStrided(CudaBackend be, Storage src, long srcOffset, long[] srcStrides, Storage dst,
                            long dstOffset, long[] dstStrides, long[] shape) {
        CudaRuntime.get().requireAvailable("cuda.copyStrided");
        CudaStorage s = be.device(src, "cuda.copyStrided"), d = be.device(dst, "cuda.copyStrided");
        if (src.dtype() != dst.dtype()) {
            throw new IllegalArgumentException("cuda.copyStrided: dtypes differ, " + src.dtype() + " -> " + dst.dtype());
        }
        int rank = shape.length;
        if (srcStrides.length != rank || dstStrides.length != rank) {
            throw new IllegalArgumentException("cuda.copyStrided: shape " + Arrays.toString(shape) + " with strides "
                    + Arrays.toString(srcStrides) + " and " + Arrays.toString(dstStrides));
        }
        checkRank("cuda.copyStrided", shape);
        if (numel(shape, "cuda.copyStrided") == 0) {
            return;
        }
        checkRange("cuda.copyStrided", "src", src, srcOffset, srcStrides, shape);
        checkRange("cuda.copyStrided", "dst", dst, dstOffset, dstStrides, shape);
        CudaRuntime.check(CudaNative.lamina_cuda_copy_strided(s.address(), srcOffset, srcStrides, d.address(),
                dstOffset, dstStrides, shape, rank, src.dtype().size(), be.stream()),
                "cuda.copyStrided: launch (shape " + Arrays.toString(shape) + ")");
    }

    static void unary(CudaBackend be, UnaryOp op, Storage x, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.unary");
        String what = "cuda.unary " + op;
        CudaStorage xs = be.device(x, what), os = be.device(out, what);
        sameNumel(what, x, out);
        if (x.dtype() != out.dtype()) {
            throw new IllegalArgumentException(what + ": out dtype " + out.dtype() + " != x dtype " + x.dtype());
        }
        if (x.dtype() == DType.BOOL || (x.dtype().isInteger() && !op.supportsIntegers())) {
            throw new IllegalArgumentException(what + " does not support dtype " + x.dtype());
        }
        CudaRuntime.check(CudaNative.lamina_cuda_unary(op.code(), code(x.dtype()), xs.address(), os.address(),
                x.numel(), be.stream()), what + ": launch (" + x.dtype() + ", " + x.numel() + " elements)");
    }

    static void binary(CudaBackend be, BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides,
                       Storage out, long[] outShape) {
        CudaRuntime.get().requireAvailable("cuda.binary");
        String what = "cuda.binary " + op;
        CudaStorage as = be.device(a, what), bs = be.device(b, what), os = be.device(out, what);
        if (a.dtype() == DType.BOOL && !(op.isComparison() || op == BinaryOp.ADD || op == BinaryOp.MUL
                || op == BinaryOp.MAXIMUM || op == BinaryOp.MINIMUM)) {
            throw new IllegalArgumentException(what + " is not supported for dtype " + a.dtype());
        }
        checkRank(what, outShape);
        if (checkBinary(what, op, a, aStrides, b, bStrides, out, outShape) == 0) {
            return;
        }
        CudaRuntime.check(CudaNative.lamina_cuda_binary(op.code(), code(a.dtype()), as.address(), aStrides,
                bs.address(), bStrides, os.address(), outShape, outShape.length, be.stream()),
                what + ": launch (" + a.dtype() + ", shape " + Arrays.toString(outShape) + ")");
    }

    static void fusedElementwise(CudaBackend be, Storage[] inputs, boolean[] scalar, int[] code, Storage out) {
        String what = "cuda.fusedElementwise";
        CudaRuntime.get().requireAvailable(what);
        CudaStorage os = be.device(out, what);
        DType dt = out.dtype();
        int nIn = inputs.length;
        int nInstr = code.length / 4;
        if (!dt.isFloating() || scalar.length != nIn || code.length % 4 != 0 || nIn < 1 || nInstr < 1
                || nIn + nInstr > CudaBackend.FUSED_MAX_REGISTERS) {
            throw new IllegalArgumentException(what + ": " + nIn + " inputs, " + code.length + " code ints, dtype " + dt
                    + " (float dtypes, 1.." + CudaBackend.FUSED_MAX_REGISTERS + " registers)");
        }
        long[] addr = new long[nIn];
        int[] sc = new int[nIn];
        for (int i = 0; i < nIn; i++) {
            CudaStorage is = be.device(inputs[i], what);
            long need = scalar[i] ? 1 : out.numel();
            if (inputs[i].dtype() != dt || inputs[i].numel() < need) {
                throw new IllegalArgumentException(what + ": input " + i + " is " + inputs[i].dtype() + " with "
                        + inputs[i].numel() + " elements, " + dt + " with " + need + " needed");
            }
            addr[i] = is.address();
            sc[i] = scalar[i] ? 1 : 0;
        }
        for (int j = 0; j < nInstr; j++) {
            int kind = code[4 * j], op = code[4 * j + 1], a = code[4 * j + 2], b = code[4 * j + 3];
            boolean opOk = kind == 0 ? op >= 0 && op < UnaryOp.values().length
                    : kind == 1 && op >= 0 && op < dev.lamina.backend.BinaryOp.values().length;
            if (!opOk || a < 0 || a >= nIn + j || (kind == 1 && (b < 0 || b >= nIn + j))) {
                throw new IllegalArgumentException(what + ": instruction " + j + " " + Arrays.toString(
                        Arrays.copyOfRange(code, 4 * j, 4 * j + 4)) + " is malformed");
            }
        }
        if (out.numel() == 0) {
            return;
        }
        CudaRuntime.check(CudaNative.lamina_cuda_fused_elementwise(code(dt), nIn, addr, sc, code, nInstr, os.address(),
                out.numel(), be.stream()), what + ": launch (" + dt + ", " + out.numel() + " elements, " + nInstr
                + " instructions)");
    }

    /** The kernels take shapes of rank 8 at most (passed by value in a fixed struct). */
    private static void checkRank(String what, long[] shape) {
        if (shape.length > 8) {
            throw new IllegalArgumentException(what + ": rank " + shape.length + " (shape " + Arrays.toString(shape)
                    + ") exceeds the cuda kernels' limit of 8");
        }
    }
}
