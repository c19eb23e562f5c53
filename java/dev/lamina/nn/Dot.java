package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The dot product of two inputs over one axis of each, per sample, as
 * {@code keras.layers.Dot(axes, normalize)}. Supported: rank-2 inputs [B, n]·[B, n] over axis 1,
 * giving [B, 1]; and rank-3 inputs, [B, n, d] and [B, m, d] over axes (2, 2) give [B, n, m]
 * (other axis pairs of 1 and 2 transpose first). With {@code normalize} each input is first
 * divided by its L2 norm along the dot axis (ε 1e-12 under the square root, as Keras), so the
 * result is the cosine similarity.
 */
public final class Dot extends Merge {
    private final int axes0;
    private final int axes1;
    private final boolean normalize;

    /**
     * The dot product over the same axis of both inputs.
     *
     * @param axes the axis (1 or 2, or negative from the end)
     */
    public Dot(int axes) {
        this(axes, axes, false, null);
    }

    /**
     * The dot product over axis {@code axes0} of the first input and {@code axes1} of the second.
     *
     * @param axes0 the axis of the first input
     * @param axes1 the axis of the second input
     * @param normalize whether to L2-normalize the inputs along those axes first (cosine similarity)
     * @param name the name, or null for a default
     */
    public Dot(int axes0, int axes1, boolean normalize, String name) {
        super(name);
        if (axes0 == 0 || axes1 == 0) {
            throw new IllegalArgumentException("Dot: axis 0 is the batch axis, got axes (" + axes0 + ", " + axes1 + ")");
        }
        this.axes0 = axes0;
        this.axes1 = axes1;
        this.normalize = normalize;
    }

    @Override
    protected int maxInputs() {
        return 2;
    }

    private static int norm(int axis, int rank) {
        return axis < 0 ? axis + rank : axis;
    }

    @Override
    protected long[] mergedShape(List<long[]> shapes) {
        long[] a = shapes.get(0);
        long[] b = shapes.get(1);
        if (a.length != b.length || a.length < 2 || a.length > 3) {
            throw new IllegalArgumentException(name() + " (Dot): inputs must both have rank 2 or both rank 3, got "
                    + shapesStr(shapes));
        }
        int r = a.length;
        int ax = norm(axes0, r);
        int bx = norm(axes1, r);
        if (ax < 1 || ax >= r || bx < 1 || bx >= r) {
            throw new IllegalArgumentException(name() + " (Dot): axes (" + axes0 + ", " + axes1 + ") out of range for rank " + r);
        }
        if (a[ax] != -1 && b[bx] != -1 && a[ax] != b[bx]) {
            throw new IllegalArgumentException(name() + " (Dot): axis " + ax + " of the first input (" + a[ax]
                    + ") and axis " + bx + " of the second (" + b[bx] + ") must have the same size, got " + shapesStr(shapes));
        }
        if (r == 2) {
            return new long[] {-1, 1};
        }
        return new long[] {-1, a[3 - ax], b[3 - bx]};
    }

    @Override
    protected Tensor merge(List<Tensor> inputs) {
        Tensor a = inputs.get(0);
        Tensor b = inputs.get(1);
        int r = a.rank();
        int ax = norm(axes0, r);
        int bx = norm(axes1, r);
        if (normalize) {
            a = l2Normalize(a, ax);
            b = l2Normalize(b, bx);
        }
        if (r == 2) {
            return a.mul(b).sum(new int[] {1}, true);
        }
        Tensor left = ax == 2 ? a : a.permute(0, 2, 1); // [B, n, d]
        Tensor right = bx == 1 ? b : b.permute(0, 2, 1); // [B, d, m]
        return left.matmul(right);
    }

    private static Tensor l2Normalize(Tensor x, int axis) {
        return x.div(x.square().sum(new int[] {axis}, true).maximum(1e-12).sqrt());
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        List<Object> axes = new ArrayList<>();
        axes.add(axes0);
        axes.add(axes1);
        c.put("axes", axes);
        c.put("normalize", normalize);
        return c;
    }

    /**
     * Rebuilds from {@link #config()} ({@code axes} an integer or a pair).
     *
     * @param config the saved config
     * @return the layer
     */
    public static Dot fromConfig(Map<String, Object> config) {
        Object axes = config.get("axes");
        int a0;
        int a1;
        if (axes instanceof List<?> l) {
            if (l.size() != 2) {
                throw new IllegalArgumentException("Dot: axes must be an integer or a pair, got " + axes);
            }
            a0 = ((Number) l.get(0)).intValue();
            a1 = ((Number) l.get(1)).intValue();
        } else {
            a0 = ((Number) axes).intValue();
            a1 = a0;
        }
        boolean normalize = Boolean.TRUE.equals(config.get("normalize"));
        return Dense.restoreBase(new Dot(a0, a1, normalize, (String) config.get("name")), config);
    }
}
