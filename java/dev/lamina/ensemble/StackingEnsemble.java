package dev.lamina.ensemble;

import dev.lamina.models.FitOptions;
import dev.lamina.models.Model;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Stacking: base models' out-of-fold predictions become the features of a meta-learner.
 *
 * <p>{@link #fit} splits the samples into k contiguous folds (chronological data stays in
 * order). For each fold and each base factory a fresh model is trained on the other folds and
 * predicts the held-out fold; these out-of-fold predictions, concatenated along the last axis,
 * train the meta-learner, so it never sees a prediction made on a model's own training data.
 * Finally each base model is retrained on all samples for use at prediction time.
 */
public final class StackingEnsemble implements AutoCloseable {
    private final List<Supplier<Model>> baseFactories;
    private final Supplier<Model> metaFactory;
    private final int folds;
    private final FitOptions baseFit;
    private final FitOptions metaFit;
    private final List<Model> bases = new ArrayList<>();
    private Model meta;

    /**
     * @param baseFactories each returns a new compiled base model
     * @param metaFactory returns a new compiled meta-learner taking the concatenated base predictions
     * @param folds k ≥ 2
     */
    public StackingEnsemble(List<Supplier<Model>> baseFactories, Supplier<Model> metaFactory, int folds,
                            FitOptions baseFit, FitOptions metaFit) {
        if (baseFactories.isEmpty()) {
            throw new IllegalArgumentException("StackingEnsemble: no base models");
        }
        if (folds < 2) {
            throw new IllegalArgumentException("StackingEnsemble: need at least 2 folds, got " + folds);
        }
        this.baseFactories = List.copyOf(baseFactories);
        this.metaFactory = metaFactory;
        this.folds = folds;
        this.baseFit = baseFit;
        this.metaFit = metaFit;
    }

    /** Trains the base models (k-fold, then on everything) and the meta-learner. */
    public void fit(Tensor x, Tensor y) {
        long n = x.dim(0);
        if (y.dim(0) != n) {
            throw new IllegalArgumentException("StackingEnsemble.fit: x has " + n + " samples, y has " + y.dim(0));
        }
        if (n < folds) {
            throw new IllegalArgumentException("StackingEnsemble.fit: " + n + " samples cannot make " + folds + " folds");
        }
        close();
        try (Scope s = Scope.open()) {
            List<Tensor> oofPerBase = new ArrayList<>();
            for (Supplier<Model> factory : baseFactories) {
                List<Tensor> parts = new ArrayList<>();
                for (int f = 0; f < folds; f++) {
                    long lo = n * f / folds;
                    long hi = n * (f + 1) / folds;
                    List<Tensor> trX = new ArrayList<>();
                    List<Tensor> trY = new ArrayList<>();
                    if (lo > 0) {
                        trX.add(x.slice(0, 0, lo));
                        trY.add(y.slice(0, 0, lo));
                    }
                    if (hi < n) {
                        trX.add(x.slice(0, hi, n));
                        trY.add(y.slice(0, hi, n));
                    }
                    try (Model m = factory.get()) {
                        m.fit(Tensor.concat(trX, 0), Tensor.concat(trY, 0), baseFit);
                        parts.add(m.predict(x.slice(0, lo, hi)));
                    }
                }
                oofPerBase.add(Tensor.concat(parts, 0));
            }
            Tensor metaX = Tensor.concat(oofPerBase, -1);
            meta = metaFactory.get();
            meta.fit(metaX, y, metaFit);
            for (Supplier<Model> factory : baseFactories) {
                Model m = factory.get();
                m.fit(x, y, baseFit);
                bases.add(m);
            }
        }
    }

    /** The meta-learner's prediction from the base models' predictions (in the caller's scope). */
    public Tensor predict(Tensor x) {
        if (meta == null) {
            throw new IllegalStateException("StackingEnsemble.predict: call fit first");
        }
        Tensor out;
        try (Scope s = Scope.open()) {
            List<Tensor> preds = new ArrayList<>();
            for (Model m : bases) {
                preds.add(m.predict(x));
            }
            out = s.keep(meta.predict(Tensor.concat(preds, -1)));
        }
        return out;
    }

    /** The base models retrained on all samples (after fit; owned by this ensemble). */
    public List<Model> bases() {
        return java.util.Collections.unmodifiableList(bases);
    }

    /** The meta-learner (after fit). */
    public Model meta() {
        return meta;
    }

    @Override
    public void close() {
        for (Model m : bases) {
            m.close();
        }
        bases.clear();
        if (meta != null) {
            meta.close();
            meta = null;
        }
    }
}
