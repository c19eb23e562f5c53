package dev.lamina.backend.cpu;

import static dev.lamina.backend.StorageChecks.checkBinary;
import static dev.lamina.backend.StorageChecks.checkIds;
import static dev.lamina.backend.StorageChecks.checkRange;
import static dev.lamina.backend.StorageChecks.checkReduce;
import static dev.lamina.backend.StorageChecks.checkSoftmax;
import static dev.lamina.backend.StorageChecks.numel;
import static dev.lamina.backend.StorageChecks.sameNumel;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.HostBackend;
import dev.lamina.backend.HostStorage;
import dev.lamina.backend.PoolGeometry;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.tensor.DType;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The cpu backend: host memory, OpenBLAS for matmul and the C++ kernels of {@code cpu-kernels/}
 * (through {@link CpuKernels}) for everything else. Java here is glue: it checks what is cheap to
 * check (backend, dtypes, sizes, index ranges of strided views) and calls native code.
 *
 * <p>Threads: the kernels use a pool of {@link #threads()} threads (the caller included) for large
 * inputs, and OpenBLAS its own. Both default to {@code lamina.cpu.threads} (system property) or
 * {@code LAMINA_CPU_THREADS} (environment), else the number of processors, and change through
 * {@link #setThreads(int)}. Results never depend on the thread count: kernels split work between
 * outputs only, and sums run in a fixed order.
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
                    Integer configured = configuredThreads();
                    // touching CpuKernels loads the JNI library; the pool starts with one thread per processor
                    if (configured != null) {
                        setThreads(configured);
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
     * Sets the threads of the kernel pool (the calling thread included) and of OpenBLAS (openblas_set_num_threads, through the preset's blas_set_num_threads).
     * Values below 1 mean 1.
     */
    public static void setThreads(int n) {
        int t = Math.max(1, n);
        CpuKernels.lamina_cpu_set_threads(t);
        openblas_nolapack.blas_set_num_threads(t);  // calls openblas_set_num_threads
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
    public void fill(Storage out, double value) {
        HostStorage o = host(out);
        check("fill", CpuKernels.lamina_cpu_fill(o.pointer(), code(out.dtype()), out.numel(), value), out.dtype());
    }

    @Override
    public void cast(Storage x, Storage out) {
        HostStorage xs = host(x), os = host(out);
        sameNumel("cast", x, out);
        check("cast", CpuKernels.lamina_cpu_cast(xs.pointer(), code(x.dtype()), os.pointer(), code(out.dtype()), x.numel()),
                x.dtype());
    }

    @Override
    public void copyStrided(Storage src, long srcOffset, long[] srcStrides,
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
    public void unary(UnaryOp op, Storage x, Storage out) {
        HostStorage xs = host(x), os = host(out);
        sameNumel("unary " + op, x, out);
        if (x.dtype() != out.dtype()) {
            throw new IllegalArgumentException("unary " + op + ": out dtype " + out.dtype() + " != x dtype " + x.dtype());
        }
        if (x.dtype() == DType.BOOL || (x.dtype().isInteger() && !op.supportsIntegers())) {
            throw new IllegalArgumentException("unary " + op + " does not support dtype " + x.dtype());
        }
        check("unary " + op, CpuKernels.lamina_cpu_unary(op.ordinal(), code(x.dtype()), xs.pointer(), os.pointer(), x.numel()),
                x.dtype());
    }

    @Override
    public void binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides,
                       Storage out, long[] outShape) {
        HostStorage as = host(a), bs = host(b), os = host(out);
        String what = "binary " + op;
        if (checkBinary(what, op, a, aStrides, b, bStrides, out, outShape) == 0) {
            return;
        }
        check(what, CpuKernels.lamina_cpu_binary(op.ordinal(), code(a.dtype()), as.pointer(), aStrides, bs.pointer(), bStrides,
                os.pointer(), outShape, outShape.length), a.dtype());
    }

    @Override
    public void reduce(ReduceOp op, Storage x, long outer, long n, long inner, Storage out) {
        HostStorage xs = host(x), os = host(out);
        String what = "reduce " + op;
        checkReduce(what, op, x, outer, n, inner, out);
        if (out.numel() == 0) {
            return;
        }
        check(what, CpuKernels.lamina_cpu_reduce(op.ordinal(), code(x.dtype()), xs.pointer(), outer, n, inner, os.pointer()),
                x.dtype());
    }

    @Override
    public void matmul(Storage a, Storage b, Storage out, long batch, long m, long n, long k,
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
        if (out.numel() != Math.multiplyExact(Math.multiplyExact(batch, m), n)) {
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
        long sizeA = m * k, sizeB = k * n;
        if ((batch - 1) * strideA + sizeA > a.numel() || (batch - 1) * strideB + sizeB > b.numel()) {
            throw new IllegalArgumentException("matmul: a (" + a.numel() + " elements) or b (" + b.numel()
                    + ") too small for batch " + batch + ", m " + m + ", n " + n + ", k " + k + ", strides " + strideA
                    + ", " + strideB);
        }
        int M = (int) m, N = (int) n, K = (int) k;
        int ta = transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int tb = transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int lda = transA ? M : K;
        int ldb = transB ? K : N;
        long sizeC = m * n;
        if (dt == DType.FLOAT32) {
            FloatPointer pa = new FloatPointer(as.pointer()).capacity(a.numel()).limit(a.numel());
            FloatPointer pb = new FloatPointer(bs.pointer()).capacity(b.numel()).limit(b.numel());
            FloatPointer pc = new FloatPointer(os.pointer()).capacity(out.numel()).limit(out.numel());
            for (long p = 0; p < batch; p++) {
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, ta, tb, M, N, K, 1.0f,
                        pa.position(p * strideA), lda, pb.position(p * strideB), ldb, 0.0f, pc.position(p * sizeC), N);
            }
        } else {
            DoublePointer pa = new DoublePointer(as.pointer()).capacity(a.numel()).limit(a.numel());
            DoublePointer pb = new DoublePointer(bs.pointer()).capacity(b.numel()).limit(b.numel());
            DoublePointer pc = new DoublePointer(os.pointer()).capacity(out.numel()).limit(out.numel());
            for (long p = 0; p < batch; p++) {
                openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, ta, tb, M, N, K, 1.0,
                        pa.position(p * strideA), lda, pb.position(p * strideB), ldb, 0.0, pc.position(p * sizeC), N);
            }
        }
    }

    @Override
    public void softmax(Storage x, Storage out, long outer, long n, long inner, boolean log) {
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
    public void gather(Storage table, long rowSize, Storage ids, Storage out) {
        HostStorage ts = host(table), is = host(ids), os = host(out);
        checkIds("gather", ids);
        if (table.dtype() != out.dtype()) {
            throw new IllegalArgumentException("gather: table dtype " + table.dtype() + ", out dtype " + out.dtype());
        }
        if (rowSize < 1 || table.numel() % rowSize != 0 || out.numel() != Math.multiplyExact(ids.numel(), rowSize)) {
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
    public void scatterAdd(Storage src, long rowSize, Storage ids, Storage out) {
        HostStorage ss = host(src), is = host(ids), os = host(out);
        checkIds("scatterAdd", ids);
        if (src.dtype() != out.dtype()) {
            throw new IllegalArgumentException("scatterAdd: src dtype " + src.dtype() + ", out dtype " + out.dtype());
        }
        if (rowSize < 1 || out.numel() % rowSize != 0 || src.numel() != Math.multiplyExact(ids.numel(), rowSize)) {
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
    public void oneHot(Storage ids, long depth, Storage out) {
        HostStorage is = host(ids), os = host(out);
        checkIds("oneHot", ids);
        if (depth < 0 || out.numel() != Math.multiplyExact(ids.numel(), depth)) {
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
     * True when the convolution is a plain matrix product over pixels (1x1 kernel, stride 1, no
     * padding): x viewed as [B·H·W, C] is its own column matrix and im2col is skipped.
     */
    private static boolean isPointwise(ConvGeometry g) {
        return g.kh() == 1 && g.kw() == 1 && g.sh() == 1 && g.sw() == 1 && g.padTop() == 0 && g.padLeft() == 0
                && g.outH() == g.inH() && g.outW() == g.inW();
    }

    /**
     * Output rows (units u = b·outH + oh, each outW·kh·kw·C/groups column entries) per chunk: as many
     * as fit the budget, at least one. The column buffer thus holds at most
     * max(budget, one output row of columns) bytes, whatever the batch size.
     */
    private static long unitsPerChunk(ConvGeometry g, DType dt) {
        long unitBytes = (long) g.outW() * g.kh() * g.kw() * g.inCPerGroup() * dt.size();
        long units = (long) g.batch() * g.outH();
        return Math.max(1, Math.min(units, convColumnBudget() / unitBytes));
    }

    private Storage columnBuffer(ConvGeometry g, DType dt, long units) {
        long numel = units * g.outW() * g.kh() * g.kw() * g.inCPerGroup();
        Storage col = allocateUninitialized(dt, numel);  // im2col or a beta = 0 gemm writes every element
        long bytes = col.bytes();
        LAST_COLUMN_BYTES.set(bytes);
        PEAK_COLUMN_BYTES.accumulateAndGet(bytes, Math::max);
        return col;
    }

    /** Row-major C = alpha·op(A)·op(B) + beta·C on element offsets of host storages (sgemm or dgemm). */
    private static void gemm(DType dt, boolean ta, boolean tb, long m, long n, long k,
                             HostStorage a, long aOff, long lda, HostStorage b, long bOff, long ldb,
                             double beta, HostStorage c, long cOff, long ldc) {
        int tA = ta ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int tB = tb ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        if (dt == DType.FLOAT32) {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, tA, tB, (int) m, (int) n, (int) k, 1.0f,
                    new FloatPointer(a.pointer()).position(aOff), (int) lda,
                    new FloatPointer(b.pointer()).position(bOff), (int) ldb, (float) beta,
                    new FloatPointer(c.pointer()).position(cOff), (int) ldc);
        } else {
            openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, tA, tB, (int) m, (int) n, (int) k, 1.0,
                    new DoublePointer(a.pointer()).position(aOff), (int) lda,
                    new DoublePointer(b.pointer()).position(bOff), (int) ldb, beta,
                    new DoublePointer(c.pointer()).position(cOff), (int) ldc);
        }
    }

    /**
     * Convolution as gemm: for each chunk of output rows and each group g, im2col builds the
     * [rows, kh·kw·C/groups] column matrix, then {@code y[rows, g·K/groups..] = col · kernel[:, g·K/groups..]}
     * (sgemm/dgemm with leading dimension K). 1x1 stride-1 unpadded convolutions use x directly.
     * The column buffer never exceeds max({@link #convColumnBudget()}, one output row of columns).
     */
    @Override
    public void conv2dForward(Storage x, Storage kernel, Storage out, ConvGeometry g) {
        g.checkStorages("cpu.conv2dForward", x, kernel, out);
        HostStorage xs = host(x), ws = host(kernel), ys = host(out);
        DType dt = x.dtype();
        LAST_COLUMN_BYTES.set(0);
        if (g.batch() == 0) {
            return;
        }
        int cg = g.inCPerGroup(), kg = g.outCPerGroup(), K = g.outC();
        if (isPointwise(g)) {
            long rows = (long) g.batch() * g.inH() * g.inW();
            for (int grp = 0; grp < g.groups(); grp++) {
                gemm(dt, false, false, rows, kg, cg, xs, (long) grp * cg, g.inC(), ws, (long) grp * kg, K, 0.0, ys,
                        (long) grp * kg, K);
            }
            return;
        }
        long kcol = (long) g.kh() * g.kw() * cg, units = (long) g.batch() * g.outH(), per = unitsPerChunk(g, dt);
        long[] ga = g.toArray();
        Storage col = columnBuffer(g, dt, per);
        try {
            HostStorage cs = host(col);
            for (long u0 = 0; u0 < units; u0 += per) {
                long u1 = Math.min(units, u0 + per), rows = (u1 - u0) * g.outW();
                for (int grp = 0; grp < g.groups(); grp++) {
                    check("conv2dForward", CpuKernels.lamina_cpu_im2col(code(dt), xs.pointer(), cs.pointer(), ga, grp, u0,
                            u1), dt);
                    gemm(dt, false, false, rows, kg, kcol, cs, 0, kcol, ws, (long) grp * kg, K, 0.0, ys,
                            u0 * g.outW() * K + (long) grp * kg, K);
                }
            }
        } finally {
            col.release();
        }
    }

    /**
     * dx by gemm + col2im: per chunk and group, {@code dcol = dy[rows, g·K/groups..] · kernel_gᵀ}, then
     * col2im adds dcol into dx (a gather with a fixed summation order, so the result is deterministic).
     */
    @Override
    public void conv2dBackwardInput(Storage dy, Storage kernel, Storage dx, ConvGeometry g) {
        g.checkStorages("cpu.conv2dBackwardInput", dx, kernel, dy);
        HostStorage dys = host(dy), ws = host(kernel), dxs = host(dx);
        DType dt = dy.dtype();
        LAST_COLUMN_BYTES.set(0);
        if (g.batch() == 0) {
            return;
        }
        int cg = g.inCPerGroup(), kg = g.outCPerGroup(), K = g.outC();
        if (isPointwise(g)) {
            long rows = (long) g.batch() * g.inH() * g.inW();
            for (int grp = 0; grp < g.groups(); grp++) {
                gemm(dt, false, true, rows, cg, kg, dys, (long) grp * kg, K, ws, (long) grp * kg, K, 0.0, dxs,
                        (long) grp * cg, g.inC());
            }
            return;
        }
        fill(dx, 0.0);
        long kcol = (long) g.kh() * g.kw() * cg, units = (long) g.batch() * g.outH(), per = unitsPerChunk(g, dt);
        long[] ga = g.toArray();
        Storage col = columnBuffer(g, dt, per);
        try {
            HostStorage cs = host(col);
            for (long u0 = 0; u0 < units; u0 += per) {
                long u1 = Math.min(units, u0 + per), rows = (u1 - u0) * g.outW();
                for (int grp = 0; grp < g.groups(); grp++) {
                    gemm(dt, false, true, rows, kcol, kg, dys, u0 * g.outW() * K + (long) grp * kg, K, ws,
                            (long) grp * kg, K, 0.0, cs, 0, kcol);
                    check("conv2dBackwardInput", CpuKernels.lamina_cpu_col2im(code(dt), cs.pointer(), dxs.pointer(), ga,
                            grp, u0, u1), dt);
                }
            }
        } finally {
            col.release();
        }
    }

    /**
     * dkernel by gemm accumulated over chunks in order: per chunk and group,
     * {@code dkernel[:, g·K/groups..] (+)= colᵀ · dy[rows, g·K/groups..]} (the first chunk overwrites).
     */
    @Override
    public void conv2dBackwardFilter(Storage x, Storage dy, Storage dkernel, ConvGeometry g) {
        g.checkStorages("cpu.conv2dBackwardFilter", x, dkernel, dy);
        HostStorage xs = host(x), dys = host(dy), dws = host(dkernel);
        DType dt = x.dtype();
        LAST_COLUMN_BYTES.set(0);
        if (g.batch() == 0) {
            fill(dkernel, 0.0);
            return;
        }
        int cg = g.inCPerGroup(), kg = g.outCPerGroup(), K = g.outC();
        if (isPointwise(g)) {
            long rows = (long) g.batch() * g.inH() * g.inW();
            for (int grp = 0; grp < g.groups(); grp++) {
                gemm(dt, true, false, cg, kg, rows, xs, (long) grp * cg, g.inC(), dys, (long) grp * kg, K, 0.0, dws,
                        (long) grp * kg, K);
            }
            return;
        }
        long kcol = (long) g.kh() * g.kw() * cg, units = (long) g.batch() * g.outH(), per = unitsPerChunk(g, dt);
        long[] ga = g.toArray();
        Storage col = columnBuffer(g, dt, per);
        try {
            HostStorage cs = host(col);
            for (long u0 = 0; u0 < units; u0 += per) {
                long u1 = Math.min(units, u0 + per), rows = (u1 - u0) * g.outW();
                for (int grp = 0; grp < g.groups(); grp++) {
                    check("conv2dBackwardFilter", CpuKernels.lamina_cpu_im2col(code(dt), xs.pointer(), cs.pointer(), ga,
                            grp, u0, u1), dt);
                    gemm(dt, true, false, kcol, kg, rows, cs, 0, kcol, dys, u0 * g.outW() * K + (long) grp * kg, K,
                            u0 == 0 ? 0.0 : 1.0, dws, (long) grp * kg, K);
                }
            }
        } finally {
            col.release();
        }
    }

    @Override
    public void maxPool2dForward(Storage x, Storage out, PoolGeometry g) {
        g.checkStorages("cpu.maxPool2dForward", x, out);
        check("maxPool2dForward", CpuKernels.lamina_cpu_pool2d(0, code(x.dtype()), host(x).pointer(), null,
                host(out).pointer(), g.toArray()), x.dtype());
    }

    @Override
    public void maxPool2dBackward(Storage x, Storage dy, Storage dx, PoolGeometry g) {
        g.checkStorages("cpu.maxPool2dBackward", x, dy);
        g.checkStorages("cpu.maxPool2dBackward", dx, dy);
        check("maxPool2dBackward", CpuKernels.lamina_cpu_pool2d(1, code(x.dtype()), host(x).pointer(), host(dy).pointer(),
                host(dx).pointer(), g.toArray()), x.dtype());
    }

    @Override
    public void avgPool2dForward(Storage x, Storage out, PoolGeometry g) {
        g.checkStorages("cpu.avgPool2dForward", x, out);
        check("avgPool2dForward", CpuKernels.lamina_cpu_pool2d(2, code(x.dtype()), host(x).pointer(), null,
                host(out).pointer(), g.toArray()), x.dtype());
    }

    @Override
    public void avgPool2dBackward(Storage dy, Storage dx, PoolGeometry g) {
        g.checkStorages("cpu.avgPool2dBackward", dx, dy);
        check("avgPool2dBackward", CpuKernels.lamina_cpu_pool2d(3, code(dy.dtype()), null, host(dy).pointer(),
                host(dx).pointer(), g.toArray()), dy.dtype());
    }

    // ---- helpers -----------------------------------------------------------------------------

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
            if (s.numel() != Math.multiplyExact(batch, Math.multiplyExact(width, hidden))) {
                throw new IllegalArgumentException(what + ": " + name + " has " + s.numel() + " elements, expected ["
                        + batch + ", " + width * hidden + "]");
            }
        }
    }

    @Override
    public void lstmCellForward(Storage z, Storage cPrev, Storage h, Storage c, Storage gates, long batch, long hidden) {
        checkCell("lstmCellForward", batch, hidden, "z", z, 4L, "cPrev", cPrev, 1L, "h", h, 1L, "c", c, 1L,
                "gates", gates, 4L);
        check("lstmCellForward", CpuKernels.lamina_cpu_lstm_cell_forward(code(z.dtype()), host(z).pointer(),
                host(cPrev).pointer(), host(h).pointer(), host(c).pointer(), host(gates).pointer(), batch, hidden), z.dtype());
    }

    @Override
    public void lstmCellBackward(Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc, Storage dz,
                                 Storage dcPrev, long batch, long hidden) {
        checkCell("lstmCellBackward", batch, hidden, "gates", gates, 4L, "cPrev", cPrev, 1L, "c", c, 1L, "dh", dh, 1L,
                "dc", dc, 1L, "dz", dz, 4L, "dcPrev", dcPrev, 1L);
        check("lstmCellBackward", CpuKernels.lamina_cpu_lstm_cell_backward(code(gates.dtype()), host(gates).pointer(),
                host(cPrev).pointer(), host(c).pointer(), host(dh).pointer(), host(dc).pointer(), host(dz).pointer(),
                host(dcPrev).pointer(), batch, hidden), gates.dtype());
    }

    @Override
    public void gruCellForward(Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates, long batch, long hidden) {
        checkCell("gruCellForward", batch, hidden, "xz", xz, 3L, "hz", hz, 3L, "hPrev", hPrev, 1L, "h", h, 1L,
                "gates", gates, 3L);
        check("gruCellForward", CpuKernels.lamina_cpu_gru_cell_forward(code(xz.dtype()), host(xz).pointer(),
                host(hz).pointer(), host(hPrev).pointer(), host(h).pointer(), host(gates).pointer(), batch, hidden),
                xz.dtype());
    }

    @Override
    public void gruCellBackward(Storage gates, Storage hz, Storage hPrev, Storage dh, Storage dxz, Storage dhz,
                                Storage dhPrev, long batch, long hidden) {
        checkCell("gruCellBackward", batch, hidden, "gates", gates, 3L, "hz", hz, 3L, "hPrev", hPrev, 1L, "dh", dh, 1L,
                "dxz", dxz, 3L, "dhz", dhz, 3L, "dhPrev", dhPrev, 1L);
        check("gruCellBackward", CpuKernels.lamina_cpu_gru_cell_backward(code(gates.dtype()), host(gates).pointer(),
                host(hz).pointer(), host(hPrev).pointer(), host(dh).pointer(), host(dxz).pointer(), host(dhz).pointer(),
                host(dhPrev).pointer(), batch, hidden), gates.dtype());
    }
}
