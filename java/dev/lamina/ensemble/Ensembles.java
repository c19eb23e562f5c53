package dev.lamina.ensemble;

import dev.lamina.backend.Backends;
import dev.lamina.models.Model;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Combining the predictions of several models: plain and weighted averaging, weights from
 * validation scores, and majority voting.
 */
public final class Ensembles {
    private Ensembles() {
    }

    /**
     * {@code combine} of every member's predictions on x, computed in a scope of their own so only
     * the combined tensor reaches the caller's scope.
     */
    static Tensor combinePredictions(List<Model> members, Tensor x, Function<List<Tensor>, Tensor> combine) {
        try (Scope s = Scope.open()) {
            List<Tensor> preds = new ArrayList<>();
            for (Model m : members) {
                preds.add(m.predict(x));
            }
            return s.keep(combine.apply(preds));
        }
    }

    /** The element-wise mean of predictions of one shape. */
    public static Tensor average(List<Tensor> predictions) {
        double[] w = new double[predictions.size()];
        Arrays.fill(w, 1.0);
        return weightedAverage(predictions, w);
    }

    /**
     * Σ wᵢ·predᵢ / Σ wᵢ. Weights must be finite, non-negative and not all zero; predictions must
     * share shape, dtype and backend.
     */
    public static Tensor weightedAverage(List<Tensor> predictions, double[] weights) {
        if (predictions.isEmpty()) {
            throw new IllegalArgumentException("weightedAverage: no predictions");
        }
        if (weights.length != predictions.size()) {
            throw new IllegalArgumentException("weightedAverage: " + weights.length + " weights for " + predictions.size()
                    + " predictions");
        }
        double total = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("weightedAverage: weights must be finite and >= 0, got " + Arrays.toString(weights));
            }
            total += w;
        }
        if (total == 0) {
            throw new IllegalArgumentException("weightedAverage: weights are all zero");
        }
        long[] shape = predictions.get(0).shape();
        for (int i = 0; i < predictions.size(); i++) {
            Tensor p = predictions.get(i);
            if (!Arrays.equals(p.shape(), shape) || p.dtype() != predictions.get(0).dtype()
                    || p.backend() != predictions.get(0).backend()) {
                throw new IllegalArgumentException("weightedAverage: prediction " + i + " is " + p.dtype() + " "
                        + Shapes.str(p.shape()) + " on " + p.backend().name() + ", prediction 0 is "
                        + predictions.get(0).dtype() + " " + Shapes.str(shape) + " on " + predictions.get(0).backend().name());
            }
        }
        Tensor acc = null;
        for (int i = 0; i < predictions.size(); i++) {
            Tensor p = predictions.get(i);
            Tensor term = p.mul(weights[i] / total);
            if (acc == null) {
                acc = term;
            } else {
                Tensor next = acc.add(term);
                acc.close();
                term.close();
                acc = next;
            }
        }
        return acc;
    }

    /**
     * Weights from validation scores: for errors (lower is better) wᵢ = (1/errᵢ) / Σ 1/err; for
     * scores where higher is better wᵢ = scoreᵢ / Σ score. All values must be positive and finite.
     */
    public static double[] weightsFromScores(double[] scores, boolean lowerIsBetter) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("weightsFromScores: no scores");
        }
        double[] w = new double[scores.length];
        double sum = 0;
        for (int i = 0; i < scores.length; i++) {
            if (!(scores[i] > 0) || Double.isInfinite(scores[i])) {
                throw new IllegalArgumentException("weightsFromScores: scores must be positive and finite, got "
                        + Arrays.toString(scores));
            }
            w[i] = lowerIsBetter ? 1.0 / scores[i] : scores[i];
            sum += w[i];
        }
        for (int i = 0; i < w.length; i++) {
            w[i] /= sum;
        }
        return w;
    }

    /**
     * Majority vote over class predictions. Each prediction is either class probabilities/scores
     * [N, C] with C ≥ 2 (its vote is the argmax), a binary classifier's probabilities [N, 1] (its
     * vote is 1 when p ≥ 0.5, as Keras's binary accuracy threshold, else 0) or class ids [N]
     * (int). The result is int64 [N]; ties go to the smallest class id.
     */
    public static Tensor majorityVote(List<Tensor> predictions) {
        if (predictions.isEmpty()) {
            throw new IllegalArgumentException("majorityVote: no predictions");
        }
        for (int i = 0; i < predictions.size(); i++) {
            if (predictions.get(i).rank() < 1) {
                throw new IllegalArgumentException("majorityVote: prediction " + i + " is a scalar; expected [N, C] scores or [N] class ids");
            }
        }
        long n = predictions.get(0).dim(0);
        long[][] votes = new long[predictions.size()][];
        long classes = 0;
        for (int i = 0; i < predictions.size(); i++) {
            Tensor p = predictions.get(i);
            if (p.dim(0) != n) {
                throw new IllegalArgumentException("majorityVote: prediction " + i + " has " + p.dim(0) + " samples, prediction 0 has " + n);
            }
            if (p.rank() == 2 && p.dim(1) == 1 && p.dtype().isFloating()) {
                double[] prob = p.toDoubleArray();
                votes[i] = new long[prob.length];
                for (int k = 0; k < prob.length; k++) {
                    votes[i][k] = prob[k] >= 0.5 ? 1 : 0;
                }
                classes = Math.max(classes, 2);
            } else if (p.rank() == 2 && p.dtype().isFloating()) {
                try (Tensor am = p.argmax(1)) {
                    votes[i] = am.toLongArray();
                }
                classes = Math.max(classes, p.dim(1));
            } else if (p.rank() == 1 && p.dtype().isInteger()) {
                votes[i] = p.toLongArray();
            } else {
                throw new IllegalArgumentException("majorityVote: prediction " + i + " must be [N, C] scores or [N] class ids, got "
                        + p.dtype() + " " + Shapes.str(p.shape()));
            }
            for (long v : votes[i]) {
                if (v < 0) {
                    throw new IllegalArgumentException("majorityVote: negative class id " + v);
                }
                classes = Math.max(classes, v + 1);
            }
        }
        long[] out = new long[(int) n];
        long[] count = new long[(int) classes];
        for (int s = 0; s < n; s++) {
            Arrays.fill(count, 0);
            for (long[] v : votes) {
                count[(int) v[s]]++;
            }
            int best = 0;
            for (int c = 1; c < count.length; c++) {
                if (count[c] > count[best]) {
                    best = c;
                }
            }
            out[s] = best;
        }
        try (Backends.Use u = Backends.use(predictions.get(0).backend())) {
            return Tensor.of(out);
        }
    }
}
