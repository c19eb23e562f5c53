package dev.lamina.optim;

import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.Map;

/**
 * Adagrad, as {@code keras.optimizers.Adagrad} (Keras 3 update). With gradient g:
 * <pre>
 *   acc ← acc + g²                 (acc starts at initial_accumulator_value)
 *   w   ← w − lr·g / √(acc + ε)
 * </pre>
 * Defaults: learning_rate 0.001, initial_accumulator_value 0.1, epsilon 1e-7.
 */
public final class Adagrad extends Optimizer {
    private final double initialAccumulatorValue;
    private final double epsilon;

    /** Keras defaults. */
    public Adagrad() {
        this(0.001);
    }

    public Adagrad(double learningRate) {
        this(learningRate, 0.1, 1e-7);
    }

    public Adagrad(double learningRate, double initialAccumulatorValue, double epsilon) {
        super(learningRate);
        this.initialAccumulatorValue = initialAccumulatorValue;
        this.epsilon = epsilon;
        validate();
    }

    public Adagrad(LearningRateSchedule schedule, double initialAccumulatorValue, double epsilon) {
        super(schedule);
        this.initialAccumulatorValue = initialAccumulatorValue;
        this.epsilon = epsilon;
        validate();
    }

    private void validate() {
        Slots.requireNonNegative("Adagrad", "initial_accumulator_value", initialAccumulatorValue);
        Slots.requireNonNegative("Adagrad", "epsilon", epsilon);
    }

    public double initialAccumulatorValue() {
        return initialAccumulatorValue;
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public String name() {
        return "Adagrad";
    }

    @Override
    protected Tensor[] createSlots(Variable v) {
        return new Tensor[] {Slots.like(v, "accumulator", initialAccumulatorValue)};
    }

    @Override
    protected void update(Variable w, Tensor g, Tensor[] slots, double lr, long step) {
        Slots.run(() -> {
            Variable acc = (Variable) slots[0];
            acc.assignAdd(g.square());
            w.assignSub(g.mul(lr).div(acc.add(epsilon).sqrt()));
        });
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("initial_accumulator_value", initialAccumulatorValue);
        c.put("epsilon", epsilon);
        return c;
    }
}
