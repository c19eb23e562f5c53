package dev.lamina.data;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.List;

/**
 * Weekly aggregation of daily weather-station records (the NOAA GHCN daily files shipped in
 * {@code data/dengue/}, columns {@code YYYY,MM,DD,TMAX,TMIN,TAVG,TDTR,PRCP}).
 *
 * <p>Units: the source project's {@code environmental_README.md} states that temperatures are in
 * degrees Celsius and precipitation in mm (the raw GHCN tenths have already been converted in
 * these files: San Juan's daily values such as 1.3 or 20.8 mm sum to about 1,000 to 1,500 mm a
 * year), so no conversion is applied. Read the daily file with {@code -9999} as a missing marker
 * (see {@link #readStation}); missing days are simply absent from the files.
 */
public final class Weather {
    private Weather() {
    }

    /**
     * Weekly series, one entry per week start.
     *
     * @param meanTemperature    mean over the week's days of the daily mean temperature (°C), NaN when no day has one
     * @param totalPrecipitation sum of the week's observed daily precipitation (mm), NaN when no day has a value
     * @param temperatureDays    number of days that contributed to the mean temperature
     * @param precipitationDays  number of days that contributed to the precipitation total (a total over fewer
     *                           days than the week has may understate the rain)
     */
    public record Weekly(double[] meanTemperature, double[] totalPrecipitation, int[] temperatureDays,
            int[] precipitationDays) {
    }

    /** Reads a GHCN daily station file with "-9999" as the missing marker and the date and value columns required. */
    public static CsvTable readStation(java.nio.file.Path file) {
        return CsvTable.options().missing("-9999").require("YYYY", "MM", "DD", "TMAX", "TMIN", "TAVG", "PRCP").read(file);
    }

    /**
     * Aggregates daily records into weeks. Week {@code i} covers the days from
     * {@code weekStarts[i]} up to but not including {@code weekStarts[i+1]} (the last week: 7
     * days), so the 8- and 9-day weeks that end each year in the dengue files (the last week runs
     * to 1 January) are covered whole and no day is counted twice.
     *
     * <p>A day's temperature is {@code TAVG}, or {@code (TMAX + TMIN)/2} when {@code TAVG} is
     * missing and both extremes are present; otherwise the day has no temperature. The week's
     * mean temperature is the mean of its days' temperatures, its precipitation the sum of its
     * days' {@code PRCP}; a week with no usable day gets NaN. Days outside every week and
     * duplicated dates (the first record wins) are ignored.
     *
     * <p>Dates come from {@code YYYY, MM, DD} columns, or a {@code DATE} column in ISO form.
     *
     * @param daily      daily records (NaN for missing values, e.g. read by {@link #readStation})
     * @param weekStarts strictly increasing first days of the weeks
     */
    public static Weekly weekly(CsvTable daily, List<LocalDate> weekStarts) {
        for (int i = 1; i < weekStarts.size(); i++) {
            if (!weekStarts.get(i).isAfter(weekStarts.get(i - 1))) {
                throw new IllegalArgumentException("Weather.weekly: week starts must be strictly increasing; "
                        + weekStarts.get(i) + " (index " + i + ") follows " + weekStarts.get(i - 1));
            }
        }
        LocalDate[] dates = dates(daily);
        double[] tmax = daily.doubles("TMAX");
        double[] tmin = daily.doubles("TMIN");
        double[] tavg = daily.doubles("TAVG");
        double[] prcp = daily.doubles("PRCP");
        int w = weekStarts.size();
        double[] tSum = new double[w];
        double[] pSum = new double[w];
        int[] tDays = new int[w];
        int[] pDays = new int[w];
        if (w > 0) {
            LocalDate first = weekStarts.get(0);
            LocalDate end = weekStarts.get(w - 1).plusDays(7);
            java.util.Set<LocalDate> seen = new java.util.HashSet<>();
            for (int r = 0; r < dates.length; r++) {
                LocalDate d = dates[r];
                if (d.isBefore(first) || !d.isBefore(end) || !seen.add(d)) {
                    continue;
                }
                int week = weekOf(weekStarts, d);
                double t = tavg[r];
                if (Double.isNaN(t) && !Double.isNaN(tmax[r]) && !Double.isNaN(tmin[r])) {
                    t = (tmax[r] + tmin[r]) / 2.0;
                }
                if (!Double.isNaN(t)) {
                    tSum[week] += t;
                    tDays[week]++;
                }
                if (!Double.isNaN(prcp[r])) {
                    if (prcp[r] < 0) {
                        throw new CsvFormatException(daily.source(), daily.lineOf(r), "negative precipitation " + prcp[r]
                                + " (missing values must be -9999)");
                    }
                    pSum[week] += prcp[r];
                    pDays[week]++;
                }
            }
        }
        double[] meanT = new double[w];
        double[] totalP = new double[w];
        for (int i = 0; i < w; i++) {
            meanT[i] = tDays[i] == 0 ? Double.NaN : tSum[i] / tDays[i];
            totalP[i] = pDays[i] == 0 ? Double.NaN : pSum[i];
        }
        return new Weekly(meanT, totalP, tDays, pDays);
    }

    /** Index of the last week start that is on or before d (d is within range). */
    private static int weekOf(List<LocalDate> starts, LocalDate d) {
        int lo = 0;
        int hi = starts.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts.get(mid).isAfter(d)) {
                hi = mid - 1;
            } else {
                lo = mid;
            }
        }
        return lo;
    }

    private static LocalDate[] dates(CsvTable daily) {
        int n = daily.rowCount();
        if (daily.hasColumn("YYYY") && daily.hasColumn("MM") && daily.hasColumn("DD")) {
            double[] y = daily.doubles("YYYY");
            double[] m = daily.doubles("MM");
            double[] dd = daily.doubles("DD");
            LocalDate[] out = new LocalDate[n];
            for (int r = 0; r < n; r++) {
                if (Double.isNaN(y[r]) || Double.isNaN(m[r]) || Double.isNaN(dd[r]) || y[r] != Math.rint(y[r])
                        || m[r] != Math.rint(m[r]) || dd[r] != Math.rint(dd[r])) {
                    throw new CsvFormatException(daily.source(), daily.lineOf(r), "invalid date fields YYYY=" + y[r] + " MM="
                            + m[r] + " DD=" + dd[r]);
                }
                try {
                    out[r] = LocalDate.of((int) y[r], (int) m[r], (int) dd[r]);
                } catch (DateTimeException e) {
                    throw new CsvFormatException(daily.source(), daily.lineOf(r), "invalid date: " + e.getMessage());
                }
            }
            return out;
        }
        if (daily.hasColumn("DATE")) {
            LocalDate[] out = daily.dates("DATE");
            for (int r = 0; r < n; r++) {
                if (out[r] == null) {
                    throw new CsvFormatException(daily.source(), daily.lineOf(r), "missing DATE");
                }
            }
            return out;
        }
        throw new IllegalArgumentException("Weather.weekly: " + daily.source() + " needs date columns YYYY, MM, DD (or DATE);"
                + " available columns: " + daily.columns());
    }
}
