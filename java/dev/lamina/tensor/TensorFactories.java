package dev.lamina.tensor;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The bodies of {@link Tensor}'s factories (zeros, full, of, fromBuffer, arange, linspace, eye):
 * new tensors from shapes, values and Java arrays, on the current backend unless one is named.
 * Documented where {@code Tensor} exposes them.
 */
final class TensorFactories {
    private TensorFactories() {
    }

    static Tensor zeros(Backend backend, DType dtype, long... shape) {
        return Tensor.newOnBackend("zeros", backend, dtype, shape);
    }

    static Tensor zeros(DType dtype, long... shape) {
        return zeros(Backends.current(), dtype, shape);
    }

    static Tensor ones(DType dtype, long... shape) {
        return full(dtype, 1.0, shape);
    }

    static Tensor full(DType dtype, double value, long... shape) {
        Tensor t = Tensor.newOnBackend("full", Backends.current(), dtype, shape);
        if (value != 0.0) {
            t.fillOrClose(value);
        }
        return t;
    }

    static Tensor zerosLike(Tensor t) {
        return zeros(t.home(), t.dtype, t.shape);
    }

    static Tensor onesLike(Tensor t) {
        Tensor r = zerosLike(t);
        r.fillOrClose(1.0);
        return r;
    }

    static Tensor scalar(double value) {
        return scalar(value, DType.FLOAT32);
    }

    static Tensor scalar(double value, DType dtype) {
        return full(dtype, value);
    }

    static Tensor fromBuffer(DType dtype, long[] shape, ByteBuffer littleEndianData) {
        long n = Shapes.checkShape("fromBuffer", shape);
        if (littleEndianData.remaining() / dtype.size() < n) {
            throw new IllegalArgumentException("fromBuffer: shape " + Shapes.str(shape) + " of " + dtype
                    + " needs " + Shapes.multiplyExact("fromBuffer", "byte count", n, dtype.size())
                    + " bytes, buffer has " + littleEndianData.remaining());
        }
        Tensor t = Tensor.uninitialized("fromBuffer", Backends.current(), dtype, shape);
        return t.runOrClose(() -> t.backend().upload(littleEndianData.duplicate().order(ByteOrder.LITTLE_ENDIAN), t.storage));
    }

    static Tensor of(float[] data, long... shape) {
        long[] s = shapeFor("of(float[])", data.length, shape);
        ByteBuffer b = buffer(data.length * 4L);
        b.asFloatBuffer().put(data);
        return fromBuffer(DType.FLOAT32, s, b);
    }

    static Tensor of(double[] data, long... shape) {
        long[] s = shapeFor("of(double[])", data.length, shape);
        ByteBuffer b = buffer(data.length * 8L);
        b.asDoubleBuffer().put(data);
        return fromBuffer(DType.FLOAT64, s, b);
    }

    static Tensor of(int[] data, long... shape) {
        long[] s = shapeFor("of(int[])", data.length, shape);
        ByteBuffer b = buffer(data.length * 4L);
        b.asIntBuffer().put(data);
        return fromBuffer(DType.INT32, s, b);
    }

    static Tensor of(long[] data, long... shape) {
        long[] s = shapeFor("of(long[])", data.length, shape);
        ByteBuffer b = buffer(data.length * 8L);
        b.asLongBuffer().put(data);
        return fromBuffer(DType.INT64, s, b);
    }

    static Tensor of(boolean[] data, long... shape) {
        long[] s = shapeFor("of(boolean[])", data.length, shape);
        ByteBuffer b = buffer(data.length);
        for (boolean v : data) {
            b.put((byte) (v ? 1 : 0));
        }
        b.flip();
        return fromBuffer(DType.BOOL, s, b);
    }

    static Tensor of(float[][] rows) {
        return ofNested(rows);
    }

    static Tensor of(double[][] rows) {
        return ofNested(rows);
    }

    static Tensor of(int[][] rows) {
        return ofNested(rows);
    }

    static Tensor of(float[][][] data) {
        return ofNested(data);
    }

    static Tensor ofNested(Object nested) {
        return NestedArrays.toTensor(nested);
    }

    static Tensor arange(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("arange: negative length " + n);
        }
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return of(v);
    }

    static Tensor arange(double start, double stop, double step, DType dtype) {
        if (step == 0 || Double.isNaN(step)) {
            throw new IllegalArgumentException("arange: step must be non-zero, got " + step);
        }
        if (!Double.isFinite(start) || !Double.isFinite(stop) || !Double.isFinite(step)) {
            // a NaN bound made the count NaN, cast to 0: an empty tensor instead of an error
            throw new IllegalArgumentException("arange: start, stop and step must be finite, got [" + start + ", " + stop
                    + ", " + step + "]");
        }
        long n = Math.max(0, (long) Math.ceil((stop - start) / step));
        double[] v = new double[Shapes.checkedNumel("arange", new long[] {n})];
        for (int i = 0; i < v.length; i++) {
            v[i] = start + i * step;
        }
        return of(v).castAndClose(dtype);
    }

    static Tensor linspace(double start, double stop, int num) {
        if (num < 0) {
            throw new IllegalArgumentException("linspace: negative count " + num);
        }
        double[] v = new double[num];
        for (int i = 0; i < num; i++) {
            v[i] = num == 1 ? start : start + (stop - start) * i / (num - 1);
        }
        return of(v).castAndClose(DType.FLOAT32);
    }

    static Tensor eye(int n) {
        return eye(n, DType.FLOAT32);
    }

    static Tensor eye(int n, DType dtype) {
        double[] v = new double[Shapes.checkedNumel("eye", new long[] {n, n})];
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1;
        }
        return of(v, n, n).castAndClose(dtype);
    }

    static long[] shapeFor(String op, int length, long[] shape) {
        long[] s = shape.length == 0 ? new long[] {length} : shape.clone();
        if (Shapes.checkShape(op, s) != length) {
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape " + Shapes.str(s));
        }
        return s;
    }

    static ByteBuffer buffer(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor of " + bytes + " bytes is too large for a Java buffer");
        }
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
