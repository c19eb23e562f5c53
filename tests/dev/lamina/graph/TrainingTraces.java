package dev.lamina.graph;

import dev.lamina.tensor.Variable;
import dev.lamina.testing.LogCapture;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/** What the traced-training tests compare: a model's weights after a fit, and what the graph package logged. */
final class TrainingTraces {
    private TrainingTraces() {
    }

    /** Each weight's values, in the model's order (for bitwise comparison of two fits). */
    static float[][] weights(List<Variable> w) {
        float[][] out = new float[w.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = w.get(i).toFloatArray();
        }
        return out;
    }

    /** The messages the graph package logs while r runs (a traced step sent back to eager execution logs why). */
    static List<String> logged(Runnable r) {
        return LogCapture.messages(Logger.getLogger("dev.lamina.graph"), r);
    }
}
