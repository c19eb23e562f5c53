package dev.lamina.backend.cpu;

import static dev.lamina.backend.StorageChecks.add;
import static dev.lamina.backend.StorageChecks.checkBinary;
import static dev.lamina.backend.StorageChecks.exact;
import static dev.lamina.backend.StorageChecks.checkIds;
import static dev.lamina.backend.StorageChecks.checkRange;
import static dev.lamina.backend.StorageChecks.checkReduce;
import static dev.lamina.backend.StorageChecks.checkSoftmax;
import static dev.lamina.backend.StorageChecks.numel;
import static dev.lamina.backend.StorageChecks.sameNumel;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Capability;
import dev.lamina.backend.ComposedGruSequence;
import dev.lamina.backend.ComposedLstmSequence;
import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.HostBackend;
import dev.lamina.backend.HostStorage;
import dev.lamina.backend.PoolGeometry;
import dev.lamina.backend.Kernel;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.SequenceGeometry;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The cpu backend: host memory, OpenBLAS for matmul and the C++ kernels of {@code cpu-kernels/}
 * (through {@link CpuKernels}) for everything else. Java here is glue: it checks what is cheap to
 * check (backend, dtypes, sizes, index ranges of strided views) and calls native code.
 *
 * <p>Threads: the kernels use a pool of {@link #threads()} threads (the caller included) for large
 * inputs; its size defaults to {@code lamina.cpu.threads} (system property) or
 * {@code LAMINA_CPU_THREADS} (environment), else the number of processors, and changes through
 * {@link #setThreads(int)}. OpenBLAS itself runs single-threaded: matrix products are split over
 * the same pool (rows or columns of the result, one single-threaded sgemm/dgemm each), so that the
 * convolution passes can run sgemm on several images at once next to their im2col and epilogues.
 * Results never depend on the thread count: kernels split work between outputs only, and sums
 * run in a fixed order.
 *
 * <p>Semantics beyond the {@link dev.lamina.backend.Backend} contract: integer DIV truncates toward
 * zero and gives 0 for a zero divisor; integer arithmetic wraps; integer POW with a negative exponent
 * gives 0 unless the base is ±1. BOOL supports the comparisons, ADD/MAXIMUM (or) and MUL/MINIMUM
 * (and); BOOL SUM is logical or. MAX/MIN/MAXIMUM/MINIMUM propagate NaN; ARGMAX/ARGMIN pick the first
 * NaN if there is one. oneHot leaves the row of an id outside [0, depth) all zero.
 */
public final class CpuBackend extends HostBackend {
    private static volatile CpuBackend instance;

    private CpuBackend() {
    }

    /** The process-wide cpu backend (loads the native library on first use). */
    public static CpuBackend instance() {
        CpuBackend b = instance;
        if (b == null) {
            synchronized (CpuBackend.class) {
                if (instance == null) {
                    CpuBackend created = new CpuBackend();
                    tuneMalloc();
                    bindBlas();
                    String lstmKernel = System.getProperty("lamina.cpu.lstmInference", "auto");
                    if (LSTM_INFERENCE_KERNELS.contains(lstmKernel)) {
                        CpuKernels.lamina_cpu_set_lstm_inference_kernel(LSTM_INFERENCE_KERNELS.indexOf(lstmKernel));
                    }
                    CpuKernels.lamina_cpu_set_conv_direct(
                            "false".equalsIgnoreCase(System.getProperty(CONV_DIRECT_PROPERTY, "true").trim()) ? 0 : 1);
                    Integer configured = configuredThreads();
                    // touching CpuKernels loads the JNI library; the pool starts with one thread per processor
                    if (configured != null) {
                        applyThreads(Math.max(1, Math.min(MAX_THREADS, configured)));
                    } else {
                        CpuKernels.lamina_cpu_get_threads();
                    }
                    instance = created;
                }
                b = instance;
            }
        }
        return b;
    }

    /**
     * System property: "false" leaves glibc malloc's thresholds alone; otherwise the first use of the
     * cpu backend sets M_MMAP_THRESHOLD to {@value #MALLOC_MMAP_THRESHOLD} bytes and M_TRIM_THRESHOLD to
     * {@value #MALLOC_TRIM_THRESHOLD} bytes, so tensor buffers of a training step (up to 32 MiB each)
     * are recycled from the heap instead of being mapped fresh (and page-faulted) on every allocation.
     */
    public static final String TUNE_MALLOC_PROPERTY = "lamina.cpu.tuneMalloc";

    /** The mmap threshold set by {@link #TUNE_MALLOC_PROPERTY}: 32 MiB (glibc's largest allowed value). */
    public static final long MALLOC_MMAP_THRESHOLD = 32L << 20;

    /** The trim threshold set by {@link #TUNE_MALLOC_PROPERTY}: 512 MiB of free heap kept for reuse. */
    public static final long MALLOC_TRIM_THRESHOLD = 512L << 20;

    private static void tuneMalloc() {
        if (!"false".equalsIgnoreCase(System.getProperty(TUNE_MALLOC_PROPERTY, "true").trim())) {
            CpuKernels.lamina_cpu_tune_malloc(MALLOC_MMAP_THRESHOLD, MALLOC_TRIM_THRESHOLD);
        }
    }

    /**
     * Hands cblas_sgemm and cblas_dgemm of the loaded OpenBLAS to the kernels (which call them from
     * pool threads) and makes OpenBLAS single-threaded, so that its own threads never compete with
     * the pool.
     */
    private static void bindBlas() {
        Loader.load(openblas_nolapack.class);
        Pointer sgemm = Loader.addressof("cblas_sgemm"), dgemm = Loader.addressof("cblas_dgemm");
        if (sgemm == null || sgemm.isNull() || dgemm == null || dgemm.isNull()) {
            throw new IllegalStateException("cpu backend: cblas_sgemm / cblas_dgemm not found in the loaded OpenBLAS ("
                    + Loader.load(openblas_nolapack.class) + ")");
        }
        check("bind BLAS", CpuKernels.lamina_cpu_bind_blas(sgemm, dgemm), DType.FLOAT32);
        openblas_nolapack.blas_set_num_threads(1);  // openblas_set_num_threads(1): the pool splits the products
    }

    /** The most threads the kernel pool may have: {@value}. */
    public static final int MAX_THREADS = 256;

    /**
     * Sets the threads of the kernel pool (the calling thread included), which also runs the matrix
     * products. Values below 1 mean 1; above {@link #MAX_THREADS} an IllegalArgumentException. When the
     * system refuses to create a thread (a process or memory limit), an IllegalStateException says so
     * and the pool keeps its previous thread count ({@link #threads()}).
     */
    public static void setThreads(int n) {
        if (n > MAX_THREADS) {
            throw new IllegalArgumentException("cpu.setThreads: " + n + " threads asked for, at most " + MAX_THREADS
                    + " allowed (this machine has " + Runtime.getRuntime().availableProcessors() + " processors)");
        }
        instance();
        applyThreads(Math.max(1, n));
    }

    private static void applyThreads(int n) {
        synchronized (CpuBackend.class) {
            int before = CpuKernels.lamina_cpu_get_threads();
            int[] started = new int[1];
            int err = CpuKernels.lamina_cpu_set_threads(n, started);
            if (err != 0) {
                throw new IllegalStateException("cpu.setThreads(" + n + "): the system refused to create kernel thread "
                        + (started[0] + 2) + " of " + n + " (error " + err + (err == 11 ? ", EAGAIN: the process or user"
                        + " thread limit, e.g. ulimit -u or a container pids limit, or memory for thread stacks" : "")
                        + "); the pool keeps " + CpuKernels.lamina_cpu_get_threads() + " threads (had " + before + ")");
            }
        }
    }

    /** Test hook: the k-th native thread creation from now fails as if the system refused (k &lt; 0: none). */
    static void failThreadStartAfter(int k) {
        instance();
        CpuKernels.lamina_cpu_fail_thread_start_after(k);
    }

    /** Threads of the kernel pool. */
    public static int threads() {
        return CpuKernels.lamina_cpu_get_threads();
    }

    /** The kernel clone chosen on this CPU: "x86-64-v4" (AVX-512), "x86-64-v3" (AVX2) or "x86-64". */
    public static String cpuTarget() {
        return CpuKernels.lamina_cpu_target();
    }

    /** The thread count asked for by {@code lamina.cpu.threads} or {@code LAMINA_CPU_THREADS}, or null. */
    public static Integer configuredThreads() {
        String v = System.getProperty("lamina.cpu.threads");
        if (v == null || v.isBlank()) {
            v = System.getenv("LAMINA_CPU_THREADS");
        }
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("lamina.cpu.threads / LAMINA_CPU_THREADS is not an integer: '" + v + "'");
        }
    }

    @Override
    public String name() {
        return "cpu";
    }

    // ---- kernels -----------------------------------------------------------------------------

    @Override
    protected void fillKernel(Storage out, double value) {
        HostStorage o = host(out);
        check("fill", CpuKernels.lamina_cpu_fill(o.pointer(), code(out.dtype()), out.numel(), value), out.dtype());
    }

    @Override
    protected void castKernel(Storage x, Storage out) {
        HostStorage xs = host(x), os = host(out);
        sameNumel("cast", x, out);
        check("cast", CpuKernels.lamina_cpu_cast(xs.pointer(), code(x.dtype()), os.pointer(), code(out.dtype()), x.numel()),
                x.dtype());
    }

    @Override
    protected void copyStridedKernel(Storage src, long srcOffset, long[] srcStrides,
                            Storage dst, long dstOffset, long[] dstStrides, long[] shape) {
        HostStorage s = host(src), d = host(dst);
        if (src.dtype() != dst.dtype()) {
            throw new IllegalArgumentException("copyStrided: dtypes differ, " + src.dtype() + " -> " + dst.dtype());
        }
        int rank = shape.length;
        if (srcStrides.length != rank || dstStrides.length != rank) {
            throw new IllegalArgumentException("copyStrided: shape " + Arrays.toString(shape) + " with strides "
                    + Arrays.toString(srcStrides) + " and " + Arrays.toString(dstStrides));
        }
        if (numel(shape, "copyStrided") == 0) {
            return;
        }
        checkRange("copyStrided", "src", src, srcOffset, srcStrides, shape);
        checkRange("copyStrided", "dst", dst, dstOffset, dstStrides, shape);
        check("copyStrided", CpuKernels.lamina_cpu_copy_strided(s.pointer(), srcOffset, srcStrides, d.pointer(), dstOffset,
                dstStrides, shape, rank, src.dtype().size()), src.dtype());
    }

    @Override
    protected void unaryKernel(UnaryOp op, Storage x, Storage out) {
        HostStorage xs = host(x), os = host(out);
        sameNumel("unary " + op, x, out);
        if (x.dtype() != out.dtype()) {
            throw new IllegalArgumentException("unary " + op + ": out dtype " + out.dtype() + " != x dtype " + x.dtype());
        }
        if (x.dtype() == DType.BOOL || (x.dtype().isInteger() && !op.supportsIntegers())) {
            throw new IllegalArgumentException("unary " + op + " does not support dtype " + x.dtype());
        }
        check("unary " + op, CpuKernels.lamina_cpu_unary(op.code(), code(x.dtype()), xs.pointer(), os.pointer(), x.numel()),
                x.dtype());
    }

    @Override
    protected void binaryKernel(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides,
                       Storage out, long[] outShape) {
        HostStorage as = host(a), bs = host(b), os = host(out);
        String what = "binary " + op;
        if (checkBinary(what, op, a, aStrides, b, bStrides, out, outShape) == 0) {
            return;
        }
        check(what, CpuKernels.lamina_cpu_binary(op.code(), code(a.dtype()), as.pointer(), aStrides, bs.pointer(), bStrides,
                os.pointer(), outShape, outShape.length), a.dtype());
    }

    @Override
    protected void reduceKernel(ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        HostStorage xs = host(x), os = host(out);
        String what = "reduce " + op;
        checkReduce(what, op, x, outer, n, inner, out);
        if (out.numel() == 0) {
            return;
        }
        check(what, CpuKernels.lamina_cpu_reduce(op.code(), code(x.dtype()), xs.pointer(), outer, n, inner, os.pointer()),
                x.dtype());
    }

    @Override
    protected void matmulKernel(Storage a, Storage b, Storage out, long batch, long m, long n, long k,
                       boolean transA, boolean transB, long strideA, long strideB) {
        HostStorage as = host(a), bs = host(b), os = host(out);
        DType dt = a.dtype();
        if (!dt.isFloating() || b.dtype() != dt || out.dtype() != dt) {
            throw new IllegalArgumentException("matmul supports float32 and float64 only, got " + a.dtype() + " x "
                    + b.dtype() + " -> " + out.dtype());
        }
        if (batch < 0 || m < 0 || n < 0 || k < 0 || strideA < 0 || strideB < 0) {
            throw new IllegalArgumentException("matmul: negative size, batch " + batch + " m " + m + " n " + n + " k " + k
                    + " strides " + strideA + ", " + strideB);
        }
        if (m > Integer.MAX_VALUE || n > Integer.MAX_VALUE || k > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("matmul: m " + m + ", n " + n + ", k " + k + " exceed the BLAS int range");
        }
        if (out.numel() != multiplyChecked(multiplyChecked(batch, m), n)) {
            throw new IllegalArgumentException("matmul: out has " + out.numel() + " elements, [" + batch + ", " + m + ", "
                    + n + "] expected");
        }
        if (batch == 0 || m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            fill(out, 0.0);
            return;
        }
        String q = "matmul operand extent";
        long sizeA = exact("matmul", q, m, k), sizeB = exact("matmul", q, k, n);
        if (add("matmul", q, exact("matmul", q, batch - 1, strideA), sizeA) > a.numel()
                || add("matmul", q, exact("matmul", q, batch - 1, strideB), sizeB) > b.numel()) {
            throw new IllegalArgumentException("matmul: a (" + a.numel() + " elements) or b (" + b.numel()
                    + ") too small for batch " + batch + ", m " + m + ", n " + n + ", k " + k + ", strides " + strideA
                    + ", " + strideB);
        }
        int lda = (int) (transA ? m : k), ldb = (int) (transB ? k : n);
        check("matmul", CpuKernels.lamina_cpu_gemm(code(dt), transA ? 1 : 0, transB ? 1 : 0, batch, m, n, k, as.pointer(),
                lda, strideA, bs.pointer(), ldb, strideB, 0.0, os.pointer(), n, m * n), dt);
    }

    @Override
    protected void softmaxKernel(Storage x, Storage out, long outer, long n, long inner, boolean log) {
        HostStorage xs = host(x), os = host(out);
        String what = log ? "logSoftmax" : "softmax";
        checkSoftmax(what, x, out, outer, n, inner);
        if (x.numel() == 0) {
            return;
        }
        check(what, CpuKernels.lamina_cpu_softmax(code(x.dtype()), xs.pointer(), os.pointer(), outer, n, inner, log ? 1 : 0),
                x.dtype());
    }

    @Override
    protected void gatherKernel(Storage table, long rowSize, Storage ids, Storage out) {
        HostStorage ts = host(table), is = host(ids), os = host(out);
        checkIds("gather", ids);
        if (table.dtype() != out.dtype()) {
            throw new IllegalArgumentException("gather: table dtype " + table.dtype() + ", out dtype " + out.dtype());
        }
        if (rowSize < 1 || table.numel() % rowSize != 0 || out.numel() != multiplyChecked(ids.numel(), rowSize)) {
            throw new IllegalArgumentException("gather: table of " + table.numel() + " elements, rows of " + rowSize
                    + ", " + ids.numel() + " ids, out of " + out.numel() + " elements");
        }
        int rc = CpuKernels.lamina_cpu_gather(table.dtype().size(), ts.pointer(), table.numel() / rowSize, rowSize,
                is.pointer(), code(ids.dtype()), ids.numel(), os.pointer());
        if (rc == CpuKernels.E_INDEX) {
            throw new IndexOutOfBoundsException("gather: an id lies outside [0, " + table.numel() / rowSize + ")");
        }
        check("gather", rc, table.dtype());
    }

    @Override
    protected void scatterAddKernel(Storage src, long rowSize, Storage ids, Storage out) {
        HostStorage ss = host(src), is = host(ids), os = host(out);
        checkIds("scatterAdd", ids);
        if (src.dtype() != out.dtype()) {
            throw new IllegalArgumentException("scatterAdd: src dtype " + src.dtype() + ", out dtype " + out.dtype());
        }
        if (rowSize < 1 || out.numel() % rowSize != 0 || src.numel() != multiplyChecked(ids.numel(), rowSize)) {
            throw new IllegalArgumentException("scatterAdd: src of " + src.numel() + " elements, rows of " + rowSize
                    + ", " + ids.numel() + " ids, out of " + out.numel() + " elements");
        }
        int rc = CpuKernels.lamina_cpu_scatter_add(code(src.dtype()), ss.pointer(), rowSize, is.pointer(), code(ids.dtype()),
                ids.numel(), os.pointer(), out.numel() / rowSize);
        if (rc == CpuKernels.E_INDEX) {
            throw new IndexOutOfBoundsException("scatterAdd: an id lies outside [0, " + out.numel() / rowSize + ")");
        }
        check("scatterAdd", rc, src.dtype());
    }

    @Override
    protected void oneHotKernel(Storage ids, long depth, Storage out) {
        HostStorage is = host(ids), os = host(out);
        checkIds("oneHot", ids);
        if (depth < 0 || out.numel() != multiplyChecked(ids.numel(), depth)) {
            throw new IllegalArgumentException("oneHot: " + ids.numel() + " ids, depth " + depth + ", out of "
                    + out.numel() + " elements");
        }
        check("oneHot", CpuKernels.lamina_cpu_one_hot(is.pointer(), code(ids.dtype()), ids.numel(), depth, os.pointer(),
                code(out.dtype())), out.dtype());
    }

    // ---- convolution (im2col per chunk + OpenBLAS gemm) and pooling ----------------------------

    /** System property: the column-buffer budget of one convolution call, in bytes (default 64 MiB). */
    public static final String CONV_COLUMN_BUDGET_PROPERTY = "lamina.cpu.conv.columnBudgetBytes";

    /** Default column-buffer budget: 64 MiB. */
    public static final long DEFAULT_CONV_COLUMN_BUDGET = 64L << 20;

    private static final AtomicLong LAST_COLUMN_BYTES = new AtomicLong();
    private static final AtomicLong PEAK_COLUMN_BYTES = new AtomicLong();

    /**
     * The column-buffer budget in bytes: {@value #CONV_COLUMN_BUDGET_PROPERTY} when set (read on every
     * call, so tests can shrink it), else {@link #DEFAULT_CONV_COLUMN_BUDGET}.
     */
    public static long convColumnBudget() {
        String v = System.getProperty(CONV_COLUMN_BUDGET_PROPERTY);
        if (v == null || v.isBlank()) {
            return DEFAULT_CONV_COLUMN_BUDGET;
        }
        try {
            long b = Long.parseLong(v.trim());
            if (b < 1) {
                throw new NumberFormatException();
            }
            return b;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(CONV_COLUMN_BUDGET_PROPERTY + " must be a positive number of bytes, got '"
                    + v + "'");
        }
    }

    /** Bytes of the column buffer of the last convolution kernel call (0 when it needed none). */
    public static long lastConvColumnBytes() {
        return LAST_COLUMN_BYTES.get();
    }

    /** Largest column buffer since the last {@link #resetConvColumnStats()}, in bytes. */
    public static long peakConvColumnBytes() {
        return PEAK_COLUMN_BYTES.get();
    }

    /** Resets {@link #lastConvColumnBytes()} and {@link #peakConvColumnBytes()} to 0. */
    public static void resetConvColumnStats() {
        LAST_COLUMN_BYTES.set(0);
        PEAK_COLUMN_BYTES.set(0);
    }

    /**
     * Column bytes one chunk aims at (512 KiB, half the L2 cache of a current core): the columns, the
     * output rows they produce and the kernel stay in cache between im2col, sgemm and the epilogue.
     */
    public static final long CONV_CHUNK_TARGET_BYTES = 512L << 10;

    /** Batch parts of one native convolution call at most (kConvMaxParts in lamina_conv_driver.hpp): 8. */
    private static final long CONV_MAX_PARTS = CpuKernels.lamina_cpu_conv_max_parts();

    /**
     * Output rows (units u = b·outH + oh, each outW·kh·kw·C/groups column entries) per chunk:
     * max(1, min(budget / 8, {@link #CONV_CHUNK_TARGET_BYTES}) / unit bytes), at most all units. The
     * native passes run at most eight chunks at once (one per batch part, bounded by the pool), so the
     * columns of one call stay under max(budget, threads · one output row of columns) bytes, whatever
     * the batch size. The rule never depends on the thread count, so neither do the results.
     */
    private static long unitsPerChunk(ConvGeometry g, DType dt) {
        long unitBytes = (long) g.outW() * g.kh() * g.kw() * g.inCPerGroup() * dt.size();
        long units = (long) g.batch() * g.outH();
        long chunkBytes = Math.min(convColumnBudget() / CONV_MAX_PARTS, CONV_CHUNK_TARGET_BYTES);
        return Math.max(1, Math.min(units, chunkBytes / unitBytes));
    }

    /**
     * Records the column bytes of a convolution call for {@link #lastConvColumnBytes()}; pass 0
     * forward, 1 backward with dx, 2 backward with the kernel gradient only.
     */
    private static void recordColumns(long[] ga, long per, DType dt, int pass) {
        long bytes = CpuKernels.lamina_cpu_conv_column_bytes(ga, per, dt.size(), pass);
        LAST_COLUMN_BYTES.set(bytes);
        PEAK_COLUMN_BYTES.accumulateAndGet(bytes, Math::max);
    }

    /**
     * System property: "false" turns the direct float32 convolution kernels off, so every
     * convolution runs im2col + sgemm (read when the backend starts; for comparisons).
     */
    public static final String CONV_DIRECT_PROPERTY = "lamina.cpu.conv.direct";

    /**
     * Whether a float32 convolution of this geometry runs the direct (im2col-free) kernels of
     * cpu-kernels/lamina_conv_direct.hpp on this CPU: one group, no dilation or padding, K a multiple
     * of 16 up to 64, at most 32 taps per output (kh·kw·C), AVX-512F present.
     */
    public static boolean convDirect(ConvGeometry g) {
        return CpuKernels.lamina_cpu_conv_direct(g.toArray()) == 1;
    }

    /** The native address of an optional storage (null stays null: "not computed" for the kernels). */
    private Pointer ptrOrNull(Storage s) {
        return s == null ? null : host(s).pointer();
    }

    /**
     * Convolution as gemm (cpu-kernels/lamina_conv_driver.hpp): the batch is split into parts run
     * on the pool; per chunk of output rows and group g, im2col builds the [rows, kh·kw·C/groups]
     * column matrix and one single-threaded sgemm writes {@code y[rows, g·K/groups..] = col ·
     * kernel[:, g·K/groups..]}. 1x1 stride-1 unpadded convolutions use x directly. See
     * {@link #unitsPerChunk} for the column memory.
     */
    @Override
    protected void conv2dForwardKernel(Storage x, Storage kernel, Storage out, ConvGeometry g) {
        conv2dForwardFused(x, kernel, null, false, out, g);
    }

    /** As {@link #conv2dForward}, adding the bias and applying the ReLU to each chunk's rows in cache. */
    @Override
    protected void conv2dForwardFusedKernel(Storage x, Storage kernel, Storage bias, boolean relu, Storage out, ConvGeometry g) {
        String what = "cpu.conv2dForward";
        g.checkStorages(what, x, kernel, out);
        checkBias(what, bias, out, g);
        DType dt = x.dtype();
        long[] ga = g.toArray();
        long per = unitsPerChunk(g, dt);
        recordColumns(ga, per, dt, 0);
        check(what, CpuKernels.lamina_cpu_conv2d_forward(code(dt), host(x).pointer(), host(kernel).pointer(),
                ptrOrNull(bias), relu ? 1 : 0, host(out).pointer(), ga, per), dt);
    }

    /**
     * dx by gemm + col2im: per chunk and group, {@code dcol = dy[rows, g·K/groups..] · kernel_gᵀ}, then
     * col2im adds dcol into dx (a gather with a fixed summation order, so the result is deterministic).
     */
    @Override
    protected void conv2dBackwardInputKernel(Storage dy, Storage kernel, Storage dx, ConvGeometry g) {
        g.checkStorages("cpu.conv2dBackwardInput", dx, kernel, dy);
        conv2dBackward("cpu.conv2dBackwardInput", null, kernel, null, dy, false, dx, null, null, g);
    }

    /**
     * dkernel by gemm accumulated over chunks: {@code dkernel[:, g·K/groups..] = Σ colᵀ ·
     * dy[rows, g·K/groups..]}, summed in chunk order within each batch part, then over the parts in
     * order (deterministic).
     */
    @Override
    protected void conv2dBackwardFilterKernel(Storage x, Storage dy, Storage dkernel, ConvGeometry g) {
        g.checkStorages("cpu.conv2dBackwardFilter", x, dkernel, dy);
        conv2dBackward("cpu.conv2dBackwardFilter", x, null, null, dy, false, null, dkernel, null, g);
    }

    /** All requested gradients of {@link #conv2dForwardFused} in one pass over the chunks. */
    @Override
    protected void conv2dBackwardFusedKernel(Storage x, Storage kernel, Storage y, Storage dy, boolean relu, Storage dx,
                                    Storage dkernel, Storage dbias, ConvGeometry g) {
        String what = "cpu.conv2dBackwardFused";
        g.checkStorages(what, x, kernel, dy);
        if (relu) {
            if (y == null) {
                throw new IllegalArgumentException(what + ": the ReLU gradient needs the output y");
            }
            sameNumel(what, dy, y);
        }
        if (dx != null) {
            g.checkStorages(what, dx, kernel, dy);
        }
        if (dkernel != null) {
            g.checkStorages(what, x, dkernel, dy);
        }
        checkBias(what, dbias, dy, g);
        conv2dBackward(what, x, kernel, y, dy, relu, dx, dkernel, dbias, g);
    }

    private void conv2dBackward(String what, Storage x, Storage kernel, Storage y, Storage dy, boolean relu, Storage dx,
                                Storage dkernel, Storage dbias, ConvGeometry g) {
        DType dt = dy.dtype();
        long[] ga = g.toArray();
        long per = unitsPerChunk(g, dt);
        recordColumns(ga, (dx != null || dkernel != null) ? per : 0, dt, dx != null ? 1 : 2);
        check(what, CpuKernels.lamina_cpu_conv2d_backward(code(dt), ptrOrNull(x), ptrOrNull(kernel),
                ptrOrNull(y), host(dy).pointer(), relu ? 1 : 0, ptrOrNull(dx), ptrOrNull(dkernel),
                ptrOrNull(dbias), ga, per), dt);
    }

    private static void checkBias(String what, Storage bias, Storage out, ConvGeometry g) {
        if (bias != null && (bias.dtype() != out.dtype() || bias.numel() != g.outC())) {
            throw new IllegalArgumentException(what + ": bias must be " + out.dtype() + " [" + g.outC() + "], got "
                    + bias.dtype() + " of " + bias.numel() + " elements");
        }
    }

    @Override
    protected void adamUpdateKernel(Storage w, Storage g, Storage m, Storage v, double alpha, double beta1, double beta2,
                           double epsilon) {
        String what = "cpu.adamUpdate";
        DType dt = w.dtype();
        for (Storage s : new Storage[] {g, m, v}) {
            if (s.dtype() != dt || s.numel() != w.numel()) {
                throw new IllegalArgumentException(what + ": w is " + dt + " of " + w.numel() + " elements, got "
                        + s.dtype() + " of " + s.numel());
            }
        }
        check(what, CpuKernels.lamina_cpu_adam_update(code(dt), host(w).pointer(), host(g).pointer(), host(m).pointer(),
                host(v).pointer(), w.numel(), alpha, 1 - beta1, 1 - beta2, epsilon), dt);
    }

    @Override
    protected void maxPool2dForwardKernel(Storage x, Storage out, PoolGeometry g) {
        g.checkStorages("cpu.maxPool2dForward", x, out);
        check("maxPool2dForward", CpuKernels.lamina_cpu_pool2d(0, code(x.dtype()), host(x).pointer(), null,
                host(out).pointer(), g.toArray()), x.dtype());
    }

    @Override
    protected void maxPool2dBackwardKernel(Storage x, Storage dy, Storage dx, PoolGeometry g) {
        g.checkStorages("cpu.maxPool2dBackward", x, dy);
        g.checkStorages("cpu.maxPool2dBackward", dx, dy);
        check("maxPool2dBackward", CpuKernels.lamina_cpu_pool2d(1, code(x.dtype()), host(x).pointer(), host(dy).pointer(),
                host(dx).pointer(), g.toArray()), x.dtype());
    }

    @Override
    protected void avgPool2dForwardKernel(Storage x, Storage out, PoolGeometry g) {
        g.checkStorages("cpu.avgPool2dForward", x, out);
        check("avgPool2dForward", CpuKernels.lamina_cpu_pool2d(2, code(x.dtype()), host(x).pointer(), null,
                host(out).pointer(), g.toArray()), x.dtype());
    }

    @Override
    protected void avgPool2dBackwardKernel(Storage dy, Storage dx, PoolGeometry g) {
        g.checkStorages("cpu.avgPool2dBackward", dx, dy);
        check("avgPool2dBackward", CpuKernels.lamina_cpu_pool2d(3, code(dy.dtype()), null, host(dy).pointer(),
                host(dx).pointer(), g.toArray()), dy.dtype());
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static long multiplyChecked(long a, long b) {
        return exact("cpu", "a size", a, b);
    }

    private static int code(DType dt) {
        return dt.ordinal();
    }

    private static void check(String what, int rc, DType dt) {
        switch (rc) {
            case CpuKernels.OK:
                return;
            case CpuKernels.E_DTYPE:
                throw new IllegalArgumentException(what + " does not support dtype " + dt);
            case CpuKernels.E_OP:
                throw new IllegalArgumentException(what + " is not supported for dtype " + dt);
            case CpuKernels.E_INDEX:
                throw new IndexOutOfBoundsException(what + ": index out of range");
            case CpuKernels.E_NOMEM:
                throw new OutOfMemoryError(what + ": the native scratch buffers could not be allocated");
            default:
                throw new IllegalArgumentException(what + ": invalid arguments (native code " + rc + ")");
        }
    }

    // ---- fused recurrent cells ---------------------------------------------------------------

    /** Every storage has the float dtype of the first and {@code batch · width · hidden} elements. */
    private static void checkCell(String what, long batch, long hidden, Object... namesStoragesWidths) {
        if (batch < 0 || hidden < 0) {
            throw new IllegalArgumentException(what + ": negative batch " + batch + " or hidden " + hidden);
        }
        DType dt = ((Storage) namesStoragesWidths[1]).dtype();
        if (!dt.isFloating()) {
            throw new IllegalArgumentException(what + " supports float32 and float64 only, got " + dt);
        }
        for (int k = 0; k < namesStoragesWidths.length; k += 3) {
            String name = (String) namesStoragesWidths[k];
            Storage s = (Storage) namesStoragesWidths[k + 1];
            long width = (Long) namesStoragesWidths[k + 2];
            if (s.dtype() != dt) {
                throw new IllegalArgumentException(what + ": " + name + " is " + s.dtype() + ", expected " + dt);
            }
            if (s.numel() != multiplyChecked(batch, multiplyChecked(width, hidden))) {
                throw new IllegalArgumentException(what + ": " + name + " has " + s.numel() + " elements, expected ["
                        + batch + ", " + width * hidden + "]");
            }
        }
    }

    @Override
    protected void lstmCellForwardKernel(Storage z, Storage cPrev, Storage h, Storage c, Storage gates, long batch, long hidden) {
        checkCell("lstmCellForward", batch, hidden, "z", z, 4L, "cPrev", cPrev, 1L, "h", h, 1L, "c", c, 1L,
                "gates", gates, 4L);
        check("lstmCellForward", CpuKernels.lamina_cpu_lstm_cell_forward(code(z.dtype()), host(z).pointer(),
                host(cPrev).pointer(), host(h).pointer(), host(c).pointer(), host(gates).pointer(), batch, hidden), z.dtype());
    }

    /** {@code -Dlamina.cpu.lstmInference=composed}: the interface's composition instead (benchmarks: the old path). */
    private static final boolean NATIVE_LSTM_INFERENCE =
            !"composed".equals(System.getProperty("lamina.cpu.lstmInference"));

    /** Names of {@link #useLstmInferenceKernel}, in the native code's order (blas = 0, then PackedKind 1..3). */
    private static final java.util.List<String> LSTM_INFERENCE_KERNELS = java.util.List.of("blas", "scalar", "avx2",
            "avx512");

    /**
     * Chooses the kernel of the native LSTM inference for large float32 layers, process-wide (tests
     * and benchmarks; {@code -Dlamina.cpu.lstmInference=NAME} sets it at start-up): {@code auto} (the
     * default: the packed AVX-512 or AVX2 kernel, else {@code blas}), {@code blas} (the input
     * projection and the per-step products by OpenBLAS), or one packed kernel, {@code avx512},
     * {@code avx2} or {@code scalar} (slow: for tests). All packed kernels give bitwise the same results.
     *
     * @param kernel one of the names above
     * @return false when this CPU cannot run that kernel (the choice is then unchanged)
     * @throws IllegalArgumentException for another name
     */
    public static boolean useLstmInferenceKernel(String kernel) {
        int choice = "auto".equals(kernel) ? -1 : LSTM_INFERENCE_KERNELS.indexOf(kernel);
        if (choice == -1 && !"auto".equals(kernel)) {
            throw new IllegalArgumentException("unknown LSTM inference kernel '" + kernel + "'; expected auto or one of "
                    + LSTM_INFERENCE_KERNELS);
        }
        instance();  // loads the native library
        return CpuKernels.lamina_cpu_set_lstm_inference_kernel(choice) == choice;
    }

    /**
     * Available: {@link #lstmInference} is the cpu's inference path (one native call, below; the
     * interface's composition under {@code -Dlamina.cpu.lstmInference=composed}), preferred at inference
     * to the sequence kernel, which saves every step's gates for training.
     */
    @Override
    public Capability lstmInferenceKernel(DType dtype, SequenceGeometry geom) {
        return Capability.AVAILABLE;
    }

    /**
     * One native call for the whole sequence (cpu-kernels/lamina_lstm_infer.hpp); equal to the
     * interface's composition up to rounding (a different summation order).
     */
    @Override
    public void lstmInference(Storage x, Storage kernel, Storage rk, Storage bias, Storage h0, Storage c0, Storage y,
                              Storage hT, Storage cT, long batch, long steps, long input, long hidden,
                              boolean returnSequences) {
        if (!NATIVE_LSTM_INFERENCE) {
            super.lstmInference(x, kernel, rk, bias, h0, c0, y, hT, cT, batch, steps, input, hidden, returnSequences);
            return;
        }
        dev.lamina.backend.ComposedLstmInference.check(x, kernel, rk, bias, h0, c0, y, hT, cT, batch, steps, input,
                hidden, returnSequences);
        whilePinned(() -> {
            check("lstmInference", CpuKernels.lamina_cpu_lstm_inference(code(x.dtype()), host(x).pointer(),
                    host(kernel).pointer(), host(rk).pointer(), host(bias).pointer(), host(h0).pointer(),
                    host(c0).pointer(), host(y).pointer(), host(hT).pointer(), host(cT).pointer(), batch, steps, input,
                    hidden, returnSequences ? 1 : 0), x.dtype());
        }, x, kernel, rk, bias, h0, c0, y, hT, cT);
    }

    @Override
    protected void lstmCellBackwardKernel(Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc, Storage dz,
                                 Storage dcPrev, long batch, long hidden) {
        checkCell("lstmCellBackward", batch, hidden, "gates", gates, 4L, "cPrev", cPrev, 1L, "c", c, 1L, "dh", dh, 1L,
                "dc", dc, 1L, "dz", dz, 4L, "dcPrev", dcPrev, 1L);
        check("lstmCellBackward", CpuKernels.lamina_cpu_lstm_cell_backward(code(gates.dtype()), host(gates).pointer(),
                host(cPrev).pointer(), host(c).pointer(), host(dh).pointer(), host(dc).pointer(), host(dz).pointer(),
                host(dcPrev).pointer(), batch, hidden), gates.dtype());
    }

    @Override
    protected void gruCellForwardKernel(Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates, long batch, long hidden) {
        checkCell("gruCellForward", batch, hidden, "xz", xz, 3L, "hz", hz, 3L, "hPrev", hPrev, 1L, "h", h, 1L,
                "gates", gates, 3L);
        check("gruCellForward", CpuKernels.lamina_cpu_gru_cell_forward(code(xz.dtype()), host(xz).pointer(),
                host(hz).pointer(), host(hPrev).pointer(), host(h).pointer(), host(gates).pointer(), batch, hidden),
                xz.dtype());
    }

    @Override
    protected void gruCellBackwardKernel(Storage gates, Storage hz, Storage hPrev, Storage dh, Storage dxz, Storage dhz,
                                Storage dhPrev, long batch, long hidden) {
        checkCell("gruCellBackward", batch, hidden, "gates", gates, 3L, "hz", hz, 3L, "hPrev", hPrev, 1L, "dh", dh, 1L,
                "dxz", dxz, 3L, "dhz", dhz, 3L, "dhPrev", dhPrev, 1L);
        check("gruCellBackward", CpuKernels.lamina_cpu_gru_cell_backward(code(gates.dtype()), host(gates).pointer(),
                host(hz).pointer(), host(hPrev).pointer(), host(dh).pointer(), host(dxz).pointer(), host(dhz).pointer(),
                host(dhPrev).pointer(), batch, hidden), gates.dtype());
    }

    // ---- whole LSTM sequences for training (cpu-kernels/lamina_recurrent_seq.hpp) ----------------

    /**
     * System property: "composed" turns the native LSTM and GRU sequence kernels off ({@link
     * #kernel(Kernel, DType, SequenceGeometry)} answers unavailable, so RecurrentOps runs its per-step
     * loops as before them); read when the class loads (benchmarks of the old path).
     */
    public static final String SEQUENCE_KERNELS_PROPERTY = "lamina.cpu.sequenceKernels";

    private static final boolean NATIVE_SEQUENCES =
            !"composed".equals(System.getProperty(SEQUENCE_KERNELS_PROPERTY, "").trim());

    @Override
    public Capability kernel(Kernel k, DType dtype, SequenceGeometry geom) {
        if (!NATIVE_SEQUENCES && (k == Kernel.LSTM_SEQUENCE_FORWARD || k == Kernel.LSTM_SEQUENCE_BACKWARD
                || k == Kernel.GRU_SEQUENCE_FORWARD || k == Kernel.GRU_SEQUENCE_BACKWARD)) {
            return Capability.unavailable(SEQUENCE_KERNELS_PROPERTY + "=composed");
        }
        return super.kernel(k, dtype, geom);
    }

    /**
     * One native call for the whole sequence (cpu-kernels/lamina_recurrent_seq.hpp): the interface's
     * per-step composition (the same adds and cell kernel, step by step), bitwise in float64; float32
     * recurrent products run on the packed kernel (lamina_seq_packed.hpp), equal up to rounding.
     */
    @Override
    public void lstmSequenceForward(Storage xp, Storage rk, Storage h0, Storage c0, Storage packed, Storage hPrev,
                                    Storage gates, Storage cs, long batch, long steps, long hidden) {
        ComposedLstmSequence.check(xp, rk, h0, c0, packed, hPrev, gates, cs, batch, steps, hidden);
        whilePinned(() -> {
            check("lstmSequenceForward", CpuKernels.lamina_cpu_lstm_sequence_forward(code(xp.dtype()),
                    host(xp).pointer(), host(rk).pointer(), host(h0).pointer(), host(c0).pointer(),
                    host(packed).pointer(), host(hPrev).pointer(), host(gates).pointer(), host(cs).pointer(), batch,
                    steps, hidden), xp.dtype());
        }, xp, rk, h0, c0, packed, hPrev, gates, cs);
    }

    /**
     * One native call for the backward through time (cpu-kernels/lamina_recurrent_seq.hpp): the
     * interface's per-step composition, bitwise in float64, up to rounding in float32 (packed products).
     */
    @Override
    public void lstmSequenceBackward(Storage gates, Storage cs, Storage c0, Storage rk, Storage dP, Storage dXp,
                                     Storage dh0, Storage dc0, long batch, long steps, long hidden) {
        ComposedLstmSequence.checkBackward(gates, cs, c0, rk, dP, dXp, dh0, dc0, batch, steps, hidden);
        whilePinned(() -> {
            check("lstmSequenceBackward", CpuKernels.lamina_cpu_lstm_sequence_backward(code(gates.dtype()),
                    host(gates).pointer(), host(cs).pointer(), host(c0).pointer(), host(rk).pointer(),
                    host(dP).pointer(), host(dXp).pointer(), host(dh0).pointer(), host(dc0).pointer(), batch, steps,
                    hidden), gates.dtype());
        }, gates, cs, c0, rk, dP, dXp, dh0, dc0);
    }

    /**
     * One native call for a whole GRU sequence (cpu-kernels/lamina_recurrent_seq.hpp): the interface's
     * per-step composition, bitwise in float64, up to rounding in float32 (packed products).
     */
    @Override
    public void gruSequenceForward(Storage xp, Storage rk, Storage rb, Storage h0, Storage packed, Storage hPrev,
                                   Storage gates, Storage hz, long batch, long steps, long hidden) {
        ComposedGruSequence.checkForward(xp, rk, rb, h0, packed, hPrev, gates, hz, batch, steps, hidden);
        whilePinned(() -> {
            check("gruSequenceForward", CpuKernels.lamina_cpu_gru_sequence_forward(code(xp.dtype()), host(xp).pointer(),
                    host(rk).pointer(), host(rb).pointer(), host(h0).pointer(), host(packed).pointer(),
                    host(hPrev).pointer(), host(gates).pointer(), host(hz).pointer(), batch, steps, hidden), xp.dtype());
        }, xp, rk, rb, h0, packed, hPrev, gates, hz);
    }

    /**
     * One native call for the GRU backward through time (cpu-kernels/lamina_recurrent_seq.hpp): the
     * interface's per-step composition, bitwise in float64, up to rounding in float32 (packed products).
     */
    @Override
    public void gruSequenceBackward(Storage gates, Storage hz, Storage hPrev, Storage rk, Storage dP, Storage dXp,
                                    Storage dHz, Storage dh0, long batch, long steps, long hidden) {
        ComposedGruSequence.checkBackward(gates, hz, hPrev, rk, dP, dXp, dHz, dh0, batch, steps, hidden);
        whilePinned(() -> {
            check("gruSequenceBackward", CpuKernels.lamina_cpu_gru_sequence_backward(code(gates.dtype()),
                    host(gates).pointer(), host(hz).pointer(), host(hPrev).pointer(), host(rk).pointer(),
                    host(dP).pointer(), host(dXp).pointer(), host(dHz).pointer(), host(dh0).pointer(), batch, steps,
                    hidden), gates.dtype());
        }, gates, hz, hPrev, rk, dP, dXp, dHz, dh0);
    }

    /** Runs {@code call} with every storage pinned (not moved or freed meanwhile), unpinning them in reverse after. */
    private static void whilePinned(Runnable call, Storage... all) {
        int pinned = 0;
        try {
            for (Storage st : all) {
                st.pin();
                pinned++;
            }
            call.run();
        } finally {
            for (int i = pinned - 1; i >= 0; i--) {
                all[i].unpin();
            }
        }
    }
}
