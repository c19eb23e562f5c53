package dev.lamina.tuner;

import dev.lamina.callbacks.Callback;
import dev.lamina.models.FitOptions;
import dev.lamina.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The {@code fit} arguments of {@link Tuner#search(Tensor, Tensor, SearchOptions)}, as the keyword
 * arguments of KerasTuner's {@code tuner.search(x, y, epochs=..., validation_data=..., callbacks=...)}.
 * Callbacks are stateful, so they are given as a factory called once per execution (KerasTuner
 * deep-copies them); every execution is seeded by the tuner ({@code FitOptions.seed}).
 */
public final class SearchOptions implements Serializable {
    private static final long serialVersionUID = 1L;
    int epochs = 1;
    int batchSize = 32;
    double validationSplit;
    transient Tensor validationX;   // travels to remote trials as the tuner's host copy
    transient Tensor validationY;
    boolean shuffle = true;
    int verbose;
    Supplier<List<Callback>> callbacks = (Supplier<List<Callback>> & Serializable) List::of;

    public SearchOptions epochs(int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("search: epochs must be at least 1, got " + epochs);
        }
        this.epochs = epochs;
        return this;
    }

    public SearchOptions batchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("search: batch size must be positive, got " + batchSize);
        }
        this.batchSize = batchSize;
        return this;
    }

    /** The last fraction of x/y (not shuffled) validates, as Keras's validation_split. */
    public SearchOptions validationSplit(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("search: validation split must be in [0, 1), got " + fraction);
        }
        this.validationSplit = fraction;
        return this;
    }

    public SearchOptions validationData(Tensor x, Tensor y) {
        if (x == null || y == null) {
            throw new IllegalArgumentException("search: validation data needs both x and y");
        }
        this.validationX = x;
        this.validationY = y;
        return this;
    }

    public SearchOptions shuffle(boolean shuffle) {
        this.shuffle = shuffle;
        return this;
    }

    /** fit's verbosity inside trials (default 0: the tuner prints one line per trial). */
    public SearchOptions verbose(int verbose) {
        this.verbose = verbose;
        return this;
    }

    /**
     * Callbacks for every execution, e.g. {@code () -> List.of(new EarlyStopping().patience(3))}.
     * For trials on a remote {@link TrialExecutor} the factory must be serialisable, e.g.
     * {@code (Supplier<List<Callback>> & Serializable) () -> List.of(...)}.
     */
    public SearchOptions callbacks(Supplier<List<Callback>> factory) {
        if (factory == null) {
            throw new IllegalArgumentException("search: callbacks factory is null");
        }
        this.callbacks = factory;
        return this;
    }

    /** The FitOptions of one execution. */
    FitOptions fitOptions(int epochs, int initialEpoch, long seed, Tensor vx, Tensor vy, List<Callback> extra) {
        FitOptions f = new FitOptions().epochs(epochs).initialEpoch(initialEpoch).batchSize(batchSize).shuffle(shuffle)
                .verbose(verbose).seed(seed);
        if (vx != null) {
            f.validationData(vx, vy);
        } else if (validationSplit > 0) {
            f.validationSplit(validationSplit);
        }
        List<Callback> cbs = new ArrayList<>(callbacks.get());
        cbs.addAll(extra);
        return f.callbacks(cbs);
    }
}
