package dev.lamina.data;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped dengue files load with their real row counts and contents. */
class DengueDataTest {
    static final Path DATA = Path.of("data", "dengue");

    @Test
    void sanJuan() {
        DengueData d = DengueData.load(DATA, "san_juan");
        assertEquals(1196, d.size());
        DengueData.Week first = d.weeks().get(0);
        assertEquals(new DengueData.Week("1990/1991", 1, LocalDate.of(1990, 4, 30), 4), first);
        assertEquals(1990, first.year());
        DengueData.Week last = d.weeks().get(d.size() - 1);
        assertEquals(new DengueData.Week("2012/2013", 52, LocalDate.of(2013, 4, 23), 25), last);
        double sum = 0;
        for (double c : d.totalCases()) {
            sum += c;
        }
        assertEquals(46454, sum, "sum of total_cases in san_juan_testing_data.csv");
        checkChronological(d.weekStarts());
    }

    @Test
    void iquitos() {
        DengueData d = DengueData.load(DATA, "iquitos");
        assertEquals(676, d.size());
        assertEquals(LocalDate.of(2000, 7, 1), d.weekStarts().get(0));
        assertEquals(LocalDate.of(2013, 6, 25), d.weekStarts().get(675));
        double sum = 0;
        for (double c : d.totalCases()) {
            sum += c;
        }
        assertEquals(5115, sum, "sum of total_cases in iquitos_testing_data.csv");
        checkChronological(d.weekStarts());
    }

    /** Strictly increasing, 7 days apart except the year-end weeks that run to 1 January. */
    private static void checkChronological(List<LocalDate> starts) {
        for (int i = 1; i < starts.size(); i++) {
            long days = ChronoUnit.DAYS.between(starts.get(i - 1), starts.get(i));
            if (days != 7) {
                assertTrue(days == 8 || days == 9, "gap of " + days + " days before " + starts.get(i));
                assertEquals(1, starts.get(i).getDayOfMonth());
                assertEquals(1, starts.get(i).getMonthValue());
            }
        }
    }

    @Test
    void unknownCityAndMissingFile(@org.junit.jupiter.api.io.TempDir Path empty) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DengueData.load(DATA, "lima"));
        assertTrue(e.getMessage().contains("san_juan") && e.getMessage().contains("iquitos"), e.getMessage());
        java.io.UncheckedIOException io = assertThrows(java.io.UncheckedIOException.class,
                () -> DengueData.load(empty, "iquitos"));
        assertTrue(io.getMessage().contains("iquitos_testing_data.csv"), io.getMessage());
    }

    @Test
    void provenanceShipsBesideTheData() throws Exception {
        String prov = Files.readString(DATA.resolve("PROVENANCE.md"));
        assertTrue(prov.contains("Creative Commons Attribution 4.0") && prov.contains("NOAA GHCN")
                && prov.contains("cdcepi/dengue-forecasting-project-2015"));
        assertTrue(Files.exists(DengueData.stationFile(DATA, "san_juan")));
        assertTrue(Files.exists(DengueData.stationFile(DATA, "iquitos")));
    }
}
