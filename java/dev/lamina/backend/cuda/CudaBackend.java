package dev.lamina.backend.cuda;

import dev.lamina.backend.Backend;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.tensor.DType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.BytePointer;

/**
 * The CUDA backend: device memory plus the kernels of {@code cuda-kernels/}. For now it has the
 * memory operations, zero fill and float32 same-shape {@code ADD}; every other kernel throws an
 * {@link UnsupportedOperationException} naming it (the rest come with the CUDA kernels issue,
 * #6).
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

    /** Zero only (cudaMemset); other values come with the kernels issue. */
    @Override
    public void fill(Storage out, double value) {
        CudaRuntime.get().requireAvailable("cuda.fill");
        CudaStorage o = device(out, "cuda.fill");
        if (value != 0.0 || Double.doubleToRawLongBits(value) != 0L) {
            throw notYet("fill with a non-zero value (" + value + ")");
        }
        if (o.bytes() > 0) {
            CudaRuntime.check(CudaNative.lamina_cuda_memset(o.address(), 0, o.bytes()), "cuda.fill: cudaMemset");
        }
    }

    @Override
    public void cast(Storage x, Storage out) {
        throw notYet("cast");
    }

    @Override
    public void copyStrided(Storage src, long srcOffset, long[] srcStrides,
                            Storage dst, long dstOffset, long[] dstStrides, long[] shape) {
        throw notYet("copyStrided");
    }

    @Override
    public void unary(UnaryOp op, Storage x, Storage out) {
        throw notYet("unary " + op);
    }

    /** ADD of float32, same-shape contiguous operands; the rest comes with the kernels issue. */
    @Override
    public void binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides,
                       Storage out, long[] outShape) {
        CudaRuntime.get().requireAvailable("cuda.binary");
        if (op != BinaryOp.ADD) {
            throw notYet("binary " + op);
        }
        CudaStorage da = device(a, "cuda.binary");
        CudaStorage db = device(b, "cuda.binary");
        CudaStorage dout = device(out, "cuda.binary");
        if (a.dtype() != DType.FLOAT32 || b.dtype() != DType.FLOAT32 || out.dtype() != DType.FLOAT32) {
            throw notYet("binary ADD of " + a.dtype() + ", " + b.dtype() + " -> " + out.dtype()
                    + " (only float32 is)");
        }
        long[] contiguous = contiguousStrides(outShape);
        if (!Arrays.equals(aStrides, contiguous) || !Arrays.equals(bStrides, contiguous)) {
            throw notYet("binary ADD with broadcasting or strided operands (a strides "
                    + Arrays.toString(aStrides) + ", b strides " + Arrays.toString(bStrides)
                    + ", out shape " + Arrays.toString(outShape) + ")");
        }
        long n = 1;
        for (long d : outShape) {
            n = Math.multiplyExact(n, d);
        }
        if (a.numel() < n || b.numel() < n || out.numel() < n) {
            throw new IllegalArgumentException("cuda.binary ADD: storages of " + a.numel() + ", " + b.numel()
                    + " and " + out.numel() + " elements are too small for shape " + Arrays.toString(outShape));
        }
        if (n == 0) {
            return;
        }
        CudaRuntime.check(CudaNative.lamina_cuda_add_f32(da.address(), db.address(), dout.address(), n, 0L),
                "cuda.binary ADD: launch of add_f32 (" + n + " elements)");
    }

    @Override
    public void reduce(ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        throw notYet("reduce " + op);
    }

    @Override
    public void matmul(Storage a, Storage b, Storage out, long batch, long m, long n, long k,
                       boolean transA, boolean transB, long strideA, long strideB) {
        throw notYet("matmul");
    }

    @Override
    public void softmax(Storage x, Storage out, long outer, long n, long inner, boolean log) {
        throw notYet(log ? "logSoftmax" : "softmax");
    }

    @Override
    public void gather(Storage table, long rowSize, Storage ids, Storage out) {
        throw notYet("gather");
    }

    @Override
    public void scatterAdd(Storage src, long rowSize, Storage ids, Storage out) {
        throw notYet("scatterAdd");
    }

    @Override
    public void oneHot(Storage ids, long depth, Storage out) {
        throw notYet("oneHot");
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
                + " is not available yet; it comes with the CUDA kernels issue (#6)");
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

    private static long[] contiguousStrides(long[] shape) {
        long[] strides = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    @Override
    public String toString() {
        return CudaRuntime.get().toString();
    }
}
