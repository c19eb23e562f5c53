package dev.lamina.nn;

import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a recurrent layer forwards and a copy of it backwards over the sequence and merges the
 * two outputs, as {@code keras.layers.Bidirectional}. merge_mode: "concat" (default, last axis
 * 2H), "sum", "mul" or "ave". With return_sequences the backward outputs are flipped back into
 * time order before merging; behind a mask, the masked steps of returned sequences are zeros
 * (Keras forces zero_output_for_mask on the wrapped layers). The sub-layers are named forward_NAME
 * and backward_NAME.
 */
public final class Bidirectional extends Layer {
    private final RecurrentLayer<?> forward;
    private final RecurrentLayer<?> backward;
    private final String mergeMode;

    public Bidirectional(RecurrentLayer<?> layer) {
        this(layer, "concat", null);
    }

    public Bidirectional(RecurrentLayer<?> layer, String mergeMode, String name) {
        super(name != null ? name : uniqueName("bidirectional"));
        String m = mergeMode.toLowerCase(Locale.ROOT);
        if (!List.of("concat", "sum", "mul", "ave").contains(m)) {
            throw new IllegalArgumentException("Bidirectional: merge_mode must be concat, sum, mul or ave, got " + mergeMode);
        }
        if (layer.isBuilt()) {
            throw new IllegalArgumentException("Bidirectional: wrap a layer that has not been built yet");
        }
        this.mergeMode = m;
        this.forward = copy(layer, "forward_" + layer.name(), layer.goBackwards());
        this.backward = copy(layer, "backward_" + layer.name(), !layer.goBackwards());
        // as Keras's Bidirectional: behind a mask, masked steps of a returned sequence are zeros
        this.forward.zeroOutputForMask = forward.returnSequences();
        this.backward.zeroOutputForMask = backward.returnSequences();
        layer.close();
    }

    private static RecurrentLayer<?> copy(RecurrentLayer<?> l, String name, boolean backwards) {
        RecurrentLayer.RecurrentConfig c = l.options().copy(name, backwards);
        if (l instanceof LSTM) {
            return new LSTM(c);
        } else if (l instanceof GRU) {
            return new GRU(c);
        } else if (l instanceof SimpleRNN) {
            return new SimpleRNN(c);
        }
        throw new IllegalArgumentException("Bidirectional: cannot copy " + l.getClass().getSimpleName());
    }

    @Override
    protected void build(long[] inputShape) {
        forward.ensureBuilt(inputShape);
        backward.ensureBuilt(inputShape);
    }

    @Override
    protected long[] acceptedInputShape(long[] firstInputShape) {
        long[] s = firstInputShape.clone();
        s[1] = -1;
        return s;
    }

    @Override
    protected Tensor call(Tensor x, boolean training) {
        return call(x, null, training);
    }

    @Override
    protected Tensor call(Tensor x, Tensor mask, boolean training) {
        Tensor f = forward.apply(x, mask, training);
        Tensor b = backward.apply(x, mask, training);
        if (forward.returnSequences()) {
            b = RecurrentLayer.reverseTime(b);
        }
        switch (mergeMode) {
            case "sum":
                return f.add(b);
            case "mul":
                return f.mul(b);
            case "ave":
                return f.add(b).mul(0.5);
            default:
                return Tensor.concat(List.of(f, b), -1);
        }
    }

    @Override
    public Tensor computeMask(Tensor x, Tensor mask) {
        return forward.returnSequences() ? mask : null;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        long[] s = forward.outputShape(inputShape);
        if (mergeMode.equals("concat")) {
            s[s.length - 1] *= 2;
        }
        return s;
    }

    @Override
    public List<Variable> weights() {
        List<Variable> w = new ArrayList<>(forward.weights());
        w.addAll(backward.weights());
        return w;
    }

    @Override
    public List<Variable> trainableWeights() {
        if (!isTrainable()) {
            return List.of();
        }
        List<Variable> w = new ArrayList<>(forward.trainableWeights());
        w.addAll(backward.trainableWeights());
        return w;
    }

    @Override
    public List<Variable> nonTrainableWeights() {
        if (!isTrainable()) {
            return weights();
        }
        List<Variable> w = new ArrayList<>(forward.nonTrainableWeights());
        w.addAll(backward.nonTrainableWeights());
        return w;
    }

    @Override
    public long countParams() {
        return forward.countParams() + backward.countParams();
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        Map<String, Object> inner = new java.util.LinkedHashMap<>();
        inner.put("class_name", forward.className());
        Map<String, Object> fc = forward.config();
        fc.put("name", forward.name().substring("forward_".length()));
        inner.put("config", fc);
        c.put("layer", inner);
        c.put("merge_mode", mergeMode);
        return c;
    }

    @SuppressWarnings("unchecked")
    public static Bidirectional fromConfig(Map<String, Object> c) {
        Map<String, Object> inner = (Map<String, Object>) c.get("layer");
        Layer l = Layers.fromConfig((String) inner.get("class_name"), (Map<String, Object>) inner.get("config"));
        if (!(l instanceof RecurrentLayer<?> r)) {
            throw new IllegalArgumentException("Bidirectional: wrapped layer must be recurrent, got " + l.className());
        }
        return Dense.restoreBase(new Bidirectional(r, (String) c.getOrDefault("merge_mode", "concat"), (String) c.get("name")), c);
    }

    @Override
    public void close() {
        forward.close();
        backward.close();
    }
}
