package dev.lamina.forecast;

import dev.lamina.io.AtomicFiles;
import dev.lamina.losses.Losses;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.util.ConfigCheck;
import dev.lamina.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A forecaster on disk: {@code forecaster.json} (format "lamina-forecaster" version 2) and one
 * saved model per member, written atomically and read back with every field checked.
 */
final class ForecasterFiles {
    private ForecasterFiles() {
    }

    /**
     * Writes the forecaster into {@code dir}: {@code forecaster.json} (format
     * "lamina-forecaster" version 2: a random {@code save_id}, settings, feature scaling, quantile
     * calibration) and one model per member ({@code member-K}), replacing the whole directory
     * atomically ({@link AtomicFiles#replaceDirectory}): a reader or a killed process finds the
     * previous forecaster or the new one, never members of one with the forecaster.json of the
     * other. An existing {@code dir} must hold only what a forecaster save writes.
     */
    static void save(Forecaster f, Path dir) {
        List<Sequential> members = f.members();
        String saveId = java.util.UUID.randomUUID().toString();
        byte[] json = Json.writePretty(metadata(f, saveId)).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.replaceDirectory(dir, ownNames(dir, members.size()), tmp -> {
            for (int k = 0; k < members.size(); k++) {
                members.get(k).save(tmp.resolve("member-" + k));
            }
            Files.write(tmp.resolve("forecaster.json"), json);
        });
    }

    /**
     * The names a forecaster save may replace in {@code dir}: forecaster.json, the member
     * directories of this save and of the save there now (which may have had more members), and
     * {@code model} (a version-1 forecaster's single network).
     */
    private static java.util.Set<String> ownNames(Path dir, int count) {
        java.util.Set<String> own = new java.util.HashSet<>(List.of("forecaster.json", "model"));
        for (int k = 0; k < count; k++) {
            own.add("member-" + k);
        }
        if (Files.isDirectory(dir)) {
            try (java.util.stream.Stream<Path> s = Files.list(dir)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.matches("member-(0|[1-9][0-9]{0,5})")).forEach(own::add);
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot save: " + e.getMessage(), e);
            }
        }
        return own;
    }

    private static Map<String, Object> metadata(Forecaster f, String saveId) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", "lamina-forecaster");
        meta.put("version", "2");
        meta.put("save_id", saveId);
        meta.put("settings", f.settings().toMap());
        meta.put("members", f.members().size());
        meta.put("features", f.features().toConfig());
        ResidualCalibration calibration = f.calibration();
        if (calibration != null) {
            meta.put("quantile_levels", levelList());
            meta.put("calibration", calibration.toConfig());
        }
        double[] blend = f.blendWeights();
        if (blend != null) {
            List<Object> b = new ArrayList<>();
            for (double a : blend) {
                b.add(a);
            }
            meta.put("blend", b);
        }
        if (f.autoregression() != null) {
            meta.put("autoregression", f.autoregression().toConfig());
        }
        return meta;
    }

    private static List<Object> levelList() {
        List<Object> levels = new ArrayList<>();
        for (double l : QuantileScores.LEVELS) {
            levels.add(l);
        }
        return levels;
    }

    /**
     * Loads a forecaster saved with {@link #save}. Every field of forecaster.json is checked (type,
     * value, no unknown fields, members and quantiles consistent with the settings): problems are
     * IllegalArgumentExceptions naming the file and the field. A save that replaces the directory
     * during the load is detected by forecaster.json's save_id and the load starts again.
     */
    static Forecaster load(Path dir) {
        for (int attempt = 0; ; attempt++) {
            Path src = AtomicFiles.readable(dir);
            Path meta = src.resolve("forecaster.json");
            if (!Files.exists(meta)) {
                throw new IllegalArgumentException(dir + " is not a saved forecaster (no forecaster.json)");
            }
            String text;
            try {
                text = readText(meta);
            } catch (UncheckedIOException e) {
                if (attempt < 3 && !Files.exists(meta)) {
                    continue; // a save moved the directory away while we read it
                }
                throw e;
            }
            Map<String, Object> m;
            try {
                m = Json.parseObject(text);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(meta + " is not a JSON object: " + e.getMessage(), e);
            }
            String file = meta.toString();
            ForecastSettings s = settingsFrom(m, file);
            int count = memberCount(m, file, s);
            ForecastFeatures feat = featuresFrom(m, file, s);
            ResidualCalibration cal = calibrationFrom(m, file, s);
            List<Sequential> members = new ArrayList<>();
            try {
                for (int k = 0; k < count; k++) {
                    members.add(Model.load(src.resolve("member-" + k)));
                }
            } catch (RuntimeException e) {
                members.forEach(Sequential::close);
                if (attempt < 3 && changedSince(meta, text)) {
                    continue; // a save replaced the directory while we read it
                }
                throw e;
            }
            if (changedSince(meta, text)) {
                // forecaster.json (with its random save_id) changed: the members may be from another save
                members.forEach(Sequential::close);
                if (attempt < 3) {
                    continue;
                }
                throw new IllegalArgumentException(dir + ": the forecaster was replaced while it was being loaded, 4 times");
            }
            return new Forecaster(s, members, feat, cal, blendFrom(m, file, s), autoregressionFrom(m, file, s));
        }
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(file + " is not valid UTF-8", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean changedSince(Path file, String text) {
        try {
            return !Files.readString(file, StandardCharsets.UTF_8).equals(text);
        } catch (IOException e) {
            return true;
        }
    }

    /** The top-level fields of forecaster.json (version 2) and their JSON types. */
    private static final Map<String, Object> TOP_LEVEL = topLevel();

    private static Map<String, Object> topLevel() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("format", "");
        t.put("version", "");
        t.put("save_id", "");
        t.put("settings", Map.of());
        t.put("members", 0);
        t.put("features", Map.of());
        t.put("quantile_levels", List.of(0.5));
        t.put("calibration", Map.of());
        t.put("blend", List.of(0.5));
        t.put("autoregression", Map.of());
        return t;
    }

    /** The settings of a parsed forecaster.json, every field checked against what a save writes. */
    @SuppressWarnings("unchecked")
    static ForecastSettings settingsFrom(Map<String, Object> m, String file) {
        if (!"lamina-forecaster".equals(m.get("format"))) {
            throw new IllegalArgumentException(file + " is not a Lamina forecaster file");
        }
        ConfigCheck.checkKindsLike(file, m, TOP_LEVEL);
        if (!"2".equals(m.get("version"))) {
            throw new IllegalArgumentException(file + ": format version " + Json.write(m.get("version"))
                    + " is not supported (this Lamina reads version \"2\"; train the forecaster again)");
        }
        for (String k : List.of("save_id", "members", "features")) {
            if (m.get(k) == null) {
                throw new IllegalArgumentException(file + ": field '" + k + "' is missing");
            }
        }
        if (!(m.get("settings") instanceof Map<?, ?> raw)) {
            throw new IllegalArgumentException(file + ": field 'settings' must be an object");
        }
        Map<String, Object> in = (Map<String, Object>) raw;
        String where = file + ": settings";
        Map<String, Object> prototype = new ForecastSettings().toMap();
        ConfigCheck.checkKindsLike(where, in, prototype);
        for (String k : prototype.keySet()) {
            // folds came after version 2's first saves: absent, it is 0 (a single validation split)
            // window_candidates too (absent: the window was fixed)
            // level_weight too (absent: 0, the plain loss); autoregression and member_median too (absent: off)
            if (!k.equals("city") && !k.equals("csv") && !k.equals("folds") && !k.equals("window_candidates")
                    && !k.equals("level_weight") && !k.equals("pool_city") && !k.equals("autoregression")
                    && !k.equals("member_median") && in.get(k) == null) {
                throw new IllegalArgumentException(where + ": field '" + k + "' is missing");
            }
        }
        ForecastSettings s;
        try {
            s = ForecastSettings.fromMap(in);
        } catch (ClassCastException | NullPointerException | java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException(where + ": invalid: " + e, e);
        }
        ConfigCheck.checkRoundTrip(where, in, s.toMap());
        checkSettingValues(where, s);
        return s;
    }

    private static void checkSettingValues(String where, ForecastSettings s) {
        for (Object f : s.features) {
            if (!(f instanceof String)) {
                throw new IllegalArgumentException(where + ": field 'features' must hold column names (strings), got " + Json.write(f));
            }
        }
        int[] positive = {s.window, s.horizon, s.epochs, s.batchSize, s.units, s.layers, s.ensemble, s.smoothing};
        String[] names = {"window", "horizon", "epochs", "batch_size", "units", "layers", "ensemble", "smoothing"};
        for (int i = 0; i < positive.length; i++) {
            if (positive[i] < 1) {
                throw new IllegalArgumentException(where + ": field '" + names[i] + "' must be at least 1, got " + positive[i]);
            }
        }
        for (int w : s.windowCandidates) {
            if (w < 1) {
                throw new IllegalArgumentException(where + ": field 'window_candidates' must hold lengths of at least 1, got "
                        + s.windowCandidates);
            }
        }
        if (s.folds < 0) {
            throw new IllegalArgumentException(where + ": field 'folds' must be at least 0, got " + s.folds);
        }
        if (!(s.levelWeight >= 0) || !Double.isFinite(s.levelWeight)) {
            throw new IllegalArgumentException(where + ": field 'level_weight' must be a finite number >= 0, got " + s.levelWeight);
        }
        if (s.patience < 0) {
            throw new IllegalArgumentException(where + ": field 'patience' must be at least 0, got " + s.patience);
        }
        if (!(s.learningRate > 0) || !Double.isFinite(s.learningRate)) {
            throw new IllegalArgumentException(where + ": field 'learning_rate' must be a positive finite number, got " + s.learningRate);
        }
        if (!(s.dropout >= 0 && s.dropout < 1)) {
            throw new IllegalArgumentException(where + ": field 'dropout' must be in [0, 1), got " + s.dropout);
        }
        if (!(s.trainFraction > 0 && s.trainFraction < 1)) {
            throw new IllegalArgumentException(where + ": field 'train_fraction' must be in (0, 1), got " + s.trainFraction);
        }
        if (!(s.validationSplit >= 0 && s.validationSplit < 1)) {
            throw new IllegalArgumentException(where + ": field 'validation_split' must be in [0, 1), got " + s.validationSplit);
        }
        if (!"none".equals(s.transform) && !"log1p".equals(s.transform)) {
            throw new IllegalArgumentException(where + ": field 'transform' must be \"none\" or \"log1p\", got " + Json.write(s.transform));
        }
        if (!ResidualCalibration.METHODS.contains(s.calibration)) {
            throw new IllegalArgumentException(where + ": field 'calibration' must be one of " + ResidualCalibration.METHODS
                    + ", got " + Json.write(s.calibration));
        }
        try {
            Losses.get(s.loss);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": field 'loss': " + e.getMessage(), e);
        }
        if (s.target == null) {
            throw new IllegalArgumentException(where + ": field 'target' is missing");
        }
    }

    /**
     * The blend weights of a parsed forecaster.json: absent (null, every weight 1) or one finite
     * number per horizon.
     */
    static double[] blendFrom(Map<String, Object> m, String file, ForecastSettings s) {
        Object raw = m.get("blend");
        if (raw == null) {
            return null;
        }
        if (!(raw instanceof List<?> l) || l.size() != s.horizon) {
            throw new IllegalArgumentException(file + ": field 'blend' must hold one weight per horizon (" + s.horizon + "), got "
                    + Json.write(raw));
        }
        double[] b = new double[l.size()];
        for (int i = 0; i < b.length; i++) {
            if (!(l.get(i) instanceof Number x) || !Double.isFinite(x.doubleValue())) {
                throw new IllegalArgumentException(file + ": field 'blend[" + i + "]' must be a finite number, got "
                        + Json.write(l.get(i)));
            }
            b[i] = ((Number) l.get(i)).doubleValue();
        }
        return b;
    }

    /**
     * The autoregression of a parsed forecaster.json: present exactly when the settings ask for one
     * (null otherwise), its window the forecaster's and one row of coefficients per horizon.
     */
    @SuppressWarnings("unchecked")
    static Autoregression autoregressionFrom(Map<String, Object> m, String file, ForecastSettings s) {
        Object raw = m.get("autoregression");
        if (!s.autoregression) {
            if (raw != null) {
                throw new IllegalArgumentException(file + ": field 'autoregression' must be absent: the settings do not ask for"
                        + " one");
            }
            return null;
        }
        if (!(raw instanceof Map<?, ?> a)) {
            throw new IllegalArgumentException(file + ": field 'autoregression' is missing (the settings ask for one)");
        }
        return Autoregression.fromConfig((Map<String, Object>) a, file + ": autoregression", s.horizon, s.window);
    }

    /** The member count of a parsed forecaster.json: a positive integer equal to the settings' ensemble. */
    private static int memberCount(Map<String, Object> m, String file, ForecastSettings s) {
        Object v = m.get("members");
        if (ConfigCheck.kind(v) != ConfigCheck.Kind.INTEGER || ((Number) v).longValue() != s.ensemble) {
            throw new IllegalArgumentException(file + ": field 'members' must be the ensemble size " + s.ensemble + ", got "
                    + Json.write(v));
        }
        return s.ensemble;
    }

    /** The feature scaling of a parsed forecaster.json, every field checked and consistent with the settings. */
    @SuppressWarnings("unchecked")
    static ForecastFeatures featuresFrom(Map<String, Object> m, String file, ForecastSettings s) {
        if (!(m.get("features") instanceof Map<?, ?> raw)) {
            throw new IllegalArgumentException(file + ": field 'features' must be an object");
        }
        String where = file + ": features";
        Map<String, Object> prototype = new LinkedHashMap<>();
        prototype.put("transform", "");
        prototype.put("seasonal", false);
        prototype.put("smoothing", 1);
        prototype.put("extra_columns", List.of(""));
        prototype.put("target_min", 0.5);
        prototype.put("target_max", 0.5);
        prototype.put("mean", List.of(0.5));
        prototype.put("std", List.of(0.5));
        ConfigCheck.checkKindsLike(where, raw, prototype);
        for (String k : prototype.keySet()) {
            if (raw.get(k) == null) {
                throw new IllegalArgumentException(where + ": field '" + k + "' is missing");
            }
        }
        ForecastFeatures f;
        try {
            f = ForecastFeatures.fromConfig((Map<String, Object>) raw);
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(where + ": invalid: " + e, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        ConfigCheck.checkRoundTrip(where, raw, f.toConfig());
        if (!s.transform.equals(raw.get("transform")) || s.seasonal != (Boolean) raw.get("seasonal")
                || s.smoothing != ((Number) raw.get("smoothing")).intValue()) {
            throw new IllegalArgumentException(where + ": fields 'transform', 'seasonal' and 'smoothing' must match the settings ("
                    + Json.write(s.transform) + ", " + s.seasonal + ", " + s.smoothing + ")");
        }
        double min = ((Number) raw.get("target_min")).doubleValue();
        double max = ((Number) raw.get("target_max")).doubleValue();
        if (!Double.isFinite(min) || !Double.isFinite(max) || !(max >= min)) {
            throw new IllegalArgumentException(where + ": fields 'target_min' and 'target_max' must be finite with target_min <="
                    + " target_max, got " + min + " and " + max);
        }
        for (String k : List.of("mean", "std")) {
            for (Object x : (List<?>) raw.get(k)) {
                double d = ((Number) x).doubleValue();
                if (!Double.isFinite(d) || k.equals("std") && !(d > 0)) {
                    throw new IllegalArgumentException(where + ": field '" + k + "' must hold finite numbers"
                            + (k.equals("std") ? " above 0" : "") + ", got " + Json.write(x));
                }
            }
        }
        return f;
    }

    /**
     * The quantile calibration of a parsed forecaster.json (null without quantiles): present exactly
     * when the settings ask for quantiles with a validation split, at the 23 levels this Lamina uses.
     */
    @SuppressWarnings("unchecked")
    static ResidualCalibration calibrationFrom(Map<String, Object> m, String file, ForecastSettings s) {
        boolean expected = s.quantiles && (s.folds > 0 || s.validationSplit > 0);
        Object raw = m.get("calibration");
        Object levels = m.get("quantile_levels");
        if (!expected) {
            if (raw != null || levels != null) {
                throw new IllegalArgumentException(file + ": fields 'calibration' and 'quantile_levels' must be absent: the"
                        + " settings have no quantiles (quantiles " + s.quantiles + ", folds " + s.folds + ", validation_split "
                        + s.validationSplit + ")");
            }
            return null;
        }
        if (!(raw instanceof Map<?, ?> c)) {
            throw new IllegalArgumentException(file + ": field 'calibration' is missing (the settings ask for quantiles)");
        }
        List<Object> want = levelList();
        if (!(levels instanceof List<?> l) || l.size() != want.size()) {
            throw new IllegalArgumentException(file + ": field 'quantile_levels' must be the " + want.size() + " levels " + want
                    + ", got " + Json.write(levels));
        }
        for (int i = 0; i < want.size(); i++) {
            if (!(l.get(i) instanceof Number x) || Math.abs(x.doubleValue() - (Double) want.get(i)) > 1e-12) {
                throw new IllegalArgumentException(file + ": field 'quantile_levels[" + i + "]' must be " + want.get(i) + ", got "
                        + Json.write(l.get(i)));
            }
        }
        String where = file + ": calibration";
        Map<String, Object> prototype = new LinkedHashMap<>();
        prototype.put("method", "");
        prototype.put("a", List.of(0.5));
        prototype.put("b", List.of(0.5));
        prototype.put("c", List.of(0.5)); // growth only
        prototype.put("edges", List.of(List.of(0.5))); // binned only
        prototype.put("quantiles", List.of(List.of(0.5)));
        ConfigCheck.checkKindsLike(where, c, prototype);
        ResidualCalibration cal;
        try {
            cal = ResidualCalibration.fromConfig((Map<String, Object>) c, s.horizon, want.size());
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(where + ": invalid: " + e, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        ConfigCheck.checkRoundTrip(where, c, cal.toConfig());
        List<?> rows = (List<?>) c.get("quantiles");
        for (int h = 0; h < rows.size(); h++) {
            List<?> row = (List<?>) rows.get(h);
            for (int k = 1; k < row.size(); k++) {
                if (((Number) row.get(k)).doubleValue() < ((Number) row.get(k - 1)).doubleValue()) {
                    throw new IllegalArgumentException(where + ": field 'quantiles[" + h + "]' must not decrease (quantiles"
                            + " never cross), but entry " + k + " is below entry " + (k - 1));
                }
            }
        }
        return cal;
    }
}
