package dev.lamina.io;

import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Tensor data in host memory, as read from or written to a file: a dtype, a shape and the raw
 * little-endian, row-major bytes (from the buffer's position to its limit).
 *
 * @param dtype the element type (F16 and BF16 file data arrive here converted to FLOAT32)
 * @param shape the dimensions; {@code []} is a scalar
 * @param data little-endian bytes, exactly {@code numel() * dtype.size()} of them remaining
 * @param fileDtype the safetensors dtype name it had in the file ("F32", "BF16", ...)
 */
public record HostTensor(DType dtype, long[] shape, ByteBuffer data, String fileDtype) {

    public HostTensor {
        if (dtype == null || shape == null || data == null) {
            throw new IllegalArgumentException("HostTensor: dtype, shape and data are required");
        }
        shape = shape.clone();
        long n = numel(shape);
        if ((long) data.remaining() != n * dtype.size()) {
            throw new IllegalArgumentException("HostTensor: shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + n * dtype.size() + " bytes, buffer has " + data.remaining());
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (fileDtype == null) {
            fileDtype = Safetensors.dtypeName(dtype);
        }
    }

    /** Data of {@code dtype} and {@code shape}, stored as it would be in a file. */
    public HostTensor(DType dtype, long[] shape, ByteBuffer data) {
        this(dtype, shape, data, null);
    }

    public static HostTensor ofFloats(float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new HostTensor(DType.FLOAT32, shape, b);
    }

    public static HostTensor ofDoubles(double[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(values);
        return new HostTensor(DType.FLOAT64, shape, b);
    }

    public static HostTensor ofInts(int[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return new HostTensor(DType.INT32, shape, b);
    }

    public static HostTensor ofLongs(long[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new HostTensor(DType.INT64, shape, b);
    }

    public static HostTensor ofBooleans(boolean[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length);
        for (boolean v : values) {
            b.put((byte) (v ? 1 : 0));
        }
        b.flip();
        return new HostTensor(DType.BOOL, shape, b);
    }

    /** The product of the dimensions (1 for a scalar). */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** A little-endian read-only view of the bytes, positioned at 0. */
    @Override
    public ByteBuffer data() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public long numel() {
        return numel(shape);
    }

    public int rank() {
        return shape.length;
    }

    /** Every element as a double (bool as 0/1; int64 values beyond 2^53 round). */
    public double[] toDoubleArray() {
        int n = Math.toIntExact(numel());
        double[] out = new double[n];
        ByteBuffer b = data();
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case FLOAT32: out[i] = b.getFloat(i * 4); break;
                case FLOAT64: out[i] = b.getDouble(i * 8); break;
                case INT32: out[i] = b.getInt(i * 4); break;
                case INT64: out[i] = b.getLong(i * 8); break;
                case BOOL: out[i] = b.get(i) != 0 ? 1 : 0; break;
                default: throw new IllegalStateException("unhandled dtype " + dtype);
            }
        }
        return out;
    }

    /** Float32 elements; any other dtype is an IllegalStateException. */
    public float[] toFloatArray() {
        require(DType.FLOAT32);
        float[] out = new float[Math.toIntExact(numel())];
        data().asFloatBuffer().get(out);
        return out;
    }

    /** Int32 elements; any other dtype is an IllegalStateException. */
    public int[] toIntArray() {
        require(DType.INT32);
        int[] out = new int[Math.toIntExact(numel())];
        data().asIntBuffer().get(out);
        return out;
    }

    /** Int64 elements; any other dtype is an IllegalStateException. */
    public long[] toLongArray() {
        require(DType.INT64);
        long[] out = new long[Math.toIntExact(numel())];
        data().asLongBuffer().get(out);
        return out;
    }

    private void require(DType d) {
        if (dtype != d) {
            throw new IllegalStateException("tensor holds " + dtype + ", not " + d);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor t && t.dtype == dtype && Arrays.equals(t.shape, shape)
                && t.data().equals(data());
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + data().hashCode();
    }

    @Override
    public String toString() {
        return "HostTensor[" + dtype + " " + Arrays.toString(shape)
                + (fileDtype.equals(Safetensors.dtypeName(dtype)) ? "" : " from " + fileDtype) + "]";
    }
}
