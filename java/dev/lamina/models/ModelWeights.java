package dev.lamina.models;

import dev.lamina.autograd.GradientTape;
import dev.lamina.nn.Layer;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's weights gathered from its layers, in layer order: the lists, the parameter count,
 * copies out, assignment in, and the regularization penalty. Documented where {@code Model}
 * exposes them.
 */
final class ModelWeights {
    private ModelWeights() {
    }

    static List<Variable> weights(List<Layer> layers) {
        List<Variable> w = new ArrayList<>();
        for (Layer l : layers) {
            w.addAll(l.weights());
        }
        return w;
    }

    static List<Variable> trainableWeights(List<Layer> layers) {
        List<Variable> w = new ArrayList<>();
        for (Layer l : layers) {
            w.addAll(l.trainableWeights());
        }
        return w;
    }

    static List<Variable> nonTrainableWeights(List<Layer> layers) {
        List<Variable> w = new ArrayList<>();
        for (Layer l : layers) {
            w.addAll(l.nonTrainableWeights());
        }
        return w;
    }

    static long countParams(List<Layer> layers) {
        long n = 0;
        for (Layer l : layers) {
            n += l.countParams();
        }
        return n;
    }

    static List<Tensor> getWeights(List<Variable> weights) {
        List<Tensor> out = new ArrayList<>();
        for (Variable v : weights) {
            out.add(GradientTape.noGrad(() -> v.cast(v.dtype()).add(Tensor.zeros(v.backend(), v.dtype()))));
        }
        return out;
    }

    static void setWeights(String modelName, List<Variable> w, List<Tensor> values) {
        if (values.size() != w.size()) {
            throw new IllegalArgumentException(modelName + ".setWeights: " + values.size() + " values for " + w.size()
                    + " weights");
        }
        for (int i = 0; i < w.size(); i++) {
            w.get(i).assign(values.get(i));
        }
    }

    static Tensor regularizationLoss(List<Layer> layers) {
        Tensor total = null;
        for (Layer l : layers) {
            Tensor r = l.regularizationLoss();
            if (r != null) {
                total = total == null ? r : total.add(r);
            }
        }
        return total;
    }
}
