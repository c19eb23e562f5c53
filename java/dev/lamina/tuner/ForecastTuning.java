package dev.lamina.tuner;

import dev.lamina.data.TimeSeriesSplit;
import dev.lamina.forecast.ForecastSettings;
import dev.lamina.forecast.Forecaster;
import dev.lamina.forecast.SeriesData;
import dev.lamina.forecast.WarmStart;
import dev.lamina.tuner.HyperParameter.Sampling;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dengue forecaster's search space and trial, used by {@code lamina tune}. The forecaster is
 * used through one narrow door, settings → {@link Forecaster#trainAndEvaluate} → its metrics: a
 * trial trains on the first part of the training weeks and scores on the rest (a chronological
 * validation split: {@code validationFraction} of the training weeks, default 0.2); the test weeks
 * (the last {@code 1 − trainFraction} of the series) are cut off before the search and never seen.
 *
 * <p>Space: window ∈ {12, 20, 26, 52} weeks, units ∈ {16, 32, 64, 128}, layers ∈ {1, 2}, dropout (the
 * forecaster's {@code --dropout}: a Dropout layer after each LSTM layer) ∈
 * {0, 0.1, 0.2, 0.3}, learning rate in [1e-4, 1e-2] (log; a grid search takes 1e-4, 1e-3, 1e-2),
 * batch size ∈ {16, 32, 64}, transform ∈ {log1p, none}. Objective: {@code val_mae}, the mean
 * absolute error in cases on the validation weeks (minimised).
 */
public final class ForecastTuning {
    /** The objective of the search. */
    public static final Objective OBJECTIVE = new Objective("val_mae", "min");

    /** The windows of the space, in weeks. */
    static final List<Integer> WINDOWS = List.of(12, 20, 26, 52);

    /** Where a trial's execution directory holds its trained forecaster ({@link Forecaster#save}). */
    public static final String SAVED = "forecaster";

    private ForecastTuning() {
    }

    /** A trial's settings: {@code base} with the trial's values. */
    public static ForecastSettings settings(ForecastSettings base, HyperParameters hp) {
        ForecastSettings s = copy(base);
        s.window = ((Number) hp.get("window")).intValue();
        s.units = ((Number) hp.get("units")).intValue();
        s.layers = ((Number) hp.get("layers")).intValue();
        s.dropout = ((Number) hp.get("dropout")).doubleValue();
        s.learningRate = ((Number) hp.get("learning_rate")).doubleValue();
        s.batchSize = ((Number) hp.get("batch_size")).intValue();
        s.transform = (String) hp.get("transform");
        return s;
    }

    /**
     * The search space; {@code grid} gives the learning rate a ×10 step (1e-4, 1e-3, 1e-2) so that a
     * grid search can enumerate it.
     */
    public static HyperParameters space(boolean grid) {
        HyperParameters hp = new HyperParameters();
        hp.Choice("window", WINDOWS);
        hp.Choice("units", List.of(16, 32, 64, 128));
        hp.Int("layers", 1, 2);
        hp.Choice("dropout", List.of(0.0, 0.1, 0.2, 0.3));
        hp.Float("learning_rate", 1e-4, 1e-2, grid ? 10.0 : null, Sampling.LOG);
        hp.Choice("batch_size", List.of(16, 32, 64));
        hp.Choice("transform", List.of("log1p", "none"));
        return hp;
    }

    /** The training weeks of {@code data} (the first {@code base.trainFraction}, exactly the forecaster's train part). */
    public static SeriesData trainingWeeks(ForecastSettings base, SeriesData data) {
        int end = TimeSeriesSplit.chronological(data.length(), base.trainFraction, 0.0).train().end();
        return new SeriesData(Arrays.copyOfRange(data.rows(), 0, end), data.columns(),
                data.dates() == null ? null : data.dates().subList(0, end), data.source() + " (training weeks)");
    }

    /**
     * A trial: the forecaster trained with the trial's settings and seed on the first
     * {@code 1 − validationFraction} of {@code trainingWeeks}, scored on the rest. Training stops
     * early as {@code lamina forecast} does: on the validation loss of the last
     * {@code base.validationSplit} of the trial's training windows, with {@code base.patience}
     * (0, or a validation split of 0: every epoch is trained), restoring the best epoch's weights;
     * the trial's validation weeks are never seen by training or early stopping. Reports the
     * training and early-stopping losses per epoch and, with the last epoch, val_mae, val_rmse and
     * the persistence baseline's val_persistence_mae on the validation weeks. The trained
     * forecaster (its members at their kept epoch, its input scaling and calibration) is saved in
     * the execution's directory as {@code forecaster/} ({@link #SAVED}). A promoted Hyperband trial
     * ({@code tuner/trial_id}) starts its members from the forecaster its parent saved
     * ({@link WarmStart}) and trains only {@code tuner/epochs − tuner/initial_epoch} more epochs,
     * early stopping included, as KerasTuner's Hyperband continues a trial. The body is
     * serialisable (settings and data travel as plain values), so trials can run on a remote
     * {@link TrialExecutor}.
     */
    public static Tuner.TrialBody body(ForecastSettings base, SeriesData trainingWeeks, double validationFraction) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in (0, 1), got " + validationFraction);
        }
        checkSplit(base, trainingWeeks.length(), validationFraction);
        return new Body(base, trainingWeeks, validationFraction);
    }

    /**
     * Refuses a validation fraction that leaves a trial of the space's largest window too few weeks
     * to train on (the forecaster's own rule: at least 4 windows, and 2 of them for early stopping
     * with a validation split) or fewer validation weeks than the horizon, before any trial runs.
     */
    private static void checkSplit(ForecastSettings base, int weeks, double validationFraction) {
        if (!(base.validationSplit >= 0 && base.validationSplit < 1)) {
            throw new IllegalArgumentException("validation split of the settings must be in [0, 1), got " + base.validationSplit);
        }
        int w = WINDOWS.get(WINDOWS.size() - 1);
        int h = base.horizon;
        int trainEnd = TimeSeriesSplit.chronological(weeks, 1.0 - validationFraction, 0.0).train().end();
        if (!trainable(base, trainEnd, w)) {
            int needed = trainEnd;
            while (!trainable(base, needed, w)) {
                needed++;
            }
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "validation fraction %s leaves %d of the "
                    + "%d training weeks to train a trial on; a %d-week window %d week(s) ahead needs at least %d",
                    validationFraction, trainEnd, weeks, w, h, needed));
        }
        if (weeks - trainEnd < h) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "validation fraction %s leaves %d of the "
                    + "%d training weeks to score a trial on, fewer than the %d week(s) ahead it forecasts", validationFraction,
                    weeks - trainEnd, weeks, h));
        }
    }

    /** Whether {@code weeks} weeks give a forecaster with window {@code w} its training and early-stopping windows. */
    private static boolean trainable(ForecastSettings base, int weeks, int w) {
        int windows = weeks - base.horizon - w + 1;
        int nTrain = (int) Math.floor(windows * (1.0 - base.validationSplit));
        return windows >= 4 && nTrain >= 1 && (base.validationSplit == 0 || windows - nTrain >= 2);
    }

    /** The forecaster's trial as a named, serialisable class (its fields are plain values). */
    private static final class Body implements Tuner.TrialBody, Serializable {
        private static final long serialVersionUID = 1L;
        private final HashMap<String, Object> settings;
        private final int verbose;
        private final double[][] rows;
        private final ArrayList<String> columns;
        private final ArrayList<LocalDate> dates;
        private final String source;
        private final double validationFraction;

        Body(ForecastSettings base, SeriesData data, double validationFraction) {
            this.settings = new HashMap<>(base.toMap());
            this.verbose = base.verbose;
            this.rows = data.rows();
            this.columns = new ArrayList<>(data.columns());
            this.dates = data.dates() == null ? null : new ArrayList<>(data.dates());
            this.source = data.source();
            this.validationFraction = validationFraction;
        }

        @Override
        public void run(HyperParameters hp, Tuner.TrialContext ctx) {
            ForecastSettings base = ForecastSettings.fromMap(settings);
            base.verbose = verbose;
            SeriesData trainingWeeks = new SeriesData(rows, columns, dates, source);
            ForecastSettings s = settings(base, hp);
            s.trainFraction = 1.0 - validationFraction;
            s.folds = 0; // the trial's own holdout scores it: no cross-validation inside
            s.verbose = 0;
            s.seed = ctx.seed();
            Object hyperbandEpochs = hp.values().get("tuner/epochs");   // Hyperband: this round's epochs
            if (hyperbandEpochs != null) {
                s.epochs = ((Number) hyperbandEpochs).intValue();
            }
            WarmStart start = warmStart(hp, ctx);
            if (start != null) {   // the parent trained tuner/initial_epoch of them: this trial trains the rest
                s.epochs -= ((Number) hp.values().get("tuner/initial_epoch")).intValue();
                if (s.epochs < 1) {
                    throw new IllegalArgumentException("trial " + ctx.trial().id() + ": tuner/epochs " + hyperbandEpochs
                            + " is not above tuner/initial_epoch " + hp.values().get("tuner/initial_epoch"));
                }
            }
            Forecaster.Evaluation[] ev = new Forecaster.Evaluation[1];
            try (Forecaster f = Forecaster.trainAndEvaluate(s, trainingWeeks, new PrintStream(OutputStream.nullOutputStream()), ev,
                    start)) {
                if (start != null) {
                    start.checkScaling(f);
                }
                f.save(ctx.directory().resolve(SAVED));   // what a promoted trial continues (and a trial's forecaster to load)
                List<Double> loss = ev[0].history().get("loss");
                List<Double> stopLoss = ev[0].history().get("val_loss");
                for (int e = 0; e < loss.size(); e++) {
                    Map<String, Double> logs = new LinkedHashMap<>();
                    logs.put("loss", loss.get(e));
                    if (stopLoss != null) {
                        logs.put("early_stopping_loss", stopLoss.get(e));
                    }
                    if (e == loss.size() - 1) {
                        Map<String, Double> lstm = ev[0].metrics().get("lstm");
                        logs.put("val_mae", lstm.get("mae"));
                        logs.put("val_rmse", lstm.get("rmse"));
                        logs.put("val_persistence_mae", ev[0].metrics().get("persistence").get("mae"));
                    }
                    ctx.report(logs);
                }
            }
        }
    }

    /**
     * A promoted Hyperband trial's start: the forecaster its parent saved, or null for a trial that
     * is not promoted (or whose parent saved none, as in a tuner directory of an older Lamina: it
     * then trains afresh for the round's epochs, as the model tuner does without a checkpoint).
     */
    private static WarmStart warmStart(HyperParameters hp, Tuner.TrialContext ctx) {
        if (hp.values().get("tuner/trial_id") == null || ctx.parentDirectory() == null) {
            return null;
        }
        Path saved = ctx.parentDirectory().resolve(SAVED);
        return Files.isDirectory(saved) ? WarmStart.from(saved) : null;
    }

    /** A field-by-field copy of the settings (via their saved form). */
    static ForecastSettings copy(ForecastSettings s) {
        ForecastSettings c = ForecastSettings.fromMap(s.toMap());
        c.verbose = s.verbose;
        return c;
    }
}
