package dev.lamina.data;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Weekly dengue case counts for San Juan (Puerto Rico) or Iquitos (Peru), from the Dengue
 * Forecasting Project files shipped in {@code data/dengue/} (see its PROVENANCE.md):
 * {@code <city>_testing_data.csv}, the complete series with columns {@code season},
 * {@code season_week}, {@code week_start_date}, the per-serotype counts and {@code total_cases}
 * (the forecasting target). Records are sorted by week start date.
 *
 * <pre>{@code
 * DengueData sj = DengueData.load(Path.of("data/dengue"), "san_juan");   // 1,196 weeks
 * double[] cases = sj.totalCases();
 * Weather.Weekly w = sj.weeklyWeather();                                  // station means and totals
 * }</pre>
 */
public final class DengueData {
    /** The cities with data: {@code "san_juan"} and {@code "iquitos"}. */
    public static final List<String> CITIES = List.of("san_juan", "iquitos");

    /**
     * One week of the series.
     *
     * @param season     the transmission season, e.g. "1990/1991"
     * @param seasonWeek week of the season (1-based; the season starts after the week with historically fewest cases)
     * @param weekStart  first day of the week
     * @param totalCases laboratory-positive cases that week (the forecasting target)
     */
    public record Week(String season, int seasonWeek, LocalDate weekStart, double totalCases) {
        /** Calendar year of the week's first day. */
        public int year() {
            return weekStart.getYear();
        }
    }

    private final Path dataDir;
    private final String city;
    private final List<Week> weeks;

    private DengueData(Path dataDir, String city, List<Week> weeks) {
        this.dataDir = dataDir;
        this.city = city;
        this.weeks = List.copyOf(weeks);
    }

    /**
     * Loads {@code dataDir/<city>_testing_data.csv}.
     *
     * @param city "san_juan" or "iquitos"
     * @throws IllegalArgumentException for another city, or a missing or duplicated week, or a missing case count
     */
    public static DengueData load(Path dataDir, String city) {
        checkCity(city);
        Path file = dataDir.resolve(city + "_testing_data.csv");
        CsvTable t = CsvTable.options().require("season", "season_week", "week_start_date", "total_cases").read(file);
        String[] season = t.strings("season");
        double[] seasonWeek = t.doubles("season_week");
        LocalDate[] start = t.dates("week_start_date");
        double[] cases = t.doubles("total_cases");
        List<Week> weeks = new ArrayList<>(t.rowCount());
        for (int r = 0; r < t.rowCount(); r++) {
            if (start[r] == null) {
                throw new CsvFormatException(file.toString(), t.lineOf(r), "missing week_start_date");
            }
            if (Double.isNaN(cases[r]) || cases[r] < 0) {
                throw new CsvFormatException(file.toString(), t.lineOf(r), "total_cases must be a count >= 0, got " + cases[r]);
            }
            if (Double.isNaN(seasonWeek[r]) || seasonWeek[r] != Math.rint(seasonWeek[r])) {
                throw new CsvFormatException(file.toString(), t.lineOf(r), "season_week must be an integer, got "
                        + seasonWeek[r]);
            }
            weeks.add(new Week(season[r].strip(), (int) seasonWeek[r], start[r], cases[r]));
        }
        weeks.sort(Comparator.comparing(Week::weekStart));
        for (int i = 1; i < weeks.size(); i++) {
            if (weeks.get(i).weekStart().equals(weeks.get(i - 1).weekStart())) {
                throw new IllegalArgumentException("DengueData.load(" + file + "): week " + weeks.get(i).weekStart()
                        + " appears twice");
            }
        }
        return new DengueData(dataDir, city, weeks);
    }

    private static void checkCity(String city) {
        if (!CITIES.contains(city)) {
            throw new IllegalArgumentException("DengueData: unknown city '" + city + "'; expected one of " + CITIES);
        }
    }

    /** The daily NOAA GHCN station file of a city in {@code dataDir}. */
    public static Path stationFile(Path dataDir, String city) {
        checkCity(city);
        return dataDir.resolve(city.equals("san_juan") ? "SanJuanRQW00011641.csv" : "IquitosPE000084377.csv");
    }

    /** The city name given to {@link #load}. */
    public String city() {
        return city;
    }

    /** The weeks, oldest first (unmodifiable). */
    public List<Week> weeks() {
        return weeks;
    }

    /** Number of weeks. */
    public int size() {
        return weeks.size();
    }

    /** {@code total_cases} per week, oldest first. */
    public double[] totalCases() {
        return weeks.stream().mapToDouble(Week::totalCases).toArray();
    }

    /** First day of every week, oldest first. */
    public List<LocalDate> weekStarts() {
        return weeks.stream().map(Week::weekStart).toList();
    }

    /**
     * Weekly mean temperature and total precipitation from the city's station file in the same
     * directory, aligned with {@link #weeks()} (see {@link Weather#weekly}).
     */
    public Weather.Weekly weeklyWeather() {
        return Weather.weekly(Weather.readStation(stationFile(dataDir, city)), weekStarts());
    }
}
