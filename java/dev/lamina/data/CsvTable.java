package dev.lamina.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * A CSV file read into named columns of strings, with typed access.
 *
 * <p>Format (RFC 4180): records end with LF or CRLF; fields are separated by the delimiter
 * (default {@code ','}); a field may be enclosed in double quotes, and then may contain the
 * delimiter, line breaks and doubled quotes ({@code ""} for one {@code "}). The first record is
 * the header and is required; column names must be distinct and non-empty. Every record must
 * have as many fields as the header. Deviations from the RFC, all documented: blank lines are
 * skipped, a UTF-8 byte-order mark is ignored, and a file whose name ends in {@code .gz} is
 * gunzipped first. Text is UTF-8.
 *
 * <p>Errors: a missing file is an {@link UncheckedIOException} naming the path; a malformed
 * record (wrong field count, unterminated quote, text after a closing quote, a quote inside an
 * unquoted field) or an unparseable value is a {@link CsvFormatException} naming the file and
 * the 1-based line; an unknown column is an {@link IllegalArgumentException} listing the columns.
 *
 * <pre>{@code
 * CsvTable daily = CsvTable.options().missing("-9999").require("TMAX", "TMIN").read(path);
 * double[] tmax = daily.doubles("TMAX");          // -9999 -> NaN
 * }</pre>
 */
public final class CsvTable {
    /** Markers that always mean "missing" in a numeric column (compared after trimming). */
    public static final List<String> DEFAULT_MISSING = List.of("", "NA", "NaN");
    /** The default size limit of a file read ({@link Options#maxBytes}): 64 MiB. */
    public static final long DEFAULT_MAX_BYTES = 64L << 20;

    private final String source;
    private final List<String> columns;
    private final Map<String, Integer> index;
    private final String[][] data;        // [column][row]
    private final long[] lines;           // 1-based line on which each row starts
    private final Set<String> missingText;
    private final double[] missingNumbers;

    private CsvTable(String source, List<String> columns, String[][] data, long[] lines, Options options) {
        this.source = source;
        this.columns = Collections.unmodifiableList(new ArrayList<>(columns));
        this.index = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            index.put(columns.get(i), i);
        }
        this.data = data;
        this.lines = lines;
        this.missingText = new LinkedHashSet<>(options.missing);
        List<Double> nums = new ArrayList<>();
        for (String m : options.missing) {
            Double d = parseNumberOrNull(m);
            if (d != null && !Double.isNaN(d)) {
                nums.add(d);
            }
        }
        this.missingNumbers = nums.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Reads {@code path} with the default options (comma, missing markers "", "NA", "NaN"). */
    public static CsvTable read(Path path) {
        return options().read(path);
    }

    /** Reads CSV text from a reader with the default options; {@code sourceName} is used in error messages. */
    public static CsvTable read(String sourceName, Reader reader) {
        return options().read(sourceName, reader);
    }

    /** A builder of reading options. */
    public static Options options() {
        return new Options();
    }

    /** Options for reading a CSV file: delimiter, extra missing markers, required columns. */
    public static final class Options {
        private char delimiter = ',';
        private final List<String> missing = new ArrayList<>(DEFAULT_MISSING);
        private final List<String> required = new ArrayList<>();
        private long maxBytes = DEFAULT_MAX_BYTES;

        private Options() {
        }

        /** The field delimiter (default ','); it may not be a quote, CR or LF. */
        public Options delimiter(char c) {
            if (c == '"' || c == '\n' || c == '\r') {
                throw new IllegalArgumentException("CsvTable.Options.delimiter: cannot be a quote or line break");
            }
            this.delimiter = c;
            return this;
        }

        /**
         * Adds markers of a missing value in numeric columns, besides "", "NA" and "NaN". A marker
         * that is a number (such as "-9999") also matches every spelling of the same value
         * ("-9999.0", " -9999").
         */
        public Options missing(String... markers) {
            for (String m : markers) {
                missing.add(m.strip());
            }
            return this;
        }

        /**
         * The most bytes a file may hold (after unzipping), default {@link #DEFAULT_MAX_BYTES}; a
         * larger file (or an endless one such as /dev/zero) is an IllegalArgumentException saying
         * so, not an OutOfMemoryError.
         */
        public Options maxBytes(long bytes) {
            if (bytes < 1 || bytes > Integer.MAX_VALUE - 17) {
                throw new IllegalArgumentException("CsvTable.Options.maxBytes: must be in 1.." + (Integer.MAX_VALUE - 17) + ", got " + bytes);
            }
            this.maxBytes = bytes;
            return this;
        }

        /** Columns the header must contain; reading fails naming the ones that are absent. */
        public Options require(String... columnNames) {
            required.addAll(Arrays.asList(columnNames));
            return this;
        }

        /** Reads a file; a name ending in ".gz" is gunzipped. */
        public CsvTable read(Path path) {
            String text;
            try {
                if (!Files.exists(path)) {
                    throw new NoSuchFileException(path.toString());
                }
                try (InputStream raw = Files.newInputStream(path);
                     InputStream in = path.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
                    byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, maxBytes + 1));
                    if (bytes.length > maxBytes) {
                        throw new IllegalArgumentException("CsvTable: " + path + " holds more than " + maxBytes
                                + " bytes" + (path.getFileName().toString().endsWith(".gz") ? " (unzipped)" : "")
                                + ", the limit for a CSV file (raise it with CsvTable.Options.maxBytes)");
                    }
                    text = new String(bytes, StandardCharsets.UTF_8);
                }
            } catch (NoSuchFileException e) {
                throw new UncheckedIOException("CsvTable: no such file: " + path.toAbsolutePath(), e);
            } catch (IOException e) {
                throw new UncheckedIOException("CsvTable: cannot read " + path.toAbsolutePath() + ": " + e.getMessage(), e);
            }
            return parse(path.toString(), text);
        }

        /** Reads CSV text from a reader; {@code sourceName} is used in error messages. */
        public CsvTable read(String sourceName, Reader reader) {
            StringWriter w = new StringWriter();
            try {
                reader.transferTo(w);
            } catch (IOException e) {
                throw new UncheckedIOException("CsvTable: cannot read " + sourceName + ": " + e.getMessage(), e);
            }
            return parse(sourceName, w.toString());
        }

        private CsvTable parse(String source, String text) {
            List<String[]> records = new ArrayList<>();
            List<Long> starts = new ArrayList<>();
            new Parser(source, text, delimiter).parse(records, starts);
            if (records.isEmpty()) {
                throw new CsvFormatException(source, 0, "empty file: a header row is required");
            }
            String[] header = records.get(0);
            List<String> names = new ArrayList<>();
            Set<String> seen = new LinkedHashSet<>();
            for (String h : header) {
                String name = h.strip();
                if (name.isEmpty()) {
                    throw new CsvFormatException(source, starts.get(0), "header has an empty column name: " + Arrays.toString(header));
                }
                if (!seen.add(name)) {
                    throw new CsvFormatException(source, starts.get(0), "header repeats column '" + name + "'");
                }
                names.add(name);
            }
            List<String> absent = new ArrayList<>();
            for (String r : required) {
                if (!seen.contains(r)) {
                    absent.add(r);
                }
            }
            if (!absent.isEmpty()) {
                throw new CsvFormatException(source, starts.get(0), "missing required column(s) " + absent
                        + "; the header has " + names);
            }
            int nRows = records.size() - 1;
            String[][] data = new String[names.size()][nRows];
            long[] lines = new long[nRows];
            for (int r = 0; r < nRows; r++) {
                String[] rec = records.get(r + 1);
                long line = starts.get(r + 1);
                if (rec.length != names.size()) {
                    throw new CsvFormatException(source, line, "expected " + names.size() + " fields (as the header), found "
                            + rec.length);
                }
                for (int c = 0; c < rec.length; c++) {
                    data[c][r] = rec[c];
                }
                lines[r] = line;
            }
            return new CsvTable(source, names, data, lines, this);
        }
    }

    /** RFC 4180 record splitter with line tracking. */
    private static final class Parser {
        private final String source;
        private final String s;
        private final char delim;
        private int pos;
        private long line = 1;

        Parser(String source, String text, char delim) {
            this.source = source;
            this.s = text.startsWith("\uFEFF") ? text.substring(1) : text;
            this.delim = delim;
        }

        void parse(List<String[]> records, List<Long> starts) {
            int n = s.length();
            while (pos < n) {
                // blank line: skip
                if (s.charAt(pos) == '\n') {
                    pos++;
                    line++;
                    continue;
                }
                if (s.charAt(pos) == '\r' && pos + 1 < n && s.charAt(pos + 1) == '\n') {
                    pos += 2;
                    line++;
                    continue;
                }
                long start = line;
                List<String> fields = new ArrayList<>();
                StringBuilder f = new StringBuilder();
                boolean endOfRecord = false;
                while (!endOfRecord) {
                    f.setLength(0);
                    if (pos < n && s.charAt(pos) == '"') {
                        long quoteLine = line;
                        pos++;
                        boolean closed = false;
                        while (pos < n) {
                            char c = s.charAt(pos);
                            if (c == '"') {
                                if (pos + 1 < n && s.charAt(pos + 1) == '"') {
                                    f.append('"');
                                    pos += 2;
                                } else {
                                    pos++;
                                    closed = true;
                                    break;
                                }
                            } else {
                                if (c == '\n') {
                                    line++;
                                }
                                f.append(c);
                                pos++;
                            }
                        }
                        if (!closed) {
                            throw new CsvFormatException(source, quoteLine, "unterminated quoted field (opened on line "
                                    + quoteLine + ", no closing quote before the end of the file)");
                        }
                        if (pos < n) {
                            char c = s.charAt(pos);
                            if (c != delim && c != '\n' && !(c == '\r' && pos + 1 < n && s.charAt(pos + 1) == '\n')) {
                                throw new CsvFormatException(source, line, "unexpected character '" + c
                                        + "' after a closing quote (field " + (fields.size() + 1) + ")");
                            }
                        }
                    } else {
                        while (pos < n) {
                            char c = s.charAt(pos);
                            if (c == delim || c == '\n' || (c == '\r' && pos + 1 < n && s.charAt(pos + 1) == '\n')) {
                                break;
                            }
                            if (c == '"') {
                                throw new CsvFormatException(source, line, "quote inside an unquoted field (field "
                                        + (fields.size() + 1) + "); enclose the whole field in quotes and double the quote");
                            }
                            f.append(c);
                            pos++;
                        }
                    }
                    fields.add(f.toString());
                    if (pos >= n) {
                        endOfRecord = true;
                    } else {
                        char c = s.charAt(pos);
                        if (c == delim) {
                            pos++;
                        } else {
                            pos += c == '\r' ? 2 : 1;
                            line++;
                            endOfRecord = true;
                        }
                    }
                }
                records.add(fields.toArray(new String[0]));
                starts.add(start);
            }
        }
    }

    // =========================================================================================
    // access
    // =========================================================================================

    /** The file (or source name) this table was read from. */
    public String source() {
        return source;
    }

    /** Column names in header order. */
    public List<String> columns() {
        return columns;
    }

    /** Whether the header has this column. */
    public boolean hasColumn(String name) {
        return index.containsKey(name);
    }

    /** Number of data rows (the header not counted). */
    public int rowCount() {
        return lines.length;
    }

    /** The 1-based line in the file on which data row {@code row} (0-based) starts. */
    public long lineOf(int row) {
        return lines[row];
    }

    /** The raw values of a column, quotes removed, not trimmed. */
    public String[] strings(String column) {
        return data[col(column)].clone();
    }

    /**
     * A column as doubles. A value that, trimmed, is a missing marker ("", "NA", "NaN" and the
     * markers added with {@link Options#missing}), or equals a numeric marker's value, becomes NaN.
     *
     * @throws CsvFormatException naming the column, line and value when a value is not a number
     */
    public double[] doubles(String column) {
        int c = col(column);
        String[] v = data[c];
        double[] out = new double[v.length];
        for (int r = 0; r < v.length; r++) {
            String t = v[r].strip();
            if (missingText.contains(t)) {
                out[r] = Double.NaN;
                continue;
            }
            Double d = parseNumberOrNull(t);
            if (d == null) {
                throw new CsvFormatException(source, lines[r], "column '" + column + "': not a number: \"" + v[r] + "\"");
            }
            double x = d;
            for (double m : missingNumbers) {
                if (x == m) {
                    x = Double.NaN;
                    break;
                }
            }
            out[r] = x;
        }
        return out;
    }

    /**
     * A column of ISO dates ({@code yyyy-MM-dd}); a missing marker gives null.
     *
     * @throws CsvFormatException naming the column, line and value when a value is not such a date
     */
    public LocalDate[] dates(String column) {
        int c = col(column);
        String[] v = data[c];
        LocalDate[] out = new LocalDate[v.length];
        for (int r = 0; r < v.length; r++) {
            String t = v[r].strip();
            if (missingText.contains(t)) {
                continue;
            }
            try {
                out[r] = LocalDate.parse(t);
            } catch (DateTimeParseException e) {
                throw new CsvFormatException(source, lines[r], "column '" + column + "': not an ISO date (yyyy-MM-dd): \""
                        + v[r] + "\"");
            }
        }
        return out;
    }

    private int col(String column) {
        Integer c = index.get(column);
        if (c == null) {
            throw new IllegalArgumentException("CsvTable(" + source + "): no column '" + column + "'; available columns: "
                    + columns);
        }
        return c;
    }

    /** Parses a decimal number (Java/C syntax without hex or type suffixes, or "Infinity"), else null. */
    private static Double parseNumberOrNull(String t) {
        if (t.isEmpty()) {
            return null;
        }
        char last = t.charAt(t.length() - 1);
        // Double.parseDouble accepts "1d", "1f" and hex literals: not CSV numbers
        if (last == 'd' || last == 'D' || last == 'f' || last == 'F' || t.contains("x") || t.contains("X")) {
            return null;
        }
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "CsvTable(" + source + ", " + rowCount() + " rows, columns " + columns + ")";
    }
}
