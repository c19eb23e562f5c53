package dev.lamina.callbacks;

import dev.lamina.models.Model;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stops training when a monitored quantity has stopped improving, as
 * {@code keras.callbacks.EarlyStopping} (Keras 3 semantics):
 *
 * <pre>{@code
 * model.fit(x, y, new FitOptions().epochs(100).validationSplit(0.2)
 *         .callbacks(new EarlyStopping().monitor("val_loss").patience(5).restoreBestWeights(true)));
 * }</pre>
 *
 * <p>After each epoch with value v of {@code monitor}: v is an improvement when it beats the best
 * so far by more than {@code minDelta} (v &lt; best − minDelta in MIN mode, v &gt; best + minDelta in
 * MAX mode, starting from best = ±∞, so the first finite value is one). The wait counter is incremented every epoch and reset to 0
 * on an improvement that also beats {@code baseline} (when one is set); when it reaches
 * {@code patience} (and the epoch is not the first) training stops. So patience 0 stops at the
 * first epoch without improvement, and patience p lets p epochs pass without improvement.
 *
 * <p>With {@code restoreBestWeights}, the weights are copied at each improvement (and at the first
 * monitored epoch) and written back when training ends — whether or not it stopped early — then
 * the copies are freed. A missing monitor key warns once on stderr, listing the keys, and the
 * callback does nothing for that epoch.
 *
 * <p>Defaults as Keras: monitor val_loss, minDelta 0, patience 0, mode AUTO (see
 * {@link MonitorMode}), no baseline, restoreBestWeights false, startFromEpoch 0.
 */
public class EarlyStopping extends Callback {
    private String monitor = "val_loss";
    private double minDelta = 0;
    private int patience = 0;
    private MonitorMode mode = MonitorMode.AUTO;
    private double baseline = Double.NaN;
    private boolean restoreBestWeights = false;
    private int startFromEpoch = 0;

    private MonitorMode resolved;
    private int wait;
    private int stoppedEpoch;
    private int bestEpoch;
    private double best;
    private List<Variable> bestWeights;
    private boolean warned;

    public EarlyStopping() {
    }

    /** The log key to watch (val_loss by default). */
    public EarlyStopping monitor(String monitor) {
        this.monitor = MonitorMode.checkMonitor("EarlyStopping", monitor);
        return this;
    }

    /** The smallest change that counts as an improvement (its absolute value is used, as Keras). */
    public EarlyStopping minDelta(double minDelta) {
        if (!Double.isFinite(minDelta)) {
            throw new IllegalArgumentException("EarlyStopping: minDelta must be finite, got " + minDelta);
        }
        this.minDelta = Math.abs(minDelta);
        return this;
    }

    /** Epochs without improvement after which training stops. */
    public EarlyStopping patience(int patience) {
        if (patience < 0) {
            throw new IllegalArgumentException("EarlyStopping: patience must be >= 0, got " + patience);
        }
        this.patience = patience;
        return this;
    }

    public EarlyStopping mode(MonitorMode mode) {
        this.mode = MonitorMode.checkMode("EarlyStopping", mode);
        return this;
    }

    /** A value the monitor must beat before the wait counter resets (NaN: none). */
    public EarlyStopping baseline(double baseline) {
        this.baseline = baseline;
        return this;
    }

    /** Write back the best epoch's weights when training ends. */
    public EarlyStopping restoreBestWeights(boolean restore) {
        this.restoreBestWeights = restore;
        return this;
    }

    /** Epochs (0-based) before which nothing is monitored: a warm-up. */
    public EarlyStopping startFromEpoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("EarlyStopping: startFromEpoch must be >= 0, got " + epoch);
        }
        this.startFromEpoch = epoch;
        return this;
    }

    /** The epoch (0-based) at which training was stopped, or 0 when it was not (as Keras). */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    /** The epoch (0-based) with the best monitored value so far. */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** The best monitored value so far (±∞ before any). */
    public double best() {
        return best;
    }

    /** Epochs since the last counted improvement. */
    public int waitCount() {
        return wait;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        resolved = mode.resolve(monitor);
        wait = 0;
        stoppedEpoch = 0;
        bestEpoch = 0;
        best = resolved.worst();
        freeBestWeights();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        if (resolved == null) {
            onTrainBegin(logs); // driven without fit's onTrainBegin
        }
        Double current = logs.get(monitor);
        if (current == null) {
            if (!warned) {
                warned = true;
                System.err.println("EarlyStopping: early stopping conditioned on metric '" + monitor
                        + "' which is not available. Available metrics are: " + String.join(",", logs.keySet()));
            }
            return;
        }
        if (epoch < startFromEpoch) {
            return;
        }
        if (restoreBestWeights && bestWeights == null) {
            bestWeights = copyWeights(model());
            bestEpoch = epoch;
        }
        wait++;
        if (resolved.improves(current, best, minDelta)) {
            best = current;
            bestEpoch = epoch;
            if (restoreBestWeights) {
                freeBestWeights();
                bestWeights = copyWeights(model());
            }
            if (Double.isNaN(baseline) || resolved.improves(current, baseline, minDelta)) {
                wait = 0;
            }
            return;
        }
        if (wait >= patience && epoch > 0) {
            stoppedEpoch = epoch;
            model().stopTraining();
        }
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs) {
        if (restoreBestWeights && bestWeights != null) {
            model().setWeights(new ArrayList<Tensor>(bestWeights));
        }
        freeBestWeights();
    }

    /** Copies of the weights owned by this callback: Variables, so no scope frees them early. */
    static List<Variable> copyWeights(Model model) {
        List<Variable> out = new ArrayList<>();
        try (Scope s = Scope.open()) {
            List<Tensor> ws = model.getWeights();
            for (int i = 0; i < ws.size(); i++) {
                out.add(new Variable(ws.get(i), "best_weights/" + i, false));
            }
        }
        return out;
    }

    private void freeBestWeights() {
        if (bestWeights != null) {
            for (Variable v : bestWeights) {
                v.close();
            }
            bestWeights = null;
        }
    }
}
