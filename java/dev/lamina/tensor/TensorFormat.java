package dev.lamina.tensor;

import dev.lamina.types.DType;
import java.nio.ByteBuffer;

/** Formats tensors as TensorFlow/NumPy print them: {@code Tensor([[1. 2.] [3. 4.]], shape=(2, 2), dtype=float32)}. */
final class TensorFormat {
    private static final int SUMMARIZE_OVER = 1000;
    private static final int EDGE = 3;

    private TensorFormat() {
    }

    static String format(Tensor t) {
        long[] shape = t.shape();
        long n = t.numel();
        String body;
        if (n > 100_000_000L) {
            body = "...";
        } else {
            ByteBuffer b = t.toBuffer();
            String[] cells = new String[(int) n];
            for (int i = 0; i < n; i++) {
                cells[i] = cell(t.dtype(), b, i);
            }
            int width = 0;
            for (String c : cells) {
                width = Math.max(width, c.length());
            }
            StringBuilder sb = new StringBuilder();
            render(sb, cells, shape, Shapes.strides(shape), 0, 0, width, n > SUMMARIZE_OVER);
            body = sb.toString();
        }
        String sep = shape.length >= 2 ? "\n" : "";
        return "Tensor(" + sep + body + ", shape=" + Shapes.str(shape) + ", dtype=" + t.dtype() + ")";
    }

    private static String cell(DType dt, ByteBuffer b, int i) {
        switch (dt) {
            case FLOAT32:
                return floatStr(b.getFloat(i * 4), true);
            case FLOAT64:
                return floatStr(b.getDouble(i * 8), false);
            case INT32:
                return Integer.toString(b.getInt(i * 4));
            case INT64:
                return Long.toString(b.getLong(i * 8));
            default:
                return b.get(i) != 0 ? "True" : "False";
        }
    }

    private static String floatStr(double v, boolean single) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e16) {
            return (v == 0 && 1 / v < 0 ? "-" : "") + (long) v + ".";
        }
        String s = single ? Float.toString((float) v) : Double.toString(v);
        return s.replace("E", "e");
    }

    private static void render(StringBuilder sb, String[] cells, long[] shape, long[] strides, int dim, long offset,
                               int width, boolean summarize) {
        if (shape.length == 0) {
            sb.append(cells[0]);
            return;
        }
        sb.append('[');
        long len = shape[dim];
        for (long i = 0; i < len; i++) {
            if (summarize && len > 2 * EDGE && i == EDGE) {
                sb.append(dim == shape.length - 1 ? "... " : "...\n" + " ".repeat(dim + 1));
                i = len - EDGE - 1;
                continue;
            }
            if (dim == shape.length - 1) {
                String c = cells[(int) (offset + i * strides[dim])];
                sb.append(" ".repeat(width - c.length())).append(c);
                if (i < len - 1) {
                    sb.append(' ');
                }
            } else {
                render(sb, cells, shape, strides, dim + 1, offset + i * strides[dim], width, summarize);
                if (i < len - 1) {
                    sb.append("\n".repeat(shape.length - dim - 1)).append(" ".repeat(dim + 1));
                }
            }
        }
        sb.append(']');
    }
}
