package dev.lamina.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchIteratorTest {
    private static final int N = 23;

    /** x[i] = [i, i, ..] on 2x2x1 images; y[i] = 10·i. */
    private static Tensor[] data() {
        float[] x = new float[N * 4];
        float[] y = new float[N];
        for (int i = 0; i < N; i++) {
            Arrays.fill(x, i * 4, i * 4 + 4, i);
            y[i] = 10 * i;
        }
        return new Tensor[] {Tensor.of(x, N, 2, 2, 1), Tensor.of(y, N, 1)};
    }

    private static List<int[]> epoch(BatchIterator it) {
        List<int[]> out = new ArrayList<>();
        for (BatchIterator.Batch b : it) {
            float[] xs = b.x().toFloatArray();
            float[] ys = b.y().toFloatArray();
            assertEquals(b.indices().length * 4, xs.length);
            for (int k = 0; k < b.indices().length; k++) {
                assertEquals(b.indices()[k], xs[k * 4], 0f, "x rows follow the indices");
                assertEquals(10 * b.indices()[k], ys[k], 0f, "y rows follow the indices");
            }
            out.add(b.indices());
            b.close();
        }
        return out;
    }

    @Test
    void everySampleOncePerEpochInASeededOrder() {
        long base = Backends.cpu().bytesInUse();
        try (Backends.Use u = Backends.use(Backends.cpu()); Scope s = Scope.open()) {
            Tensor[] d = data();
            BatchIterator it = new BatchIterator(d[0], d[1], 5, true, 42L);
            assertEquals(5, it.batchesPerEpoch());
            List<int[]> e1 = epoch(it);
            List<int[]> e2 = epoch(it);
            for (List<int[]> e : List.of(e1, e2)) {
                assertEquals(5, e.size());
                assertEquals(3, e.get(4).length, "last batch holds the remainder");
                int[] seen = e.stream().flatMapToInt(Arrays::stream).sorted().toArray();
                int[] all = new int[N];
                Arrays.setAll(all, i -> i);
                assertArrayEquals(all, seen, "each sample exactly once");
            }
            int[] o1 = e1.stream().flatMapToInt(Arrays::stream).toArray();
            int[] o2 = e2.stream().flatMapToInt(Arrays::stream).toArray();
            assertFalse(Arrays.equals(o1, o2), "a new order per epoch");
            int[] sorted = o1.clone();
            Arrays.sort(sorted);
            assertFalse(Arrays.equals(o1, sorted), "shuffled");
            BatchIterator again = new BatchIterator(d[0], d[1], 5, true, 42L);
            assertArrayEquals(o1, epoch(again).stream().flatMapToInt(Arrays::stream).toArray(), "same seed, same order");
            assertArrayEquals(o2, epoch(again).stream().flatMapToInt(Arrays::stream).toArray());
            assertEquals(2, again.epochsStarted());

            List<int[]> plain = epoch(new BatchIterator(d[0], d[1], 5, false, 1L));
            assertArrayEquals(new int[] {0, 1, 2, 3, 4}, plain.get(0));
            List<int[]> dropped = epoch(new BatchIterator(d[0], d[1], 5, true, 1L).dropRemainder(true));
            assertEquals(4, dropped.size());
            assertTrue(dropped.stream().allMatch(b -> b.length == 5));
        }
        assertEquals(base, Backends.cpu().bytesInUse());
    }

    @Test
    void badArgumentsAreRejected() {
        try (Scope s = Scope.open()) {
            Tensor[] d = data();
            assertThrows(IllegalArgumentException.class, () -> new BatchIterator(d[0], d[1], 0, true, 1L));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new BatchIterator(d[0], Tensor.zeros(DType.FLOAT32, 4, 1), 2, true, 1L));
            assertTrue(e.getMessage().contains("23 samples"), e.getMessage());
        }
    }
}
