package dev.lamina.forecast;

import dev.lamina.losses.Losses;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Dropout;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.PrintStream;

/**
 * One ensemble member: its network, its seed, and its training on a set of windows (the one
 * member-training step of every training path: the folds, the refit, the early-stopped split and
 * warm starts).
 */
final class Members {
    private Members() {
    }

    /** One member: LSTM(units) × layers → Dropout → Dense(32, relu) → Dense(horizon), compiled with Adam. */
    static Sequential buildModel(ForecastSettings s, int features) {
        Sequential m = new Sequential("dengue_lstm");
        m.add(new Input(s.window, features));
        for (int i = 0; i < s.layers; i++) {
            boolean last = i == s.layers - 1;
            m.add(new LSTM(s.units).returnSequences(!last));
            if (s.dropout > 0) {
                m.add(new Dropout(s.dropout));
            }
        }
        m.add(new Dense(32, "relu"));
        m.add(new Dense(s.horizon));
        m.compile(new Adam(s.learningRate), Losses.get(s.loss));
        return m;
    }

    /** The seed of ensemble member k: members of different seeds never share one. */
    static long memberSeed(long seed, int k) {
        return seed + 1_000_003L * k;
    }

    /**
     * A member network built from {@code seed}: seeding and building hold the global generator's lock
     * together, because parallel trainings (lamina tune) share it.
     */
    static Sequential seededModel(ForecastSettings s, int width, long seed) {
        synchronized (Rng.class) {
            Rng.setGlobalSeed(seed);
            return buildModel(s, width);
        }
    }

    /** A trained member, its history, the optimizer steps it took and its fit time in seconds. */
    record Member(Sequential model, History history, long steps, double seconds) {
    }

    /**
     * Builds a member from {@code seed} ({@link #seededModel}) and fits it on n windows (inputs x
     * [n, window, width], targets y [n, horizon], or [n, horizon + 1] with each window's weight last
     * when settings.levelWeight &gt; 0: see {@link LevelWeightedLoss}) for at most {@code epochs} epochs; the one
     * member-training step of both training paths. {@code configure} adds validation data,
     * callbacks or another verbosity to the options; with {@code summary} non-null the model's
     * summary is printed there first. The model is closed if fitting fails.
     */
    static Member fitMember(ForecastSettings s, int width, long seed, float[] x, float[] y, int n, int epochs,
            java.util.function.Consumer<FitOptions> configure, PrintStream summary) {
        return fitMember(s, seededModel(s, width, seed), width, seed, x, y, n, epochs, configure, summary);
    }

    /**
     * As the overload above, fitting a model already built for inputs of {@code width} features (a fresh
     * one, or a warm start's).
     */
    static Member fitMember(ForecastSettings s, Sequential m, int width, long seed, float[] x, float[] y, int n, int epochs,
            java.util.function.Consumer<FitOptions> configure, PrintStream summary) {
        try (Scope scope = Scope.open()) {
            if (summary != null) {
                m.setOutput(summary);
                m.summary();
            }
            long t0 = System.nanoTime();
            FitOptions fo = new FitOptions().epochs(epochs).batchSize(s.batchSize).shuffle(s.shuffle)
                    .verbose(s.verbose > 1 ? 1 : 0).seed(seed);
            configure.accept(fo);
            boolean weighted = s.levelWeight > 0;
            int columns = weighted ? s.horizon + 1 : s.horizon;
            if (y.length != (long) n * columns) {
                throw new IllegalArgumentException("forecaster: " + y.length + " targets for " + n + " windows, expected " + columns
                        + " per window" + (weighted ? " (the horizons and the level weight)" : ""));
            }
            if (weighted) {
                m.compile(new Adam(s.learningRate), new LevelWeightedLoss(Losses.get(s.loss), s.horizon));
            }
            History hist = m.fit(Tensor.of(x, n, s.window, width), Tensor.of(y, n, columns), fo);
            if (weighted) {
                // the trained member keeps a named Keras loss, so that its saved form loads anywhere
                m.compile(new Adam(s.learningRate), Losses.get(s.loss));
            }
            long steps = (long) hist.get("loss").size() * ((n + s.batchSize - 1) / s.batchSize);
            return new Member(m, hist, steps, (System.nanoTime() - t0) / 1e9);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }
}
