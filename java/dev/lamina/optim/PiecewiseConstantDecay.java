package dev.lamina.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Piecewise constant learning rate, as {@code keras.optimizers.schedules.PiecewiseConstantDecay}:
 * with boundaries b₀ &lt; b₁ &lt; … &lt; bₙ₋₁ and values v₀ … vₙ,
 * <pre>
 *   lr(step) = v₀   for step ≤ b₀
 *            = vᵢ   for bᵢ₋₁ &lt; step ≤ bᵢ
 *            = vₙ   for step &gt; bₙ₋₁
 * </pre>
 */
public final class PiecewiseConstantDecay implements LearningRateSchedule {
    private final long[] boundaries;
    private final double[] values;

    public PiecewiseConstantDecay(long[] boundaries, double[] values) {
        if (values.length != boundaries.length + 1) {
            throw new IllegalArgumentException("PiecewiseConstantDecay: need one more value than boundaries, got "
                    + boundaries.length + " boundaries and " + values.length + " values");
        }
        for (int i = 1; i < boundaries.length; i++) {
            if (boundaries[i] <= boundaries[i - 1]) {
                throw new IllegalArgumentException("PiecewiseConstantDecay: boundaries must increase strictly, got "
                        + java.util.Arrays.toString(boundaries));
            }
        }
        for (double v : values) {
            Slots.requireNonNegative("PiecewiseConstantDecay", "every value", v);
        }
        this.boundaries = boundaries.clone();
        this.values = values.clone();
    }

    @Override
    public double at(long step) {
        for (int i = 0; i < boundaries.length; i++) {
            if (step <= boundaries[i]) {
                return values[i];
            }
        }
        return values[values.length - 1];
    }

    @Override
    public Map<String, Object> config() {
        List<Object> b = new ArrayList<>();
        for (long x : boundaries) {
            b.add(x);
        }
        List<Object> v = new ArrayList<>();
        for (double x : values) {
            v.add(x);
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("boundaries", b);
        c.put("values", v);
        c.put("name", "PiecewiseConstant");
        return LearningRateSchedules.wrap("PiecewiseConstantDecay", c);
    }
}
