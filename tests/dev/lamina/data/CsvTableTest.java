package dev.lamina.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvTableTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void quotingPerRfc4180() throws IOException {
        Path p = write("q.csv", "name,note,n\r\n"
                + "\"Smith, J\",\"said \"\"hi\"\"\",1\r\n"
                + "plain,\"two\nlines\",2\r\n"
                + "\"\",,3\n");
        CsvTable t = CsvTable.read(p);
        assertEquals(List.of("name", "note", "n"), t.columns());
        assertEquals(3, t.rowCount());
        assertArrayEquals(new String[] {"Smith, J", "plain", ""}, t.strings("name"));
        assertArrayEquals(new String[] {"said \"hi\"", "two\nlines", ""}, t.strings("note"));
        assertArrayEquals(new double[] {1, 2, 3}, t.doubles("n"));
        // the row after the embedded newline starts on line 5 (header 1, rows on 2, 3-4, 5)
        assertEquals(2, t.lineOf(0));
        assertEquals(3, t.lineOf(1));
        assertEquals(5, t.lineOf(2));
    }

    @Test
    void missingMarkersBecomeNaN() throws IOException {
        Path p = write("m.csv", "a,b\n1.5,-9999\n,  -9999.0\nNA,2\nNaN,-9999.5\n");
        CsvTable plain = CsvTable.read(p);
        double[] a = plain.doubles("a");
        assertEquals(1.5, a[0]);
        assertTrue(Double.isNaN(a[1]) && Double.isNaN(a[2]) && Double.isNaN(a[3]));
        // without the marker -9999 is a number
        assertEquals(-9999.0, plain.doubles("b")[0]);
        CsvTable t = CsvTable.options().missing("-9999").read(p);
        double[] b = t.doubles("b");
        assertTrue(Double.isNaN(b[0]), "-9999 is missing");
        assertTrue(Double.isNaN(b[1]), "-9999.0 (padded) matches the numeric marker");
        assertEquals(2.0, b[2]);
        assertEquals(-9999.5, b[3], "a different number is not missing");
    }

    @Test
    void gzipByExtensionAndDelimiter() throws IOException {
        Path p = dir.resolve("d.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            out.write("x;when\n3;2020-02-29\n4;NA\n".getBytes(StandardCharsets.UTF_8));
        }
        CsvTable t = CsvTable.options().delimiter(';').read(p);
        assertArrayEquals(new double[] {3, 4}, t.doubles("x"));
        LocalDate[] d = t.dates("when");
        assertEquals(LocalDate.of(2020, 2, 29), d[0]);
        assertNull(d[1]);
    }

    @Test
    void readerSourceAndBlankLinesAndBom() {
        CsvTable t = CsvTable.options().read("inline", new StringReader("\uFEFFa,b\n\n1,2\n\n3,4\n"));
        assertEquals(List.of("a", "b"), t.columns());
        assertArrayEquals(new double[] {1, 3}, t.doubles("a"));
        assertEquals(5, t.lineOf(1));
    }

    @Test
    void missingFileNamesThePath() {
        Path p = dir.resolve("nope.csv");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> CsvTable.read(p));
        assertTrue(e.getMessage().contains(p.toAbsolutePath().toString()), e.getMessage());
    }

    @Test
    void unknownColumnListsAvailable() throws IOException {
        CsvTable t = CsvTable.read(write("u.csv", "alpha,beta\n1,2\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.doubles("gamma"));
        assertTrue(e.getMessage().contains("gamma") && e.getMessage().contains("[alpha, beta]"), e.getMessage());
    }

    @Test
    void wrongFieldCountNamesFileAndLine() throws IOException {
        Path p = write("w.csv", "a,b\n1,2\n3\n");
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> CsvTable.read(p));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains(p.toString() + ":3"), e.getMessage());
        assertTrue(e.getMessage().contains("expected 2 fields"), e.getMessage());
    }

    @Test
    void unterminatedQuoteNamesTheLineItOpened() throws IOException {
        Path p = write("uq.csv", "a,b\n1,2\n3,\"open\n4,5\n");
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> CsvTable.read(p));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("unterminated"), e.getMessage());
    }

    @Test
    void strayQuotesAreErrors() throws IOException {
        CsvFormatException e1 = assertThrows(CsvFormatException.class,
                () -> CsvTable.read(write("s1.csv", "a,b\n\"x\"y,2\n")));
        assertEquals(2, e1.line());
        CsvFormatException e2 = assertThrows(CsvFormatException.class,
                () -> CsvTable.read(write("s2.csv", "a,b\n1,2\nx\"y,2\n")));
        assertEquals(3, e2.line());
    }

    @Test
    void nonNumericValueNamesColumnLineAndValue() throws IOException {
        Path p = write("n.csv", "a,b\n1,2\n3,abc\n");
        CsvTable t = CsvTable.read(p);
        assertArrayEquals(new String[] {"2", "abc"}, t.strings("b"));
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> t.doubles("b"));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("\"abc\""), e.getMessage());
        // Java-only literal forms are not CSV numbers
        CsvTable t2 = CsvTable.read(write("n2.csv", "a\n1d\n"));
        assertThrows(CsvFormatException.class, () -> t2.doubles("a"));
    }

    @Test
    void badDateNamesLine() throws IOException {
        CsvTable t = CsvTable.read(write("bd.csv", "d\n2020-01-01\n2020-13-01\n"));
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> t.dates("d"));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("2020-13-01"), e.getMessage());
    }

    @Test
    void headerChecks() throws IOException {
        assertThrows(CsvFormatException.class, () -> CsvTable.read(write("e.csv", "")));
        CsvFormatException dup = assertThrows(CsvFormatException.class, () -> CsvTable.read(write("dup.csv", "a,a\n1,2\n")));
        assertTrue(dup.getMessage().contains("'a'"));
        CsvFormatException req = assertThrows(CsvFormatException.class,
                () -> CsvTable.options().require("a", "zz").read(write("r.csv", "a,b\n1,2\n")));
        assertTrue(req.getMessage().contains("[zz]") && req.getMessage().contains("[a, b]"), req.getMessage());
        CsvTable headerOnly = CsvTable.read(write("h.csv", "a,b\n"));
        assertEquals(0, headerOnly.rowCount());
        assertEquals(0, headerOnly.doubles("a").length);
    }
}
