package dev.lamina.backend.cuda;

import static dev.lamina.backend.StorageChecks.checkBinary;
import static dev.lamina.backend.StorageChecks.checkIds;
import static dev.lamina.backend.StorageChecks.checkRange;
import static dev.lamina.backend.StorageChecks.checkReduce;
import static dev.lamina.backend.StorageChecks.checkSoftmax;
import static dev.lamina.backend.StorageChecks.numel;
import static dev.lamina.backend.StorageChecks.sameNumel;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Capability;
import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.Kernel;
import dev.lamina.backend.PoolGeometry;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.SequenceGeometry;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The CUDA backend: device memory plus the kernels of {@code cuda-kernels/}: fill, cast,
 * copyStrided, unary, broadcasting binary, reductions, softmax, gather, scatterAdd, oneHot,
 * matmul (float32: fp32 SIMT or TF32 tensor cores, see {@link Precision}; float64: the
 * convolution's tiled GEMM), and the layer kernels: implicit-GEMM convolution, pooling, the fused
 * LSTM/GRU cells and Adam. {@link #kernel(Kernel)} says which optional fused kernels the device has
 * (all of them, when it is usable).
 * {@code CudaKernelsGpuTest} checks the kernels against the reference backend on a device, and in
 * CI on the emulated device ({@code LAMINA_CUDA=emulated}, see {@link CudaRuntime}), where they
 * run on the CPU.
 *
 * <p>Whether it can run is decided once, by {@link CudaRuntime}; when it cannot, {@link
 * #isAvailable()} is false and every operation throws an {@link IllegalStateException} with the
 * reason. Failed CUDA calls throw {@link CudaException} with the CUDA error's name and the op.
 *
 * <p>On first use the backend creates, on device 0 and for the life of the process, one stream
 * (non-blocking) on which every kernel, memset and copy is queued in call order, a {@link
 * CachingAllocator} over cudaMalloc/cudaFree (storages freed go to its cache; {@link
 * #emptyCache()} returns them; out of memory empties the cache, retries once, then throws {@link
 * CudaOutOfMemoryException} and the backend stays usable), and a page-locked staging buffer
 * through which {@link #upload} and {@link #download} copy in chunks (property {@code
 * lamina.cuda.stagingBytes}, default 8 MiB). Uploads and downloads return when their bytes have
 * arrived; kernels return once launched.
 *
 * <p>The memory and stream half lives in {@code CudaDevice}, the kernels here. The stream, allocator
 * and staging code is tested on the CPU through its Java logic
 * ({@code CachingAllocatorTest}, {@code StagedCopierTest}); its CUDA side is compiled, and
 * checked on a device only by {@code CudaMemoryGpuTest}, which has not yet run on a GPU.
 */
public final class CudaBackend implements Backend {
    private static final CudaBackend INSTANCE = new CudaBackend();

    private final CudaDevice memory = new CudaDevice(this);

    private CudaBackend() {
    }

    /** The one cuda backend; check {@link #isAvailable()} before use. */
    public static CudaBackend instance() {
        return INSTANCE;
    }

    /** Why the cuda backend is not usable on this machine, or null when it is. Never throws. */
    public static String unavailableReason() {
        return CudaRuntime.get().unavailableReason();
    }

    /** The probe's result: device name, compute capability, memory, or the reason. */
    public static CudaRuntime runtime() {
        return CudaRuntime.get();
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public boolean isAvailable() {
        return CudaRuntime.get().isAvailable();
    }

    // ---- memory and stream (CudaDevice) -------------------------------------------------------

    /** Bytes of the page-locked staging buffer (two halves), property {@code lamina.cuda.stagingBytes}. */
    static final long DEFAULT_STAGING_BYTES = CudaDevice.DEFAULT_STAGING_BYTES;

    /**
     * Zeroed device memory from the caching allocator (a cached block when one fits; cudaMalloc
     * otherwise). The zeroing is a cudaMemsetAsync on the backend's stream, ordered before every
     * later use.
     *
     * @throws CudaOutOfMemoryException when the device is out of memory even after the cache was emptied
     */
    @Override
    public Storage allocate(DType dtype, long numel) {
        return memory.allocate(dtype, numel, true, "cuda.allocate");
    }

    /** Device memory from the caching allocator, not zeroed (a reused block holds old data). */
    @Override
    public Storage allocateUninitialized(DType dtype, long numel) {
        return memory.allocate(dtype, numel, false, "cuda.allocateUninitialized");
    }

    /** Returns the storage's block to the allocator's cache (no cudaFree). A second free does nothing. */
    @Override
    public void free(Storage storage) {
        memory.free(storage);
    }

    /** Bytes of the live storages (their requested sizes, as the other backends count). */
    @Override
    public long bytesInUse() {
        return memory.bytesInUse();
    }

    /**
     * The caching allocator's counters: bytes in use (block sizes), peak, reserved (in use plus
     * cached), cache hits, raw allocations and frees, out-of-memory retries.
     *
     * @return the counters
     */
    public CachingAllocator.Stats memoryStats() {
        return memory.memoryStats();
    }

    /**
     * Returns every cached (free) block to the device with cudaFree, after waiting for the stream;
     * live storages are untouched.
     *
     * @return the bytes released
     */
    public long emptyCache() {
        return memory.emptyCache();
    }

    /** Sets the allocator's peak counters to their current values. */
    public void resetPeakMemoryStats() {
        memory.resetPeakMemoryStats();
    }

    /**
     * Copies the storage's bytes from {@code src} (from its position; the position is unchanged)
     * through the page-locked staging buffer, in chunks, with cudaMemcpyAsync on the backend's
     * stream; returns when the bytes are on the device.
     */
    @Override
    public void upload(ByteBuffer src, Storage dst) {
        memory.upload(src, dst);
    }

    /**
     * Copies the storage's bytes into {@code dst} (from its position; the position is unchanged)
     * through the page-locked staging buffer, after the work queued before it on the stream.
     */
    @Override
    public void download(Storage src, ByteBuffer dst) {
        memory.download(src, dst);
    }

    // ---- kernels -----------------------------------------------------------------------------
    //
    // Every kernel method checks availability first (the reason matters most), then what the cpu
    // backend checks (backend, dtypes, sizes, index ranges of strided views), and only then
    // launches. Launches are asynchronous on the backend's stream: launch errors throw here,
    // execution errors surface at the next synchronizing call (download, synchronize).

    /** The backend's stream (created on first use). */
    long stream() {
        return memory.stream();
    }

    private static volatile Precision precision = initialPrecision();

    private static Precision initialPrecision() {
        String v = System.getProperty("lamina.cuda.precision");
        return v == null || v.isBlank() ? Precision.HIGHEST : Precision.parse(v);
    }

    /** The precision of float32 matmul (default {@link Precision#HIGHEST}: fp32). */
    public static Precision precision() {
        return precision;
    }

    /** Sets the precision of float32 matmul for all later calls (HIGH: TF32 tensor cores). */
    public static void setPrecision(Precision p) {
        if (p == null) {
            throw new IllegalArgumentException("cuda.setPrecision: precision is null");
        }
        precision = p;
    }

    /** out[i] = value converted to out's dtype (Java conversions; bool is value != 0). */
    @Override
    public void fill(Storage out, double value) {
        CudaRuntime.get().requireAvailable("cuda.fill");
        CudaStorage o = device(out, "cuda.fill");
        CudaRuntime.check(CudaNative.lamina_cuda_fill(code(out.dtype()), o.address(), out.numel(), value, stream()),
                "cuda.fill: launch of fill (" + out.dtype() + ", " + out.numel() + " elements)");
    }

    /** out[i] = (out.dtype) x[i]: every pair of float32, float64, int32, int64 and bool. */
    @Override
    public void cast(Storage x, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.cast");
        CudaStorage xs = device(x, "cuda.cast"), os = device(out, "cuda.cast");
        sameNumel("cuda.cast", x, out);
        CudaRuntime.check(CudaNative.lamina_cuda_cast(code(x.dtype()), xs.address(), code(out.dtype()), os.address(),
                x.numel(), stream()), "cuda.cast: launch of cast " + x.dtype() + " -> " + out.dtype());
    }

    @Override
    public void copyStrided(Storage src, long srcOffset, long[] srcStrides,
                            Storage dst, long dstOffset, long[] dstStrides, long[] shape) {
        CudaRuntime.get().requireAvailable("cuda.copyStrided");
        CudaStorage s = device(src, "cuda.copyStrided"), d = device(dst, "cuda.copyStrided");
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
                dstOffset, dstStrides, shape, rank, src.dtype().size(), stream()),
                "cuda.copyStrided: launch (shape " + Arrays.toString(shape) + ")");
    }

    /** Every UnaryOp for float32/float64; NEG, ABS, SIGN, SQUARE for int32/int64. */
    @Override
    public void unary(UnaryOp op, Storage x, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.unary");
        String what = "cuda.unary " + op;
        CudaStorage xs = device(x, what), os = device(out, what);
        sameNumel(what, x, out);
        if (x.dtype() != out.dtype()) {
            throw new IllegalArgumentException(what + ": out dtype " + out.dtype() + " != x dtype " + x.dtype());
        }
        if (x.dtype() == DType.BOOL || (x.dtype().isInteger() && !op.supportsIntegers())) {
            throw new IllegalArgumentException(what + " does not support dtype " + x.dtype());
        }
        CudaRuntime.check(CudaNative.lamina_cuda_unary(op.code(), code(x.dtype()), xs.address(), os.address(),
                x.numel(), stream()), what + ": launch (" + x.dtype() + ", " + x.numel() + " elements)");
    }

    /**
     * Broadcasting binary op up to rank 8, every dtype; semantics as the cpu backend (integer DIV
     * truncates with 0 for a zero divisor, integer arithmetic wraps, MAXIMUM/MINIMUM propagate
     * NaN, BOOL supports the comparisons, ADD/MAXIMUM as or and MUL/MINIMUM as and).
     */
    @Override
    public void binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides,
                       Storage out, long[] outShape) {
        CudaRuntime.get().requireAvailable("cuda.binary");
        String what = "cuda.binary " + op;
        CudaStorage as = device(a, what), bs = device(b, what), os = device(out, what);
        if (a.dtype() == DType.BOOL && !(op.isComparison() || op == BinaryOp.ADD || op == BinaryOp.MUL
                || op == BinaryOp.MAXIMUM || op == BinaryOp.MINIMUM)) {
            throw new IllegalArgumentException(what + " is not supported for dtype " + a.dtype());
        }
        checkRank(what, outShape);
        if (checkBinary(what, op, a, aStrides, b, bStrides, out, outShape) == 0) {
            return;
        }
        CudaRuntime.check(CudaNative.lamina_cuda_binary(op.code(), code(a.dtype()), as.address(), aStrides,
                bs.address(), bStrides, os.address(), outShape, outShape.length, stream()),
                what + ": launch (" + a.dtype() + ", shape " + Arrays.toString(outShape) + ")");
    }

    /**
     * SUM/MAX/MIN/ARGMAX/ARGMIN of every dtype in a fixed order (no atomics); for bool MAX is any, MIN
     * all, and SUM is rejected as on the reference backend.
     */
    @Override
    public void reduce(ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.reduce");
        String what = "cuda.reduce " + op;
        CudaStorage xs = device(x, what), os = device(out, what);
        checkReduce(what, op, x, outer, n, inner, out);
        if (x.dtype() == DType.BOOL && op == ReduceOp.SUM) {
            throw new IllegalArgumentException(what + ": SUM is not defined for dtype bool (cast first), as on the"
                    + " reference backend");
        }
        if (out.numel() == 0) {
            return;
        }
        CudaRuntime.check(CudaNative.lamina_cuda_reduce(op.code(), code(x.dtype()), xs.address(), outer, n, inner,
                os.address(), stream()), what + ": launch (" + x.dtype() + ", [" + outer + ", " + n + ", " + inner + "])");
    }

    /**
     * float32: {@link #precision()} picks the fp32 SIMT kernel (HIGHEST) or TF32 tensor cores (HIGH);
     * float64: the convolution's tiled GEMM in float64. Deterministic: one fixed summation order per
     * output.
     */
    @Override
    public void matmul(Storage a, Storage b, Storage out, long batch, long m, long n, long k,
                       boolean transA, boolean transB, long strideA, long strideB) {
        CudaRuntime.get().requireAvailable("cuda.matmul");
        CudaStorage as = device(a, "cuda.matmul"), bs = device(b, "cuda.matmul"), os = device(out, "cuda.matmul");
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
        if (out.numel() != dev.lamina.backend.StorageChecks.exact("cuda.matmul", "out size", dev.lamina.backend.StorageChecks.exact("cuda.matmul", "out size", batch, m), n)) {
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
                    k, transA ? 1 : 0, transB ? 1 : 0, strideA, strideB, stream()),
                    "cuda.matmul: launch of the float64 gemm (batch " + batch + ", m " + m + ", n " + n + ", k " + k
                            + ")");
            return;
        }
        Precision p = precision;
        CudaRuntime.check(CudaNative.lamina_cuda_matmul_f32(as.address(), bs.address(), os.address(), batch, m, n, k,
                transA ? 1 : 0, transB ? 1 : 0, strideA, strideB, p.ordinal(), stream()),
                "cuda.matmul: launch of " + (p == Precision.HIGH ? "sgemm_tf32" : "sgemm_simt") + " (batch " + batch
                        + ", m " + m + ", n " + n + ", k " + k + ")");
    }

    @Override
    public void softmax(Storage x, Storage out, long outer, long n, long inner, boolean log) {
        String what = log ? "cuda.logSoftmax" : "cuda.softmax";
        CudaRuntime.get().requireAvailable(what);
        CudaStorage xs = device(x, what), os = device(out, what);
        checkSoftmax(what, x, out, outer, n, inner);
        if (x.numel() == 0) {
            return;
        }
        CudaRuntime.check(CudaNative.lamina_cuda_softmax(code(x.dtype()), xs.address(), os.address(), outer, n, inner,
                log ? 1 : 0, stream()), what + ": launch (" + x.dtype() + ", [" + outer + ", " + n + ", " + inner + "])");
    }

    /** Ids are range-checked by the caller (the contract); the kernel never dereferences one outside. */
    @Override
    public void gather(Storage table, long rowSize, Storage ids, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.gather");
        CudaStorage ts = device(table, "cuda.gather"), is = device(ids, "cuda.gather"), os = device(out, "cuda.gather");
        checkIds("cuda.gather", ids);
        if (table.dtype() != out.dtype()) {
            throw new IllegalArgumentException("cuda.gather: table dtype " + table.dtype() + ", out dtype " + out.dtype());
        }
        if (rowSize < 1 || table.numel() % rowSize != 0 || out.numel() != Math.multiplyExact(ids.numel(), rowSize)) {
            throw new IllegalArgumentException("cuda.gather: table of " + table.numel() + " elements, rows of " + rowSize
                    + ", " + ids.numel() + " ids, out of " + out.numel() + " elements");
        }
        CudaRuntime.check(CudaNative.lamina_cuda_gather(table.dtype().size(), ts.address(), table.numel() / rowSize,
                rowSize, is.address(), code(ids.dtype()), ids.numel(), os.address(), stream()),
                "cuda.gather: launch (" + ids.numel() + " ids, rows of " + rowSize + ")");
    }

    /** Deterministic: one thread per column adds the rows in increasing i (no atomics). Not for bool. */
    @Override
    public void scatterAdd(Storage src, long rowSize, Storage ids, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.scatterAdd");
        CudaStorage ss = device(src, "cuda.scatterAdd"), is = device(ids, "cuda.scatterAdd");
        CudaStorage os = device(out, "cuda.scatterAdd");
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
                code(ids.dtype()), ids.numel(), os.address(), out.numel() / rowSize, stream()),
                "cuda.scatterAdd: launch (" + ids.numel() + " ids, rows of " + rowSize + ")");
    }

    @Override
    public void oneHot(Storage ids, long depth, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.oneHot");
        CudaStorage is = device(ids, "cuda.oneHot"), os = device(out, "cuda.oneHot");
        checkIds("cuda.oneHot", ids);
        if (depth < 0 || out.numel() != Math.multiplyExact(ids.numel(), depth)) {
            throw new IllegalArgumentException("cuda.oneHot: " + ids.numel() + " ids, depth " + depth + ", out of "
                    + out.numel() + " elements");
        }
        CudaRuntime.check(CudaNative.lamina_cuda_one_hot(is.address(), code(ids.dtype()), ids.numel(), depth,
                os.address(), code(out.dtype()), stream()), "cuda.oneHot: launch (" + ids.numel() + " ids, depth "
                + depth + ")");
    }

    // ---- optional fused kernels: convolution, pooling, recurrent cells, Adam ------------------
    // Every one has a device kernel (below); kernel() declares them all available when the device is
    // usable. A backend without one would declare it unavailable here, and the tensor ops would run
    // the composition of the primitives above through KernelDispatch, logging the reason once.

    /** The optional fused kernels that have a CUDA implementation. */
    private static final Set<Kernel> DEVICE_KERNELS = Collections.unmodifiableSet(EnumSet.allOf(Kernel.class));

    /**
     * Which optional fused kernels run as one device kernel: those of {@code DEVICE_KERNELS} (all
     * of them), and none at all (with the probe's reason) when the backend is not usable.
     */
    @Override
    public Capability kernel(Kernel k) {
        String why = unavailableReason();
        if (why != null) {
            return Capability.unavailable("cuda backend is not usable: " + why);
        }
        return DEVICE_KERNELS.contains(k) ? Capability.AVAILABLE
                : Capability.unavailable("no CUDA kernel for " + k.method() + " yet");
    }

    // ---- layer kernels (issue #12): convolution, optimizer step, pooling, recurrent cells ----------
    // Each launcher checks availability first, then the storages, then launches.

    /** Implicit GEMM ({@code cuda-kernels/conv.cu} through {@link CudaConv}); deterministic. */
    @Override
    public void conv2dForward(Storage x, Storage kernel, Storage out, ConvGeometry geom) {
        CudaConv.forward(this, x, kernel, null, false, out, geom, "cuda.conv2dForward");
    }

    @Override
    public void conv2dBackwardInput(Storage dy, Storage kernel, Storage dx, ConvGeometry geom) {
        CudaConv.backwardInput(this, dy, kernel, dx, geom);
    }

    @Override
    public void conv2dBackwardFilter(Storage x, Storage dy, Storage dkernel, ConvGeometry geom) {
        CudaConv.backwardFilter(this, x, dy, dkernel, geom);
    }

    /** One pass over memory ({@code cuda-kernels/optim.cu}); bitwise the cpu backend's step. */
    @Override
    public void adamUpdate(Storage w, Storage g, Storage m, Storage v, double alpha, double beta1, double beta2,
                           double epsilon) {
        CudaOptimizers.adam(this, w, g, m, v, alpha, beta1, beta2, epsilon);
    }

    @Override
    public void rmspropUpdate(Storage w, Storage g, Storage vel, Storage mom, Storage avg, double lr, double rho,
                              double momentum, double epsilon) {
        CudaOptimizers.rmsprop(this, w, g, vel, mom, avg, lr, rho, momentum, epsilon);
    }

    @Override
    public void sgdUpdate(Storage w, Storage g, Storage m, double lr, double momentum, boolean nesterov) {
        CudaOptimizers.sgd(this, w, g, m, lr, momentum, nesterov);
    }

    /** The persistent LSTM and GRU kernels serve hidden sizes up to 64 ({@link CudaPersistentLstm}, {@link CudaPersistentGru}). */
    @Override
    public Capability kernel(Kernel k, DType dtype, SequenceGeometry geom) {
        Capability c = kernel(k, dtype);
        if (c.available() && (k == Kernel.GRU_SEQUENCE_FORWARD || k == Kernel.GRU_SEQUENCE_BACKWARD)) {
            return CudaPersistentGru.capability(dtype, geom.hidden());
        }
        return c.available() && (k == Kernel.LSTM_SEQUENCE_FORWARD || k == Kernel.LSTM_SEQUENCE_BACKWARD)
                ? CudaPersistentLstm.capability(dtype, geom.hidden()) : c;
    }

    @Override
    public void gruSequenceForward(Storage xp, Storage rk, Storage rb, Storage h0, Storage packed, Storage hPrev,
                                   Storage gates, Storage hz, long batch, long steps, long hidden) {
        CudaPersistentGru.forward(this, xp, rk, rb, h0, packed, hPrev, gates, hz, batch, steps, hidden);
    }

    @Override
    public void gruSequenceBackward(Storage gates, Storage hz, Storage hPrev, Storage rk, Storage dP, Storage dXp,
                                    Storage dHz, Storage dh0, long batch, long steps, long hidden) {
        CudaPersistentGru.backward(this, gates, hz, hPrev, rk, dP, dXp, dHz, dh0, batch, steps, hidden);
    }

    @Override
    public void lstmSequenceBackward(Storage gates, Storage cs, Storage c0, Storage rk, Storage dP, Storage dXp,
                                     Storage dh0, Storage dc0, long batch, long steps, long hidden) {
        CudaPersistentLstm.backward(this, gates, cs, c0, rk, dP, dXp, dh0, dc0, batch, steps, hidden);
    }

    @Override
    public void lstmSequenceForward(Storage xp, Storage rk, Storage h0, Storage c0, Storage packed, Storage hPrev,
                                    Storage gates, Storage cs, long batch, long steps, long hidden) {
        CudaPersistentLstm.forward(this, xp, rk, h0, c0, packed, hPrev, gates, cs, batch, steps, hidden);
    }

    @Override
    public void softmaxCrossEntropy(Storage logits, Storage labels, Storage loss, Storage dlogits, long rows,
                                    long classes) {
        CudaLosses.softmaxCrossEntropy(this, logits, labels, loss, dlogits, rows, classes, CudaLosses.XENT_VERSION);
    }

    /** Bias and ReLU applied in the convolution's store (one launch). */
    @Override
    public void conv2dForwardFused(Storage x, Storage kernel, Storage bias, boolean relu, Storage out, ConvGeometry geom) {
        CudaConv.forward(this, x, kernel, bias, relu, out, geom, "cuda.conv2dForwardFused");
    }

    /** The ReLU mask applied while reading dy; dbias, dkernel and dx in one call. */
    @Override
    public void conv2dBackwardFused(Storage x, Storage kernel, Storage y, Storage dy, boolean relu, Storage dx,
                                    Storage dkernel, Storage dbias, ConvGeometry geom) {
        CudaConv.backwardFused(this, x, kernel, y, dy, relu, dx, dkernel, dbias, geom);
    }

    /** {@code cuda-kernels/pool.cu} through {@link CudaPooling}; bitwise the cpu backend's results. */
    @Override
    public void maxPool2dForward(Storage x, Storage out, PoolGeometry geom) {
        CudaPooling.maxForward(this, x, out, geom);
    }

    /** First-maximum routing as the cpu backend; a deterministic gather (no atomics). */
    @Override
    public void maxPool2dBackward(Storage x, Storage dy, Storage dx, PoolGeometry geom) {
        CudaPooling.maxBackward(this, x, dy, dx, geom);
    }

    @Override
    public void avgPool2dForward(Storage x, Storage out, PoolGeometry geom) {
        CudaPooling.avgForward(this, x, out, geom);
    }

    @Override
    public void avgPool2dBackward(Storage dy, Storage dx, PoolGeometry geom) {
        CudaPooling.avgBackward(this, dy, dx, geom);
    }

    /** One launch per step ({@code cuda-kernels/recurrent.cu} through {@link CudaRecurrent}). */
    @Override
    public void lstmCellForward(Storage z, Storage cPrev, Storage h, Storage c, Storage gates, long batch, long hidden) {
        CudaRecurrent.lstmForward(this, z, cPrev, h, c, gates, batch, hidden);
    }

    @Override
    public void lstmCellBackward(Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc, Storage dz,
                                 Storage dcPrev, long batch, long hidden) {
        CudaRecurrent.lstmBackward(this, gates, cPrev, c, dh, dc, dz, dcPrev, batch, hidden);
    }

    @Override
    public void gruCellForward(Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates, long batch, long hidden) {
        CudaRecurrent.gruForward(this, xz, hz, hPrev, h, gates, batch, hidden);
    }

    @Override
    public void gruCellBackward(Storage gates, Storage hz, Storage hPrev, Storage dh, Storage dxz, Storage dhz,
                                Storage dhPrev, long batch, long hidden) {
        CudaRecurrent.gruBackward(this, gates, hz, hPrev, dh, dxz, dhz, dhPrev, batch, hidden);
    }

    // ---- the graph API (dev.lamina.graph) ------------------------------------------------------

    /**
     * Runs a fused element-wise program over {@code out.numel()} elements ({@code
     * cuda-kernels/fused.cu}): registers 0 .. inputs−1 hold each input's element (element 0 of an
     * input marked scalar), instruction j ({@code code[4j..4j+3]}: kind 0 unary or 1 binary, the op's
     * {@code code()}, register a, register b) writes register inputs + j, and the last register is
     * stored. Every step is the unfused kernel's scalar function rounded to the dtype, so the result
     * is bitwise the chain of {@link #unary}/{@link #binary} calls. Used by the graph API's fusion
     * pass; the program is checked here.
     *
     * @param inputs the input storages (out's float dtype; out's size, or one element where scalar)
     * @param scalar which inputs are one element broadcast
     * @param code the program, 4 ints per instruction
     * @param out the output storage (float32 or float64)
     */
    public void fusedElementwise(Storage[] inputs, boolean[] scalar, int[] code, Storage out) {
        String what = "cuda.fusedElementwise";
        CudaRuntime.get().requireAvailable(what);
        CudaStorage os = device(out, what);
        DType dt = out.dtype();
        int nIn = inputs.length;
        int nInstr = code.length / 4;
        if (!dt.isFloating() || scalar.length != nIn || code.length % 4 != 0 || nIn < 1 || nInstr < 1
                || nIn + nInstr > FUSED_MAX_REGISTERS) {
            throw new IllegalArgumentException(what + ": " + nIn + " inputs, " + code.length + " code ints, dtype " + dt
                    + " (float dtypes, 1.." + FUSED_MAX_REGISTERS + " registers)");
        }
        long[] addr = new long[nIn];
        int[] sc = new int[nIn];
        for (int i = 0; i < nIn; i++) {
            CudaStorage is = device(inputs[i], what);
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
                out.numel(), stream()), what + ": launch (" + dt + ", " + out.numel() + " elements, " + nInstr
                + " instructions)");
    }

    /** The most registers (inputs plus instructions) of a fused program: LAMINA_FUSED_MAX_REGISTERS. */
    public static final int FUSED_MAX_REGISTERS = 64;

    /** The memory and stream half (CUDA-graph capture routes this thread's launches through it). */
    CudaDevice device() {
        return memory;
    }

    /** Waits for all work queued on the backend's stream; kernel execution errors surface here. */
    public void synchronize() {
        CudaRuntime.get().requireAvailable("cuda.synchronize");
        CudaRuntime.check(CudaNative.lamina_cuda_stream_synchronize(stream()), "cuda.synchronize: cudaStreamSynchronize");
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** s as this backend's live device storage; IllegalArgumentException / IllegalStateException otherwise. */
    CudaStorage device(Storage s, String op) {
        if (s.backend() != this || !(s instanceof CudaStorage)) {
            throw new IllegalArgumentException(op + ": storage belongs to backend " + s.backend().name());
        }
        CudaStorage c = (CudaStorage) s;
        if (s.isFreed() || c.address() == 0) {
            throw new IllegalStateException(op + ": storage used after it was freed");
        }
        return c;
    }

    private static int code(DType dt) {
        return dt.ordinal();
    }

    /** The kernels take shapes of rank 8 at most (passed by value in a fixed struct). */
    private static void checkRank(String what, long[] shape) {
        if (shape.length > 8) {
            throw new IllegalArgumentException(what + ": rank " + shape.length + " (shape " + Arrays.toString(shape)
                    + ") exceeds the cuda kernels' limit of 8");
        }
    }

    @Override
    public String toString() {
        return CudaRuntime.get().toString();
    }
}
