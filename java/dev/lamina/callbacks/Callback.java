package dev.lamina.callbacks;

import dev.lamina.models.Model;
import java.util.Map;

/**
 * Hooks into {@link Model#fit}, as Keras callbacks: override the ones you need. {@code logs}
 * maps metric names (loss, mae, val_loss, val_mae, lr, ...) to values; epoch numbers start at 0.
 * A callback may stop training with {@code model().stopTraining()}.
 */
public abstract class Callback {
    private Model model;

    /** Called by fit before training starts. */
    public void setModel(Model model) {
        this.model = model;
    }

    /** The model being trained. */
    public Model model() {
        return model;
    }

    public void onTrainBegin(Map<String, Double> logs) {
    }

    public void onTrainEnd(Map<String, Double> logs) {
    }

    public void onEpochBegin(int epoch, Map<String, Double> logs) {
    }

    /** After each epoch, with that epoch's training and validation metrics. */
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
    }

    public void onBatchBegin(int batch, Map<String, Double> logs) {
    }

    /** After each training batch, with the running loss and metrics of the epoch so far. */
    public void onBatchEnd(int batch, Map<String, Double> logs) {
    }
}
