package dev.lamina.forecast;

import dev.lamina.data.CsvTable;
import dev.lamina.data.DengueData;
import dev.lamina.data.Series;
import dev.lamina.data.Weather;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The weekly series a forecaster trains on: rows = weeks, column 0 = the target, further columns
 * = extra input features; the week dates when known. Interior gaps in feature columns are
 * interpolated linearly and the ends filled with the nearest value; a gap in the target is an
 * error (the target is what is measured).
 */
public record SeriesData(double[][] rows, List<String> columns, List<LocalDate> dates, String source) {

    /** Loads the series the settings describe; bad input is an IllegalArgumentException with one clear line. */
    public static SeriesData load(ForecastSettings s, Path dataDir) {
        return s.csv != null ? fromCsv(s) : fromCity(s, dataDir);
    }

    private static SeriesData fromCity(ForecastSettings s, Path dataDir) {
        if (!DengueData.CITIES.contains(s.city)) {
            throw new IllegalArgumentException("unknown city '" + s.city + "' (expected " + String.join(" or ", DengueData.CITIES) + ")");
        }
        if (!Files.isDirectory(dataDir.resolve("dengue"))) {
            throw new IllegalArgumentException("data folder " + dataDir.resolve("dengue") + " not found (run from the repository root or pass --data-dir)");
        }
        DengueData d = DengueData.load(dataDir.resolve("dengue"), s.city);
        if (!s.target.equals("total_cases")) {
            throw new IllegalArgumentException("the bundled dengue data has the target total_cases only; use --data FILE.csv for other columns");
        }
        List<double[]> cols = new ArrayList<>();
        List<String> names = new ArrayList<>();
        cols.add(d.totalCases());
        names.add("total_cases");
        if (s.weather) {
            Weather.Weekly w = d.weeklyWeather();
            cols.add(fill(w.meanTemperature(), "mean temperature"));
            names.add("mean_temperature");
            cols.add(fill(weekTotals(w), "precipitation"));
            names.add("total_precipitation");
        }
        return new SeriesData(Series.stack(cols.toArray(new double[0][])), names, d.weekStarts(), s.city);
    }

    private static SeriesData fromCsv(ForecastSettings s) {
        if (!Files.exists(s.csv)) {
            throw new IllegalArgumentException("data file " + s.csv + " not found");
        }
        CsvTable t = CsvTable.options().missing("", "NA", "NaN", "-9999").read(s.csv);
        List<String> names = new ArrayList<>();
        names.add(s.target);
        names.addAll(s.features);
        for (String n : names) {
            if (!t.hasColumn(n)) {
                throw new IllegalArgumentException(s.csv + ": unknown column '" + n + "' (columns: " + String.join(", ", t.columns()) + ")");
            }
        }
        double[][] cols = new double[names.size()][];
        cols[0] = t.doubles(s.target);
        int missing = Series.countNaN(cols[0]);
        if (missing > 0) {
            throw new IllegalArgumentException(s.csv + ": target column '" + s.target + "' has " + missing + " missing value(s)");
        }
        checkFinite(t, s.target, cols[0]);
        for (int i = 1; i < names.size(); i++) {
            double[] raw = t.doubles(names.get(i));
            checkFinite(t, names.get(i), raw);
            cols[i] = fill(raw, names.get(i));
        }
        return new SeriesData(Series.stack(cols), names, dateColumn(t, names), s.csv.getFileName().toString());
    }

    /** An infinite value (Infinity, 1e999) is an error naming the file, the line and the column. */
    private static void checkFinite(CsvTable t, String column, double[] values) {
        for (int r = 0; r < values.length; r++) {
            if (Double.isInfinite(values[r])) {
                throw new IllegalArgumentException(t.source() + ":" + t.lineOf(r) + ": column '" + column
                        + "': infinite value \"" + t.strings(column)[r].strip() + "\"");
            }
        }
    }

    /**
     * The week dates: the first column (other than the data columns) whose every value is an ISO
     * date (yyyy-MM-dd), found by content, not by name; null when there is none.
     */
    private static List<LocalDate> dateColumn(CsvTable t, List<String> dataColumns) {
        for (String c : t.columns()) {
            if (dataColumns.contains(c) || t.rowCount() == 0) {
                continue;
            }
            LocalDate[] d = new LocalDate[t.rowCount()];
            boolean all = true;
            String[] v = t.strings(c);
            for (int r = 0; r < v.length && all; r++) {
                try {
                    d[r] = LocalDate.parse(v[r].strip());
                } catch (java.time.format.DateTimeParseException e) {
                    all = false;
                }
            }
            if (all) {
                return Arrays.asList(d);
            }
        }
        return null;
    }

    /**
     * Weekly rainfall as 7 × the mean over the days with a value: a week with missing days (the
     * Iquitos station misses about a third of them) would otherwise look drier than it was.
     */
    private static double[] weekTotals(Weather.Weekly w) {
        double[] p = w.totalPrecipitation().clone();
        for (int i = 0; i < p.length; i++) {
            int days = w.precipitationDays()[i];
            p[i] = days == 0 ? Double.NaN : p[i] / days * 7;
        }
        return p;
    }

    /** Interpolates interior gaps, fills the ends with the nearest value. */
    private static double[] fill(double[] x, String what) {
        double[] y = Series.interpolate(x);
        int first = -1;
        int last = -1;
        for (int i = 0; i < y.length; i++) {
            if (!Double.isNaN(y[i])) {
                if (first < 0) {
                    first = i;
                }
                last = i;
            }
        }
        if (first < 0) {
            throw new IllegalArgumentException("feature '" + what + "' has no values at all");
        }
        for (int i = 0; i < first; i++) {
            y[i] = y[first];
        }
        for (int i = last + 1; i < y.length; i++) {
            y[i] = y[last];
        }
        return y;
    }

    public int length() {
        return rows.length;
    }

    /** The target column. */
    public double[] target() {
        return Series.column(rows, 0);
    }
}
