package dev.lamina.forecast;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to forecast and how: the series (a bundled dengue city or any weekly CSV), the window, the
 * horizons and the model. Defaults: San Juan weekly total_cases, 10-week windows (lamina forecast:
 * 10 or 20 weeks, chosen per series by the rolling-origin folds), forecasts 1–4
 * weeks ahead, an ensemble of 5 networks LSTM(64) → Dense(32, relu) → Dense(4) trained with Adam
 * on mean squared error (batch 32, the epoch count up to 100 chosen by 3 rolling-origin folds in
 * the training weeks, then refit on all of them; no blend with persistence unless {@link #blend}),
 * chronological 80/20 train/test split; the choices between these defaults
 * and their alternatives were made on validation weeks (see bench/RESULTS.md).
 */
public final class ForecastSettings {
    /** The default {@link #window}, used when no candidates are compared. */
    public static final int DEFAULT_WINDOW = 10;

    /** "san_juan" or "iquitos" when the bundled data is used, else null. */
    public String city = "san_juan";
    /** A weekly CSV instead of a bundled city. */
    public Path csv;
    /** The target column of the CSV (the dengue data: total_cases). */
    public String target = "total_cases";
    /** Extra input columns of the CSV. */
    public List<String> features = new ArrayList<>();
    /** Bundled data: add weekly mean temperature and total precipitation from the station file. */
    public boolean weather;
    /**
     * Target transform before scaling: "none" or "log1p" (y' = ln(1 + y), for counts whose peaks
     * dwarf the quiet weeks; forecasts are mapped back with e^y' − 1).
     */
    public String transform = "log1p";
    /**
     * Predict the change from the last observed week instead of the level: the network learns
     * y[t+h] − y[t] (in scaled units) and the forecast is y[t] plus its output.
     */
    public boolean residual = true;
    /** Training loss, a Keras name: mean_squared_error (the workshop's), mean_absolute_error or huber. */
    public String loss = "mean_squared_error";
    /**
     * Power a of the per-window training weight (1 + y_t)^a, y_t the cases at the window's last
     * week, normalised to mean 1 ({@link LevelWeightedLoss}): errors at epidemic levels weigh more,
     * as they do in MAE and WIS on counts. 0 (every window weight 1) is the plain loss. Needs
     * rolling-origin folds.
     */
    public double levelWeight = 0;
    /**
     * Another bundled city whose training-period windows are added to every network's training windows
     * (scaled on their own, only weeks up to the last week each training step may read), or null:
     * one series only. {@link #poolData} holds its series while training.
     */
    public String poolCity;
    /** The series of {@link #poolCity}, loaded by the caller (not saved). */
    public transient SeriesData poolData;
    /** Weeks of history per forecast; with {@link #windowCandidates}, the one the folds chose (see bench/RESULTS.md). */
    public int window = DEFAULT_WINDOW;
    /**
     * Window lengths compared on the rolling-origin folds (with {@link #folds} &gt; 0): each is scored
     * by the folds like the epoch count, the best is used and the trained forecaster's settings hold
     * it in {@link #window}. Empty: {@link #window} is fixed. {@code lamina forecast} compares 10 and
     * 20 unless {@code --window} fixes one.
     */
    public List<Integer> windowCandidates = new ArrayList<>();
    /** The forecaster predicts 1, 2, …, horizon weeks ahead at once (one output per horizon). */
    public int horizon = 4;
    /** Maximum training epochs; early stopping on the validation loss usually ends training sooner. */
    public int epochs = 100;
    /**
     * Rolling-origin folds inside the training weeks ({@link RollingOrigin}): the epoch count, the
     * per-horizon blend weights and the quantile calibration come from their out-of-fold forecasts,
     * then the members are refit on all training weeks. 0: a single validation split with early
     * stopping instead ({@link #validationSplit}, {@link #patience}).
     */
    public int folds = 3;
    /** Epochs without a better validation loss before training stops (the best weights are kept); only with folds 0. */
    public int patience = 20;
    /**
     * Networks per rolling-origin fold, at most the ensemble (fewer than the ensemble, for the run
     * time); a training-time choice, not saved with the forecaster.
     */
    public int foldMembers = 3;
    /**
     * Bundled cities, rolling-origin folds: compare per horizon the folds' out-of-fold forecasts of a
     * cases-only ensemble and a weather ensemble ({@link #weather} on, {@link #smoothing} as set) and
     * report the per-horizon choice and its leave-one-block-out score (see
     * {@link CrossValidatedTraining}); for {@code --validation-only} (the two-ensemble forecaster
     * itself is not built). A training-time choice, not saved with the forecaster.
     */
    public boolean weatherPerHorizon;
    /** Members of the ensemble, each trained from its own seed; their forecasts are averaged. */
    public int ensemble = 5;
    /**
     * Combine the networks with a ridge autoregression ({@link Autoregression}) per horizon: the
     * forecast change is a_h·(networks) + b_h·(autoregression), the penalty and the weights chosen on
     * the rolling-origin folds ({@link ForecastCombination}). Needs folds; off by default (see
     * bench/RESULTS.md, sixth round).
     */
    public boolean autoregression;
    /**
     * With {@link #autoregression}: the autoregression's share m of the combined change α·((1 − m)·networks
     * + m·autoregression), fixed in [0, 1], or −1 (the default): chosen per horizon on the folds from 0, 0.1, …, 1.
     * A training-time choice, not saved with the forecaster.
     */
    public double arMix = -1;
    /**
     * With {@link #autoregression}: the ridge penalty per window, fixed (&gt; 0), or 0 (the default): chosen
     * per horizon on the folds from {@link Autoregression#PENALTIES}. A training-time choice, not saved.
     */
    public double arPenalty = 0;
    /**
     * Rolling-origin folds: blend each horizon's change with persistence by a weight α_h chosen on the
     * folds (true), or use the networks' change as it is (α_h = 1, false: the default since the sixth
     * round, where the chosen weights, judged leaving one fold block out, did worse than α = 1; see
     * bench/RESULTS.md). A training-time choice: the forecaster saves its weights either way.
     */
    public boolean blend = false;
    /** The ensemble's forecast is the median of its members' forecasts instead of their mean (off by default). */
    public boolean memberMedian;
    /**
     * Dropout rate of a Dropout layer after each LSTM layer (0 = none, the default, chosen on
     * validation weeks). The one dropout setting: {@code --dropout} and {@code lamina tune}'s
     * "dropout" hyperparameter both set it.
     */
    public double dropout = 0.0;
    /** Week-of-year inputs: sin and cos of 2π·(day of year)/365.25. */
    public boolean seasonal = false;
    /** Extra columns (weather, --features) enter as their trailing mean over this many weeks. */
    public int smoothing = 4;
    /** Quantile forecasts (the 23 forecast-hub levels) calibrated on the validation weeks. */
    public boolean quantiles = true;
    /** How validation residuals become quantiles: "scaled" or "constant" (see {@link ResidualCalibration}). */
    public String calibration = "scaled";
    /** Shuffle the training windows every epoch (chosen on validation weeks: see bench/RESULTS.md). */
    public boolean shuffle = true;
    public int batchSize = 32;
    public int units = 64;
    public int layers = 1;
    public double learningRate = 1e-3;
    public double trainFraction = 0.8;
    public double validationSplit = 0.2;
    public long seed = 42;
    public int verbose = 1;

    /** The JSON-compatible form saved beside a model. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("city", city);
        m.put("csv", csv == null ? null : csv.toString());
        m.put("target", target);
        m.put("features", new ArrayList<>(features));
        m.put("weather", weather);
        m.put("transform", transform);
        m.put("residual", residual);
        m.put("loss", loss);
        m.put("level_weight", levelWeight);
        m.put("pool_city", poolCity);
        m.put("window", window);
        m.put("window_candidates", new ArrayList<>(windowCandidates));
        m.put("horizon", horizon);
        m.put("epochs", epochs);
        m.put("patience", patience);
        m.put("folds", folds);
        m.put("ensemble", ensemble);
        m.put("autoregression", autoregression);
        m.put("member_median", memberMedian);
        m.put("dropout", dropout);
        m.put("seasonal", seasonal);
        m.put("smoothing", smoothing);
        m.put("quantiles", quantiles);
        m.put("calibration", calibration);
        m.put("shuffle", shuffle);
        m.put("batch_size", batchSize);
        m.put("units", units);
        m.put("layers", layers);
        m.put("learning_rate", learningRate);
        m.put("train_fraction", trainFraction);
        m.put("validation_split", validationSplit);
        m.put("seed", seed);
        return m;
    }

    @SuppressWarnings("unchecked")
    public static ForecastSettings fromMap(Map<String, Object> m) {
        ForecastSettings s = new ForecastSettings();
        s.city = (String) m.get("city");
        s.csv = m.get("csv") == null ? null : Path.of((String) m.get("csv"));
        s.target = (String) m.get("target");
        s.features = new ArrayList<>((List<String>) m.getOrDefault("features", List.of()));
        s.weather = Boolean.TRUE.equals(m.get("weather"));
        s.transform = (String) m.getOrDefault("transform", "none");
        s.residual = Boolean.TRUE.equals(m.get("residual"));
        s.loss = (String) m.getOrDefault("loss", "mean_squared_error");
        s.levelWeight = ((Number) m.getOrDefault("level_weight", 0.0)).doubleValue();
        s.poolCity = (String) m.get("pool_city");
        s.window = ((Number) m.get("window")).intValue();
        s.windowCandidates = new ArrayList<>();
        for (Object w : (List<?>) m.getOrDefault("window_candidates", List.of())) {
            s.windowCandidates.add(((Number) w).intValue());
        }
        s.horizon = ((Number) m.get("horizon")).intValue();
        s.epochs = ((Number) m.get("epochs")).intValue();
        s.patience = ((Number) m.getOrDefault("patience", s.patience)).intValue();
        s.folds = ((Number) m.getOrDefault("folds", 0)).intValue();
        s.ensemble = ((Number) m.getOrDefault("ensemble", 1)).intValue();
        s.autoregression = Boolean.TRUE.equals(m.get("autoregression"));
        s.memberMedian = Boolean.TRUE.equals(m.get("member_median"));
        s.dropout = ((Number) m.getOrDefault("dropout", 0.0)).doubleValue();
        s.seasonal = Boolean.TRUE.equals(m.get("seasonal"));
        s.smoothing = ((Number) m.getOrDefault("smoothing", 1)).intValue();
        s.quantiles = Boolean.TRUE.equals(m.get("quantiles"));
        s.shuffle = Boolean.TRUE.equals(m.get("shuffle"));
        s.calibration = String.valueOf(m.getOrDefault("calibration", "constant"));
        s.batchSize = ((Number) m.get("batch_size")).intValue();
        s.units = ((Number) m.get("units")).intValue();
        s.layers = ((Number) m.get("layers")).intValue();
        s.learningRate = ((Number) m.get("learning_rate")).doubleValue();
        s.trainFraction = ((Number) m.get("train_fraction")).doubleValue();
        s.validationSplit = ((Number) m.get("validation_split")).doubleValue();
        s.seed = ((Number) m.get("seed")).longValue();
        return s;
    }

    /**
     * A copy of these settings with another window (the candidates kept, as the record of what was compared).
     *
     * @param w the window length
     * @return the copy
     */
    public ForecastSettings withWindow(int w) {
        ForecastSettings c = fromMap(toMap());
        c.verbose = verbose;
        c.foldMembers = foldMembers;
        c.weatherPerHorizon = weatherPerHorizon;
        c.arMix = arMix;
        c.blend = blend;
        c.arPenalty = arPenalty;
        c.window = w;
        c.poolData = poolData;
        return c;
    }

    /** A short description of the data source for reports. */
    public String sourceName() {
        return csv != null ? csv.getFileName() + ":" + target : city + ":" + target;
    }
}
