package dev.lamina.tensor;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Storage;
import dev.lamina.backend.TraceHooks;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
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
 * {@link dev.lamina.autograd.GradientTape}s (the {@link Tape} the ops record on).
 *
 * <p>This class is a facade: each public method is a documented one-liner over the classes that
 * hold the bodies, one responsibility each: {@code TensorFactories} (creation), {@code TensorData}
 * (copies out), {@link OpTable} (the element-wise, comparison and reduction ops, each with its
 * gradient rule from {@link Gradients}), {@code ElementwiseOps} (view, cast, clip),
 * {@code ReductionOps} (mean, variance, softmax), {@code LinalgOps} (matmul) and {@code ShapeOps}
 * (shape and indexing). What stays here is the tensor itself: its storage, shape, dtype and
 * lifetime.
 */
public class Tensor implements AutoCloseable {
    /** Holds the memory; kernels are called through {@link #backend()}, which a trace routes to its recorder. */
    private final Backend home;
    final Storage storage;
    final DType dtype;
    final long[] shape;
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
     *
     * @param storage the memory, one reference of which this tensor takes over
     * @param shape the shape (copied)
     * @param scoped whether to register with the current {@link Scope}
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
        this.home = storage.backend();
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

    /**
     * A new zero-filled tensor on {@code backend}.
     *
     * @param backend the backend that holds the memory
     * @param dtype the element type
     * @param shape the shape (no entries: a scalar)
     * @return the new tensor
     */
    public static Tensor zeros(Backend backend, DType dtype, long... shape) {
        return TensorFactories.zeros(backend, dtype, shape);
    }

    /**
     * Zeros on the current backend.
     *
     * @param dtype the element type
     * @param shape the shape (no entries: a scalar)
     * @return the new tensor
     */
    public static Tensor zeros(DType dtype, long... shape) {
        return TensorFactories.zeros(dtype, shape);
    }

    /**
     * Ones on the current backend.
     *
     * @param dtype the element type
     * @param shape the shape (no entries: a scalar)
     * @return the new tensor
     */
    public static Tensor ones(DType dtype, long... shape) {
        return TensorFactories.ones(dtype, shape);
    }

    /**
     * A tensor filled with {@code value} on the current backend.
     *
     * @param dtype the element type
     * @param value the value
     * @param shape the shape (no entries: a scalar)
     * @return the new tensor
     */
    public static Tensor full(DType dtype, double value, long... shape) {
        return TensorFactories.full(dtype, value, shape);
    }

    /** Fills this new tensor, closing it when the fill fails. */
    void fillOrClose(double value) {
        try {
            backend().fill(storage, value);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Zeros of t's dtype and shape on t's backend.
     *
     * @param t the template tensor
     * @return the new tensor
     */
    public static Tensor zerosLike(Tensor t) {
        return TensorFactories.zerosLike(t);
    }

    /**
     * Ones of t's dtype and shape on t's backend.
     *
     * @param t the template tensor
     * @return the new tensor
     */
    public static Tensor onesLike(Tensor t) {
        return TensorFactories.onesLike(t);
    }

    /**
     * A float32 scalar.
     *
     * @param value the value
     * @return the new tensor
     */
    public static Tensor scalar(double value) {
        return TensorFactories.scalar(value);
    }

    /**
     * A scalar of the given dtype.
     *
     * @param value the value
     * @param dtype the element type
     * @return the new tensor
     */
    public static Tensor scalar(double value, DType dtype) {
        return TensorFactories.scalar(value, dtype);
    }

    /**
     * A tensor from little-endian bytes of the given dtype and shape, on the current backend.
     * Reads {@code numel·dtype.size()} bytes from the buffer's position.
     *
     * @param dtype the element type
     * @param shape the shape
     * @param littleEndianData the bytes (the buffer's position is not moved)
     * @return the new tensor
     */
    public static Tensor fromBuffer(DType dtype, long[] shape, ByteBuffer littleEndianData) {
        return TensorFactories.fromBuffer(dtype, shape, littleEndianData);
    }

    /**
     * float32 data with a shape; no shape means a vector.
     *
     * @param data the values in row-major order
     * @param shape the shape (no entries: a vector of all the values; use {@link #scalar} or reshape() for rank 0)
     * @return the new tensor
     */
    public static Tensor of(float[] data, long... shape) {
        return TensorFactories.of(data, shape);
    }

    /**
     * float64 data with a shape; no shape means a vector.
     *
     * @param data the values in row-major order
     * @param shape the shape (no entries: a vector of all the values; use {@link #scalar} or reshape() for rank 0)
     * @return the new tensor
     */
    public static Tensor of(double[] data, long... shape) {
        return TensorFactories.of(data, shape);
    }

    /**
     * int32 data with a shape; no shape means a vector.
     *
     * @param data the values in row-major order
     * @param shape the shape (no entries: a vector of all the values; use {@link #scalar} or reshape() for rank 0)
     * @return the new tensor
     */
    public static Tensor of(int[] data, long... shape) {
        return TensorFactories.of(data, shape);
    }

    /**
     * int64 data with a shape; no shape means a vector.
     *
     * @param data the values in row-major order
     * @param shape the shape (no entries: a vector of all the values; use {@link #scalar} or reshape() for rank 0)
     * @return the new tensor
     */
    public static Tensor of(long[] data, long... shape) {
        return TensorFactories.of(data, shape);
    }

    /**
     * bool data with a shape; no shape means a vector.
     *
     * @param data the values in row-major order
     * @param shape the shape (no entries: a vector of all the values; use {@link #scalar} or reshape() for rank 0)
     * @return the new tensor
     */
    public static Tensor of(boolean[] data, long... shape) {
        return TensorFactories.of(data, shape);
    }

    /**
     * A float32 matrix from rows of equal length.
     *
     * @param rows the rows, of equal length
     * @return the new tensor
     */
    public static Tensor of(float[][] rows) {
        return TensorFactories.of(rows);
    }

    /**
     * A float64 matrix from rows of equal length.
     *
     * @param rows the rows, of equal length
     * @return the new tensor
     */
    public static Tensor of(double[][] rows) {
        return TensorFactories.of(rows);
    }

    /**
     * An int32 matrix from rows of equal length.
     *
     * @param rows the rows, of equal length
     * @return the new tensor
     */
    public static Tensor of(int[][] rows) {
        return TensorFactories.of(rows);
    }

    /**
     * A float32 rank-3 tensor.
     *
     * @param data the values in row-major order
     * @return the new tensor
     */
    public static Tensor of(float[][][] data) {
        return TensorFactories.of(data);
    }

    /**
     * A tensor from a nested Java array of any depth (float, double, int, long or boolean at the
     * bottom); the nesting must be rectangular.
     *
     * @param nested the array
     * @return the new tensor (float32 for float, float64 for double, and so on)
     */
    public static Tensor ofNested(Object nested) {
        return TensorFactories.ofNested(nested);
    }

    /**
     * 0, 1, ..., n-1 as int32 (as {@code tf.range(n)}).
     *
     * @param n the size
     * @return the new tensor
     */
    public static Tensor arange(int n) {
        return TensorFactories.arange(n);
    }

    /**
     * start, start+step, ... while below stop (above, for a negative step), as {@code dtype}.
     *
     * @param start the first value
     * @param stop the end value
     * @param step the step
     * @param dtype the element type
     * @return the new tensor
     */
    public static Tensor arange(double start, double stop, double step, DType dtype) {
        return TensorFactories.arange(start, stop, step, dtype);
    }

    /**
     * {@code num} evenly spaced float32 values from start to stop inclusive.
     *
     * @param start the first value
     * @param stop the end value
     * @param num the number of values
     * @return the new tensor
     */
    public static Tensor linspace(double start, double stop, int num) {
        return TensorFactories.linspace(start, stop, num);
    }

    /**
     * The n×n float32 identity.
     *
     * @param n the size
     * @return the new tensor
     */
    public static Tensor eye(int n) {
        return TensorFactories.eye(n);
    }

    /**
     * The n×n identity of a dtype.
     *
     * @param n the size
     * @param dtype the element type
     * @return the new tensor
     */
    public static Tensor eye(int n, DType dtype) {
        return TensorFactories.eye(n, dtype);
    }

    // =========================================================================================
    // properties and data access
    // =========================================================================================

    /** @return a copy of the shape (one entry per axis; empty for a scalar) */
    public final long[] shape() {
        return shape.clone();
    }

    /**
     * Size of one dimension (negative counts from the end).
     *
     * @param axis the axis
     * @return the size of that axis
     */
    public final long dim(int axis) {
        return shape[Shapes.axis("dim", axis, shape.length)];
    }

    /** @return the number of axes */
    public final int rank() {
        return shape.length;
    }

    /** @return the element type */
    public final DType dtype() {
        return dtype;
    }

    /** @return the number of elements (the product of the shape) */
    public final long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * The backend that holds this tensor's memory; while a function is being traced ({@code
     * dev.lamina.graph}) on this thread, the tracer's recording view of it, which records every call
     * made through it (see {@link dev.lamina.backend.TraceHooks#route}).
     *
     * @return the backend to call for this tensor
     */
    public final Backend backend() {
        return TraceHooks.route(home);
    }

    /** The backend that holds this tensor's memory, never the trace's recorder: for factories that allocate beside it. */
    Backend home() {
        return home;
    }

    /**
     * The underlying storage (for backends and layers that call kernels directly).
     *
     * @return the storage
     */
    public final Storage storage() {
        checkOpen("storage");
        return storage;
    }

    /** @return whether {@link #close()} was called */
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

    /**
     * The raw little-endian bytes.
     *
     * @return a new little-endian buffer of numel·size bytes
     */
    public final ByteBuffer toBuffer() {
        return TensorData.toBuffer(this);
    }

    /** @return the values in row-major order, converted to float */
    public final float[] toFloatArray() {
        return TensorData.toFloatArray(this);
    }

    /** @return the values in row-major order, converted to double */
    public final double[] toDoubleArray() {
        return TensorData.toDoubleArray(this);
    }

    /** @return the values in row-major order, converted to int (floats truncate) */
    public final int[] toIntArray() {
        return TensorData.toIntArray(this);
    }

    /** @return the values in row-major order, converted to long (floats truncate) */
    public final long[] toLongArray() {
        return TensorData.toLongArray(this);
    }

    /** @return the values in row-major order, non-zero as true */
    public final boolean[] toBooleanArray() {
        return TensorData.toBooleanArray(this);
    }

    /**
     * The single value of a one-element tensor, as a double.
     *
     * @return the value
     */
    public final double item() {
        return TensorData.item(this);
    }

    /**
     * A copy of this tensor on another backend (not differentiable across backends).
     *
     * @param target the target
     * @return the copy on target
     */
    public final Tensor to(Backend target) {
        return TensorData.to(this, target);
    }

    /**
     * Values printed as TensorFlow prints a small tensor.
     *
     * @return the text, or the shape and dtype of a closed tensor
     */
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

    /** A new zero-filled tensor; the shape is checked first (IllegalArgumentException naming op). */
    static Tensor newOnBackend(String op, Backend b, DType dtype, long[] shape) {
        long n = Shapes.checkShape(op, shape);
        return new Tensor(TraceHooks.route(b).allocate(dtype, n), shape, true);
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
        return new Tensor(TraceHooks.route(b).allocateUninitialized(dtype, n), shape, true);
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
                b = t.home;
            } else if (t.home != b) {
                throw new IllegalArgumentException(op + ": tensors on different backends (" + b.name() + " and "
                        + t.home.name() + "); move one with to(backend)");
            }
        }
    }

    /** A new tensor object sharing this one's memory, never recorded (for gradient rules and internals). */
    final Tensor alias() {
        checkOpen("view");
        storage.retain();
        return new Tensor(storage, shape, true);
    }

    /** Casts, closing this tensor when a new one was made (used by creation helpers). */
    Tensor castAndClose(DType target) {
        if (target == dtype) {
            return this;
        }
        Tensor r = RawOps.castNoGrad(this, target);
        close();
        return r;
    }

    // =========================================================================================
    // the ops: each method delegates to OpTable, ElementwiseOps, ReductionOps, LinalgOps or ShapeOps
    // =========================================================================================

    /**
     * A new tensor object sharing this one's memory (same shape): the identity op, recorded on
     * open tapes (its gradient passes through unchanged).
     *
     * @return the view
     */
    public final Tensor view() {
        return ElementwiseOps.view(this);
    }

    // ---- element-wise, two tensors (OpTable.Binary) ----------------------------------------

    /**
     * this + other, broadcasting.
     *
     * @param other the right operand (same dtype and backend)
     * @return the sum
     */
    public final Tensor add(Tensor other) {
        return OpTable.ADD.apply(this, other);
    }

    /**
     * this − other, broadcasting.
     *
     * @param other the right operand (same dtype and backend)
     * @return the difference
     */
    public final Tensor sub(Tensor other) {
        return OpTable.SUB.apply(this, other);
    }

    /**
     * this · other (element-wise), broadcasting.
     *
     * @param other the right operand (same dtype and backend)
     * @return the product
     */
    public final Tensor mul(Tensor other) {
        return OpTable.MUL.apply(this, other);
    }

    /**
     * this / other (element-wise), broadcasting. Integer division truncates toward zero; x / 0 is 0
     * (every backend).
     *
     * @param other the divisor (same dtype and backend)
     * @return the quotient
     */
    public final Tensor div(Tensor other) {
        return OpTable.DIV.apply(this, other);
    }

    /**
     * this ^ other (element-wise), broadcasting.
     *
     * @param other the exponent (same dtype and backend)
     * @return the power
     */
    public final Tensor pow(Tensor other) {
        return OpTable.POW.apply(this, other);
    }

    /**
     * Element-wise maximum, broadcasting; ties send the gradient to this tensor.
     *
     * @param other the other operand (same dtype and backend)
     * @return the maximum
     */
    public final Tensor maximum(Tensor other) {
        return OpTable.MAXIMUM.apply(this, other);
    }

    /**
     * Element-wise minimum, broadcasting; ties send the gradient to this tensor.
     *
     * @param other the other operand (same dtype and backend)
     * @return the minimum
     */
    public final Tensor minimum(Tensor other) {
        return OpTable.MINIMUM.apply(this, other);
    }

    // ---- a Java scalar as the right operand ---------------------------------------------------
    //
    // A double is weakly typed (JAX, Keras 3): a float tensor keeps its dtype, an int or bool tensor
    // becomes float32 for arithmetic; a comparison with an integral value stays in the integer dtype,
    // any other in float64. A long keeps an int tensor's dtype (rejecting a value it cannot hold) and
    // makes a bool tensor int32. See RawOps.withScalar.

    /**
     * this + v (a weakly typed scalar: an int or bool tensor becomes float32).
     *
     * @param v the scalar
     * @return the sum
     */
    public final Tensor add(double v) {
        return RawOps.withScalar(this, "add", v, false, Tensor::add);
    }

    /**
     * this − v (a weakly typed scalar).
     *
     * @param v the scalar
     * @return the difference
     */
    public final Tensor sub(double v) {
        return RawOps.withScalar(this, "sub", v, false, Tensor::sub);
    }

    /**
     * this · v (a weakly typed scalar).
     *
     * @param v the scalar
     * @return the product
     */
    public final Tensor mul(double v) {
        return RawOps.withScalar(this, "mul", v, false, Tensor::mul);
    }

    /**
     * this / v (a weakly typed scalar: int tensors divide as float32).
     *
     * @param v the scalar
     * @return the quotient
     */
    public final Tensor div(double v) {
        return RawOps.withScalar(this, "div", v, false, Tensor::div);
    }

    /**
     * this ^ v (a weakly typed scalar).
     *
     * @param v the exponent
     * @return the power
     */
    public final Tensor pow(double v) {
        return RawOps.withScalar(this, "pow", v, false, Tensor::pow);
    }

    /**
     * max(this, v) (a weakly typed scalar).
     *
     * @param v the scalar
     * @return the maximum
     */
    public final Tensor maximum(double v) {
        return RawOps.withScalar(this, "maximum", v, false, Tensor::maximum);
    }

    /**
     * min(this, v) (a weakly typed scalar).
     *
     * @param v the scalar
     * @return the minimum
     */
    public final Tensor minimum(double v) {
        return RawOps.withScalar(this, "minimum", v, false, Tensor::minimum);
    }

    /**
     * this + v: an integer scalar keeps an int tensor's dtype (IllegalArgumentException if v does
     * not fit it).
     *
     * @param v the scalar
     * @return the sum
     */
    public final Tensor add(long v) {
        return RawOps.withLong(this, "add", v, Tensor::add);
    }

    /**
     * this − v, an integer scalar (see {@link #add(long)}).
     *
     * @param v the scalar
     * @return the difference
     */
    public final Tensor sub(long v) {
        return RawOps.withLong(this, "sub", v, Tensor::sub);
    }

    /**
     * this · v, an integer scalar (see {@link #add(long)}).
     *
     * @param v the scalar
     * @return the product
     */
    public final Tensor mul(long v) {
        return RawOps.withLong(this, "mul", v, Tensor::mul);
    }

    /**
     * this / v, an integer scalar: int tensors divide truncating toward zero, x / 0 is 0.
     *
     * @param v the scalar
     * @return the quotient
     */
    public final Tensor div(long v) {
        return RawOps.withLong(this, "div", v, Tensor::div);
    }

    /**
     * this ^ v, an integer scalar (see {@link #add(long)}).
     *
     * @param v the exponent
     * @return the power
     */
    public final Tensor pow(long v) {
        return RawOps.withLong(this, "pow", v, Tensor::pow);
    }

    /**
     * max(this, v), an integer scalar (see {@link #add(long)}).
     *
     * @param v the scalar
     * @return the maximum
     */
    public final Tensor maximum(long v) {
        return RawOps.withLong(this, "maximum", v, Tensor::maximum);
    }

    /**
     * min(this, v), an integer scalar (see {@link #add(long)}).
     *
     * @param v the scalar
     * @return the minimum
     */
    public final Tensor minimum(long v) {
        return RawOps.withLong(this, "minimum", v, Tensor::minimum);
    }

    /**
     * Values limited to [lo, hi]; the gradient passes where lo ≤ x ≤ hi.
     *
     * @param lo the lower bound
     * @param hi the upper bound, at least lo
     * @return the clipped tensor
     */
    public final Tensor clip(double lo, double hi) {
        return ElementwiseOps.clip(this, lo, hi);
    }

    // ---- comparisons: bool results, no gradient ---------------------------------------------

    /**
     * this == o, element-wise, broadcasting.
     *
     * @param o the other operand (same dtype and backend)
     * @return a bool tensor
     */
    public final Tensor eq(Tensor o) {
        return OpTable.EQ.apply(this, o);
    }

    /**
     * this != o, element-wise, broadcasting.
     *
     * @param o the other operand (same dtype and backend)
     * @return a bool tensor
     */
    public final Tensor ne(Tensor o) {
        return OpTable.NE.apply(this, o);
    }

    /**
     * this &lt; o, element-wise, broadcasting.
     *
     * @param o the other operand (same dtype and backend)
     * @return a bool tensor
     */
    public final Tensor lt(Tensor o) {
        return OpTable.LT.apply(this, o);
    }

    /**
     * this &lt;= o, element-wise, broadcasting.
     *
     * @param o the other operand (same dtype and backend)
     * @return a bool tensor
     */
    public final Tensor le(Tensor o) {
        return OpTable.LE.apply(this, o);
    }

    /**
     * this &gt; o, element-wise, broadcasting.
     *
     * @param o the other operand (same dtype and backend)
     * @return a bool tensor
     */
    public final Tensor gt(Tensor o) {
        return OpTable.GT.apply(this, o);
    }

    /**
     * this &gt;= o, element-wise, broadcasting.
     *
     * @param o the other operand (same dtype and backend)
     * @return a bool tensor
     */
    public final Tensor ge(Tensor o) {
        return OpTable.GE.apply(this, o);
    }

    /**
     * this == v, exact (an integral v compares in an int tensor's dtype, any other in float64).
     *
     * @param v the scalar
     * @return a bool tensor
     */
    public final Tensor eq(double v) {
        return RawOps.withScalar(this, "eq", v, true, Tensor::eq);
    }

    /**
     * this &lt; v, exact (see {@link #eq(double)}).
     *
     * @param v the scalar
     * @return a bool tensor
     */
    public final Tensor lt(double v) {
        return RawOps.withScalar(this, "lt", v, true, Tensor::lt);
    }

    /**
     * this &gt; v, exact (see {@link #eq(double)}).
     *
     * @param v the scalar
     * @return a bool tensor
     */
    public final Tensor gt(double v) {
        return RawOps.withScalar(this, "gt", v, true, Tensor::gt);
    }

    /**
     * this &lt;= v, exact (see {@link #eq(double)}).
     *
     * @param v the scalar
     * @return a bool tensor
     */
    public final Tensor le(double v) {
        return RawOps.withScalar(this, "le", v, true, Tensor::le);
    }

    /**
     * this &gt;= v, exact (see {@link #eq(double)}).
     *
     * @param v the scalar
     * @return a bool tensor
     */
    public final Tensor ge(double v) {
        return RawOps.withScalar(this, "ge", v, true, Tensor::ge);
    }

    // ---- element-wise, one tensor (OpTable.Unary) -------------------------------------------

    /**
     * −x.
     *
     * @return the negation
     */
    public final Tensor neg() {
        return OpTable.NEG.apply(this);
    }

    /**
     * |x|; the gradient is sign(x).
     *
     * @return the absolute value
     */
    public final Tensor abs() {
        return OpTable.ABS.apply(this);
    }

    /**
     * sign(x) in {-1, 0, 1}; zero gradient.
     *
     * @return the sign
     */
    public final Tensor sign() {
        return OpTable.SIGN.apply(this);
    }

    /**
     * e^x.
     *
     * @return the exponential
     */
    public final Tensor exp() {
        return OpTable.EXP.apply(this);
    }

    /**
     * Natural logarithm.
     *
     * @return ln x
     */
    public final Tensor log() {
        return OpTable.LOG.apply(this);
    }

    /**
     * ln(1 + x), accurate for small x.
     *
     * @return ln(1 + x)
     */
    public final Tensor log1p() {
        return OpTable.LOG1P.apply(this);
    }

    /**
     * √x.
     *
     * @return the square root
     */
    public final Tensor sqrt() {
        return OpTable.SQRT.apply(this);
    }

    /**
     * x².
     *
     * @return the square
     */
    public final Tensor square() {
        return OpTable.SQUARE.apply(this);
    }

    /**
     * 1 / x.
     *
     * @return the reciprocal
     */
    public final Tensor reciprocal() {
        return OpTable.RECIPROCAL.apply(this);
    }

    /**
     * tanh x.
     *
     * @return the hyperbolic tangent
     */
    public final Tensor tanh() {
        return OpTable.TANH.apply(this);
    }

    /**
     * 1 / (1 + e^-x).
     *
     * @return the logistic sigmoid
     */
    public final Tensor sigmoid() {
        return OpTable.SIGMOID.apply(this);
    }

    /**
     * max(x, 0); the gradient at 0 is 0, as in TensorFlow.
     *
     * @return the rectified tensor
     */
    public final Tensor relu() {
        return OpTable.RELU.apply(this);
    }

    /**
     * log(1 + e^x), without overflow for large |x|; the gradient is sigmoid(x).
     *
     * @return the softplus
     */
    public final Tensor softplus() {
        return OpTable.SOFTPLUS.apply(this);
    }

    /**
     * Converts to another dtype; float-to-float casts pass gradients through.
     *
     * @param target the new dtype
     * @return the converted tensor (a view when the dtype is already {@code target})
     */
    public final Tensor cast(DType target) {
        return ElementwiseOps.cast(this, target);
    }

    // ---- reductions (OpTable.Reduction) -----------------------------------------------------

    /**
     * Sum of all elements.
     *
     * @return a scalar
     */
    public final Tensor sum() {
        return sum(null, false);
    }

    /**
     * Sum over {@code axes}.
     *
     * @param axes the axes (null or empty: all; negative counts from the end)
     * @param keepdims keep reduced axes with size 1
     * @return the sum
     */
    public final Tensor sum(int[] axes, boolean keepdims) {
        return OpTable.SUM.apply(this, axes, keepdims);
    }

    /**
     * Sum over one axis.
     *
     * @param axis the axis (negative counts from the end)
     * @return the sum, without that axis
     */
    public final Tensor sum(int axis) {
        return sum(new int[] {axis}, false);
    }

    /**
     * Mean of all elements.
     *
     * @return a scalar
     */
    public final Tensor mean() {
        return mean(null, false);
    }

    /**
     * Mean over one axis.
     *
     * @param axis the axis (negative counts from the end)
     * @return the mean, without that axis
     */
    public final Tensor mean(int axis) {
        return mean(new int[] {axis}, false);
    }

    /**
     * Mean over {@code axes}: Σ x / n, n the number of elements reduced. Integer means truncate, as
     * TensorFlow's.
     *
     * @param axes the axes (null or empty: all)
     * @param keepdims keep reduced axes with size 1
     * @return the mean
     */
    public final Tensor mean(int[] axes, boolean keepdims) {
        return ReductionOps.mean(this, axes, keepdims);
    }

    /**
     * Variance (population, as {@code tf.math.reduce_variance}) over {@code axes}:
     * mean((x − mean(x))²).
     *
     * @param axes the axes (null or empty: all)
     * @param keepdims keep reduced axes with size 1
     * @return the variance
     */
    public final Tensor variance(int[] axes, boolean keepdims) {
        return ReductionOps.variance(this, axes, keepdims);
    }

    /**
     * Maximum over {@code axes}; the gradient is shared equally among tied maxima.
     *
     * @param axes the axes (null or empty: all)
     * @param keepdims keep reduced axes with size 1
     * @return the maximum
     */
    public final Tensor max(int[] axes, boolean keepdims) {
        return OpTable.MAX.apply(this, axes, keepdims);
    }

    /**
     * Minimum over {@code axes}; the gradient is shared equally among tied minima.
     *
     * @param axes the axes (null or empty: all)
     * @param keepdims keep reduced axes with size 1
     * @return the minimum
     */
    public final Tensor min(int[] axes, boolean keepdims) {
        return OpTable.MIN.apply(this, axes, keepdims);
    }

    /**
     * Maximum of all elements.
     *
     * @return a scalar
     */
    public final Tensor max() {
        return max(null, false);
    }

    /**
     * Minimum of all elements.
     *
     * @return a scalar
     */
    public final Tensor min() {
        return min(null, false);
    }

    /**
     * Index of the largest value along an axis (int64; the first of ties).
     *
     * @param axis the axis
     * @return the indices, without that axis
     */
    public final Tensor argmax(int axis) {
        return OpTable.ARGMAX.apply(this, new int[] {axis}, false);
    }

    /**
     * Index of the smallest value along an axis (int64; the first of ties).
     *
     * @param axis the axis
     * @return the indices, without that axis
     */
    public final Tensor argmin(int axis) {
        return OpTable.ARGMIN.apply(this, new int[] {axis}, false);
    }

    /** Sums broadcast dimensions away so the result has {@code target} shape (a view when equal). */
    final Tensor sumTo(long[] target) {
        return RawOps.sumTo(this, target);
    }

    // ---- softmax, matmul ----------------------------------------------------------------------

    /**
     * exp(x) / Σ exp(x) along {@code axis}, computed with the maximum subtracted.
     *
     * @param axis the axis
     * @return the softmax (float input)
     */
    public final Tensor softmax(int axis) {
        return ReductionOps.softmax(this, axis);
    }

    /**
     * x − log Σ exp(x) along {@code axis}, stable for large values.
     *
     * @param axis the axis
     * @return the log-softmax (float input)
     */
    public final Tensor logSoftmax(int axis) {
        return ReductionOps.logSoftmax(this, axis);
    }

    /**
     * Matrix product of the last two axes, batched over the leading axes with broadcasting
     * (as {@code tf.linalg.matmul}): [..., m, k] · [..., k, n] → [..., m, n]. Both operands need
     * rank ≥ 2 and the same float dtype.
     *
     * @param other the right operand
     * @return the product
     */
    public final Tensor matmul(Tensor other) {
        return LinalgOps.matmul(this, other);
    }

    // ---- shape ops (ShapeOps) ---------------------------------------------------------------

    /**
     * Same data, new shape (one dim may be -1 and is inferred); shares memory.
     *
     * @param newShape the new shape, of the same element count
     * @return the reshaped view
     */
    public final Tensor reshape(long... newShape) {
        return ShapeOps.reshape(this, newShape);
    }

    /**
     * Flattens all axes after the first: [B, ...] → [B, Π rest].
     *
     * @return the flattened view
     */
    public final Tensor flatten() {
        return ShapeOps.flatten(this);
    }

    /**
     * Inserts a size-1 axis at {@code axis} (in [-rank-1, rank]), as {@code tf.expand_dims}.
     *
     * @param axis where the new axis goes
     * @return the reshaped view
     */
    public final Tensor unsqueeze(int axis) {
        return ShapeOps.unsqueeze(this, axis);
    }

    /**
     * Removes a size-1 axis.
     *
     * @param axis the axis, which must have size 1
     * @return the reshaped view
     */
    public final Tensor squeeze(int axis) {
        return ShapeOps.squeeze(this, axis);
    }

    /**
     * Removes every size-1 axis.
     *
     * @return the reshaped view
     */
    public final Tensor squeeze() {
        return ShapeOps.squeeze(this);
    }

    /**
     * Reverses the axes (the matrix transpose for rank 2). Copies.
     *
     * @return the transposed tensor
     */
    public final Tensor transpose() {
        return ShapeOps.transpose(this);
    }

    /**
     * Reorders axes: output axis i is input axis perm[i]. Copies.
     *
     * @param perm a permutation of the axes (negative counts from the end)
     * @return the permuted tensor
     */
    public final Tensor permute(int... perm) {
        return ShapeOps.permute(this, perm);
    }

    /**
     * This tensor repeated along size-1 (or missing leading) axes to {@code target} shape; copies.
     *
     * @param target the shape to broadcast to
     * @return the broadcast tensor
     */
    public final Tensor broadcastTo(long... target) {
        return ShapeOps.broadcastTo(this, target);
    }

    /**
     * The block starting at {@code begin} with {@code size} elements per axis (-1: to the end),
     * as {@code tf.slice}. Copies.
     *
     * @param begin the first index per axis
     * @param size the element count per axis, or -1 for the rest
     * @return the block
     */
    public final Tensor slice(long[] begin, long[] size) {
        return ShapeOps.slice(this, begin, size);
    }

    /**
     * Elements [start, end) along one axis.
     *
     * @param axis the axis
     * @param start the first index
     * @param end one past the last index
     * @return the slice
     */
    public final Tensor slice(int axis, long start, long end) {
        return ShapeOps.slice(this, axis, start, end);
    }

    /**
     * Joins tensors of equal shape except along {@code axis}.
     *
     * @param parts the tensors (one dtype, one backend)
     * @param axis the axis to join along
     * @return the joined tensor
     */
    public static Tensor concat(List<Tensor> parts, int axis) {
        return ShapeOps.concat(parts, axis);
    }

    /**
     * Stacks tensors of one shape along a new axis.
     *
     * @param parts the tensors (one shape, dtype and backend)
     * @param axis where the new axis goes
     * @return the stacked tensor
     */
    public static Tensor stack(List<Tensor> parts, int axis) {
        return ShapeOps.stack(parts, axis);
    }

    // ---- indexing ---------------------------------------------------------------------------

    /**
     * Rows of this table (shape [V, ...]) picked by integer {@code ids}: the result has shape
     * ids.shape + this.shape[1:]. An embedding lookup; the gradient scatters back into the table.
     *
     * @param ids int32 or int64 indices in [0, V)
     * @return the gathered rows
     */
    public final Tensor gather(Tensor ids) {
        return ShapeOps.gather(this, ids);
    }

    /**
     * One-hot rows for integer class ids: shape ids.shape + [depth].
     *
     * @param depth the number of classes
     * @param outType the result's dtype
     * @return the one-hot tensor (no gradient)
     */
    public final Tensor oneHot(long depth, DType outType) {
        return ShapeOps.oneHot(this, depth, outType);
    }
}
