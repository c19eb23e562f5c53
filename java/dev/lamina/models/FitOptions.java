package dev.lamina.models;

import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The options of {@link Model#fit}, with Keras names and defaults: epochs 1, batch size 32,
 * shuffle true, no validation, verbose 1.
 *
 * <pre>{@code
 * model.fit(x, y, new FitOptions().epochs(100).batchSize(32).validationSplit(0.2).shuffle(false));
 * }</pre>
 */
public final class FitOptions {
    int epochs = 1;
    int batchSize = 32;
    double validationSplit = 0;
    Tensor[] validationX;
    Tensor[] validationY;
    boolean shuffle = true;
    final List<TrainingListener> callbacks = new ArrayList<>();
    int verbose = 1;
    int initialEpoch = 0;
    Long seed;
    Boolean graph;

    /**
     * Whether each training step runs as a traced graph (forward, loss, backward and optimizer
     * update replayed as one, see {@code dev.lamina.graph.Graph}). By default a step is traced when the
     * model, its layers, loss and optimizer are all library classes and {@code -Dlamina.graph} is not
     * false; true traces user classes too. Steps that cannot be traced run eagerly (logged once).
     *
     * @param on false to train eagerly
     * @return this
     */
    public FitOptions graph(boolean on) {
        this.graph = on;
        return this;
    }

    public FitOptions epochs(int epochs) {
        if (epochs < 0) {
            throw new IllegalArgumentException("fit: epochs must be >= 0, got " + epochs);
        }
        this.epochs = epochs;
        return this;
    }

    public FitOptions batchSize(int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("fit: batch size must be positive, got " + batchSize);
        }
        this.batchSize = batchSize;
        return this;
    }

    /** The last fraction of the samples (before any shuffling) is held out for validation. */
    public FitOptions validationSplit(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("fit: validation split must be in [0, 1), got " + fraction);
        }
        this.validationSplit = fraction;
        return this;
    }

    /** Explicit validation data (overrides validationSplit). */
    public FitOptions validationData(Tensor x, Tensor y) {
        return validationData(new Tensor[] {x}, y);
    }

    public FitOptions validationData(Tensor[] x, Tensor y) {
        return validationData(x, new Tensor[] {y});
    }

    /**
     * Validation data of a model with several inputs and outputs (one target per output).
     *
     * @param x one tensor per input
     * @param y one target per output
     * @return this
     */
    public FitOptions validationData(Tensor[] x, Tensor[] y) {
        this.validationX = x.clone();
        this.validationY = y == null ? null : y.clone();
        return this;
    }

    public FitOptions shuffle(boolean shuffle) {
        this.shuffle = shuffle;
        return this;
    }

    /**
     * Adds callbacks, called in the order given (usually {@link dev.lamina.callbacks.Callback}s).
     *
     * @param cbs the callbacks
     * @return this
     */
    public FitOptions callbacks(TrainingListener... cbs) {
        this.callbacks.addAll(Arrays.asList(cbs));
        return this;
    }

    /**
     * Adds callbacks, called in the order of the list.
     *
     * @param cbs the callbacks
     * @return this
     */
    public FitOptions callbacks(List<? extends TrainingListener> cbs) {
        this.callbacks.addAll(cbs);
        return this;
    }

    /** 0 silent, 1 progress bar (one line per epoch when not on a terminal), 2 one line per epoch. */
    public FitOptions verbose(int verbose) {
        if (verbose < 0 || verbose > 2) {
            throw new IllegalArgumentException("fit: verbose must be 0, 1 or 2, got " + verbose);
        }
        this.verbose = verbose;
        return this;
    }

    /** Epoch to start counting from (for resumed training). */
    public FitOptions initialEpoch(int initialEpoch) {
        this.initialEpoch = initialEpoch;
        return this;
    }

    /** Seed of the shuffling order (default: drawn from the global generator). */
    public FitOptions seed(long seed) {
        this.seed = seed;
        return this;
    }
}
