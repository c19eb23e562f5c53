package dev.lamina.data;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DigitsTest {
    static final Path FILE = Path.of("data", "digits", "digits.csv.gz");
    /** Images per class in scikit-learn's digits (load_digits), 0..9. */
    static final int[] CLASS_COUNTS = {178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
    static Digits digits;

    @BeforeAll
    static void load() {
        digits = Digits.load(FILE);
    }

    private static int[] counts(int[] labels) {
        int[] c = new int[10];
        for (int l : labels) {
            c[l]++;
        }
        return c;
    }

    @Test
    void loads1797LabelledImages() {
        assertEquals(1797, digits.size());
        assertArrayEquals(CLASS_COUNTS, counts(digits.labels()));
        float[] flat = digits.flat();
        for (float v : flat) {
            assertTrue(v >= 0 && v <= 16 && v == Math.rint(v));
        }
        // first line of the file: 0,0,5,13,9,1,0,0, 0,0,13,15,10,15,5,0, ... label 0; second image is a 1
        float[] first = digits.features()[0];
        assertArrayEquals(new float[] {0, 0, 5, 13, 9, 1, 0, 0}, Arrays.copyOfRange(first, 0, 8));
        assertArrayEquals(new float[] {0, 0, 13, 15, 10, 15, 5, 0}, Arrays.copyOfRange(first, 8, 16));
        assertEquals(0, digits.labels()[0]);
        assertEquals(1, digits.labels()[1]);
    }

    @Test
    void imagesAreNhwcRowMajor() {
        float[][][][] img = digits.asImages();
        float[][] feat = digits.features();
        assertEquals(1797, img.length);
        for (int n : new int[] {0, 1, 1796}) {
            for (int r = 0; r < 8; r++) {
                for (int c = 0; c < 8; c++) {
                    assertEquals(feat[n][8 * r + c], img[n][r][c][0]);
                }
            }
        }
        assertEquals(13f, img[0][1][2][0]);
    }

    @Test
    void tensorsAndMemory() {
        Backend cpu = Backends.cpu();
        long base = cpu.bytesInUse();
        try (Backends.Use use = Backends.use(cpu); Scope scope = Scope.open()) {
            Tensor x = digits.imagesTensor();
            Tensor y = digits.labelsTensor();
            assertArrayEquals(new long[] {1797, 8, 8, 1}, x.shape());
            assertEquals(DType.FLOAT32, x.dtype());
            assertArrayEquals(digits.flat(), x.toFloatArray());
            assertEquals(DType.INT32, y.dtype());
            assertArrayEquals(digits.labels(), y.toIntArray());
            assertArrayEquals(new long[] {1797, 64}, digits.featuresTensor().shape());
        }
        assertEquals(base, cpu.bytesInUse());
    }

    @Test
    void stratifiedSplitKeepsProportionsAndIsSeeded() {
        Digits.Split s = digits.trainTestSplit(0.2, 7, true);
        assertEquals(1797, s.train().size() + s.test().size());
        int[] testCounts = counts(s.test().labels());
        for (int c = 0; c < 10; c++) {
            assertEquals(Math.round(CLASS_COUNTS[c] * 0.2), testCounts[c], "class " + c);
        }
        // a partition: every image exactly once (images are distinct enough to identify by content+label)
        Set<String> all = new HashSet<>();
        for (Digits part : new Digits[] {s.train(), s.test()}) {
            float[][] f = part.features();
            int[] l = part.labels();
            for (int i = 0; i < f.length; i++) {
                all.add(Arrays.toString(f[i]) + l[i] + "#" + Arrays.hashCode(f[i]));
            }
        }
        Set<String> original = new HashSet<>();
        float[][] f = digits.features();
        int[] l = digits.labels();
        for (int i = 0; i < f.length; i++) {
            original.add(Arrays.toString(f[i]) + l[i] + "#" + Arrays.hashCode(f[i]));
        }
        assertEquals(original, all);
        // same seed, same split; another seed, another one
        assertArrayEquals(s.test().labels(), digits.trainTestSplit(0.2, 7, true).test().labels());
        assertArrayEquals(s.test().flat(), digits.trainTestSplit(0.2, 7, true).test().flat());
        assertNotEquals(Arrays.toString(s.test().flat()), Arrays.toString(digits.trainTestSplit(0.2, 8, true).test().flat()));
        Digits.Split plain = digits.trainTestSplit(0.25, 1, false);
        assertEquals(Math.round(1797 * 0.25), plain.test().size());
        assertThrows(IllegalArgumentException.class, () -> digits.trainTestSplit(1.0, 1, false));
    }

    @Test
    void malformedFileNamesLine(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("bad.csv");
        String good = "0,".repeat(64) + "3";
        Files.writeString(p, good + "\n" + "0,".repeat(63) + "17,3\n");
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> Digits.load(p));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("pixel 63"), e.getMessage());
        Files.writeString(p, good + "\n" + good + ",1\n");
        assertEquals(2, assertThrows(CsvFormatException.class, () -> Digits.load(p)).line());
        Files.writeString(p, "0,".repeat(64) + "x\n");
        assertTrue(assertThrows(CsvFormatException.class, () -> Digits.load(p)).getMessage().contains("label"));
        assertThrows(java.io.UncheckedIOException.class, () -> Digits.load(dir.resolve("none.csv.gz")));
    }
}
