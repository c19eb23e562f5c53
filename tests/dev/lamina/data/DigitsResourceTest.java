package dev.lamina.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The digits set bundled as a classpath resource (Digits.load()) is the file in data/digits. */
class DigitsResourceTest {
    @Test
    void classpathResourceHasTheSameImagesAndLabelsAsTheFile() {
        Digits fromJar = Digits.load();
        Digits fromFile = Digits.load(DigitsTest.FILE);
        assertEquals(1797, fromJar.size());
        assertArrayEquals(fromFile.labels(), fromJar.labels());
        assertArrayEquals(fromFile.flat(), fromJar.flat());
        assertArrayEquals(DigitsTest.CLASS_COUNTS, counts(fromJar.labels()));
    }

    private static int[] counts(int[] labels) {
        int[] c = new int[Digits.CLASSES];
        for (int l : labels) {
            c[l]++;
        }
        return c;
    }
}
