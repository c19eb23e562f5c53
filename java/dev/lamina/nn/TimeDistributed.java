package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Applies a layer to every time step independently, as {@code keras.layers.TimeDistributed}:
 * [B, T, ...] is folded to [B·T, ...], run through the inner layer (one set of weights shared by
 * all steps), and unfolded to [B, T, ...].
 */
public final class TimeDistributed extends Layer {
    private final Layer inner;

    public TimeDistributed(Layer inner) {
        this(inner, null);
    }

    public TimeDistributed(Layer inner, String name) {
        super(name != null ? name : uniqueName("time_distributed"));
        this.inner = inner;
    }

    private static long[] innerShape(long[] s) {
        long[] r = new long[s.length - 1];
        r[0] = -1;
        System.arraycopy(s, 2, r, 1, s.length - 2);
        return r;
    }

    @Override
    protected void build(long[] inputShape) {
        if (inputShape.length < 3) {
            throw new IllegalArgumentException(name() + ": expected input [batch, time, ...], got " + shapeStr(inputShape));
        }
        inner.ensureBuilt(innerShape(inputShape));
    }

    @Override
    protected long[] acceptedInputShape(long[] firstInputShape) {
        long[] s = firstInputShape.clone();
        s[1] = -1;
        return s;
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        long b = x.dim(0);
        long t = x.dim(1);
        long[] folded = x.shape();
        long[] f = Arrays.copyOfRange(folded, 1, folded.length);
        f[0] = b * t;
        Tensor y = inner.apply(x.reshape(f), training);
        long[] ys = y.shape();
        long[] out = new long[ys.length + 1];
        out[0] = b;
        out[1] = t;
        System.arraycopy(ys, 1, out, 2, ys.length - 1);
        return y.reshape(out);
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        long[] o = inner.outputShape(innerShape(inputShape));
        long[] out = new long[o.length + 1];
        out[0] = inputShape[0];
        out[1] = inputShape[1];
        System.arraycopy(o, 1, out, 2, o.length - 1);
        return out;
    }

    @Override
    public List<Variable> weights() {
        return inner.weights();
    }

    @Override
    public List<Variable> trainableWeights() {
        return isTrainable() ? inner.trainableWeights() : List.of();
    }

    @Override
    public List<Variable> nonTrainableWeights() {
        return isTrainable() ? inner.nonTrainableWeights() : inner.weights();
    }

    @Override
    public long countParams() {
        return inner.countParams();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        Map<String, Object> l = new java.util.LinkedHashMap<>();
        l.put("class_name", inner.className());
        l.put("config", inner.config());
        c.put("layer", l);
        return c;
    }

    @SuppressWarnings("unchecked")
    public static TimeDistributed fromConfig(Map<String, Object> c) {
        Map<String, Object> l = (Map<String, Object>) c.get("layer");
        return Dense.restoreBase(new TimeDistributed(Layers.fromConfig((String) l.get("class_name"),
                (Map<String, Object>) l.get("config")), (String) c.get("name")), c);
    }

    @Override
    public void close() {
        inner.close();
    }
}
