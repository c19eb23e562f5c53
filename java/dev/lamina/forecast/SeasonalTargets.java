package dev.lamina.forecast;

import dev.lamina.data.DengueData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The season-level targets of the 2015 dengue forecasting challenge, for each complete test
 * season: peak week (the season week with the most cases; the first one on a tie), peak
 * incidence (that week's cases) and season total. The forecast of a target is read off the
 * season's trajectory of h-week-ahead forecasts (each week forecast from the data h weeks
 * before it), for the forecaster and for persistence; the errors are absolute differences.
 */
public final class SeasonalTargets {
    private SeasonalTargets() {
    }

    /** One season's targets at one horizon: actual, the forecaster's and persistence's. */
    public record Season(String name, int horizon, int weeks, Target actual, Target forecast, Target persistence) {
        /** The errors of a forecast of this season's targets: peak week (weeks), peak incidence and total (cases). */
        public Map<String, Double> errors(Target f) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("peak_week_error", (double) Math.abs(f.peakWeek() - actual.peakWeek()));
            m.put("peak_incidence_error", Math.abs(f.peak() - actual.peak()));
            m.put("total_error", Math.abs(f.total() - actual.total()));
            m.put("total_relative_error", actual.total() == 0 ? Double.NaN : Math.abs(f.total() - actual.total()) / actual.total());
            return m;
        }
    }

    /** Peak week (1-based season week), peak incidence and total of a season's weekly values. */
    public record Target(int peakWeek, double peak, double total) {
        /** The targets of weekly values whose first element is season week {@code firstWeek}. */
        public static Target of(double[] weekly, int firstWeek) {
            if (weekly.length == 0) {
                throw new IllegalArgumentException("SeasonalTargets: a season needs at least one week");
            }
            int arg = 0;
            double total = 0;
            for (int i = 0; i < weekly.length; i++) {
                if (weekly[i] > weekly[arg]) {
                    arg = i;
                }
                total += weekly[i];
            }
            return new Target(firstWeek + arg, weekly[arg], total);
        }
    }

    /**
     * The targets of every complete test season (first week on or after the test start, every
     * week present) at every horizon; empty for a CSV series (it has no season column).
     */
    public static List<Season> seasons(ForecastSettings s, Path dataDir, SeriesData data, Forecaster.Evaluation e) {
        if (s.city == null) {
            return List.of();
        }
        List<DengueData.Week> weeks = DengueData.load(dataDir.resolve("dengue"), s.city).weeks();
        if (weeks.size() != data.length()) {
            return List.of();
        }
        String[] label = new String[weeks.size()];
        int[] seasonWeek = new int[weeks.size()];
        for (int i = 0; i < label.length; i++) {
            label[i] = weeks.get(i).season();
            seasonWeek[i] = weeks.get(i).seasonWeek();
        }
        return seasons(label, seasonWeek, e);
    }

    /** As {@link #seasons(ForecastSettings, Path, SeriesData, Forecaster.Evaluation)} from per-row season labels and weeks. */
    public static List<Season> seasons(String[] label, int[] seasonWeek, Forecaster.Evaluation e) {
        List<Season> out = new ArrayList<>();
        int trainEnd = e.training().trainEnd();
        int n = label.length;
        int start = trainEnd;
        while (start < n && seasonWeek[start] != 1) {
            start++;
        }
        while (start < n) {
            int end = start;
            while (end < n && label[end].equals(label[start])) {
                end++;
            }
            boolean complete = end < n || seasonWeek[end - 1] >= 52;
            if (complete) {
                for (Forecaster.HorizonForecasts h : e.horizons()) {
                    int from = indexOf(h.rows(), start);
                    int to = indexOf(h.rows(), end - 1);
                    if (from < 0 || to < 0 || to - from != end - 1 - start) {
                        continue;
                    }
                    int first = seasonWeek[start];
                    out.add(new Season(label[start], h.horizon(), end - start,
                            Target.of(java.util.Arrays.copyOfRange(h.actual(), from, to + 1), first),
                            Target.of(java.util.Arrays.copyOfRange(h.point(), from, to + 1), first),
                            Target.of(java.util.Arrays.copyOfRange(h.persistence(), from, to + 1), first)));
                }
            }
            start = end;
        }
        return out;
    }

    private static int indexOf(int[] rows, int row) {
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == row) {
                return i;
            }
        }
        return -1;
    }
}
