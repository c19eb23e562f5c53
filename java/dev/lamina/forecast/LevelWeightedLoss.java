package dev.lamina.forecast;

import dev.lamina.losses.BaseLoss;
import dev.lamina.losses.Loss;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * A per-window weighted form of a Keras loss, for {@link ForecastSettings#levelWeight}: the targets
 * carry one extra trailing column, the window's weight w_i (see {@link ForecastWindows#levelWeights}),
 * and the loss is (1/n) Σ_i w_i · ℓ_i, ℓ_i the base loss of window i (its mean over the horizons).
 * With every weight 1 it equals the base loss. The networks train on scaled log counts while MAE
 * and WIS are scored on counts, where an error at an epidemic level weighs about (1 + y) times more;
 * the weights move the training loss towards that.
 */
final class LevelWeightedLoss implements Loss {
    private final BaseLoss base;
    private final int horizon;

    /**
     * @param base the per-window loss (mean squared error, mean absolute error or huber)
     * @param horizon the network's outputs per window; the targets have horizon + 1 columns
     */
    LevelWeightedLoss(Loss base, int horizon) {
        if (!(base instanceof BaseLoss b)) {
            throw new IllegalArgumentException("level-weighted loss: " + base.name() + " has no per-sample form");
        }
        if (horizon < 1) {
            throw new IllegalArgumentException("level-weighted loss: horizon must be >= 1, got " + horizon);
        }
        this.base = b;
        this.horizon = horizon;
    }

    @Override
    public Tensor compute(Tensor yTrue, Tensor yPred) {
        if (yTrue.rank() != 2 || yPred.rank() != 2 || yTrue.dim(1) != horizon + 1 || yPred.dim(1) != horizon
                || yTrue.dim(0) != yPred.dim(0)) {
            throw new IllegalArgumentException("level-weighted loss: targets (n, " + (horizon + 1) + ") (the last column the"
                    + " weights) and predictions (n, " + horizon + ") expected, got " + Shapes.str(yTrue.shape()) + " and "
                    + Shapes.str(yPred.shape()));
        }
        long n = yTrue.dim(0);
        Tensor t = yTrue.slice(1, 0, horizon);
        Tensor w = yTrue.slice(1, horizon, horizon + 1).reshape(n);
        return base.perSample(t, yPred).mul(w).mean();
    }

    @Override
    public String name() {
        return "level_weighted_" + base.name();
    }

    @Override
    public Map<String, Object> config() {
        return Map.of("name", name(), "horizon", horizon);
    }
}
