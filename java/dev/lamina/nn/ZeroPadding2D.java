package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Zero padding of NHWC images, as {@code keras.layers.ZeroPadding2D}: {@code top} rows of zeros
 * above, {@code bottom} below, {@code left} columns on the left and {@code right} on the right,
 *
 * <pre>
 *   [B, H, W, C] → [B, top + H + bottom, left + W + right, C],   y[b, top + h, left + w, c] = x[b, h, w, c]
 * </pre>
 *
 * and zero elsewhere; the gradient is the matching crop. Keras default padding 1 on every side.
 */
public class ZeroPadding2D extends Layer {
    private final int top;
    private final int bottom;
    private final int left;
    private final int right;

    /** One pixel on every side. */
    public ZeroPadding2D() {
        this(1);
    }

    /** {@code p} pixels on every side. */
    public ZeroPadding2D(int p) {
        this(null, p, p, p, p);
    }

    /** {@code h} rows above and below, {@code w} columns left and right. */
    public ZeroPadding2D(int h, int w) {
        this(null, h, h, w, w);
    }

    /** ((top, bottom), (left, right)); null name for a default. */
    public ZeroPadding2D(String name, int top, int bottom, int left, int right) {
        super(name);
        if (top < 0 || bottom < 0 || left < 0 || right < 0) {
            throw new IllegalArgumentException("ZeroPadding2D: padding must be >= 0, got ((" + top + ", " + bottom + "), ("
                    + left + ", " + right + "))");
        }
        this.top = top;
        this.bottom = bottom;
        this.left = left;
        this.right = right;
    }

    /** {{top, bottom}, {left, right}}. */
    public int[][] padding() {
        return new int[][] {{top, bottom}, {left, right}};
    }

    @Override
    protected String defaultBaseName() {
        return "zero_padding2d";
    }

    @Override
    protected long[] acceptedInputShape(long[] first) {
        return new long[] {-1, -1, -1, -1};
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        outputShape(x.shape());
        Tensor y = ConvSupport.pad(ConvSupport.pad(x, 1, top, bottom), 2, left, right);
        return y == x ? x.view() : y;
    }

    @Override
    public long[] outputShape(long[] in) {
        if (in.length != 4) {
            throw new IllegalArgumentException(className() + " '" + name()
                    + "': expected an input of rank 4 (batch, height, width, channels), got " + shapeStr(in));
        }
        return new long[] {in[0], in[1] < 0 ? -1 : in[1] + top + bottom, in[2] < 0 ? -1 : in[2] + left + right, in[3]};
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("padding", List.of(Dense.list(new long[] {top, bottom}), Dense.list(new long[] {left, right})));
        c.put("data_format", "channels_last");
        return c;
    }

    /** Rebuilds from {@link #config()}; padding may be an int, [h, w] or [[top, bottom], [left, right]]. */
    public static ZeroPadding2D fromConfig(Map<String, Object> config) {
        Object p = config.get("padding");
        String name = (String) config.get("name");
        ZeroPadding2D l;
        if (p == null) {
            l = new ZeroPadding2D(name, 1, 1, 1, 1);
        } else if (p instanceof Number n) {
            l = new ZeroPadding2D(name, n.intValue(), n.intValue(), n.intValue(), n.intValue());
        } else if (p instanceof List<?> list && list.size() == 2 && list.get(0) instanceof List<?>) {
            long[] hb = Dense.longs(list.get(0), "padding");
            long[] lr = Dense.longs(list.get(1), "padding");
            l = new ZeroPadding2D(name, (int) hb[0], (int) hb[1], (int) lr[0], (int) lr[1]);
        } else {
            long[] hw = Dense.longs(p, "padding");
            if (hw.length != 2) {
                throw new IllegalArgumentException("ZeroPadding2D config: padding must be an int, [h, w] or "
                        + "[[top, bottom], [left, right]], got " + p);
            }
            l = new ZeroPadding2D(name, (int) hw[0], (int) hw[0], (int) hw[1], (int) hw[1]);
        }
        return Dense.restoreBase(l, config);
    }

    /** False: as in Keras, whose class does not support masking, an Embedding(mask_zero) mask stops here. */
    @Override
    protected boolean supportsMasking() {
        return false;
    }
}
