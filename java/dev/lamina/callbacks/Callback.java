package dev.lamina.callbacks;

import dev.lamina.models.Model;
import dev.lamina.models.TrainingListener;
import java.util.Map;

/**
 * Hooks into {@link Model#fit}, as Keras callbacks: override the ones you need. {@code logs}
 * maps metric names (loss, mae, val_loss, val_mae, lr, ...) to values; epoch numbers start at 0.
 * A callback may stop training with {@code model().stopTraining()}.
 *
 * <p>{@code fit} sees a callback as a {@link TrainingListener} (so that {@code models} does not
 * depend on this package); this class adds the model it is given, for {@link #model()}.
 */
public abstract class Callback implements TrainingListener {
    private Model model;

    /**
     * Called by fit before training starts.
     *
     * @param model the model being trained, then returned by {@link #model()}
     */
    @Override
    public void setModel(Model model) {
        this.model = model;
    }

    /**
     * The model being trained.
     *
     * @return the model fit gave, or null before training
     */
    public Model model() {
        return model;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs) {
    }

    @Override
    public void onEpochBegin(int epoch, Map<String, Double> logs) {
    }

    /** After each epoch, with that epoch's training and validation metrics. */
    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
    }

    @Override
    public void onBatchBegin(int batch, Map<String, Double> logs) {
    }

    /** After each training batch, with the running loss and metrics of the epoch so far. */
    @Override
    public void onBatchEnd(int batch, Map<String, Double> logs) {
    }
}
