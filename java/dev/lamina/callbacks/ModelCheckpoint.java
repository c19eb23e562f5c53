package dev.lamina.callbacks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Saves the model (or only its weights) after every epoch, or only when a monitored quantity
 * improves, as {@code keras.callbacks.ModelCheckpoint}:
 *
 * <pre>{@code
 * new ModelCheckpoint("checkpoints/model-{epoch:02d}-{val_loss:.4f}.safetensors")
 *         .monitor("val_loss").saveBestOnly(true)
 * }</pre>
 *
 * <p>The path is a template in Python's {@code str.format} style, filled per epoch as Keras does:
 * {@code {epoch}} is the 1-based epoch number ({@code 1}, {@code 2}, ...), {@code {epoch:02d}} the
 * same padded to two digits ({@code 01}); any log key can appear ({@code {val_loss}},
 * {@code {val_loss:.4f}}, {@code {loss:.2e}}). Supported format specs: {@code [0][width]d},
 * {@code [width][.precision]f} and {@code [width][.precision]e}; {@code {{} and {@code }}} are
 * literal braces. An unknown key is an IllegalArgumentException naming the template.
 *
 * <p>Writes go through {@link dev.lamina.models.Model#save} ({@code saveWeightsOnly}:
 * {@link dev.lamina.models.Model#saveWeights}), which write a temporary file and rename it into
 * place, so the checkpoint path never holds a partly written file. Parent directories are
 * created. With {@code saveBestOnly}, a save happens only when the monitored value beats the best
 * so far (strictly: v &lt; best in MIN mode, v &gt; best in MAX mode, starting from
 * {@code initialValueThreshold}, ±∞ by default); a missing monitor key warns once on stderr and
 * saves anyway, as Keras.
 *
 * <p>Defaults as Keras: monitor val_loss, saveBestOnly false, saveWeightsOnly false, mode AUTO
 * (see {@link MonitorMode}). Keras requires .keras / .weights.h5 names; here a path ending in
 * .safetensors is one file, any other path a model directory (see
 * {@link dev.lamina.models.ModelIO}); weights are always a safetensors file.
 */
public class ModelCheckpoint extends Callback {
    private static final Pattern FIELD = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\\}");
    private static final Pattern SPEC = Pattern.compile("(0?)(\\d*)(?:\\.(\\d+))?([dfe])");

    private final String filepath;
    private String monitor = "val_loss";
    private boolean saveBestOnly;
    private boolean saveWeightsOnly;
    private MonitorMode mode = MonitorMode.AUTO;
    private double initialValueThreshold = Double.NaN;

    private MonitorMode resolved;
    private double best;
    private Path lastSaved;
    private int saves;
    private boolean warned;

    /** A checkpoint path template (see the class doc). */
    public ModelCheckpoint(String filepath) {
        if (filepath == null || filepath.isEmpty()) {
            throw new IllegalArgumentException("ModelCheckpoint: filepath must be a non-empty path");
        }
        format(filepath, 0, Map.of(), true); // checks the template's syntax now
        this.filepath = filepath;
    }

    public ModelCheckpoint(Path filepath) {
        this(filepath.toString());
    }

    public ModelCheckpoint monitor(String monitor) {
        this.monitor = MonitorMode.checkMonitor("ModelCheckpoint", monitor);
        return this;
    }

    /** Save only when the monitored value improves. */
    public ModelCheckpoint saveBestOnly(boolean saveBestOnly) {
        this.saveBestOnly = saveBestOnly;
        return this;
    }

    /** Save the weights alone (a safetensors file) instead of the whole model. */
    public ModelCheckpoint saveWeightsOnly(boolean saveWeightsOnly) {
        this.saveWeightsOnly = saveWeightsOnly;
        return this;
    }

    public ModelCheckpoint mode(MonitorMode mode) {
        this.mode = MonitorMode.checkMode("ModelCheckpoint", mode);
        return this;
    }

    /** The value to beat before the first save with saveBestOnly (NaN: none). */
    public ModelCheckpoint initialValueThreshold(double value) {
        this.initialValueThreshold = value;
        return this;
    }

    /** The best monitored value so far (with saveBestOnly). */
    public double best() {
        return best;
    }

    /** The file written last, or null. */
    public Path lastSaved() {
        return lastSaved;
    }

    /** Number of saves since training began. */
    public int saveCount() {
        return saves;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        resolved = mode.resolve(monitor);
        best = Double.isNaN(initialValueThreshold) ? resolved.worst() : initialValueThreshold;
        lastSaved = null;
        saves = 0;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        if (resolved == null) {
            onTrainBegin(logs);
        }
        Path path = Paths.get(format(filepath, epoch + 1, logs, false));
        if (saveBestOnly) {
            Double current = logs.get(monitor);
            if (current == null) {
                if (!warned) {
                    warned = true;
                    System.err.println("ModelCheckpoint: can save best model only with " + monitor
                            + " available (have " + String.join(",", logs.keySet()) + "); saving every epoch");
                }
            } else if (resolved.improves(current, best, 0)) {
                best = current;
            } else {
                return;
            }
        }
        save(path);
    }

    private void save(Path path) {
        Path parent = path.toAbsolutePath().getParent();
        try {
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("ModelCheckpoint: cannot create directory " + parent + ": " + e.getMessage(), e);
        }
        if (saveWeightsOnly) {
            model().saveWeights(path);
        } else {
            model().save(path);
        }
        lastSaved = path;
        saves++;
    }

    /**
     * Fills a Keras-style path template: {@code {epoch}}, {@code {epoch:02d}}, {@code {key:.4f}}, ...
     * With {@code syntaxOnly} only the braces and specs are checked.
     */
    static String format(String template, int epoch, Map<String, Double> logs, boolean syntaxOnly) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{' && i + 1 < template.length() && template.charAt(i + 1) == '{') {
                out.append('{');
                i += 2;
                continue;
            }
            if (c == '}' && i + 1 < template.length() && template.charAt(i + 1) == '}') {
                out.append('}');
                i += 2;
                continue;
            }
            if (c == '}') {
                throw new IllegalArgumentException("ModelCheckpoint: single '}' at " + i + " in path template \"" + template + "\"");
            }
            if (c != '{') {
                out.append(c);
                i++;
                continue;
            }
            Matcher m = FIELD.matcher(template).region(i, template.length());
            if (!m.lookingAt()) {
                throw new IllegalArgumentException("ModelCheckpoint: bad placeholder at " + i + " in path template \"" + template
                        + "\" (expected {name} or {name:spec}, e.g. {epoch:02d})");
            }
            String key = m.group(1);
            String spec = m.group(2);
            Matcher sm = null;
            if (spec != null && !spec.isEmpty()) {
                sm = SPEC.matcher(spec);
                if (!sm.matches()) {
                    throw new IllegalArgumentException("ModelCheckpoint: unsupported format spec '" + spec + "' in path template \""
                            + template + "\" (supported: [0][width]d, [width][.precision]f, [width][.precision]e)");
                }
            }
            i = m.end();
            if (syntaxOnly) {
                continue;
            }
            double value;
            if (key.equals("epoch")) {
                value = epoch;
            } else if (logs.containsKey(key)) {
                value = logs.get(key);
            } else {
                throw new IllegalArgumentException("ModelCheckpoint: path template \"" + template + "\" names '" + key
                        + "', which is not in the logs (have epoch, " + String.join(", ", logs.keySet()) + ")");
            }
            out.append(formatValue(key, value, sm, template));
        }
        return out.toString();
    }

    private static String formatValue(String key, double value, Matcher spec, String template) {
        if (spec == null) {
            return key.equals("epoch") ? Long.toString((long) value) : CSVLogger.pythonRepr(value);
        }
        String width = spec.group(2);
        String zero = width.isEmpty() ? "" : spec.group(1);
        String precision = spec.group(3);
        char type = spec.group(4).charAt(0);
        if (type == 'd') {
            if (precision != null) {
                throw new IllegalArgumentException("ModelCheckpoint: precision not allowed with 'd' in \"" + template + "\"");
            }
            if (value != Math.rint(value) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("ModelCheckpoint: '" + key + "' = " + value + " is not an integer, "
                        + "cannot format it with 'd' in \"" + template + "\"");
            }
            return String.format(Locale.ROOT, "%" + zero + width + "d", (long) value);
        }
        if (!Double.isFinite(value)) {
            String w = CSVLogger.pythonRepr(value);
            return width.isEmpty() ? w : String.format(Locale.ROOT, "%" + width + "s", w);
        }
        String p = precision == null ? ".6" : "." + precision;
        return String.format(Locale.ROOT, "%" + zero + width + p + type, value);
    }
}
