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
import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.PoolGeometry;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.tensor.DType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.BytePointer;

/**
 * The CUDA backend: device memory plus the kernels of {@code cuda-kernels/}: fill, cast,
 * copyStrided, unary, broadcasting binary, reductions, softmax, gather, scatterAdd, oneHot,
 * float32 matmul (fp32 SIMT or TF32 tensor cores, see {@link Precision}) and Philox random numbers
 * matching {@link dev.lamina.tensor.Rng}. Not yet: float64 matmul, bool reductions and
 * scatterAdd, convolution, pooling and the fused recurrent cells; those throw an {@link
 * UnsupportedOperationException} naming them. The kernels are compiled, not yet run on a GPU:
 * {@code CudaKernelsGpuTest} checks them against the reference backend where a device exists.
 *
 * <p>Whether it can run is decided once, by {@link CudaRuntime}; when it cannot, {@link
 * #isAvailable()} is false and every operation throws an {@link IllegalStateException} with the
 * reason. Failed CUDA calls throw {@link CudaException} with the CUDA error's name. All work runs
 * on the legacy default stream of device 0, so calls are ordered; downloads wait for it.
 */
public final class CudaBackend implements Backend {
    private static final CudaBackend INSTANCE = new CudaBackend();

    private final AtomicLong bytesInUse = new AtomicLong();

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

    // ---- memory ----------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, long numel) {
        CudaRuntime.get().requireAvailable("cuda.allocate");
        if (numel < 0) {
            throw new IllegalArgumentException("cuda.allocate: negative size " + numel);
        }
        long bytes = Math.multiplyExact(numel, (long) dtype.size());
        long[] ptr = new long[1];
        CudaRuntime.check(CudaNative.lamina_cuda_malloc(Math.max(1, bytes), ptr),
                "cuda.allocate: cudaMalloc of " + bytes + " bytes");
        if (bytes > 0) {
            int code = CudaNative.lamina_cuda_memset(ptr[0], 0, bytes);
            if (code != 0) {
                CudaNative.lamina_cuda_free(ptr[0]);
                CudaRuntime.check(code, "cuda.allocate: cudaMemset");
            }
        }
        bytesInUse.addAndGet(bytes);
        return new CudaStorage(this, dtype, numel, ptr[0]);
    }

    @Override
    public void free(Storage storage) {
        CudaRuntime.get().requireAvailable("cuda.free");
        if (storage.backend() != this || !(storage instanceof CudaStorage)) {
            throw new IllegalArgumentException("cuda.free: storage belongs to backend " + storage.backend().name());
        }
        CudaStorage s = (CudaStorage) storage;
        long address;
        synchronized (s) {
            address = s.address();
            s.clearAddress();
        }
        if (address == 0) {
            return;
        }
        bytesInUse.addAndGet(-s.bytes());
        CudaRuntime.check(CudaNative.lamina_cuda_free(address), "cuda.free: cudaFree");
    }

    @Override
    public long bytesInUse() {
        CudaRuntime.get().requireAvailable("cuda.bytesInUse");
        return bytesInUse.get();
    }

    @Override
    public void upload(ByteBuffer src, Storage dst) {
        CudaRuntime.get().requireAvailable("cuda.upload");
        CudaStorage d = device(dst, "cuda.upload");
        long bytes = d.bytes();
        if (src.remaining() < bytes) {
            throw new IllegalArgumentException("cuda.upload: source has " + src.remaining()
                    + " bytes, storage needs " + bytes);
        }
        if (bytes == 0) {
            return;
        }
        ByteBuffer s = src.duplicate();
        s.limit(s.position() + (int) bytes);
        if (s.isDirect()) {
            ByteBuffer view = s.slice();
            BytePointer p = new BytePointer(view);
            CudaRuntime.check(CudaNative.lamina_cuda_memcpy_h2d(d.address(), p.address(), bytes),
                    "cuda.upload: cudaMemcpy host to device");
            reachable(view);
        } else {
            try (BytePointer staging = new BytePointer(bytes)) {
                staging.asByteBuffer().put(s);
                CudaRuntime.check(CudaNative.lamina_cuda_memcpy_h2d(d.address(), staging.address(), bytes),
                        "cuda.upload: cudaMemcpy host to device");
            }
        }
    }

    @Override
    public void download(Storage src, ByteBuffer dst) {
        CudaRuntime.get().requireAvailable("cuda.download");
        CudaStorage s = device(src, "cuda.download");
        long bytes = s.bytes();
        if (dst.remaining() < bytes) {
            throw new IllegalArgumentException("cuda.download: destination has " + dst.remaining()
                    + " bytes, storage holds " + bytes);
        }
        if (bytes == 0) {
            return;
        }
        ByteBuffer d = dst.duplicate();
        d.limit(d.position() + (int) bytes);
        if (d.isDirect() && !d.isReadOnly()) {
            ByteBuffer view = d.slice();
            BytePointer p = new BytePointer(view);
            CudaRuntime.check(CudaNative.lamina_cuda_memcpy_d2h(p.address(), s.address(), bytes),
                    "cuda.download: cudaMemcpy device to host");
            reachable(view);
        } else {
            try (BytePointer staging = new BytePointer(bytes)) {
                CudaRuntime.check(CudaNative.lamina_cuda_memcpy_d2h(staging.address(), s.address(), bytes),
                        "cuda.download: cudaMemcpy device to host");
                d.put(staging.asByteBuffer());
            }
        }
    }

    /** Keeps a buffer reachable until the native copy that used its address has returned. */
    private static void reachable(ByteBuffer b) {
        java.lang.ref.Reference.reachabilityFence(b);
    }

    // ---- kernels -----------------------------------------------------------------------------
    //
    // Every kernel method checks availability first (the reason matters most), then what the cpu
    // backend checks (backend, dtypes, sizes, index ranges of strided views), and only then
    // launches. Launches are asynchronous on the default stream: launch errors throw here,
    // execution errors surface at the next synchronizing call (download, synchronize).

    private static final long STREAM = 0L;

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
        CudaRuntime.check(CudaNative.lamina_cuda_fill(code(out.dtype()), o.address(), out.numel(), value, STREAM),
                "cuda.fill: launch of fill (" + out.dtype() + ", " + out.numel() + " elements)");
    }

    /** out[i] = (out.dtype) x[i]: every pair of float32, float64, int32, int64 and bool. */
    @Override
    public void cast(Storage x, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.cast");
        CudaStorage xs = device(x, "cuda.cast"), os = device(out, "cuda.cast");
        sameNumel("cuda.cast", x, out);
        CudaRuntime.check(CudaNative.lamina_cuda_cast(code(x.dtype()), xs.address(), code(out.dtype()), os.address(),
                x.numel(), STREAM), "cuda.cast: launch of cast " + x.dtype() + " -> " + out.dtype());
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
                dstOffset, dstStrides, shape, rank, src.dtype().size(), STREAM),
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
        CudaRuntime.check(CudaNative.lamina_cuda_unary(op.ordinal(), code(x.dtype()), xs.address(), os.address(),
                x.numel(), STREAM), what + ": launch (" + x.dtype() + ", " + x.numel() + " elements)");
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
        CudaRuntime.check(CudaNative.lamina_cuda_binary(op.ordinal(), code(a.dtype()), as.address(), aStrides,
                bs.address(), bStrides, os.address(), outShape, outShape.length, STREAM),
                what + ": launch (" + a.dtype() + ", shape " + Arrays.toString(outShape) + ")");
    }

    /** SUM/MAX/MIN/ARGMAX/ARGMIN of float32, float64, int32, int64 in a fixed order (no atomics). */
    @Override
    public void reduce(ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        CudaRuntime.get().requireAvailable("cuda.reduce");
        String what = "cuda.reduce " + op;
        CudaStorage xs = device(x, what), os = device(out, what);
        checkReduce(what, op, x, outer, n, inner, out);
        if (x.dtype() == DType.BOOL) {
            throw notYet("reduce " + op + " of bool");
        }
        if (out.numel() == 0) {
            return;
        }
        CudaRuntime.check(CudaNative.lamina_cuda_reduce(op.ordinal(), code(x.dtype()), xs.address(), outer, n, inner,
                os.address(), STREAM), what + ": launch (" + x.dtype() + ", [" + outer + ", " + n + ", " + inner + "])");
    }

    /**
     * float32 only; {@link #precision()} picks the fp32 SIMT kernel (HIGHEST) or TF32 tensor cores
     * (HIGH). Deterministic: one fixed summation order per output.
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
        if (out.numel() != Math.multiplyExact(Math.multiplyExact(batch, m), n)) {
            throw new IllegalArgumentException("cuda.matmul: out has " + out.numel() + " elements, [" + batch + ", "
                    + m + ", " + n + "] expected");
        }
        if (dt != DType.FLOAT32) {
            throw notYet("matmul of " + dt + " (float32 only)");
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
        Precision p = precision;
        CudaRuntime.check(CudaNative.lamina_cuda_matmul_f32(as.address(), bs.address(), os.address(), batch, m, n, k,
                transA ? 1 : 0, transB ? 1 : 0, strideA, strideB, p.ordinal(), STREAM),
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
                log ? 1 : 0, STREAM), what + ": launch (" + x.dtype() + ", [" + outer + ", " + n + ", " + inner + "])");
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
                rowSize, is.address(), code(ids.dtype()), ids.numel(), os.address(), STREAM),
                "cuda.gather: launch (" + ids.numel() + " ids, rows of " + rowSize + ")");
    }

    /** Deterministic: one thread per column adds the rows in increasing i (no atomics). */
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
            throw notYet("scatterAdd of bool");
        }
        CudaRuntime.check(CudaNative.lamina_cuda_scatter_add(code(src.dtype()), ss.address(), rowSize, is.address(),
                code(ids.dtype()), ids.numel(), os.address(), out.numel() / rowSize, STREAM),
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
                os.address(), code(out.dtype()), STREAM), "cuda.oneHot: launch (" + ids.numel() + " ids, depth "
                + depth + ")");
    }

    // ---- random (Philox-4x32-10, the stream of dev.lamina.tensor.Rng) ---------------------------

    /**
     * Fills float32/float64 {@code out} with the values of {@code new Rng(seed).uniform(dtype, lo,
     * hi, n)}: element i is {@code lo + (hi − lo)·u_i}, u_i the i-th {@code Rng.nextDouble()} (53
     * bits of Philox words 2i, 2i+1), computed in float64 and rounded to out's dtype.
     */
    public void randomUniform(Storage out, long seed, double lo, double hi) {
        CudaRuntime.get().requireAvailable("cuda.randomUniform");
        CudaStorage os = device(out, "cuda.randomUniform");
        if (!out.dtype().isFloating()) {
            throw new IllegalArgumentException("cuda.randomUniform supports float32 and float64 only, got " + out.dtype());
        }
        if (!(hi >= lo)) {
            throw new IllegalArgumentException("cuda.randomUniform: need lo <= hi, got [" + lo + ", " + hi + ")");
        }
        CudaRuntime.check(CudaNative.lamina_cuda_random_uniform(code(out.dtype()), seed, os.address(), out.numel(), lo,
                hi, STREAM), "cuda.randomUniform: launch (" + out.numel() + " elements)");
    }

    /**
     * Fills float32/float64 {@code out} with the values of {@code new Rng(seed).normal(dtype, mean,
     * std, n)}: element i is {@code mean + std·sqrt(−2 ln u1)·cos(2π u2)} with u1, u2 the doubles of
     * Philox block i (Box-Muller, as Rng.nextGaussian). The device's log and cos may differ from
     * Java's in the last bit.
     */
    public void randomNormal(Storage out, long seed, double mean, double std) {
        CudaRuntime.get().requireAvailable("cuda.randomNormal");
        CudaStorage os = device(out, "cuda.randomNormal");
        if (!out.dtype().isFloating()) {
            throw new IllegalArgumentException("cuda.randomNormal supports float32 and float64 only, got " + out.dtype());
        }
        CudaRuntime.check(CudaNative.lamina_cuda_random_normal(code(out.dtype()), seed, os.address(), out.numel(), mean,
                std, STREAM), "cuda.randomNormal: launch (" + out.numel() + " elements)");
    }

    /** Fills int32 {@code out} with the first numel 32-bit words of {@code new Rng(seed).nextInt()}. */
    public void randomBits(Storage out, long seed) {
        CudaRuntime.get().requireAvailable("cuda.randomBits");
        CudaStorage os = device(out, "cuda.randomBits");
        if (out.dtype() != DType.INT32) {
            throw new IllegalArgumentException("cuda.randomBits writes int32, got " + out.dtype());
        }
        CudaRuntime.check(CudaNative.lamina_cuda_philox_u32(seed, os.address(), out.numel(), STREAM),
                "cuda.randomBits: launch (" + out.numel() + " elements)");
    }

    // ---- not yet on the GPU: convolution, pooling, fused recurrent cells ------------------------
    // Overridden so that an unusable backend still answers with its reason (IllegalStateException)
    // and a usable one names the missing kernel.

    @Override
    public void conv2dForward(Storage x, Storage kernel, Storage out, ConvGeometry geom) {
        throw notYet("conv2dForward");
    }

    @Override
    public void conv2dBackwardInput(Storage dy, Storage kernel, Storage dx, ConvGeometry geom) {
        throw notYet("conv2dBackwardInput");
    }

    @Override
    public void conv2dBackwardFilter(Storage x, Storage dy, Storage dkernel, ConvGeometry geom) {
        throw notYet("conv2dBackwardFilter");
    }

    /** The default composition of element-wise kernels (Backend.adamUpdate), on the device. */
    @Override
    public void adamUpdate(Storage w, Storage g, Storage m, Storage v, double alpha, double beta1, double beta2,
                           double epsilon) {
        CudaRuntime.get().requireAvailable("cuda.adamUpdate");
        Backend.super.adamUpdate(w, g, m, v, alpha, beta1, beta2, epsilon);
    }

    @Override
    public void conv2dForwardFused(Storage x, Storage kernel, Storage bias, boolean relu, Storage out, ConvGeometry geom) {
        throw notYet("conv2dForwardFused");
    }

    @Override
    public void conv2dBackwardFused(Storage x, Storage kernel, Storage y, Storage dy, boolean relu, Storage dx,
                                    Storage dkernel, Storage dbias, ConvGeometry geom) {
        throw notYet("conv2dBackwardFused");
    }

    @Override
    public void maxPool2dForward(Storage x, Storage out, PoolGeometry geom) {
        throw notYet("maxPool2dForward");
    }

    @Override
    public void maxPool2dBackward(Storage x, Storage dy, Storage dx, PoolGeometry geom) {
        throw notYet("maxPool2dBackward");
    }

    @Override
    public void avgPool2dForward(Storage x, Storage out, PoolGeometry geom) {
        throw notYet("avgPool2dForward");
    }

    @Override
    public void avgPool2dBackward(Storage dy, Storage dx, PoolGeometry geom) {
        throw notYet("avgPool2dBackward");
    }

    @Override
    public void lstmCellForward(Storage z, Storage cPrev, Storage h, Storage c, Storage gates, long batch, long hidden) {
        throw notYet("lstmCellForward");
    }

    @Override
    public void lstmCellBackward(Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc, Storage dz,
                                 Storage dcPrev, long batch, long hidden) {
        throw notYet("lstmCellBackward");
    }

    @Override
    public void gruCellForward(Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates, long batch, long hidden) {
        throw notYet("gruCellForward");
    }

    @Override
    public void gruCellBackward(Storage gates, Storage hz, Storage hPrev, Storage dh, Storage dxz, Storage dhz,
                                Storage dhPrev, long batch, long hidden) {
        throw notYet("gruCellBackward");
    }

    /** Waits for all queued device work; kernel execution errors surface here. */
    public void synchronize() {
        CudaRuntime.get().requireAvailable("cuda.synchronize");
        CudaRuntime.check(CudaNative.lamina_cuda_synchronize(), "cuda.synchronize: cudaDeviceSynchronize");
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** Unavailable first (the reason matters more), then the missing kernel. */
    private static RuntimeException notYet(String kernel) {
        CudaRuntime.get().requireAvailable("cuda." + kernel.split(" ")[0]);
        return new UnsupportedOperationException("cuda backend: " + kernel
                + " is not implemented yet (the CUDA kernels of issue #6 cover element-wise ops, reductions,"
                + " softmax, gather/scatterAdd/oneHot, float32 matmul and random numbers)");
    }

    private CudaStorage device(Storage s, String op) {
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
