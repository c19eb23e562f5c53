package dev.lamina.tensor;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.ReduceOp;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array of one {@link DType} on one {@link Backend}, stored contiguously in
 * row-major order off the Java heap.
 *
 * <p>Rank 0 is a scalar, rank 1 a vector, rank 2 a matrix, higher ranks n-tensors. Element-wise
 * ops broadcast as NumPy does; both operands must have the same dtype (as in TensorFlow) and live
 * on the same backend. Every op checks its arguments in Java and throws an
 * {@link IllegalArgumentException} naming the op and the shapes before any kernel runs.
 *
 * <p>Memory: a tensor is {@link AutoCloseable}. Tensors created inside a {@link Scope} are
 * closed with it; a closed tensor throws {@link IllegalStateException} when used. Reshapes and
 * {@link #view()}s share memory with their source (the memory is freed with the last of them).
 *
 * <p>Autograd: every differentiable op records its gradient rule on open
 * {@link GradientTape}s.
 */
public class Tensor implements AutoCloseable {
    private final Backend backend;
    private final Storage storage;
    private final DType dtype;
    private final long[] shape;
    private volatile boolean closed;

    private static final java.lang.invoke.VarHandle CLOSED;

    static {
        try {
            CLOSED = java.lang.invoke.MethodHandles.lookup().findVarHandle(Tensor.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Wraps a storage (taking over one reference). Registers with the current scope. The shape is
     * checked (rank at most {@link Shapes#MAX_RANK}, its element count the storage's); when it fails,
     * the reference is released and an IllegalArgumentException thrown.
     */
    protected Tensor(Storage storage, long[] shape, boolean scoped) {
        long n;
        try {
            n = Shapes.checkShape("tensor", shape);
        } catch (RuntimeException e) {
            storage.release();
            throw e;
        }
        if (n != storage.numel()) {
            storage.release();
            throw new IllegalArgumentException("tensor: shape " + Shapes.str(shape) + " has " + n
                    + " elements, its storage " + storage.numel());
        }
        this.backend = storage.backend();
        this.storage = storage;
        this.dtype = storage.dtype();
        this.shape = shape.clone();
        if (scoped) {
            Scope.register(this);
        }
    }

    // =========================================================================================
    // creation
    // =========================================================================================

    /** A new zero-filled tensor on {@code backend}. */
    public static Tensor zeros(Backend backend, DType dtype, long... shape) {
        return newOnBackend("zeros", backend, dtype, shape);
    }

    /** Zeros on the current backend. */
    public static Tensor zeros(DType dtype, long... shape) {
        return zeros(Backends.current(), dtype, shape);
    }

    /** Ones on the current backend. */
    public static Tensor ones(DType dtype, long... shape) {
        return full(dtype, 1.0, shape);
    }

    /** A tensor filled with {@code value} on the current backend. */
    public static Tensor full(DType dtype, double value, long... shape) {
        Tensor t = newOnBackend("full", Backends.current(), dtype, shape);
        if (value != 0.0) {
            t.fillOrClose(value);
        }
        return t;
    }

    /** Fills this new tensor, closing it when the fill fails. */
    private void fillOrClose(double value) {
        try {
            backend.fill(storage, value);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    public static Tensor zerosLike(Tensor t) {
        return zeros(t.backend, t.dtype, t.shape);
    }

    public static Tensor onesLike(Tensor t) {
        Tensor r = zerosLike(t);
        r.fillOrClose(1.0);
        return r;
    }

    /** A float32 scalar. */
    public static Tensor scalar(double value) {
        return scalar(value, DType.FLOAT32);
    }

    /** A scalar of the given dtype. */
    public static Tensor scalar(double value, DType dtype) {
        return full(dtype, value);
    }

    /**
     * A tensor from little-endian bytes of the given dtype and shape, on the current backend.
     * Reads {@code numel·dtype.size()} bytes from the buffer's position.
     */
    public static Tensor fromBuffer(DType dtype, long[] shape, ByteBuffer littleEndianData) {
        long n = Shapes.checkShape("fromBuffer", shape);
        if (littleEndianData.remaining() / dtype.size() < n) {
            throw new IllegalArgumentException("fromBuffer: shape " + Shapes.str(shape) + " of " + dtype
                    + " needs " + Shapes.multiplyExact("fromBuffer", "byte count", n, dtype.size())
                    + " bytes, buffer has " + littleEndianData.remaining());
        }
        Tensor t = uninitialized("fromBuffer", Backends.current(), dtype, shape);
        return t.runOrClose(() -> t.backend.upload(littleEndianData.duplicate().order(ByteOrder.LITTLE_ENDIAN), t.storage));
    }

    /** float32 data with a shape; no shape means a vector. */
    public static Tensor of(float[] data, long... shape) {
        long[] s = shapeFor("of(float[])", data.length, shape);
        ByteBuffer b = buffer(data.length * 4L);
        b.asFloatBuffer().put(data);
        return fromBuffer(DType.FLOAT32, s, b);
    }

    /** float64 data with a shape; no shape means a vector. */
    public static Tensor of(double[] data, long... shape) {
        long[] s = shapeFor("of(double[])", data.length, shape);
        ByteBuffer b = buffer(data.length * 8L);
        b.asDoubleBuffer().put(data);
        return fromBuffer(DType.FLOAT64, s, b);
    }

    /** int32 data with a shape; no shape means a vector. */
    public static Tensor of(int[] data, long... shape) {
        long[] s = shapeFor("of(int[])", data.length, shape);
        ByteBuffer b = buffer(data.length * 4L);
        b.asIntBuffer().put(data);
        return fromBuffer(DType.INT32, s, b);
    }

    /** int64 data with a shape; no shape means a vector. */
    public static Tensor of(long[] data, long... shape) {
        long[] s = shapeFor("of(long[])", data.length, shape);
        ByteBuffer b = buffer(data.length * 8L);
        b.asLongBuffer().put(data);
        return fromBuffer(DType.INT64, s, b);
    }

    /** bool data with a shape; no shape means a vector. */
    public static Tensor of(boolean[] data, long... shape) {
        long[] s = shapeFor("of(boolean[])", data.length, shape);
        ByteBuffer b = buffer(data.length);
        for (boolean v : data) {
            b.put((byte) (v ? 1 : 0));
        }
        b.flip();
        return fromBuffer(DType.BOOL, s, b);
    }

    /** A float32 matrix from rows of equal length. */
    public static Tensor of(float[][] rows) {
        return ofNested(rows);
    }

    /** A float64 matrix from rows of equal length. */
    public static Tensor of(double[][] rows) {
        return ofNested(rows);
    }

    /** An int32 matrix from rows of equal length. */
    public static Tensor of(int[][] rows) {
        return ofNested(rows);
    }

    /** A float32 rank-3 tensor. */
    public static Tensor of(float[][][] data) {
        return ofNested(data);
    }

    /**
     * A tensor from a nested Java array of any depth (float, double, int, long or boolean at the
     * bottom); the nesting must be rectangular.
     */
    public static Tensor ofNested(Object nested) {
        if (nested == null || !nested.getClass().isArray()) {
            throw new IllegalArgumentException("ofNested: expected a Java array, got " + nested);
        }
        List<Long> dims = new java.util.ArrayList<>();
        Object cur = nested;
        while (cur != null && cur.getClass().isArray()) {
            int len = Array.getLength(cur);
            dims.add((long) len);
            if (cur.getClass().getComponentType().isPrimitive() || len == 0) {
                break;
            }
            cur = Array.get(cur, 0);
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        Class<?> leaf = nested.getClass();
        while (leaf.isArray()) {
            leaf = leaf.getComponentType();
        }
        int n = Shapes.checkedNumel("ofNested", shape);
        double[] flat = new double[n];
        long[] flatLong = leaf == long.class ? new long[n] : null;
        int[] pos = {0};
        flatten(nested, 0, shape, flat, flatLong, pos);
        if (leaf == float.class) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = (float) flat[i];
            }
            return of(f, shape);
        } else if (leaf == double.class) {
            return of(flat, shape);
        } else if (leaf == int.class) {
            int[] v = new int[n];
            for (int i = 0; i < n; i++) {
                v[i] = (int) flat[i];
            }
            return of(v, shape);
        } else if (leaf == long.class) {
            return of(flatLong, shape);
        } else if (leaf == boolean.class) {
            boolean[] v = new boolean[n];
            for (int i = 0; i < n; i++) {
                v[i] = flat[i] != 0;
            }
            return of(v, shape);
        }
        throw new IllegalArgumentException("ofNested: unsupported element type " + leaf);
    }

    private static void flatten(Object a, int depth, long[] shape, double[] out, long[] outLong, int[] pos) {
        int len = Array.getLength(a);
        if (len != shape[depth]) {
            throw new IllegalArgumentException("ofNested: ragged array: dimension " + depth + " has length " + len
                    + " where " + shape[depth] + " was expected");
        }
        if (depth == shape.length - 1) {
            for (int i = 0; i < len; i++) {
                Object v = Array.get(a, i);
                if (v instanceof Boolean bv) {
                    out[pos[0]++] = bv ? 1 : 0;
                } else if (outLong != null) {
                    outLong[pos[0]++] = ((Number) v).longValue();
                } else {
                    out[pos[0]++] = ((Number) v).doubleValue();
                }
            }
        } else {
            for (int i = 0; i < len; i++) {
                Object sub = Array.get(a, i);
                if (sub == null || !sub.getClass().isArray()) {
                    throw new IllegalArgumentException("ofNested: ragged array at dimension " + (depth + 1));
                }
                flatten(sub, depth + 1, shape, out, outLong, pos);
            }
        }
    }

    /** 0, 1, ..., n-1 as int32 (as {@code tf.range(n)}). */
    public static Tensor arange(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("arange: negative length " + n);
        }
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return of(v);
    }

    /** start, start+step, ... while below stop (above, for a negative step), as {@code dtype}. */
    public static Tensor arange(double start, double stop, double step, DType dtype) {
        if (step == 0 || Double.isNaN(step)) {
            throw new IllegalArgumentException("arange: step must be non-zero, got " + step);
        }
        long n = Math.max(0, (long) Math.ceil((stop - start) / step));
        double[] v = new double[Shapes.checkedNumel("arange", new long[] {n})];
        for (int i = 0; i < v.length; i++) {
            v[i] = start + i * step;
        }
        return of(v).castAndClose(dtype);
    }

    /** {@code num} evenly spaced float32 values from start to stop inclusive. */
    public static Tensor linspace(double start, double stop, int num) {
        if (num < 0) {
            throw new IllegalArgumentException("linspace: negative count " + num);
        }
        double[] v = new double[num];
        for (int i = 0; i < num; i++) {
            v[i] = num == 1 ? start : start + (stop - start) * i / (num - 1);
        }
        return of(v).castAndClose(DType.FLOAT32);
    }

    /** The n×n float32 identity. */
    public static Tensor eye(int n) {
        return eye(n, DType.FLOAT32);
    }

    /** The n×n identity of a dtype. */
    public static Tensor eye(int n, DType dtype) {
        double[] v = new double[Shapes.checkedNumel("eye", new long[] {n, n})];
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1;
        }
        return of(v, n, n).castAndClose(dtype);
    }

    private static long[] shapeFor(String op, int length, long[] shape) {
        long[] s = shape.length == 0 ? new long[] {length} : shape.clone();
        if (Shapes.checkShape(op, s) != length) {
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape " + Shapes.str(s));
        }
        return s;
    }

    private static ByteBuffer buffer(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor of " + bytes + " bytes is too large for a Java buffer");
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    // =========================================================================================
    // properties and data access
    // =========================================================================================

    public final long[] shape() {
        return shape.clone();
    }

    /** Size of one dimension (negative counts from the end). */
    public final long dim(int axis) {
        return shape[Shapes.axis("dim", axis, shape.length)];
    }

    public final int rank() {
        return shape.length;
    }

    public final DType dtype() {
        return dtype;
    }

    public final long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public final Backend backend() {
        return backend;
    }

    /** The underlying storage (for backends and layers that call kernels directly). */
    public final Storage storage() {
        checkOpen("storage");
        return storage;
    }

    public final boolean isClosed() {
        return closed;
    }

    /**
     * Releases this tensor's hold on its memory; idempotent and safe from any thread. When a kernel on
     * another thread is still reading the memory, it is freed as that kernel returns.
     */
    @Override
    public void close() {
        // one release per tensor even when several threads close it at once
        if (!closed && CLOSED.compareAndSet(this, false, true)) {
            storage.release();
        }
    }

    final void checkOpen(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": tensor " + Shapes.str(shape) + " " + dtype + " used after close");
        }
    }

    /** The raw little-endian bytes. */
    public final ByteBuffer toBuffer() {
        checkOpen("toBuffer");
        ByteBuffer b = buffer(numel() * dtype.size());
        backend.download(storage, b);
        return b;
    }

    public final float[] toFloatArray() {
        Tensor t = dtype == DType.FLOAT32 ? this : castNoGrad(DType.FLOAT32);
        float[] out = new float[Shapes.checkedNumel("toFloatArray", shape)];
        t.toBuffer().asFloatBuffer().get(out);
        if (t != this) {
            t.close();
        }
        return out;
    }

    public final double[] toDoubleArray() {
        Tensor t = dtype == DType.FLOAT64 ? this : castNoGrad(DType.FLOAT64);
        double[] out = new double[Shapes.checkedNumel("toDoubleArray", shape)];
        t.toBuffer().asDoubleBuffer().get(out);
        if (t != this) {
            t.close();
        }
        return out;
    }

    public final int[] toIntArray() {
        Tensor t = dtype == DType.INT32 ? this : castNoGrad(DType.INT32);
        int[] out = new int[Shapes.checkedNumel("toIntArray", shape)];
        t.toBuffer().asIntBuffer().get(out);
        if (t != this) {
            t.close();
        }
        return out;
    }

    public final long[] toLongArray() {
        Tensor t = dtype == DType.INT64 ? this : castNoGrad(DType.INT64);
        long[] out = new long[Shapes.checkedNumel("toLongArray", shape)];
        t.toBuffer().asLongBuffer().get(out);
        if (t != this) {
            t.close();
        }
        return out;
    }

    public final boolean[] toBooleanArray() {
        Tensor t = dtype == DType.BOOL ? this : castNoGrad(DType.BOOL);
        ByteBuffer b = t.toBuffer();
        boolean[] out = new boolean[Shapes.checkedNumel("toBooleanArray", shape)];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i) != 0;
        }
        if (t != this) {
            t.close();
        }
        return out;
    }

    /** The single value of a one-element tensor, as a double. */
    public final double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: tensor of shape " + Shapes.str(shape) + " has " + numel() + " elements, not 1");
        }
        return toDoubleArray()[0];
    }

    /** A copy of this tensor on another backend (not differentiable across backends). */
    public final Tensor to(Backend target) {
        checkOpen("to");
        ByteBuffer data = toBuffer();
        Tensor t = uninitialized("to", target, dtype, shape);
        return t.runOrClose(() -> target.upload(data, t.storage));
    }

    /** Values printed as TensorFlow prints a small tensor. */
    @Override
    public String toString() {
        if (closed) {
            return "Tensor(<closed>, shape=" + Shapes.str(shape) + ", dtype=" + dtype + ")";
        }
        return TensorFormat.format(this);
    }

    // =========================================================================================
    // internals shared by the ops
    // =========================================================================================

    private static Tensor newOnBackend(Backend b, DType dtype, long[] shape) {
        return newOnBackend("tensor", b, dtype, shape);
    }

    /** A new zero-filled tensor; the shape is checked first (IllegalArgumentException naming op). */
    private static Tensor newOnBackend(String op, Backend b, DType dtype, long[] shape) {
        long n = Shapes.checkShape(op, shape);
        return new Tensor(b.allocate(dtype, n), shape, true);
    }

    /**
     * A new tensor with unspecified contents ({@link Backend#allocateUninitialized}), for op outputs
     * whose backend call overwrites every element before anything reads it. For op implementations
     * (the {@code dev.lamina.ops} package); user code wants {@link #zeros(Backend, DType, long...)}.
     *
     * @param b the backend that holds the memory
     * @param dtype the element type
     * @param shape the shape (checked: IllegalArgumentException when invalid)
     * @return the new tensor, registered with the current scope
     */
    public static Tensor uninitialized(Backend b, DType dtype, long... shape) {
        return uninitialized("tensor", b, dtype, shape);
    }

    /** As {@link #uninitialized(Backend, DType, long...)}, naming the op in a shape error. */
    static Tensor uninitialized(String op, Backend b, DType dtype, long[] shape) {
        long n = Shapes.checkShape(op, shape);
        return new Tensor(b.allocateUninitialized(dtype, n), shape, true);
    }

    /**
     * Runs the kernel that fills this new output; when it throws, this tensor is closed (its memory
     * freed at once, not left to a scope or the garbage collector) and the exception rethrown.
     */
    final Tensor runOrClose(Runnable kernel) {
        try {
            kernel.run();
            return this;
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Checks that tensors are open and share a backend; the message names the op. For op
     * implementations (the {@code dev.lamina.ops} package).
     *
     * @param op the op's name, for the message
     * @param ts the tensors to check
     * @throws IllegalStateException when one is closed
     * @throws IllegalArgumentException when they live on different backends
     */
    public static void check(String op, Tensor... ts) {
        Backend b = null;
        for (Tensor t : ts) {
            t.checkOpen(op);
            if (b == null) {
                b = t.backend;
            } else if (t.backend != b) {
                throw new IllegalArgumentException(op + ": tensors on different backends (" + b.name() + " and "
                        + t.backend.name() + "); move one with to(backend)");
            }
        }
    }

    private static void sameDtype(String op, Tensor a, Tensor b) {
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + a.dtype + " " + Shapes.str(a.shape)
                    + " and " + b.dtype + " " + Shapes.str(b.shape) + "; cast one first");
        }
    }

    private void requireFloat(String op) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException(op + ": needs a float32 or float64 tensor, got " + dtype + " "
                    + Shapes.str(shape));
        }
    }

    private static boolean recording() {
        return GradientTape.isRecording();
    }

    /**
     * A new tensor object sharing this one's memory (same shape): the identity op, recorded on
     * open tapes (its gradient passes through unchanged).
     */
    public final Tensor view() {
        Tensor y = alias();
        if (recording()) {
            GradientTape.record("view", y, g -> new Tensor[] {g.alias()}, this);
        }
        return y;
    }

    /** A new tensor object sharing this one's memory, never recorded (for gradient rules and internals). */
    final Tensor alias() {
        checkOpen("view");
        storage.retain();
        return new Tensor(storage, shape, true);
    }

    /** A scalar of this tensor's dtype on its backend. */
    private Tensor scalarLike(double v) {
        return scalarOf(backend, dtype, v);
    }

    private static Tensor scalarOf(Backend backend, DType dtype, double v) {
        Tensor t = newOnBackend(backend, dtype, new long[0]);
        if (v != 0) {
            t.fillOrClose(v);
        }
        return t;
    }

    /** Casts, closing this tensor when a new one was made (used by creation helpers). */
    Tensor castAndClose(DType target) {
        if (target == dtype) {
            return this;
        }
        Tensor r = castNoGrad(target);
        close();
        return r;
    }

    private Tensor castNoGrad(DType target) {
        checkOpen("cast");
        Tensor r = uninitialized("cast", backend, target, shape);
        return r.runOrClose(() -> backend.cast(storage, r.storage));
    }

    // =========================================================================================
    // element-wise ops
    // =========================================================================================

    private static Tensor binaryRaw(String op, BinaryOp kind, Tensor a, Tensor b) {
        check(op, a, b);
        sameDtype(op, a, b);
        if (a.dtype == DType.BOOL && !(kind == BinaryOp.EQ || kind == BinaryOp.NE || kind == BinaryOp.MUL
                || kind == BinaryOp.MAXIMUM || kind == BinaryOp.MINIMUM || kind == BinaryOp.ADD)) {
            throw new IllegalArgumentException(op + ": not defined for bool tensors");
        }
        long[] out = Shapes.broadcast(op, a.shape, b.shape);
        long[] as = Shapes.broadcastStrides(a.shape, out);
        long[] bs = Shapes.broadcastStrides(b.shape, out);
        Tensor r = uninitialized(op, a.backend, kind.isComparison() ? DType.BOOL : a.dtype, out);
        return r.runOrClose(() -> a.backend.binary(kind, a.storage, as, b.storage, bs, r.storage, out));
    }

    /** this + other, broadcasting. */
    public final Tensor add(Tensor other) {
        Tensor y = binaryRaw("add", BinaryOp.ADD, this, other);
        if (recording()) {
            long[] sa = shape;
            long[] sb = other.shape;
            GradientTape.record("add", y, g -> new Tensor[] {g.sumTo(sa), g.sumTo(sb)}, this, other);
        }
        return y;
    }

    /** this - other, broadcasting. */
    public final Tensor sub(Tensor other) {
        Tensor y = binaryRaw("sub", BinaryOp.SUB, this, other);
        if (recording()) {
            long[] sa = shape;
            long[] sb = other.shape;
            GradientTape.record("sub", y, g -> {
                Tensor ng = g.neg();
                Tensor gb = ng.sumTo(sb);
                ng.close();
                return new Tensor[] {g.sumTo(sa), gb};
            }, this, other);
        }
        return y;
    }

    /** this * other (element-wise), broadcasting. */
    public final Tensor mul(Tensor other) {
        Tensor y = binaryRaw("mul", BinaryOp.MUL, this, other);
        if (recording()) {
            Tensor a = this;
            GradientTape.record("mul", y, g -> new Tensor[] {
                    productSumTo(g, other, a.shape), productSumTo(g, a, other.shape)}, this, other);
        }
        return y;
    }

    /** this / other (element-wise), broadcasting. Integer division truncates toward zero; x / 0 is 0 (every backend). */
    public final Tensor div(Tensor other) {
        Tensor y = binaryRaw("div", BinaryOp.DIV, this, other);
        if (recording()) {
            Tensor a = this;
            GradientTape.record("div", y, g -> {
                Tensor ga = binaryRaw("div", BinaryOp.DIV, g, other);
                Tensor gaR = ga.sumTo(a.shape);
                ga.close();
                // d(a/b)/db = -y / b
                Tensor t = binaryRaw("div", BinaryOp.DIV, y, other);
                Tensor t2 = binaryRaw("mul", BinaryOp.MUL, t, g);
                t.close();
                Tensor t3 = t2.neg();
                t2.close();
                Tensor gb = t3.sumTo(other.shape);
                t3.close();
                return new Tensor[] {gaR, gb};
            }, this, other);
        }
        return y;
    }

    /** this ^ other (element-wise), broadcasting. */
    public final Tensor pow(Tensor other) {
        Tensor y = binaryRaw("pow", BinaryOp.POW, this, other);
        if (recording()) {
            Tensor a = this;
            GradientTape.record("pow", y, g -> {
                // da = g * b * a^(b-1) = g * b * y / a where a != 0; computed directly to stay exact at a == 0
                Tensor one = other.scalarLike(1);
                Tensor bm1 = binaryRaw("sub", BinaryOp.SUB, other, one);
                Tensor p = binaryRaw("pow", BinaryOp.POW, a, bm1);
                Tensor q = binaryRaw("mul", BinaryOp.MUL, p, other);
                Tensor ga = productSumTo(g, q, a.shape);
                // db = g * y * log(a), taken as 0 where a <= 0
                Tensor zero = a.scalarLike(0);
                Tensor mask = binaryRaw("gt", BinaryOp.GT, a, zero).castNoGrad(a.dtype);
                Tensor safeA = binaryRaw("maximum", BinaryOp.MAXIMUM, a, a.scalarLike(Double.MIN_NORMAL));
                Tensor la = safeA.unaryRaw("log", UnaryOp.LOG);
                Tensor lm = binaryRaw("mul", BinaryOp.MUL, la, mask);
                Tensor yl = binaryRaw("mul", BinaryOp.MUL, y, lm);
                Tensor gb = productSumTo(g, yl, other.shape);
                closeAll(one, bm1, p, q, zero, mask, safeA, la, lm, yl);
                return new Tensor[] {ga, gb};
            }, this, other);
        }
        return y;
    }

    /** Element-wise maximum, broadcasting; ties send the gradient to this tensor. */
    public final Tensor maximum(Tensor other) {
        Tensor y = binaryRaw("maximum", BinaryOp.MAXIMUM, this, other);
        if (recording()) {
            Tensor a = this;
            GradientTape.record("maximum", y, g -> selectGrad(g, a, other, BinaryOp.GE), this, other);
        }
        return y;
    }

    /** Element-wise minimum, broadcasting; ties send the gradient to this tensor. */
    public final Tensor minimum(Tensor other) {
        Tensor y = binaryRaw("minimum", BinaryOp.MINIMUM, this, other);
        if (recording()) {
            Tensor a = this;
            GradientTape.record("minimum", y, g -> selectGrad(g, a, other, BinaryOp.LE), this, other);
        }
        return y;
    }

    private static Tensor[] selectGrad(Tensor g, Tensor a, Tensor b, BinaryOp pick) {
        Tensor m = binaryRaw("select", pick, a, b);
        Tensor ma = m.castNoGrad(g.dtype);
        Tensor one = g.scalarLike(1);
        Tensor mb = binaryRaw("sub", BinaryOp.SUB, one, ma);
        Tensor ga = productSumTo(g, ma, a.shape);
        Tensor gb = productSumTo(g, mb, b.shape);
        closeAll(m, ma, one, mb);
        return new Tensor[] {ga, gb};
    }

    /** sum-to-shape of g * x. */
    private static Tensor productSumTo(Tensor g, Tensor x, long[] target) {
        Tensor p = binaryRaw("mul", BinaryOp.MUL, g, x);
        Tensor r = p.sumTo(target);
        p.close();
        return r;
    }

    // ---- scalar operands ------------------------------------------------------------------
    //
    // A Java scalar is "weakly typed", as a Python scalar in JAX (and Keras 3): it takes the tensor's
    // dtype when it can do so without losing its value's kind, and promotes the tensor otherwise.
    //  - double with a float tensor: the tensor's dtype.
    //  - double with an int or bool tensor: arithmetic promotes the tensor to float32, as JAX does for
    //    any Python float (so int [1, 2, 3] · 0.5 is float32 [0.5, 1, 1.5], and add(2.0) is float32
    //    too); comparisons stay exact: an integral value in the dtype's range compares in the integer
    //    dtype, any other value in float64 (exact for int32).
    //  - long with a float tensor: the tensor's dtype; with an int tensor: that dtype (integer
    //    arithmetic: div truncates), IllegalArgumentException when the value does not fit it; with a
    //    bool tensor: int32, as JAX's weak int.

    /** this + v (a weakly typed scalar: an int or bool tensor becomes float32, see above). */
    public final Tensor add(double v) {
        return withScalar("add", v, false, Tensor::add);
    }

    /** this − v (a weakly typed scalar). */
    public final Tensor sub(double v) {
        return withScalar("sub", v, false, Tensor::sub);
    }

    /** this · v (a weakly typed scalar). */
    public final Tensor mul(double v) {
        return withScalar("mul", v, false, Tensor::mul);
    }

    /** this / v (a weakly typed scalar: int tensors divide as float32). */
    public final Tensor div(double v) {
        return withScalar("div", v, false, Tensor::div);
    }

    /** this ^ v (a weakly typed scalar). */
    public final Tensor pow(double v) {
        return withScalar("pow", v, false, Tensor::pow);
    }

    /** max(this, v) (a weakly typed scalar). */
    public final Tensor maximum(double v) {
        return withScalar("maximum", v, false, Tensor::maximum);
    }

    /** min(this, v) (a weakly typed scalar). */
    public final Tensor minimum(double v) {
        return withScalar("minimum", v, false, Tensor::minimum);
    }

    /** this + v: an integer scalar keeps an int tensor's dtype (IllegalArgumentException if v does not fit it). */
    public final Tensor add(long v) {
        return withLong("add", v, Tensor::add);
    }

    /** this − v, an integer scalar (see {@link #add(long)}). */
    public final Tensor sub(long v) {
        return withLong("sub", v, Tensor::sub);
    }

    /** this · v, an integer scalar (see {@link #add(long)}). */
    public final Tensor mul(long v) {
        return withLong("mul", v, Tensor::mul);
    }

    /** this / v, an integer scalar: int tensors divide truncating toward zero, x / 0 is 0. */
    public final Tensor div(long v) {
        return withLong("div", v, Tensor::div);
    }

    /** this ^ v, an integer scalar (see {@link #add(long)}). */
    public final Tensor pow(long v) {
        return withLong("pow", v, Tensor::pow);
    }

    /** max(this, v), an integer scalar (see {@link #add(long)}). */
    public final Tensor maximum(long v) {
        return withLong("maximum", v, Tensor::maximum);
    }

    /** min(this, v), an integer scalar (see {@link #add(long)}). */
    public final Tensor minimum(long v) {
        return withLong("minimum", v, Tensor::minimum);
    }

    /** Applies a binary op to this and a double scalar under the weak-type rule above. */
    private Tensor withScalar(String op, double v, boolean comparison, java.util.function.BinaryOperator<Tensor> f) {
        checkOpen(op);
        if (dtype.isFloating()) {
            return applyScalar(this, scalarLike(v), f);
        }
        if (comparison) {
            if (fitsExactly(v, dtype)) {
                return applyScalar(this, scalarExact(backend, dtype, (long) v), f);
            }
            return promoted(DType.FLOAT64, v, f);
        }
        return promoted(DType.FLOAT32, v, f);
    }

    /** f(this cast to {@code target}, v as {@code target}), closing the temporaries. */
    private Tensor promoted(DType target, double v, java.util.function.BinaryOperator<Tensor> f) {
        Tensor x = castNoGrad(target);   // int and bool tensors carry no gradient
        try {
            return applyScalar(x, scalarOf(backend, target, v), f);
        } finally {
            x.close();
        }
    }

    private Tensor withLong(String op, long v, java.util.function.BinaryOperator<Tensor> f) {
        checkOpen(op);
        if (dtype.isFloating()) {
            return applyScalar(this, scalarLike((double) v), f);
        }
        DType target = dtype == DType.BOOL ? DType.INT32 : dtype;
        if (target == DType.INT32 && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
            throw new IllegalArgumentException(op + ": scalar " + v + " does not fit an int32 tensor "
                    + Shapes.str(shape) + "; cast the tensor to int64 or float first");
        }
        if (target == dtype) {
            return applyScalar(this, scalarExact(backend, target, v), f);
        }
        Tensor x = castNoGrad(target);
        try {
            return applyScalar(x, scalarExact(backend, target, v), f);
        } finally {
            x.close();
        }
    }

    /** f(x, s); s is closed unless a tape recorded the op (then its rule may read s; its scope frees it). */
    private static Tensor applyScalar(Tensor x, Tensor s, java.util.function.BinaryOperator<Tensor> f) {
        boolean keep = false;
        try {
            Tensor r = f.apply(x, s);
            keep = recording();
            return r;
        } finally {
            if (!keep) {
                s.close();
            }
        }
    }

    /** True when v is an integer value inside the range of the integer (or bool: 0, 1) dtype. */
    private static boolean fitsExactly(double v, DType dt) {
        if (v != Math.rint(v) || Double.isInfinite(v)) {
            return false;
        }
        switch (dt) {
            case INT32: return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            case INT64: return v >= -0x1p63 && v < 0x1p63;
            case BOOL: return v == 0 || v == 1;
            default: return false;
        }
    }

    /** A scalar of an integer or bool dtype holding exactly v (uploaded, so int64 keeps all 64 bits). */
    private static Tensor scalarExact(Backend backend, DType dt, long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        switch (dt) {
            case INT32: b.putInt((int) v); break;
            case INT64: b.putLong(v); break;
            case BOOL: b.put((byte) (v != 0 ? 1 : 0)); break;
            default: return scalarOf(backend, dt, v);
        }
        b.flip();
        Tensor t = uninitialized("scalar", backend, dt, new long[0]);
        return t.runOrClose(() -> backend.upload(b, t.storage));
    }

    /** Values limited to [lo, hi]; the gradient passes where lo ≤ x ≤ hi. */
    public final Tensor clip(double lo, double hi) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("clip: need lo <= hi, got [" + lo + ", " + hi + "]");
        }
        Tensor a = maximum(lo);
        Tensor r;
        try {
            r = a.minimum(hi);
        } catch (RuntimeException | Error e) {
            a.close();
            throw e;
        }
        if (!recording()) {
            a.close(); // a recorded rule still needs it; then its scope frees it
        }
        return r;
    }

    // comparisons (bool results, no gradient)
    public final Tensor eq(Tensor o) {
        return binaryRaw("eq", BinaryOp.EQ, this, o);
    }

    public final Tensor ne(Tensor o) {
        return binaryRaw("ne", BinaryOp.NE, this, o);
    }

    public final Tensor lt(Tensor o) {
        return binaryRaw("lt", BinaryOp.LT, this, o);
    }

    public final Tensor le(Tensor o) {
        return binaryRaw("le", BinaryOp.LE, this, o);
    }

    public final Tensor gt(Tensor o) {
        return binaryRaw("gt", BinaryOp.GT, this, o);
    }

    public final Tensor ge(Tensor o) {
        return binaryRaw("ge", BinaryOp.GE, this, o);
    }

    public final Tensor eq(double v) {
        return withScalar("eq", v, true, Tensor::eq);
    }

    public final Tensor lt(double v) {
        return withScalar("lt", v, true, Tensor::lt);
    }

    public final Tensor gt(double v) {
        return withScalar("gt", v, true, Tensor::gt);
    }

    public final Tensor le(double v) {
        return withScalar("le", v, true, Tensor::le);
    }

    public final Tensor ge(double v) {
        return withScalar("ge", v, true, Tensor::ge);
    }

    private Tensor unaryRaw(String op, UnaryOp kind) {
        checkOpen(op);
        if (dtype == DType.BOOL || (!dtype.isFloating() && !kind.supportsIntegers())) {
            throw new IllegalArgumentException(op + ": not defined for " + dtype + " tensors (shape "
                    + Shapes.str(shape) + ")");
        }
        Tensor r = uninitialized(op, backend, dtype, shape);
        return r.runOrClose(() -> backend.unary(kind, storage, r.storage));
    }

    /** The shared shape of unary ops with gradient g·f'(x, y). */
    private Tensor unary(String op, UnaryOp kind, UnaryGrad grad) {
        Tensor y = unaryRaw(op, kind);
        if (grad != null && recording() && dtype.isFloating()) {
            Tensor x = this;
            GradientTape.record(op, y, g -> new Tensor[] {grad.apply(g, x, y)}, this);
        }
        return y;
    }

    @FunctionalInterface
    private interface UnaryGrad {
        Tensor apply(Tensor g, Tensor x, Tensor y);
    }

    public final Tensor neg() {
        return unary("neg", UnaryOp.NEG, (g, x, y) -> g.unaryRaw("neg", UnaryOp.NEG));
    }

    public final Tensor abs() {
        return unary("abs", UnaryOp.ABS, (g, x, y) -> mulClose(g, x.unaryRaw("sign", UnaryOp.SIGN)));
    }

    /** sign(x) in {-1, 0, 1}; zero gradient. */
    public final Tensor sign() {
        return unaryRaw("sign", UnaryOp.SIGN);
    }

    public final Tensor exp() {
        return unary("exp", UnaryOp.EXP, (g, x, y) -> binaryRaw("mul", BinaryOp.MUL, g, y));
    }

    /** Natural logarithm. */
    public final Tensor log() {
        return unary("log", UnaryOp.LOG, (g, x, y) -> binaryRaw("div", BinaryOp.DIV, g, x));
    }

    /** ln(1 + x). */
    public final Tensor log1p() {
        return unary("log1p", UnaryOp.LOG1P, (g, x, y) -> {
            Tensor xp1 = binaryRaw("add", BinaryOp.ADD, x, x.scalarLike(1));
            Tensor r = binaryRaw("div", BinaryOp.DIV, g, xp1);
            xp1.close();
            return r;
        });
    }

    public final Tensor sqrt() {
        return unary("sqrt", UnaryOp.SQRT, (g, x, y) -> {
            Tensor t = binaryRaw("div", BinaryOp.DIV, g, y);
            return mulClose(t, t.scalarLike(0.5));
        });
    }

    public final Tensor square() {
        return unary("square", UnaryOp.SQUARE, (g, x, y) -> {
            Tensor t = binaryRaw("mul", BinaryOp.MUL, g, x);
            return mulClose(t, t.scalarLike(2));
        });
    }

    /** 1 / x. */
    public final Tensor reciprocal() {
        return unary("reciprocal", UnaryOp.RECIPROCAL, (g, x, y) -> {
            Tensor y2 = y.unaryRaw("square", UnaryOp.SQUARE);
            Tensor t = mulClose(y2, g);
            return negClose(t);
        });
    }

    public final Tensor tanh() {
        return unary("tanh", UnaryOp.TANH, (g, x, y) -> {
            Tensor y2 = y.unaryRaw("square", UnaryOp.SQUARE);
            Tensor d = binaryRaw("sub", BinaryOp.SUB, y.scalarLike(1), y2);
            y2.close();
            return mulClose(d, g);
        });
    }

    /** 1 / (1 + e^-x). */
    public final Tensor sigmoid() {
        return unary("sigmoid", UnaryOp.SIGMOID, (g, x, y) -> {
            Tensor omy = binaryRaw("sub", BinaryOp.SUB, y.scalarLike(1), y);
            Tensor d = mulClose(omy, y);
            return mulClose(d, g);
        });
    }

    /** max(x, 0); the gradient at 0 is 0, as in TensorFlow. */
    public final Tensor relu() {
        return unary("relu", UnaryOp.RELU, (g, x, y) -> mulClose(x.unaryRaw("step", UnaryOp.STEP), g));
    }

    /** a ⊙ b, closing a (b stays). */
    private static Tensor mulClose(Tensor a, Tensor b) {
        Tensor r = binaryRaw("mul", BinaryOp.MUL, a, b);
        a.close();
        return r;
    }

    private static Tensor negClose(Tensor a) {
        Tensor r = a.unaryRaw("neg", UnaryOp.NEG);
        a.close();
        return r;
    }

    private static void closeAll(Tensor... ts) {
        for (Tensor t : ts) {
            t.close();
        }
    }

    /** Converts to another dtype; float-to-float casts pass gradients through. */
    public final Tensor cast(DType target) {
        if (target == dtype) {
            Tensor v = alias();
            if (recording()) {
                GradientTape.record("cast", v, g -> new Tensor[] {g.alias()}, this);
            }
            return v;
        }
        Tensor y = castNoGrad(target);
        if (recording() && dtype.isFloating() && target.isFloating()) {
            DType src = dtype;
            GradientTape.record("cast", y, g -> new Tensor[] {g.castNoGrad(src)}, this);
        }
        return y;
    }

    // =========================================================================================
    // reductions
    // =========================================================================================

    private long[] keptShape(int[] axes) {
        long[] s = shape.clone();
        for (int a : axes) {
            s[a] = 1;
        }
        return s;
    }

    private long[] droppedShape(int[] axes) {
        long[] s = new long[shape.length - axes.length];
        int j = 0;
        int k = 0;
        for (int i = 0; i < shape.length; i++) {
            if (k < axes.length && axes[k] == i) {
                k++;
            } else {
                s[j++] = shape[i];
            }
        }
        return s;
    }

    /** Reduction without gradient: one kernel call per contiguous run of axes. Result has kept shape. */
    private Tensor reduceRaw(String op, ReduceOp kind, int[] axes) {
        checkOpen(op);
        if (dtype == DType.BOOL) {
            throw new IllegalArgumentException(op + ": not defined for bool tensors; cast first");
        }
        Tensor cur = this;
        long[] curShape = shape.clone();
        // reduce runs of consecutive axes, last run first, so earlier axis numbers stay valid
        int end = axes.length - 1;
        while (end >= 0) {
            int start = end;
            while (start > 0 && axes[start - 1] == axes[start] - 1) {
                start--;
            }
            int a0 = axes[start];
            int a1 = axes[end];
            long outer = 1;
            long n = 1;
            long inner = 1;
            for (int i = 0; i < curShape.length; i++) {
                if (i < a0) {
                    outer *= curShape[i];
                } else if (i <= a1) {
                    n *= curShape[i];
                } else {
                    inner *= curShape[i];
                }
            }
            long[] next = curShape.clone();
            for (int i = a0; i <= a1; i++) {
                next[i] = 1;
            }
            Tensor r;
            if (n == 0) {
                if (kind != ReduceOp.SUM) {
                    throw new IllegalArgumentException(op + ": cannot reduce an empty axis of shape " + Shapes.str(shape));
                }
                r = newOnBackend(op, backend, dtype, next);
            } else {
                Tensor out = uninitialized(op, backend, kind.isArg() ? DType.INT64 : dtype, next);
                Tensor in = cur;
                long o = outer, nn = n, i = inner;
                try {
                    out.runOrClose(() -> backend.reduce(kind, in.storage, o, nn, i, out.storage));
                } catch (RuntimeException | Error e) {
                    if (cur != this) {
                        cur.close();
                    }
                    throw e;
                }
                r = out;
            }
            if (cur != this) {
                cur.close();
            }
            cur = r;
            curShape = next;
            end = start - 1;
        }
        return cur == this ? alias() : cur;
    }

    private Tensor finishReduce(Tensor kept, int[] axes, boolean keepdims) {
        if (keepdims) {
            return kept;
        }
        Tensor r = kept.reshapeRaw(droppedShape(axes));
        kept.close();
        return r;
    }

    /** Sum of all elements (a scalar). */
    public final Tensor sum() {
        return sum(null, false);
    }

    /** Sum over {@code axes} (null or empty: all). */
    public final Tensor sum(int[] axes, boolean keepdims) {
        int[] ax = Shapes.axes("sum", axes, shape.length);
        Tensor y = finishReduce(reduceRaw("sum", ReduceOp.SUM, ax), ax, keepdims);
        if (recording() && dtype.isFloating()) {
            long[] kept = keptShape(ax);
            long[] in = shape;
            GradientTape.record("sum", y, g -> {
                Tensor gk = g.reshapeRaw(kept);
                Tensor r = gk.broadcastRaw(in);
                gk.close();
                return new Tensor[] {r};
            }, this);
        }
        return y;
    }

    /** Sum over one axis. */
    public final Tensor sum(int axis) {
        return sum(new int[] {axis}, false);
    }

    /** Mean of all elements. */
    public final Tensor mean() {
        return mean(null, false);
    }

    /** Mean over one axis. */
    public final Tensor mean(int axis) {
        return mean(new int[] {axis}, false);
    }

    /** Mean over {@code axes} (null or empty: all). Integer means truncate, as TensorFlow's. */
    public final Tensor mean(int[] axes, boolean keepdims) {
        int[] ax = Shapes.axes("mean", axes, shape.length);
        long count = 1;
        for (int a : ax) {
            count *= shape[a];
        }
        if (count == 0) {
            throw new IllegalArgumentException("mean: empty reduction over shape " + Shapes.str(shape));
        }
        Tensor s = sum(ax, keepdims);
        // an integer count: int means stay int and truncate (TensorFlow); floats divide in their dtype
        Tensor r = dtype.isFloating() ? s.div((double) count) : s.div(count);
        if (!recording()) {
            s.close();
        }
        return r;
    }

    /** Variance (population, as {@code tf.math.reduce_variance}) over {@code axes}. */
    public final Tensor variance(int[] axes, boolean keepdims) {
        requireFloat("variance");
        int[] ax = Shapes.axes("variance", axes, shape.length);
        Tensor m = mean(ax, true);
        Tensor d = sub(m);
        Tensor sq = d.square();
        Tensor r = sq.mean(ax, keepdims);
        if (!recording()) {
            closeAll(m, d, sq);
        }
        return r;
    }

    /** Maximum over {@code axes}; the gradient is shared equally among tied maxima. */
    public final Tensor max(int[] axes, boolean keepdims) {
        return extreme("max", ReduceOp.MAX, axes, keepdims);
    }

    /** Minimum over {@code axes}; the gradient is shared equally among tied minima. */
    public final Tensor min(int[] axes, boolean keepdims) {
        return extreme("min", ReduceOp.MIN, axes, keepdims);
    }

    public final Tensor max() {
        return max(null, false);
    }

    public final Tensor min() {
        return min(null, false);
    }

    private Tensor extreme(String op, ReduceOp kind, int[] axes, boolean keepdims) {
        int[] ax = Shapes.axes(op, axes, shape.length);
        Tensor kept = reduceRaw(op, kind, ax);
        Tensor y = finishReduce(kept.alias(), ax, keepdims);
        if (recording() && dtype.isFloating()) {
            Tensor x = this;
            GradientTape.record(op, y, g -> {
                Tensor mask = binaryRaw(op, BinaryOp.EQ, x, kept).castNoGrad(x.dtype);
                Tensor count = mask.reduceRaw(op, ReduceOp.SUM, ax);
                Tensor gk = g.reshapeRaw(count.shape);
                Tensor share = binaryRaw("div", BinaryOp.DIV, gk, count);
                Tensor r = binaryRaw("mul", BinaryOp.MUL, mask, share);
                closeAll(mask, count, gk, share);
                return new Tensor[] {r};
            }, this);
        } else {
            kept.close();
        }
        return y;
    }

    /** Index of the largest value along an axis (int64; the first of ties). */
    public final Tensor argmax(int axis) {
        int a = Shapes.axis("argmax", axis, shape.length);
        return finishReduce(reduceRaw("argmax", ReduceOp.ARGMAX, new int[] {a}), new int[] {a}, false);
    }

    /** Index of the smallest value along an axis (int64; the first of ties). */
    public final Tensor argmin(int axis) {
        int a = Shapes.axis("argmin", axis, shape.length);
        return finishReduce(reduceRaw("argmin", ReduceOp.ARGMIN, new int[] {a}), new int[] {a}, false);
    }

    /** Sums broadcast dimensions away so the result has {@code target} shape (a view when equal). */
    final Tensor sumTo(long[] target) {
        if (Arrays.equals(shape, target)) {
            return alias();
        }
        int lead = shape.length - target.length;
        int[] axes = new int[shape.length];
        int n = 0;
        for (int i = 0; i < shape.length; i++) {
            if (i < lead || (target[i - lead] == 1 && shape[i] != 1)) {
                axes[n++] = i;
            }
        }
        Tensor kept = reduceRaw("sum", ReduceOp.SUM, Arrays.copyOf(axes, n));
        Tensor r = kept.reshapeRaw(target);
        kept.close();
        return r;
    }

    // =========================================================================================
    // softmax
    // =========================================================================================

    private long[] outerNInner(int axis) {
        long outer = 1;
        long inner = 1;
        for (int i = 0; i < axis; i++) {
            outer *= shape[i];
        }
        for (int i = axis + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        return new long[] {outer, shape[axis], inner};
    }

    private Tensor softmaxRaw(String op, int axis, boolean log) {
        checkOpen(op);
        requireFloat(op);
        int a = Shapes.axis(op, axis, shape.length);
        long[] oni = outerNInner(a);
        Tensor y = newOnBackend(op, backend, dtype, shape);
        if (oni[1] > 0) {
            y.runOrClose(() -> backend.softmax(storage, y.storage, oni[0], oni[1], oni[2], log));
        }
        return y;
    }

    /** exp(x) / Σ exp(x) along {@code axis}, computed with the maximum subtracted. */
    public final Tensor softmax(int axis) {
        Tensor y = softmaxRaw("softmax", axis, false);
        if (recording()) {
            int a = Shapes.axis("softmax", axis, shape.length);
            GradientTape.record("softmax", y, g -> {
                // dx = y ⊙ (g − Σ_axis g ⊙ y)
                Tensor gy = binaryRaw("mul", BinaryOp.MUL, g, y);
                Tensor s = gy.reduceRaw("softmax", ReduceOp.SUM, new int[] {a});
                Tensor d = binaryRaw("sub", BinaryOp.SUB, g, s);
                Tensor r = binaryRaw("mul", BinaryOp.MUL, y, d);
                closeAll(gy, s, d);
                return new Tensor[] {r};
            }, this);
        }
        return y;
    }

    /** x − log Σ exp(x) along {@code axis}, stable for large values. */
    public final Tensor logSoftmax(int axis) {
        Tensor y = logSoftmaxRaw(axis);
        if (recording()) {
            int a = Shapes.axis("logSoftmax", axis, shape.length);
            GradientTape.record("logSoftmax", y, g -> {
                // dx = g − softmax(x) ⊙ Σ_axis g
                Tensor p = y.unaryRaw("exp", UnaryOp.EXP);
                Tensor s = g.reduceRaw("logSoftmax", ReduceOp.SUM, new int[] {a});
                Tensor ps = binaryRaw("mul", BinaryOp.MUL, p, s);
                Tensor r = binaryRaw("sub", BinaryOp.SUB, g, ps);
                closeAll(p, s, ps);
                return new Tensor[] {r};
            }, this);
        }
        return y;
    }

    private Tensor logSoftmaxRaw(int axis) {
        return softmaxRaw("logSoftmax", axis, true);
    }

    // =========================================================================================
    // matmul
    // =========================================================================================

    /**
     * Matrix product of the last two axes, batched over the leading axes with broadcasting
     * (as {@code tf.linalg.matmul}): [..., m, k] · [..., k, n] → [..., m, n]. Both operands need
     * rank ≥ 2 and the same float dtype.
     */
    public final Tensor matmul(Tensor other) {
        Tensor y = mm("matmul", this, false, other, false);
        if (recording()) {
            Tensor a = this;
            GradientTape.record("matmul", y, g -> {
                Tensor ga = mm("matmul", g, false, other, true);
                Tensor gb = mm("matmul", a, true, g, false);
                Tensor ra = ga.sumTo(a.shape);
                Tensor rb = gb.sumTo(other.shape);
                closeAll(ga, gb);
                return new Tensor[] {ra, rb};
            }, this, other);
        }
        return y;
    }

    /** op(a)·op(b) over the last two axes with batch broadcasting; no gradient. */
    private static Tensor mm(String op, Tensor a, boolean ta, Tensor b, boolean tb) {
        check(op, a, b);
        sameDtype(op, a, b);
        a.requireFloat(op);
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException(op + ": operands need rank >= 2, got " + Shapes.str(a.shape)
                    + " and " + Shapes.str(b.shape));
        }
        int ra = a.rank();
        int rb = b.rank();
        long m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
        long ka = ta ? a.shape[ra - 2] : a.shape[ra - 1];
        long kb = tb ? b.shape[rb - 1] : b.shape[rb - 2];
        long n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
        if (ka != kb) {
            throw new IllegalArgumentException(op + ": inner dimensions differ: " + Shapes.str(a.shape)
                    + (ta ? "ᵀ" : "") + " · " + Shapes.str(b.shape) + (tb ? "ᵀ" : "") + " (" + ka + " vs " + kb + ")");
        }
        long[] batchA = Arrays.copyOf(a.shape, ra - 2);
        long[] batchB = Arrays.copyOf(b.shape, rb - 2);
        long[] batch = Shapes.broadcast(op, batchA, batchB);
        long nb = Shapes.numel(batch);
        Tensor aa = a;
        Tensor bb = b;
        long strideA;
        long strideB;
        if (Shapes.numel(batchA) == 1) {
            strideA = 0;
        } else if (Arrays.equals(batchA, batch)) {
            strideA = m * ka;
        } else {
            aa = a.broadcastRaw(Shapes.concat(batch, Arrays.copyOfRange(a.shape, ra - 2, ra)));
            strideA = m * ka;
        }
        if (Shapes.numel(batchB) == 1) {
            strideB = 0;
        } else if (Arrays.equals(batchB, batch)) {
            strideB = ka * n;
        } else {
            bb = b.broadcastRaw(Shapes.concat(batch, Arrays.copyOfRange(b.shape, rb - 2, rb)));
            strideB = ka * n;
        }
        long[] yShape = Shapes.concat(batch, new long[] {m, n});
        Tensor y = null;
        try {
            // with an empty inner dimension the product is all zeros, which no kernel call writes
            y = ka > 0 ? uninitialized(op, a.backend, a.dtype, yShape) : newOnBackend(op, a.backend, a.dtype, yShape);
            if (nb > 0 && m > 0 && n > 0) {
                a.backend.matmul(aa.storage, bb.storage, y.storage, nb, m, n, ka, ta, tb, strideA, strideB);
            }
        } catch (RuntimeException | Error e) {
            if (y != null) {
                y.close();
            }
            throw e;
        } finally {
            if (aa != a) {
                aa.close();
            }
            if (bb != b) {
                bb.close();
            }
        }
        return y;
    }

    // =========================================================================================
    // shape ops
    // =========================================================================================

    private Tensor reshapeRaw(long[] newShape) {
        checkOpen("reshape");
        storage.retain();
        return new Tensor(storage, newShape, true);
    }

    /** Same data, new shape (one dim may be -1 and is inferred); shares memory. */
    public final Tensor reshape(long... newShape) {
        checkOpen("reshape");
        long[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: more than one -1 in " + Arrays.toString(newShape));
                }
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: negative dimension in " + Arrays.toString(newShape));
            }
        }
        if (infer >= 0) {
            long[] rest = s.clone();
            rest[infer] = 1;
            known = Shapes.numel("reshape", rest);
        }
        if (s.length > Shapes.MAX_RANK) {
            throw new IllegalArgumentException("reshape: rank " + s.length + " exceeds the limit of " + Shapes.MAX_RANK
                    + " axes");
        }
        long n = numel();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + Shapes.str(shape) + " (" + n
                        + " elements) into " + Arrays.toString(newShape));
            }
            s[infer] = n / known;
        }
        if (Shapes.numel("reshape", s) != n) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Shapes.str(shape) + " (" + n
                    + " elements) into " + Shapes.str(s));
        }
        Tensor y = reshapeRaw(s);
        if (recording()) {
            long[] in = shape;
            GradientTape.record("reshape", y, g -> new Tensor[] {g.reshapeRaw(in)}, this);
        }
        return y;
    }

    /** Flattens all axes after the first: [B, ...] → [B, Π rest]. */
    public final Tensor flatten() {
        if (rank() == 0) {
            return reshape(1);
        }
        return reshape(shape[0], -1);
    }

    /** Inserts a size-1 axis at {@code axis} (in [-rank-1, rank]), as {@code tf.expand_dims}. */
    public final Tensor unsqueeze(int axis) {
        int a = Shapes.axis("unsqueeze", axis, shape.length + 1);
        long[] s = new long[shape.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            s[i] = i == a ? 1 : shape[j++];
        }
        return reshape(s);
    }

    /** Removes a size-1 axis. */
    public final Tensor squeeze(int axis) {
        int a = Shapes.axis("squeeze", axis, shape.length);
        if (shape[a] != 1) {
            throw new IllegalArgumentException("squeeze: axis " + axis + " of shape " + Shapes.str(shape) + " has size " + shape[a]);
        }
        long[] s = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != a) {
                s[j++] = shape[i];
            }
        }
        return reshape(s);
    }

    /** Removes every size-1 axis. */
    public final Tensor squeeze() {
        return reshape(Arrays.stream(shape).filter(d -> d != 1).toArray());
    }

    /** Reverses the axes (the matrix transpose for rank 2). */
    public final Tensor transpose() {
        int[] perm = new int[shape.length];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = perm.length - 1 - i;
        }
        return permute(perm);
    }

    /** Reorders axes: output axis i is input axis perm[i]. Copies. */
    public final Tensor permute(int... perm) {
        checkOpen("permute");
        if (perm.length != shape.length) {
            throw new IllegalArgumentException("permute: permutation " + Arrays.toString(perm) + " does not match rank "
                    + shape.length + " of shape " + Shapes.str(shape));
        }
        boolean[] seen = new boolean[perm.length];
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int p = Shapes.axis("permute", perm[i], perm.length);
            if (seen[p]) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(perm) + " is not a permutation");
            }
            seen[p] = true;
            inverse[p] = i;
        }
        long[] inStrides = Shapes.strides(shape);
        long[] outShape = new long[perm.length];
        long[] srcStrides = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int p = perm[i] < 0 ? perm[i] + perm.length : perm[i];
            outShape[i] = shape[p];
            srcStrides[i] = inStrides[p];
        }
        Tensor y = uninitialized("permute", backend, dtype, outShape);
        if (y.numel() > 0) {
            y.runOrClose(() -> backend.copyStrided(storage, 0, srcStrides, y.storage, 0, Shapes.strides(outShape), outShape));
        }
        if (recording()) {
            GradientTape.record("permute", y, g -> new Tensor[] {g.permuteNoGrad(inverse)}, this);
        }
        return y;
    }

    private Tensor permuteNoGrad(int[] perm) {
        return GradientTape.noGrad(() -> permute(perm));
    }

    /** This tensor repeated along size-1 (or missing leading) axes to {@code target} shape; copies. */
    public final Tensor broadcastTo(long... target) {
        Shapes.checkShape("broadcastTo", target);
        if (Shapes.broadcast("broadcastTo", shape, target).length != target.length
                || !Arrays.equals(Shapes.broadcast("broadcastTo", shape, target), target)) {
            throw new IllegalArgumentException("broadcastTo: cannot broadcast " + Shapes.str(shape) + " to " + Shapes.str(target));
        }
        Tensor y = broadcastRaw(target);
        if (recording()) {
            long[] in = shape;
            GradientTape.record("broadcastTo", y, g -> new Tensor[] {g.sumTo(in)}, this);
        }
        return y;
    }

    private Tensor broadcastRaw(long[] target) {
        checkOpen("broadcastTo");
        Tensor y = uninitialized("broadcastTo", backend, dtype, target);
        if (y.numel() > 0) {
            y.runOrClose(() -> backend.copyStrided(storage, 0, Shapes.broadcastStrides(shape, target), y.storage, 0,
                    Shapes.strides(target), target));
        }
        return y;
    }

    /**
     * The block starting at {@code begin} with {@code size} elements per axis (-1: to the end),
     * as {@code tf.slice}. Copies.
     */
    public final Tensor slice(long[] begin, long[] size) {
        checkOpen("slice");
        if (begin.length != shape.length || size.length != shape.length) {
            throw new IllegalArgumentException("slice: begin " + Arrays.toString(begin) + " and size " + Arrays.toString(size)
                    + " must have one entry per axis of shape " + Shapes.str(shape));
        }
        long[] outShape = new long[shape.length];
        long offset = 0;
        long[] strides = Shapes.strides(shape);
        for (int i = 0; i < shape.length; i++) {
            // compared without forming begin + size, which can overflow
            boolean beginOk = begin[i] >= 0 && begin[i] <= shape[i];
            long sz = size[i] == -1 && beginOk ? shape[i] - begin[i] : size[i];
            if (!beginOk || sz < 0 || sz > shape[i] - begin[i]) {
                throw new IllegalArgumentException("slice: begin " + Arrays.toString(begin) + " size " + Arrays.toString(size)
                        + " is out of bounds for shape " + Shapes.str(shape));
            }
            outShape[i] = sz;
            if (sz > 0) {
                offset += begin[i] * strides[i];   // begin < shape[i], so inside the tensor: no overflow
            }
        }
        long off0 = offset;
        Tensor y = uninitialized("slice", backend, dtype, outShape);
        if (y.numel() > 0) {
            y.runOrClose(() -> backend.copyStrided(storage, off0, strides, y.storage, 0, Shapes.strides(outShape), outShape));
        }
        if (recording()) {
            long[] in = shape;
            long off = offset;
            GradientTape.record("slice", y, g -> {
                Tensor r = newOnBackend(g.backend, g.dtype, in);
                if (g.numel() > 0) {
                    g.backend.copyStrided(g.storage, 0, Shapes.strides(g.shape), r.storage, off, Shapes.strides(in), g.shape);
                }
                return new Tensor[] {r};
            }, this);
        }
        return y;
    }

    /** Elements [start, end) along one axis. */
    public final Tensor slice(int axis, long start, long end) {
        checkOpen("slice");
        int a = Shapes.axis("slice", axis, shape.length);
        long[] begin = new long[shape.length];
        long[] size = shape.clone();
        if (start < 0 || end < start || end > shape[a]) {
            throw new IllegalArgumentException("slice: range [" + start + ", " + end + ") is out of bounds for axis " + axis
                    + " of shape " + Shapes.str(shape));
        }
        begin[a] = start;
        size[a] = end - start;
        return slice(begin, size);
    }

    /** Joins tensors of equal shape except along {@code axis}. */
    public static Tensor concat(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("concat: no tensors given");
        }
        Tensor first = parts.get(0);
        check("concat", parts.toArray(new Tensor[0]));
        int a = Shapes.axis("concat", axis, first.rank());
        long total = 0;
        for (Tensor t : parts) {
            if (t.dtype != first.dtype || t.rank() != first.rank()) {
                throw new IllegalArgumentException("concat: " + t.dtype + " " + Shapes.str(t.shape) + " does not match "
                        + first.dtype + " " + Shapes.str(first.shape));
            }
            for (int i = 0; i < first.rank(); i++) {
                if (i != a && t.shape[i] != first.shape[i]) {
                    throw new IllegalArgumentException("concat: shapes " + Shapes.str(first.shape) + " and "
                            + Shapes.str(t.shape) + " differ outside axis " + axis);
                }
            }
            total = Shapes.addExact("concat", "length of axis " + axis, total, t.shape[a]);
        }
        long[] outShape = first.shape.clone();
        outShape[a] = total;
        Tensor y = newOnBackend("concat", first.backend, first.dtype, outShape);
        long[] outStrides = Shapes.strides(outShape);
        long pos = 0;
        long[] starts = new long[parts.size()];
        for (int p = 0; p < parts.size(); p++) {
            Tensor t = parts.get(p);
            starts[p] = pos;
            if (t.numel() > 0) {
                long off = pos * outStrides[a];
                y.runOrClose(() -> first.backend.copyStrided(t.storage, 0, Shapes.strides(t.shape), y.storage, off, outStrides,
                        t.shape));
            }
            pos += t.shape[a];
        }
        if (recording()) {
            Tensor[] inputs = parts.toArray(new Tensor[0]);
            GradientTape.record("concat", y, g -> {
                Tensor[] r = new Tensor[inputs.length];
                for (int p = 0; p < inputs.length; p++) {
                    long s0 = starts[p];
                    long s1 = s0 + inputs[p].shape[a];
                    r[p] = GradientTape.noGrad(() -> g.slice(a, s0, s1));
                }
                return r;
            }, inputs);
        }
        return y;
    }

    /** Stacks tensors of one shape along a new axis. */
    public static Tensor stack(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("stack: no tensors given");
        }
        long[] s = parts.get(0).shape;
        for (Tensor t : parts) {
            if (!Arrays.equals(t.shape, s)) {
                throw new IllegalArgumentException("stack: shapes " + Shapes.str(s) + " and " + Shapes.str(t.shape) + " differ");
            }
        }
        int a = Shapes.axis("stack", axis, s.length + 1);
        Tensor[] expanded = new Tensor[parts.size()];
        for (int i = 0; i < expanded.length; i++) {
            expanded[i] = parts.get(i).unsqueeze(a);
        }
        return concat(Arrays.asList(expanded), a);
    }

    // =========================================================================================
    // indexing
    // =========================================================================================

    private long[] checkedIds(String op, long limit) {
        if (!dtype.isInteger()) {
            throw new IllegalArgumentException(op + ": indices must be int32 or int64, got " + dtype + " " + Shapes.str(shape));
        }
        long[] ids = toLongArray();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= limit) {
                throw new IllegalArgumentException(op + ": index " + ids[i] + " at position " + i + " is out of range [0, "
                        + limit + ")");
            }
        }
        return ids;
    }

    /**
     * Rows of this table (shape [V, ...]) picked by integer {@code ids}: the result has shape
     * ids.shape + this.shape[1:]. An embedding lookup; the gradient scatters back into the table.
     */
    public final Tensor gather(Tensor ids) {
        check("gather", this, ids);
        if (rank() < 1) {
            throw new IllegalArgumentException("gather: table must have rank >= 1, got shape " + Shapes.str(shape));
        }
        ids.checkedIds("gather", shape[0]);
        long rowSize = numel() / Math.max(1, shape[0]);
        if (shape[0] == 0) {
            rowSize = 0;
        }
        long[] outShape = Shapes.concat(ids.shape, Arrays.copyOfRange(shape, 1, shape.length));
        long rs0 = rowSize;
        Tensor y = newOnBackend("gather", backend, dtype, outShape);
        if (y.numel() > 0) {
            y.runOrClose(() -> backend.gather(storage, rs0, ids.storage, y.storage));
        }
        if (recording() && dtype.isFloating()) {
            long[] table = shape;
            long rs = rowSize;
            GradientTape.record("gather", y, g -> {
                Tensor r = newOnBackend(g.backend, g.dtype, table);
                if (g.numel() > 0) {
                    g.backend.scatterAdd(g.storage, rs, ids.storage, r.storage);
                }
                return new Tensor[] {r, null};
            }, this, ids);
        }
        return y;
    }

    /** One-hot rows for integer class ids: shape ids.shape + [depth]. */
    public final Tensor oneHot(long depth, DType outType) {
        checkOpen("oneHot");
        if (depth < 1) {
            throw new IllegalArgumentException("oneHot: depth must be positive, got " + depth);
        }
        long[] outShape = Shapes.concat(shape, new long[] {depth});
        Shapes.checkShape("oneHot", outShape);
        checkedIds("oneHot", depth);
        Tensor y = newOnBackend("oneHot", backend, outType, outShape);
        if (y.numel() > 0) {
            y.runOrClose(() -> backend.oneHot(storage, depth, y.storage));
        }
        return y;
    }
}
