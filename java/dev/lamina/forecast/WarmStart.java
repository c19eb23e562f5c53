package dev.lamina.forecast;

import dev.lamina.models.Sequential;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a forecaster's members start training when not from fresh initial weights: the weights of
 * a saved forecaster (KerasTuner's Hyperband continues a promoted trial this way; so does
 * {@code lamina tune --oracle hyperband}). Member k starts from member k of the saved forecaster;
 * the optimizer starts afresh, as it does when Keras loads a checkpoint's weights.
 *
 * <p>The weights are copied to the heap when the forecaster is read, so a warm start holds no
 * tensors and needs no closing. The saved forecaster must have the architecture of the settings it
 * starts (window, horizon, units, layers, ensemble size; the input width is checked by the weights'
 * shapes) and, checked with {@link #checkScaling}, the same input scaling, so that its weights
 * mean the same thing in the new training.
 */
public final class WarmStart {
    private final Path source;
    private final ForecastSettings saved;
    private final Map<String, Object> scaling;
    /** Per member, per weight: the values and the shape. */
    private final List<List<float[]>> values;
    private final List<List<long[]>> shapes;

    private WarmStart(Path source, ForecastSettings saved, Map<String, Object> scaling, List<List<float[]>> values,
                      List<List<long[]>> shapes) {
        this.source = source;
        this.saved = saved;
        this.scaling = scaling;
        this.values = values;
        this.shapes = shapes;
    }

    /**
     * Reads the weights and input scaling of a forecaster saved with {@link Forecaster#save}.
     *
     * @param dir the saved forecaster's directory
     * @return the warm start
     * @throws IllegalArgumentException when {@code dir} holds no readable forecaster
     */
    public static WarmStart from(Path dir) {
        List<List<float[]>> values = new ArrayList<>();
        List<List<long[]>> shapes = new ArrayList<>();
        try (Scope scope = Scope.open(); Forecaster f = Forecaster.load(dir)) {
            for (Sequential m : f.members()) {
                List<float[]> v = new ArrayList<>();
                List<long[]> s = new ArrayList<>();
                for (Tensor w : m.getWeights()) {
                    if (w.dtype() != DType.FLOAT32) {
                        throw new IllegalArgumentException(dir + ": warm start: a weight of dtype " + w.dtype()
                                + " (float32 expected)");
                    }
                    v.add(w.toFloatArray());
                    s.add(w.shape());
                }
                values.add(v);
                shapes.add(s);
            }
            return new WarmStart(dir, f.settings(), f.features().toConfig(), values, shapes);
        }
    }

    /** The number of members saved. */
    public int members() {
        return values.size();
    }

    /**
     * Member {@code k} for settings {@code s}: built as {@code Members.buildModel} builds it (compiled, a fresh
     * optimizer), with member k's saved weights.
     *
     * @param s the settings of the training that starts
     * @param width the input width (features per week)
     * @param seed the member's seed (the weights drawn from it are overwritten)
     * @param k the member's index
     * @return the member, owned by the caller
     */
    Sequential member(ForecastSettings s, int width, long seed, int k) {
        check(s);
        Sequential m = Members.seededModel(s, width, seed);
        try (Scope scope = Scope.open()) {
            List<Tensor> w = new ArrayList<>();
            for (int i = 0; i < values.get(k).size(); i++) {
                w.add(Tensor.of(values.get(k).get(i), shapes.get(k).get(i)));
            }
            m.setWeights(w);
        } catch (RuntimeException e) {
            m.close();
            throw new IllegalArgumentException(source + ": warm start of member " + k + ": the saved weights do not fit "
                    + "the network (" + e.getMessage() + ")", e);
        }
        return m;
    }

    /** Refuses settings whose networks the saved weights do not fit, and cross-validated training (folds &gt; 0). */
    void check(ForecastSettings s) {
        if (s.window != saved.window || s.horizon != saved.horizon || s.units != saved.units || s.layers != saved.layers
                || s.ensemble != values.size()) {
            throw new IllegalArgumentException(source + ": warm start: the saved forecaster (window " + saved.window
                    + ", horizon " + saved.horizon + ", units " + saved.units + ", layers " + saved.layers + ", "
                    + values.size() + " members) does not match the settings (window " + s.window + ", horizon " + s.horizon
                    + ", units " + s.units + ", layers " + s.layers + ", ensemble " + s.ensemble + ")");
        }
        if (s.folds > 0) {
            throw new IllegalArgumentException(source + ": warm start needs folds 0 (a single validation split), got folds "
                    + s.folds);
        }
    }

    /**
     * Checks that a forecaster trained from this warm start scales its inputs as the saved one did
     * (the same data and settings give the same scaling; a changed series would not).
     *
     * @param trained the forecaster trained from this warm start
     * @throws IllegalStateException when the scalings differ
     */
    public void checkScaling(Forecaster trained) {
        Map<String, Object> now = trained.features().toConfig();
        if (!now.equals(scaling)) {
            throw new IllegalStateException(source + ": warm start: the saved forecaster scaled its inputs as " + scaling
                    + ", the new training as " + now + " (different data?)");
        }
    }
}
