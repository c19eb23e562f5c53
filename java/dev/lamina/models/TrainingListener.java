package dev.lamina.models;

import java.util.Map;

/**
 * What {@link Model#fit} calls during training: the hooks of a Keras callback, as the trainer sees
 * them. Users extend {@link dev.lamina.callbacks.Callback}, which implements this interface and
 * keeps the model for {@code model().stopTraining()}; the interface lives here so that the
 * {@code models} package does not depend on {@code callbacks} (the dependency runs one way,
 * callbacks to models).
 *
 * <p>Order: {@link #setModel}, {@link #onTrainBegin}; per epoch {@link #onEpochBegin}, per batch
 * {@link #onBatchBegin} and {@link #onBatchEnd}, then {@link #onEpochEnd}; finally
 * {@link #onTrainEnd}. Epochs and batches count from 0. Every hook does nothing by default.
 */
public interface TrainingListener {

    /**
     * Called by fit before training starts.
     *
     * @param model the model being trained
     */
    default void setModel(Model model) {
    }

    /**
     * Before the first epoch.
     *
     * @param logs empty
     */
    default void onTrainBegin(Map<String, Double> logs) {
    }

    /**
     * After the last epoch (and after an optimizer's weight averages are written back).
     *
     * @param logs the last epoch's metrics
     */
    default void onTrainEnd(Map<String, Double> logs) {
    }

    /**
     * Before each epoch.
     *
     * @param epoch the epoch, from 0 (or the initial epoch)
     * @param logs empty
     */
    default void onEpochBegin(int epoch, Map<String, Double> logs) {
    }

    /**
     * After each epoch.
     *
     * @param epoch the epoch
     * @param logs that epoch's training metrics (loss, each metric by name) and, with validation
     *     data, val_loss and val_ followed by each metric's name
     */
    default void onEpochEnd(int epoch, Map<String, Double> logs) {
    }

    /**
     * Before each training batch.
     *
     * @param batch the batch of the epoch, from 0
     * @param logs empty
     */
    default void onBatchBegin(int batch, Map<String, Double> logs) {
    }

    /**
     * After each training batch.
     *
     * @param batch the batch of the epoch, from 0
     * @param logs the running loss and metrics of the epoch so far
     */
    default void onBatchEnd(int batch, Map<String, Double> logs) {
    }
}
