package dev.lamina.backend.cuda;

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
 * <p>This class is a thin {@link Backend}: every method delegates. The memory and stream half lives
 * in {@code CudaDevice}; the kernel launchers, by family, in {@code CudaElementwise} (fill, cast,
 * copyStrided, unary, binary, the fused element-wise program), {@code CudaMatmul}, {@code
 * CudaReductions} (reduce, softmax), {@code CudaIndexing} (gather, scatterAdd, oneHot), {@code
 * CudaConv}, {@code CudaPooling}, {@code CudaRecurrent} (cells), {@code CudaPersistentLstm} and
 * {@code CudaPersistentGru} (whole sequences), {@code CudaOptimizers} and {@code CudaLosses}. Each
 * launcher checks availability first (the reason matters most), then what the cpu backend checks
 * (backend, dtypes, sizes, index ranges of strided views), and only then launches; launches are
 * asynchronous on the backend's stream: launch errors throw at once, execution errors surface at
 * the next synchronizing call (download, synchronize). The stream, allocator
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
    // Each delegates to its family's launcher (see the class comment), which checks, then launches.

    /** The backend's stream (created on first use). */
    long stream() {
        return memory.stream();
    }

    /** The precision of float32 matmul (default {@link Precision#HIGHEST}: fp32). */
    public static Precision precision() {
        return CudaMatmul.precision();
    }

    /** Sets the precision of float32 matmul for all later calls (HIGH: TF32 tensor cores). */
    public static void setPrecision(Precision p) {
        CudaMatmul.setPrecision(p);
    }

    /** out[i] = value converted to out's dtype (Java conversions; bool is value != 0). */
    @Override
    public void fill(Storage out, double value) {
        CudaElementwise.fill(this, out, value);
    }

    /** out[i] = (out.dtype) x[i]: every pair of float32, float64, int32, int64 and bool. */
    @Override
    public void cast(Storage x, Storage out) {
        CudaElementwise.cast(this, x, out);
    }

    @Override
    public void copyStrided(Storage src, long srcOffset, long[] srcStrides,
                            Storage dst, long dstOffset, long[] dstStrides, long[] shape) {
        CudaElementwise.copyStrided(this, src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape);
    }

    /** Every UnaryOp for float32/float64; NEG, ABS, SIGN, SQUARE for int32/int64. */
    @Override
    public void unary(UnaryOp op, Storage x, Storage out) {
        CudaElementwise.unary(this, op, x, out);
    }

    /**
     * Broadcasting binary op up to rank 8, every dtype; semantics as the cpu backend (integer DIV
     * truncates with 0 for a zero divisor, integer arithmetic wraps, MAXIMUM/MINIMUM propagate
     * NaN, BOOL supports the comparisons, ADD/MAXIMUM as or and MUL/MINIMUM as and).
     */
    @Override
    public void binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides,
                       Storage out, long[] outShape) {
        CudaElementwise.binary(this, op, a, aStrides, b, bStrides, out, outShape);
    }

    /**
     * SUM/MAX/MIN/ARGMAX/ARGMIN of every dtype in a fixed order (no atomics); for bool MAX is any, MIN
     * all, and SUM is rejected as on the reference backend.
     */
    @Override
    public void reduce(ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        CudaReductions.reduce(this, op, x, outer, n, inner, out);
    }

    /**
     * float32: {@link #precision()} picks the fp32 SIMT kernel (HIGHEST) or TF32 tensor cores (HIGH);
     * float64: the convolution's tiled GEMM in float64. Deterministic: one fixed summation order per
     * output.
     */
    @Override
    public void matmul(Storage a, Storage b, Storage out, long batch, long m, long n, long k,
                       boolean transA, boolean transB, long strideA, long strideB) {
        CudaMatmul.matmul(this, a, b, out, batch, m, n, k, transA, transB, strideA, strideB);
    }

    @Override
    public void softmax(Storage x, Storage out, long outer, long n, long inner, boolean log) {
        CudaReductions.softmax(this, x, out, outer, n, inner, log);
    }

    /** Ids are range-checked by the caller (the contract); the kernel never dereferences one outside. */
    @Override
    public void gather(Storage table, long rowSize, Storage ids, Storage out) {
        CudaIndexing.gather(this, table, rowSize, ids, out);
    }

    /** Deterministic: one thread per column adds the rows in increasing i (no atomics). Not for bool. */
    @Override
    public void scatterAdd(Storage src, long rowSize, Storage ids, Storage out) {
        CudaIndexing.scatterAdd(this, src, rowSize, ids, out);
    }

    @Override
    public void oneHot(Storage ids, long depth, Storage out) {
        CudaIndexing.oneHot(this, ids, depth, out);
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

    /**
     * Unavailable: cuda has no inference kernel of its own yet ({@link #lstmInference} is the
     * composition), so the persistent sequence kernel serves inference where it can. Answers (with the
     * probe's reason) rather than throws without a device, as {@link #kernel(Kernel)} does.
     */
    @Override
    public Capability lstmInferenceKernel(DType dtype, SequenceGeometry geom) {
        String why = unavailableReason();
        return Capability.unavailable(why != null ? "cuda backend is not usable: " + why
                : "no CUDA lstmInference kernel yet (the persistent sequence kernel serves inference)");
    }

    /** The interface's composition of this backend's kernels (no fused inference kernel on cuda yet). */
    @Override
    public void lstmInference(Storage x, Storage kernel, Storage rk, Storage bias, Storage h0, Storage c0, Storage y,
                              Storage hT, Storage cT, long batch, long steps, long input, long hidden,
                              boolean returnSequences) {
        CudaRuntime.get().requireAvailable("cuda.lstmInference");
        Backend.super.lstmInference(x, kernel, rk, bias, h0, c0, y, hT, cT, batch, steps, input, hidden,
                returnSequences);
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
        CudaElementwise.fusedElementwise(this, inputs, scalar, code, out);
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

    /** The kernels' dtype code (the enum's position, as {@code lamina_cuda_common.cuh} numbers them). */
    static int code(DType dt) {
        return dt.ordinal();
    }

    @Override
    public String toString() {
        return CudaRuntime.get().toString();
    }
}
