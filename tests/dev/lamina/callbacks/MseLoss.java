package dev.lamina.callbacks;

import dev.lamina.losses.Loss;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import java.util.Arrays;

/** Test double: mean((ŷ − y)²); with {@code poison} set it returns NaN (to drive TerminateOnNaN). */
final class MseLoss implements Loss {
    volatile boolean poison;

    @Override
    public Tensor compute(Tensor yTrue, Tensor yPred) {
        if (!Arrays.equals(yTrue.shape(), yPred.shape())) {
            throw new IllegalArgumentException("mse: y_true " + Shapes.str(yTrue.shape()) + " vs y_pred " + Shapes.str(yPred.shape()));
        }
        Tensor l = yPred.sub(yTrue).square().mean();
        return poison ? l.mul(Double.NaN) : l;
    }

    @Override
    public String name() {
        return "mean_squared_error";
    }
}
