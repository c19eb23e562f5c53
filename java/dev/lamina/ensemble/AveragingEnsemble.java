package dev.lamina.ensemble;

import dev.lamina.models.Model;
import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Averages the predictions of trained models, equally or with weights (given, or from each
 * member's validation loss: w ∝ 1/loss).
 */
public final class AveragingEnsemble {
    private final List<Model> members;
    private final double[] weights;

    /** Equal weights. */
    public AveragingEnsemble(List<Model> members) {
        this(members, null);
    }

    /** Given weights (normalised to sum 1), or null for equal weights. */
    public AveragingEnsemble(List<Model> members, double[] weights) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("AveragingEnsemble: no members");
        }
        if (weights != null && weights.length != members.size()) {
            throw new IllegalArgumentException("AveragingEnsemble: " + weights.length + " weights for " + members.size() + " members");
        }
        this.members = List.copyOf(members);
        double[] w = new double[members.size()];
        if (weights == null) {
            java.util.Arrays.fill(w, 1.0 / members.size());
        } else {
            double total = 0;
            for (double v : weights) {
                if (!(v >= 0) || Double.isInfinite(v)) {
                    throw new IllegalArgumentException("AveragingEnsemble: weights must be finite and >= 0, got "
                            + java.util.Arrays.toString(weights));
                }
                total += v;
            }
            if (total == 0) {
                throw new IllegalArgumentException("AveragingEnsemble: weights are all zero");
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = weights[i] / total;
            }
        }
        this.weights = w;
    }

    /** Weights w ∝ 1 / (validation loss of each member on (xVal, yVal)); the members must be compiled. */
    public static AveragingEnsemble weightedByValidation(List<Model> members, Tensor xVal, Tensor yVal) {
        double[] losses = new double[members.size()];
        for (int i = 0; i < losses.length; i++) {
            Map<String, Double> r = members.get(i).evaluate(xVal, yVal);
            losses[i] = r.get("loss");
        }
        return new AveragingEnsemble(members, Ensembles.weightsFromScores(losses, true));
    }

    /** The members' weights, normalised to sum 1. */
    public double[] weights() {
        return weights.clone();
    }

    public List<Model> members() {
        return members;
    }

    /** The weighted mean of the members' predictions (in the caller's scope). */
    public Tensor predict(Tensor x) {
        return Ensembles.combinePredictions(members, x, preds -> Ensembles.weightedAverage(preds, weights));
    }
}
