package dev.lamina.losses;

import dev.lamina.tensor.Tensor;
import java.util.Map;

/**
 * Huber loss, as {@code keras.losses.Huber}: with {@code e = y_pred − y_true} and δ = delta,
 * <pre>
 *   h(e) = ½·e²              if |e| ≤ δ
 *   h(e) = δ·|e| − ½·δ²      otherwise
 * </pre>
 * per sample the mean of h over the last axis, then the mean over the batch. Computed as
 * {@code q = min(|e|, δ); h = ½·q² + δ·(|e| − q)}, which is the same function with the same
 * gradient ({@code e} inside, {@code δ·sign(e)} outside).
 */
public final class Huber extends BaseLoss {
    private final double delta;

    /** Keras's default delta = 1.0. */
    public Huber() {
        this(1.0);
    }

    public Huber(double delta) {
        if (!(delta > 0) || Double.isInfinite(delta)) {
            throw new IllegalArgumentException("Huber: delta must be a finite positive number, got " + delta);
        }
        this.delta = delta;
    }

    public double delta() {
        return delta;
    }

    @Override
    protected Tensor perSampleAligned(Tensor yTrue, Tensor yPred) {
        Tensor absErr = yPred.sub(yTrue).abs();
        Tensor q = absErr.minimum(delta);
        Tensor linear = absErr.sub(q);
        return q.square().mul(0.5).add(linear.mul(delta)).mean(-1);
    }

    @Override
    public String name() {
        return "huber";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = baseConfig("huber_loss");
        c.put("delta", delta);
        return c;
    }
}
