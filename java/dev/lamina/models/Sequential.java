package dev.lamina.models;

import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A linear stack of layers, as {@code keras.Sequential}:
 *
 * <pre>{@code
 * Sequential model = new Sequential(
 *         new Input(20, 1),
 *         new LSTM(64),
 *         new Dense(32, "relu"),
 *         new Dense(1));
 * model.compile(new Adam(1e-3), Losses.meanSquaredError());
 * }</pre>
 *
 * An {@link Input} first fixes the sample shape and builds every layer at once; without it the
 * layers are built on the first call.
 */
public class Sequential extends Model {
    private Input input;

    public Sequential() {
        this((String) null);
    }

    public Sequential(String name) {
        super(name != null ? name : Layer.uniqueName("sequential"));
    }

    public Sequential(Layer... layers) {
        this(Arrays.asList(layers));
    }

    public Sequential(List<? extends Layer> layers) {
        this((String) null);
        for (Layer l : layers) {
            add(l);
        }
    }

    /**
     * Appends a layer (an {@link Input} only as the first). A first layer with
     * {@link Layer#inputShape} gets an {@link Input} of that shape before it, as Keras's
     * {@code input_shape=}. Returns this.
     */
    public Sequential add(Layer layer) {
        long[] declared = layer.declaredInputShape();
        if (declared != null && !(layer instanceof Input)) {
            if (layers().isEmpty()) {
                add(new Input(declared));
            } else {
                checkDeclaredShape(layer, declared);
            }
        }
        if (layer instanceof Input in) {
            if (!allLayers().isEmpty()) {
                throw new IllegalArgumentException(name() + ": an Input can only be the first layer");
            }
            input = in;
            track(layer);
            layer.ensureBuilt(in.batchShape());
            return this;
        }
        long[] shape = input != null ? lastOutputShape() : null;
        track(layer);
        if (shape != null) {
            layer.ensureBuilt(shape);
        }
        return this;
    }

    /** inputShape on a later layer must agree with the shape reaching it, when that is known. */
    private void checkDeclaredShape(Layer layer, long[] declared) {
        long[] known = input != null ? lastOutputShape() : null;
        if (known == null) {
            return;
        }
        long[] sample = Arrays.copyOfRange(known, 1, known.length);
        boolean ok = sample.length == declared.length;
        for (int i = 0; ok && i < sample.length; i++) {
            ok = sample[i] == -1 || declared[i] == -1 || sample[i] == declared[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(name() + ": " + layer.name() + " declares input_shape " + Arrays.toString(declared)
                    + " but the layers before it give samples of shape " + Arrays.toString(sample));
        }
    }

    private long[] lastOutputShape() {
        long[] s = input.batchShape();
        for (Layer l : allLayers()) {
            if (l != input) {
                s = l.outputShape(s);
            }
        }
        return s;
    }

    /** The declared input (null without one). */
    public Input input() {
        return input;
    }

    @Override
    public Tensor call(Tensor[] inputs, boolean training) {
        if (inputs.length != 1) {
            throw new IllegalArgumentException(name() + ": a Sequential model takes one input, got " + inputs.length);
        }
        if (allLayers().isEmpty()) {
            throw new IllegalStateException(name() + ": the model has no layers");
        }
        Tensor x = inputs[0];
        Tensor mask = null;
        for (Layer l : allLayers()) {
            Tensor y = l.apply(x, mask, training);
            mask = l.computeMask(x, mask);
            x = y;
        }
        return x;
    }

    @Override
    protected List<long[]> layerOutputShapes() {
        long[] s = input != null ? input.batchShape() : null;
        List<long[]> out = new ArrayList<>();
        for (Layer l : allLayers()) {
            if (l == input) {
                continue;
            }
            if (s == null && l.isBuilt()) {
                s = l.builtInputShape();
            }
            s = s == null ? null : l.outputShape(s);
            out.add(s);
        }
        return out;
    }

    /** The architecture as Keras writes it: {"name", "layers": [{"class_name", "config"}, ...]}. */
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name());
        List<Object> ls = new ArrayList<>();
        for (Layer l : allLayers()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("class_name", l.className());
            e.put("config", l.config());
            if (l.isBuilt() && !(l instanceof Input)) {
                List<Object> shape = new ArrayList<>();
                for (long d : l.builtInputShape()) {
                    shape.add(d < 0 ? null : (Object) d);
                }
                e.put("build_input_shape", shape);
            }
            ls.add(e);
        }
        c.put("layers", ls);
        return c;
    }
}
