package dev.lamina.tensor;

import dev.lamina.backend.Backend;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;

/**
 * The bodies of {@link Tensor}'s data access: its values copied out to Java (bytes, arrays, one
 * value) and to another backend. A value of another dtype is converted by a cast on the tensor's
 * own backend first. Documented where {@code Tensor} exposes them.
 */
final class TensorData {
    private TensorData() {
    }

    static ByteBuffer toBuffer(Tensor x) {
        x.checkOpen("toBuffer");
        ByteBuffer b = TensorFactories.buffer(x.numel() * x.dtype.size());
        x.backend().download(x.storage, b);
        return b;
    }

    static float[] toFloatArray(Tensor x) {
        Tensor t = x.dtype == DType.FLOAT32 ? x : RawOps.castNoGrad(x, DType.FLOAT32);
        float[] out = new float[Shapes.checkedNumel("toFloatArray", x.shape)];
        t.toBuffer().asFloatBuffer().get(out);
        if (t != x) {
            t.close();
        }
        return out;
    }

    static double[] toDoubleArray(Tensor x) {
        Tensor t = x.dtype == DType.FLOAT64 ? x : RawOps.castNoGrad(x, DType.FLOAT64);
        double[] out = new double[Shapes.checkedNumel("toDoubleArray", x.shape)];
        t.toBuffer().asDoubleBuffer().get(out);
        if (t != x) {
            t.close();
        }
        return out;
    }

    static int[] toIntArray(Tensor x) {
        Tensor t = x.dtype == DType.INT32 ? x : RawOps.castNoGrad(x, DType.INT32);
        int[] out = new int[Shapes.checkedNumel("toIntArray", x.shape)];
        t.toBuffer().asIntBuffer().get(out);
        if (t != x) {
            t.close();
        }
        return out;
    }

    static long[] toLongArray(Tensor x) {
        Tensor t = x.dtype == DType.INT64 ? x : RawOps.castNoGrad(x, DType.INT64);
        long[] out = new long[Shapes.checkedNumel("toLongArray", x.shape)];
        t.toBuffer().asLongBuffer().get(out);
        if (t != x) {
            t.close();
        }
        return out;
    }

    static boolean[] toBooleanArray(Tensor x) {
        Tensor t = x.dtype == DType.BOOL ? x : RawOps.castNoGrad(x, DType.BOOL);
        ByteBuffer b = t.toBuffer();
        boolean[] out = new boolean[Shapes.checkedNumel("toBooleanArray", x.shape)];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i) != 0;
        }
        if (t != x) {
            t.close();
        }
        return out;
    }

    static double item(Tensor x) {
        if (x.numel() != 1) {
            throw new IllegalArgumentException("item: tensor of shape " + Shapes.str(x.shape) + " has " + x.numel()
                    + " elements, not 1");
        }
        return x.toDoubleArray()[0];
    }

    static Tensor to(Tensor x, Backend target) {
        x.checkOpen("to");
        ByteBuffer data = x.toBuffer();
        Tensor t = Tensor.uninitialized("to", target, x.dtype, x.shape);
        return t.runOrClose(() -> t.backend().upload(data, t.storage));
    }
}
