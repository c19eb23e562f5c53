/**
 * Training callbacks with Keras semantics and defaults: {@link dev.lamina.callbacks.EarlyStopping},
 * {@link dev.lamina.callbacks.ModelCheckpoint}, {@link dev.lamina.callbacks.ReduceLROnPlateau},
 * {@link dev.lamina.callbacks.LearningRateScheduler}, {@link dev.lamina.callbacks.CSVLogger},
 * {@link dev.lamina.callbacks.TerminateOnNaN} and {@link dev.lamina.callbacks.LambdaCallback}.
 *
 * <h2>Writing a callback</h2>
 * Extend {@link dev.lamina.callbacks.Callback} and override the hooks you need. {@code fit}
 * calls {@code setModel} first, then {@code onTrainBegin}; per epoch {@code onEpochBegin}, per
 * batch {@code onBatchBegin} / {@code onBatchEnd} (logs: the running {@code loss} and metrics of
 * the epoch so far), {@code onEpochEnd} (logs: {@code loss}, each metric by name, and with
 * validation data {@code val_loss}, {@code val_<metric>}); finally {@code onTrainEnd}. Epochs and
 * batches count from 0. {@code model().stopTraining()} ends training (after the current batch
 * when called from a batch hook, after the epoch from an epoch hook). Tensors a callback keeps
 * beyond one call are its own to close (see {@link dev.lamina.tensor.Scope}).
 *
 * <p>{@code fit} sees callbacks through {@link dev.lamina.models.TrainingListener}, the hooks
 * without the model, which {@code Callback} implements: the dependency runs one way, from this
 * package to {@code models}, while {@code model()} still returns the {@code Model} itself, as in
 * Keras (chosen over a narrower model interface, which would have taken {@code predict},
 * {@code save} and the weights away from callbacks).
 *
 * <pre>{@code
 * // Stops once the training loss falls below a target, and remembers when.
 * public final class StopAtLoss extends Callback {
 *     private final double target;
 *     private int reachedAt = -1;
 *
 *     public StopAtLoss(double target) {
 *         this.target = target;
 *     }
 *
 *     @Override
 *     public void onEpochEnd(int epoch, Map<String, Double> logs) {
 *         Double loss = logs.get("loss");
 *         if (loss != null && loss < target) {
 *             reachedAt = epoch;
 *             model().stopTraining();
 *         }
 *     }
 *
 *     public int reachedAt() {
 *         return reachedAt;
 *     }
 * }
 *
 * model.fit(x, y, new FitOptions().epochs(500).callbacks(new StopAtLoss(1e-3)));
 * }</pre>
 */
package dev.lamina.callbacks;
