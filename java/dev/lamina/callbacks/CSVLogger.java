package dev.lamina.callbacks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Streams the epoch results to a CSV file, as {@code keras.callbacks.CSVLogger}:
 *
 * <pre>
 * epoch,loss,mae,val_loss,val_mae
 * 0,0.8213,0.7011,0.7904,0.6902
 * 1,...
 * </pre>
 *
 * The header is {@code epoch} and then the keys of the first epoch's logs in log order (Keras
 * sorts them alphabetically); each epoch adds one row — the 0-based epoch, then each value, or
 * {@code NA} when a key is missing — and the file is closed after every row, so it is complete on
 * disk whatever happens next. Numbers are written as Python's {@code repr} writes them (0.0001,
 * 1e-05, nan, inf), so the file reads the same as Keras's. A field holding the separator, a quote
 * or a line break is quoted.
 *
 * <p>Without {@code append} the file is truncated when training begins; with it, rows are added
 * and the header is written only when the file is missing or empty. Defaults as Keras: separator
 * ",", append false.
 */
public class CSVLogger extends Callback {
    private final Path path;
    private final String separator;
    private final boolean append;
    private List<String> keys;
    private boolean writeHeader;

    /** separator ",", append false. */
    public CSVLogger(String path) {
        this(Paths.get(path), ",", false);
    }

    public CSVLogger(Path path) {
        this(path, ",", false);
    }

    public CSVLogger(Path path, String separator, boolean append) {
        if (path == null) {
            throw new IllegalArgumentException("CSVLogger: path is required");
        }
        if (separator == null || separator.isEmpty() || separator.contains("\"") || separator.contains("\n")
                || separator.contains("\r")) {
            throw new IllegalArgumentException("CSVLogger: separator must be non-empty without quotes or line breaks, got "
                    + (separator == null ? "null" : "\"" + separator + "\""));
        }
        this.path = path;
        this.separator = separator;
        this.append = append;
    }

    public Path path() {
        return path;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        keys = null;
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (append) {
                writeHeader = !Files.exists(path) || Files.size(path) == 0;
            } else {
                Files.write(path, new byte[0]);
                writeHeader = true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        if (keys == null) {
            keys = new ArrayList<>(logs.keySet());
        }
        StringBuilder sb = new StringBuilder();
        if (writeHeader) {
            sb.append("epoch");
            for (String k : keys) {
                sb.append(separator).append(field(k));
            }
            sb.append('\n');
            writeHeader = false;
        }
        sb.append(epoch);
        for (String k : keys) {
            Double v = logs.get(k);
            sb.append(separator).append(v == null ? "NA" : field(pythonRepr(v)));
        }
        sb.append('\n');
        try (Writer w = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
            w.write(sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("CSVLogger: cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    private String field(String s) {
        if (s.contains(separator) || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }

    /**
     * A double as Python's {@code repr} writes it: the shortest digits that read back to the same
     * value, positional for decimal exponents in [-4, 16) ({@code 0.0001}, {@code 123.0}), else
     * scientific with a signed two-digit exponent ({@code 1e-05}, {@code 1.5e+16}); {@code nan},
     * {@code inf}, {@code -inf}.
     */
    public static String pythonRepr(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0.0" : "0.0";
        }
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exp = digits.length() - 1 - d.scale(); // value = digits[0].digits[1..] × 10^exp
        String sign = v < 0 ? "-" : "";
        if (exp >= -4 && exp < 16) {
            String plain = d.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String e = Integer.toString(Math.abs(exp));
        return sign + mant + "e" + (exp < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
    }
}
