package dev.lamina.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {
    /** Record i: label (i·3) % 10, pixel byte at (ch, r, c) = (i + 7·ch + 3·r + c) % 256. */
    static byte[] records(int n, int first) {
        byte[] b = new byte[n * Cifar10.RECORD];
        for (int k = 0; k < n; k++) {
            int i = first + k;
            int base = k * Cifar10.RECORD;
            b[base] = (byte) ((i * 3) % 10);
            for (int ch = 0; ch < 3; ch++) {
                for (int r = 0; r < 32; r++) {
                    for (int c = 0; c < 32; c++) {
                        b[base + 1 + ch * 1024 + r * 32 + c] = (byte) ((i + 7 * ch + 3 * r + c) % 256);
                    }
                }
            }
        }
        return b;
    }

    /** Writes the six files of a small CIFAR folder (2 images per training batch, 3 test images). */
    static Path writeFolder(Path dir) throws Exception {
        for (int f = 0; f < 5; f++) {
            Files.write(dir.resolve("data_batch_" + (f + 1) + ".bin"), records(2, 2 * f));
        }
        Files.write(dir.resolve("test_batch.bin"), records(3, 100));
        return dir;
    }

    @Test
    void readsChannelMajorRecordsAsNhwcInUnitRange(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("b.bin");
        Files.write(f, records(3, 0));
        Cifar10 d = Cifar10.read(f);
        assertEquals(3, d.size());
        assertArrayEquals(new int[] {0, 3, 6}, d.labels());
        try (Scope s = Scope.open()) {
            Tensor x = d.imagesTensor();
            assertArrayEquals(new long[] {3, 32, 32, 3}, x.shape());
            float[] v = x.toFloatArray();
            for (int i = 0; i < 3; i++) {
                for (int r : new int[] {0, 5, 31}) {
                    for (int c : new int[] {0, 17, 31}) {
                        for (int ch = 0; ch < 3; ch++) {
                            float want = ((i + 7 * ch + 3 * r + c) % 256) / 255f;
                            assertEquals(want, v[((i * 32 + r) * 32 + c) * 3 + ch], 0f, i + "," + r + "," + c + "," + ch);
                            assertEquals(want, d.pixel(i, r, c, ch), 0f);
                        }
                    }
                }
            }
            assertTrue(x.min().item() >= 0 && x.max().item() <= 1);
            assertArrayEquals(new float[] {0, 1, 2}, d.limit(5).labelsTensor().cast(dev.lamina.types.DType.FLOAT32)
                    .div(3.0).toFloatArray(), 0f);
            assertEquals(2, d.limit(2).size());
        }
    }

    @Test
    void loadConcatenatesTheFiveTrainingBatches(@TempDir Path dir) throws Exception {
        Cifar10.Split s = Cifar10.load(writeFolder(dir));
        assertEquals(10, s.train().size());
        assertEquals(3, s.test().size());
        int[] want = new int[10];
        for (int i = 0; i < 10; i++) {
            want[i] = (i * 3) % 10;
        }
        assertArrayEquals(want, s.train().labels());
        assertEquals(((9 + 7 + 3 * 2 + 4) % 256) / 255f, s.train().pixel(9, 2, 4, 1), 0f);
        assertEquals(((100 + 14) % 256) / 255f, s.test().pixel(0, 0, 0, 2), 0f);
    }

    @Test
    void truncatedAndMissingFilesGiveClearErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cut.bin");
        byte[] full = records(2, 0);
        Files.write(f, java.util.Arrays.copyOf(full, full.length - 100));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cifar10.read(f));
        assertTrue(e.getMessage().contains("cut.bin") && e.getMessage().contains("6046 bytes")
                && e.getMessage().contains("3073"), e.getMessage());
        Path bad = dir.resolve("label.bin");
        byte[] r = records(1, 0);
        r[0] = 10;
        Files.write(bad, r);
        e = assertThrows(IllegalArgumentException.class, () -> Cifar10.read(bad));
        assertTrue(e.getMessage().contains("label 10"), e.getMessage());
        UncheckedIOException m = assertThrows(UncheckedIOException.class, () -> Cifar10.read(dir.resolve("nope.bin")));
        assertTrue(m.getMessage().contains("nope.bin"), m.getMessage());
        Files.write(dir.resolve("data_batch_1.bin"), records(1, 0));
        m = assertThrows(UncheckedIOException.class, () -> Cifar10.load(dir));
        assertTrue(m.getMessage().contains("data_batch_2.bin") && m.getMessage().contains("test_batch.bin")
                && !m.getMessage().contains("data_batch_1.bin"), m.getMessage());
        m = assertThrows(UncheckedIOException.class, () -> Cifar10.load(dir.resolve("absent")));
        assertTrue(m.getMessage().contains("no such folder"), m.getMessage());
    }
}
