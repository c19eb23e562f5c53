package dev.lamina.models;

import dev.lamina.nn.Layer;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The Keras-style table {@link Model#summary()} prints: layers, output shapes, parameter counts. */
final class ModelSummary {
    private ModelSummary() {
    }

    /** The summary text of {@code model}; {@code shapes} (one per shown layer, or null) are the output shapes. */
    static String of(Model model, List<Layer> layers, List<long[]> shapes) {
        StringBuilder sb = new StringBuilder();
        String line = "_".repeat(65) + "\n";
        String dline = "=".repeat(65) + "\n";
        sb.append("Model: \"").append(model.name()).append("\"\n").append(line);
        sb.append(String.format(Locale.ROOT, " %-28s%-26s%-9s%n", "Layer (type)", "Output Shape", "Param #"));
        sb.append(dline);
        List<Layer> shown = new ArrayList<>();
        for (Layer l : layers) {
            if (!(l instanceof dev.lamina.nn.Input)) {
                shown.add(l);
            }
        }
        for (int i = 0; i < shown.size(); i++) {
            Layer l = shown.get(i);
            String shape = shapes == null || shapes.get(i) == null ? "?" : Layer.shapeStr(shapes.get(i));
            sb.append(String.format(Locale.ROOT, " %-28s%-26s%-9s%n", column(l.name() + " (" + l.className() + ")", 28),
                    column(shape, 26), String.format(Locale.ROOT, "%,d", l.countParams())));
            sb.append(i == shown.size() - 1 ? "" : "\n");
        }
        long trainable = 0;
        for (Variable v : model.trainableWeights()) {
            trainable += Shapes.numel(v.shape());
        }
        long total = model.countParams();
        sb.append(dline);
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", total));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainable));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", total - trainable));
        sb.append(line);
        return sb.toString();
    }

    /** The text, padded by the format to {@code width}; a longer one keeps a space before the next column. */
    private static String column(String text, int width) {
        return text.length() >= width ? text + " " : text;
    }
}
