package dev.lamina.backend;

import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scratch space of one composed kernel ({@link ComposedConv}, {@link ComposedPool}, {@link
 * ComposedCells}): element-wise steps on whole storages of one backend and one float dtype, each
 * result a new scratch storage released when the composer closes. Only SPI primitives are called,
 * so a composition runs wherever the primitives do (the cuda device included).
 */
final class Composer implements AutoCloseable {
    final Backend be;
    final DType dt;
    private final List<Storage> temps = new ArrayList<>();
    private final Map<Double, Storage> scalars = new HashMap<>();

    Composer(Backend be, DType dt) {
        this.be = be;
        this.dt = dt;
    }

    /** Keeps s until close. */
    Storage track(Storage s) {
        temps.add(s);
        return s;
    }

    /** n elements of the composer's dtype, contents unspecified. */
    Storage temp(long n) {
        return track(be.allocateUninitialized(dt, n));
    }

    /** n zeros of {@code dtype}. */
    Storage zeros(DType dtype, long n) {
        return track(be.allocate(dtype, n));
    }

    /** One element holding v (shared by every use of v in this composer). */
    Storage scalar(double v) {
        Storage s = scalars.get(v);
        if (s == null) {
            s = temp(1);
            be.fill(s, v);
            scalars.put(v, s);
        }
        return s;
    }

    /** The values uploaded as an INT64 storage. */
    Storage longs(long[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        b.flip();
        Storage s = track(be.allocateUninitialized(DType.INT64, values.length));
        be.upload(b, s);
        return s;
    }

    /** The values uploaded in the composer's dtype (rounded to float32 when it is float32). */
    Storage values(double[] values) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, dt.size())).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            if (dt == DType.FLOAT32) {
                b.putFloat((float) v);
            } else {
                b.putDouble(v);
            }
        }
        b.flip();
        Storage s = track(be.allocateUninitialized(dt, values.length));
        be.upload(b, s);
        return s;
    }

    /** op(x), a new storage. */
    Storage unary(UnaryOp op, Storage x) {
        Storage out = temp(x.numel());
        be.unary(op, x, out);
        return out;
    }

    /** a op b element by element (same numel), a new storage. */
    Storage bin(BinaryOp op, Storage a, Storage b) {
        Storage out = temp(a.numel());
        binInto(op, a, b, out);
        return out;
    }

    /** out = a op b element by element (same numel). out may be a or b. */
    void binInto(BinaryOp op, Storage a, Storage b, Storage out) {
        long[] dense = {1};
        be.binary(op, a, dense, b, dense, out, new long[] {a.numel()});
    }

    /** a op v for every element of a, a new storage. */
    Storage bin(BinaryOp op, Storage a, double v) {
        Storage out = temp(a.numel());
        be.binary(op, a, new long[] {1}, scalar(v), new long[] {0}, out, new long[] {a.numel()});
        return out;
    }

    /** v op a for every element of a, a new storage. */
    Storage bin(double v, BinaryOp op, Storage a) {
        Storage out = temp(a.numel());
        be.binary(op, scalar(v), new long[] {0}, a, new long[] {1}, out, new long[] {a.numel()});
        return out;
    }

    /** 1 − x², the derivative of tanh at its output x. */
    Storage tanhGrad(Storage x) {
        return bin(1.0, BinaryOp.SUB, unary(UnaryOp.SQUARE, x));
    }

    /** Columns [col0, col0 + n) of src viewed as [rows, width], as a new contiguous [rows, n]. */
    Storage cols(Storage src, long rows, long width, long col0, long n) {
        Storage out = temp(rows * n);
        be.copyStrided(src, col0, new long[] {width, 1}, out, 0, new long[] {n, 1}, new long[] {rows, n});
        return out;
    }

    /** Writes block [rows, n] into columns [col0, col0 + n) of dst viewed as [rows, width]. */
    void putCols(Storage block, Storage dst, long rows, long width, long col0) {
        long n = block.numel() / Math.max(rows, 1);
        be.copyStrided(block, 0, new long[] {n, 1}, dst, col0, new long[] {width, 1}, new long[] {rows, n});
    }

    /** dst[i] = src[i] for every element (same numel). */
    void copy(Storage src, Storage dst) {
        long[] dense = {1};
        be.copyStrided(src, 0, dense, dst, 0, dense, new long[] {src.numel()});
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (int i = temps.size() - 1; i >= 0; i--) {
            try {
                temps.get(i).release();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        temps.clear();
        scalars.clear();
        if (first != null) {
            throw first;
        }
    }
}
