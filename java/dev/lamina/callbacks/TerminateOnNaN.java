package dev.lamina.callbacks;

import java.util.Map;

/**
 * Stops training as soon as the loss becomes NaN or infinite, as
 * {@code keras.callbacks.TerminateOnNaN}: after each batch it reads {@code loss} from the logs
 * (the running mean of the epoch, so one non-finite batch loss makes it non-finite) and, when it
 * is not finite, prints {@code Batch N: Invalid loss, terminating training} and asks the model to
 * stop: fit ends the epoch after that batch and trains no further epochs.
 */
public class TerminateOnNaN extends Callback {
    private int terminatedEpoch = -1;
    private int terminatedBatch = -1;
    private int epoch;

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        terminatedEpoch = -1;
        terminatedBatch = -1;
    }

    @Override
    public void onEpochBegin(int epoch, Map<String, Double> logs) {
        this.epoch = epoch;
    }

    @Override
    public void onBatchEnd(int batch, Map<String, Double> logs) {
        Double loss = logs.get("loss");
        if (loss != null && !Double.isFinite(loss)) {
            System.out.println("Batch " + batch + ": Invalid loss, terminating training");
            terminatedEpoch = epoch;
            terminatedBatch = batch;
            model().stopTraining();
        }
    }

    /** Whether training was terminated. */
    public boolean terminated() {
        return terminatedBatch >= 0;
    }

    /** The epoch (0-based) in which training was terminated, or -1. */
    public int terminatedEpoch() {
        return terminatedEpoch;
    }

    /** The batch (0-based, within its epoch) after which training was terminated, or -1. */
    public int terminatedBatch() {
        return terminatedBatch;
    }
}
