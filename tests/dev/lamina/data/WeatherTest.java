package dev.lamina.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Weekly aggregation against sums worked by hand; tolerance 1e-12. */
class WeatherTest {
    @TempDir
    Path dir;

    private static final String DAILY = String.join("\n",
            "YYYY,MM,DD,TMAX,TMIN,TAVG,TDTR,PRCP",
            "2019,12,31,   99.0,   99.0,   99.0,    0.0,   99.0",      // before the first week: ignored
            "2020,01,01,-9999.0,-9999.0,   20.0,-9999.0,    1.0",
            "2020,01,02,   30.0,   20.0,-9999.0,   10.0,    2.5",      // TAVG missing: (30 + 20)/2 = 25
            "2020,01,03,   30.0,-9999.0,-9999.0,-9999.0,-9999.0",      // no temperature, no rain
            "2020,01,07,-9999.0,-9999.0,   27.0,-9999.0,    0.0",
            "2020,01,08,-9999.0,-9999.0,   10.0,-9999.0,    0.5",
            "2020,01,08,-9999.0,-9999.0, 1000.0,-9999.0,  100.0",      // duplicate date: first record wins
            "2020,01,15,-9999.0,-9999.0,   30.0,-9999.0,   10.0",      // 8th day of an 8-day week
            "2020,01,20,-9999.0,-9999.0,-9999.0,-9999.0,-9999.0",      // a day with nothing
            "2020,01,23,-9999.0,-9999.0,   99.0,-9999.0,   99.0",      // after the last week: ignored
            "");
    private static final List<LocalDate> WEEKS = List.of(
            LocalDate.of(2020, 1, 1), LocalDate.of(2020, 1, 8), LocalDate.of(2020, 1, 16));

    @Test
    void weeklyMeansAndTotalsByHand() throws IOException {
        Path p = dir.resolve("station.csv");
        Files.writeString(p, DAILY);
        Weather.Weekly w = Weather.weekly(Weather.readStation(p), WEEKS);
        // week 1: temperatures 20, 25, 27 -> 24; rain 1 + 2.5 + 0 = 3.5
        // week 2 (8 days, to the 16th): temperatures 10, 30 -> 20; rain 0.5 + 10 = 10.5
        // week 3: no usable day -> NaN
        assertEquals(24.0, w.meanTemperature()[0], 1e-12);
        assertEquals(3.5, w.totalPrecipitation()[0], 1e-12);
        assertEquals(20.0, w.meanTemperature()[1], 1e-12);
        assertEquals(10.5, w.totalPrecipitation()[1], 1e-12);
        assertTrue(Double.isNaN(w.meanTemperature()[2]));
        assertTrue(Double.isNaN(w.totalPrecipitation()[2]));
        assertArrayEquals(new int[] {3, 2, 0}, w.temperatureDays());
        assertArrayEquals(new int[] {3, 2, 0}, w.precipitationDays());
    }

    @Test
    void isoDateColumnAndValidation() {
        CsvTable t = CsvTable.options().missing("-9999").read("inline", new StringReader(
                "DATE,TMAX,TMIN,TAVG,PRCP\n2021-03-01,10,0,-9999,4\n2021-03-02,-9999,-9999,7,-9999\n"));
        Weather.Weekly w = Weather.weekly(t, List.of(LocalDate.of(2021, 3, 1)));
        assertEquals(6.0, w.meanTemperature()[0], 1e-12);
        assertEquals(4.0, w.totalPrecipitation()[0], 1e-12);
        assertThrows(IllegalArgumentException.class,
                () -> Weather.weekly(t, List.of(LocalDate.of(2021, 3, 8), LocalDate.of(2021, 3, 1))));
        CsvTable noDates = CsvTable.read("inline", new StringReader("TMAX,TMIN,TAVG,PRCP\n1,2,3,4\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Weather.weekly(noDates, List.of(LocalDate.of(2021, 3, 1))));
        assertTrue(e.getMessage().contains("YYYY"), e.getMessage());
    }

    @Test
    void realSanJuanYearEndWeekCoversEightDays() {
        DengueData sj = DengueData.load(DengueDataTest.DATA, "san_juan");
        Weather.Weekly w = sj.weeklyWeather();
        assertEquals(sj.size(), w.meanTemperature().length);
        // the week of 1990-12-24 runs to 1991-01-01; TAVG and PRCP of its 8 days in SanJuanRQW00011641.csv:
        int i = sj.weekStarts().indexOf(LocalDate.of(1990, 12, 24));
        assertEquals(LocalDate.of(1991, 1, 1), sj.weekStarts().get(i + 1));
        double[] tavg = {24.2, 23.6, 24.7, 25.8, 25.3, 25.0, 25.5, 25.0};
        double[] prcp = {8.4, 0.0, 0.3, 7.9, 26.2, 27.7, 2.8, 4.3};
        double t = 0;
        double p = 0;
        for (int k = 0; k < 8; k++) {
            t += tavg[k];
            p += prcp[k];
        }
        assertEquals(t / 8, w.meanTemperature()[i], 1e-12);
        assertEquals(p, w.totalPrecipitation()[i], 1e-12);
        assertEquals(8, w.temperatureDays()[i]);
        // San Juan's station record is complete over the dengue weeks
        for (int k = 0; k < sj.size(); k++) {
            assertTrue(Double.isFinite(w.meanTemperature()[k]) && Double.isFinite(w.totalPrecipitation()[k]), "week " + k);
        }
    }

    @Test
    void realIquitosHasGapsAsNaN() {
        Weather.Weekly w = DengueData.load(DengueDataTest.DATA, "iquitos").weeklyWeather();
        // counted independently (Python csv over the same files): 39 weeks without temperature, 15 without rain
        assertEquals(39, Series.countNaN(w.meanTemperature()));
        assertEquals(15, Series.countNaN(w.totalPrecipitation()));
    }
}
