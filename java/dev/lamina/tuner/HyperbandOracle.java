package dev.lamina.tuner;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hyperband (Li et al. 2018) as KerasTuner schedules it: with R = {@code maxEpochs}, η =
 * {@code factor}, s_max = ⌊log_η R⌋ and e = ⌈1 + log_η R⌉, bracket b = s_max, ..., 0 starts
 * ⌈e/(b + 1) · η^b⌉ random configurations trained for ⌈R/η^b⌉ epochs; each round keeps
 * the best 1/η of the previous one and trains them η times longer (round r: ⌈e/(b + 1) ·
 * η^(b−r)⌉ trials, ⌈R/η^(b−r)⌉ epochs), until R. The whole schedule repeats
 * {@code hyperbandIterations} times and stops early at {@code maxTrials}.
 *
 * <p>A trial's values carry KerasTuner's bookkeeping entries: {@code tuner/epochs},
 * {@code tuner/initial_epoch}, {@code tuner/bracket}, {@code tuner/round} and, for a promoted
 * trial, {@code tuner/trial_id} (the trial it continues: the model tuner loads that trial's saved
 * weights and trains from {@code tuner/initial_epoch}; {@code lamina tune}'s forecaster trial starts
 * from the forecaster that trial saved and trains the remaining epochs). A round reads only the finished previous
 * round, so the schedule does not depend on parallelism.
 */
public final class HyperbandOracle extends Oracle {
    private final int maxEpochs;
    private final int factor;
    private final int iterations;
    private final List<int[]> slots = new ArrayList<>();      // {bracket, round, position, roundStart}

    /**
     * @param maxEpochs R, the most epochs a configuration is trained (at least 1)
     * @param factor η, the reduction factor (at least 2)
     * @param iterations times the whole schedule repeats (at least 1)
     */
    public HyperbandOracle(Objective objective, int maxTrials, long seed, int maxEpochs, int factor, int iterations) {
        super(objective, maxTrials, seed);
        if (maxEpochs < 1) {
            throw new IllegalArgumentException("Hyperband: max_epochs must be at least 1, got " + maxEpochs);
        }
        if (factor < 2) {
            throw new IllegalArgumentException("Hyperband: factor must be at least 2, got " + factor);
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("Hyperband: hyperband_iterations must be at least 1, got " + iterations);
        }
        this.maxEpochs = maxEpochs;
        this.factor = factor;
        this.iterations = iterations;
        int sMax = 0;
        for (long p = factor; p <= maxEpochs; p *= factor) {
            sMax++;
        }
        int index = 0;
        for (int it = 0; it < iterations; it++) {
            for (int b = sMax; b >= 0; b--) {
                for (int r = 0; r <= b; r++) {
                    int start = index;
                    for (int k = 0; k < size(b, r); k++) {
                        slots.add(new int[] {b, r, k, start});
                        index++;
                    }
                }
            }
        }
    }

    /** KerasTuner's round size: ⌈⌈1 + log_η R⌉/(b + 1) · η^(b−r)⌉. */
    private int size(int b, int r) {
        double end = Math.ceil(1 + Math.log(maxEpochs) / Math.log(factor) - 1e-9);
        return (int) Math.ceil(end / (b + 1) * Math.pow(factor, b - r) - 1e-9);
    }

    private int epochs(int b, int r) {
        return (int) Math.ceil(maxEpochs / Math.pow(factor, b - r) - 1e-9);
    }

    /** The number of trials in the full schedule. */
    public int scheduledTrials() {
        return slots.size();
    }

    @Override
    public String name() {
        return "hyperband";
    }

    @Override
    protected Map<String, Object> config() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max_epochs", maxEpochs);
        m.put("factor", factor);
        m.put("hyperband_iterations", iterations);
        return m;
    }

    @Override
    protected int requiredFinished(int index) {
        if (index >= slots.size()) {
            return 0;
        }
        int[] s = slots.get(index);
        return s[1] == 0 ? 0 : s[3];
    }

    @Override
    protected Map<String, Object> propose(int index, List<Trial> earlier) {
        if (index >= slots.size()) {
            return null;
        }
        int[] s = slots.get(index);
        int b = s[0];
        int r = s[1];
        Map<String, Object> values = null;
        if (r > 0) {
            int prevStart = slots.get(s[3] - 1)[3];
            List<Trial> prev = new ArrayList<>();
            for (Trial t : earlier) {
                if (t.index() >= prevStart && t.index() < s[3] && t.status() == Trial.Status.COMPLETED && t.score() != null
                        && !t.score().isNaN()) {
                    prev.add(t);
                }
            }
            Comparator<Trial> byScore = (x, y) -> Double.compare(objective().toMinimize(x.score()),
                    objective().toMinimize(y.score()));
            prev.sort(byScore.thenComparingInt(Trial::index));
            if (s[2] < prev.size()) {
                Trial parent = prev.get(s[2]);
                values = new LinkedHashMap<>();
                for (Map.Entry<String, Object> e : parent.values().entrySet()) {
                    if (!e.getKey().startsWith("tuner/")) {
                        values.put(e.getKey(), e.getValue());
                    }
                }
                values.put("tuner/trial_id", parent.id());
                values.put("tuner/initial_epoch", epochs(b, r - 1));
            }
        }
        if (values == null) {   // round 0, or fewer finished trials than promotions (failures)
            values = freshRandomValues(rng(index, 3), earlier);
            if (values == null) {
                return null;
            }
            values.put("tuner/initial_epoch", 0);
        }
        values.put("tuner/epochs", epochs(b, r));
        values.put("tuner/bracket", b);
        values.put("tuner/round", r);
        return values;
    }
}
