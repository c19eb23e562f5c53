package dev.lamina.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Values, shapes, printing and error messages of the tensor API, on the reference backend. */
class TensorTest {
    private Backends.Use use;
    private Scope scope;

    @BeforeEach
    void setUp() {
        use = Backends.use(Backends.reference());
        scope = Scope.open();
    }

    @AfterEach
    void tearDown() {
        scope.close();
        use.close();
    }

    @Test
    void rankShapeAndDtypeAsInTensorFlow() {
        Tensor scalar = Tensor.scalar(4, DType.INT32);
        Tensor vector = Tensor.of(new float[] {2, 3, 4});
        Tensor matrix = Tensor.of(new float[][] {{1, 2}, {3, 4}, {5, 6}});
        Tensor cube = Tensor.zeros(DType.FLOAT64, 3, 2, 5);
        assertEquals(0, scalar.rank());
        assertEquals(1, vector.rank());
        assertEquals(2, matrix.rank());
        assertEquals(3, cube.rank());
        assertArrayEquals(new long[] {3, 2}, matrix.shape());
        assertEquals(DType.FLOAT32, matrix.dtype());
        assertEquals(30, cube.numel());
        assertEquals("Tensor(4, shape=(), dtype=int32)", scalar.toString());
        assertEquals("Tensor([2. 3. 4.], shape=(3,), dtype=float32)", vector.toString());
        assertEquals("Tensor(\n[[1. 2.]\n [3. 4.]\n [5. 6.]], shape=(3, 2), dtype=float32)", matrix.toString());
        assertEquals("Tensor([  0.5 -1.25], shape=(2,), dtype=float32)", Tensor.of(new float[] {0.5f, -1.25f}).toString());
        assertEquals("Tensor([ True False], shape=(2,), dtype=bool)", Tensor.of(new boolean[] {true, false}).toString());
    }

    @Test
    void largeTensorsPrintSummarized() {
        String s = Tensor.arange(2000).toString();
        assertTrue(s.startsWith("Tensor([   0    1    2 ... 1997 1998 1999]"), s);
    }

    @Test
    void creationHelpers() {
        assertArrayEquals(new int[] {0, 1, 2, 3}, Tensor.arange(4).toIntArray());
        assertArrayEquals(new float[] {1, 1.5f, 2}, Tensor.arange(1, 2.5, 0.5, DType.FLOAT32).toFloatArray());
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.75f, 1}, Tensor.linspace(0, 1, 5).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 0, 1}, Tensor.eye(2).toFloatArray());
        assertArrayEquals(new double[] {7, 7}, Tensor.full(DType.FLOAT64, 7, 2).toDoubleArray());
        assertArrayEquals(new long[] {1, 2, 3, 4}, Tensor.ofNested(new long[][] {{1, 2}, {3, 4}}).toLongArray());
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofNested(new float[][] {{1, 2}, {3}}));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
    }

    @Test
    void seededRandomIsReproducibleAndHasTheRightMoments() {
        float[] a = new Rng(7).normal(DType.FLOAT32, 1.0, 2.0, 20000).toFloatArray();
        float[] b = new Rng(7).normal(DType.FLOAT32, 1.0, 2.0, 20000).toFloatArray();
        assertArrayEquals(a, b);
        double mean = 0;
        for (float v : a) {
            mean += v;
        }
        mean /= a.length;
        double var = 0;
        for (float v : a) {
            var += (v - mean) * (v - mean);
        }
        var /= a.length;
        assertEquals(1.0, mean, 0.05);
        assertEquals(4.0, var, 0.15);
        for (float v : new Rng(3).truncatedNormal(DType.FLOAT32, 0, 1, 5000).toFloatArray()) {
            assertTrue(Math.abs(v) <= 2.0f);
        }
        for (float v : new Rng(3).uniform(DType.FLOAT32, -1, 1, 5000).toFloatArray()) {
            assertTrue(v >= -1 && v < 1);
        }
        assertFalse(java.util.Arrays.equals(a, new Rng(8).normal(DType.FLOAT32, 1.0, 2.0, 20000).toFloatArray()));
    }

    @Test
    void broadcastingArithmetic() {
        Tensor a = Tensor.of(new float[][] {{1, 2, 3}, {4, 5, 6}});
        Tensor b = Tensor.of(new float[] {10, 20, 30});
        assertArrayEquals(new float[] {11, 22, 33, 14, 25, 36}, a.add(b).toFloatArray());
        assertArrayEquals(new float[] {-9, -18, -27, -6, -15, -24}, a.sub(b).toFloatArray());
        Tensor col = Tensor.of(new float[] {2, 3}, 2, 1);
        assertArrayEquals(new float[] {2, 4, 6, 12, 15, 18}, a.mul(col).toFloatArray());
        assertArrayEquals(new float[] {1, 4, 9, 16, 25, 36}, a.pow(2).toFloatArray());
        assertArrayEquals(new float[] {2, 2, 3, 4, 4, 4}, a.clip(2, 4).toFloatArray());
        assertArrayEquals(new boolean[] {false, false, true, true, true, true}, a.gt(2.5).toBooleanArray());
        assertArrayEquals(new int[] {3, 1}, Tensor.of(new int[] {7, 3}).div(Tensor.of(new int[] {2, 2})).toIntArray());
    }

    @Test
    void reductions() {
        Tensor x = Tensor.of(new float[] {1, 5, 2, 8, 3, 3}, 2, 3);
        assertEquals(22, x.sum().item(), 0);
        assertArrayEquals(new float[] {8, 14}, x.sum(1).toFloatArray());
        assertArrayEquals(new long[] {1, 3}, x.sum(new int[] {0}, true).shape());
        assertArrayEquals(new float[] {4.5f, 4, 2.5f}, x.mean(0).toFloatArray());
        assertArrayEquals(new float[] {5, 8}, x.max(new int[] {1}, false).toFloatArray());
        assertArrayEquals(new float[] {1}, x.min(null, true).reshape(1).toFloatArray());
        assertArrayEquals(new long[] {1, 0}, x.argmax(1).toLongArray());
        assertEquals(DType.INT64, x.argmax(1).dtype());
        // variance of {1, 8}, {5, 3}, {2, 3}
        assertArrayEquals(new float[] {12.25f, 1, 0.25f}, x.variance(new int[] {0}, false).toFloatArray());
        assertEquals(0.0, Tensor.zeros(DType.FLOAT32, 0, 3).sum().item());
    }

    @Test
    void softmaxIsStableAndNormalised() {
        Tensor x = Tensor.of(new float[] {1000, 1001, 1002});
        float[] p = x.softmax(0).toFloatArray();
        double e0 = 1, e1 = Math.E, e2 = Math.E * Math.E;
        double z = e0 + e1 + e2;
        assertArrayEquals(new float[] {(float) (e0 / z), (float) (e1 / z), (float) (e2 / z)}, p, 1e-6f);
        float[] lp = x.logSoftmax(0).toFloatArray();
        assertEquals(Math.log(e2 / z), lp[2], 1e-5);
    }

    @Test
    void matmulPlainAndBatched() {
        Tensor a = Tensor.of(new float[][] {{1, 2, 3}, {4, 5, 6}});
        Tensor b = Tensor.of(new float[][] {{7, 8}, {9, 10}, {11, 12}});
        assertArrayEquals(new float[] {58, 64, 139, 154}, a.matmul(b).toFloatArray());
        Tensor batch = Tensor.stack(List.of(a, a.mul(2.0)), 0);
        Tensor y = batch.matmul(b);
        assertArrayEquals(new long[] {2, 2, 2}, y.shape());
        assertArrayEquals(new float[] {58, 64, 139, 154, 116, 128, 278, 308}, y.toFloatArray());
    }

    @Test
    void shapeOps() {
        Tensor x = Tensor.arange(0, 6, 1, DType.FLOAT32).reshape(2, 3);
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, x.transpose().toFloatArray());
        assertArrayEquals(new long[] {3, 2}, x.reshape(-1, 2).shape());
        assertArrayEquals(new long[] {2, 1, 3}, x.unsqueeze(1).shape());
        assertArrayEquals(new long[] {2, 3}, x.unsqueeze(0).squeeze(0).shape());
        assertArrayEquals(new float[] {1, 2, 4, 5}, x.slice(new long[] {0, 1}, new long[] {-1, 2}).toFloatArray());
        assertArrayEquals(new float[] {0, 1, 2, 0, 3, 4, 5, 3}, Tensor.concat(List.of(x, x.slice(1, 0, 1)), 1).toFloatArray());
        assertArrayEquals(new long[] {2, 2, 3}, Tensor.stack(List.of(x, x), 1).shape());
        assertArrayEquals(new float[] {0, 1, 2, 0, 1, 2}, x.slice(0, 0, 1).broadcastTo(2, 3).toFloatArray());
    }

    @Test
    void gatherAndOneHot() {
        Tensor table = Tensor.of(new float[][] {{0, 1}, {10, 11}, {20, 21}});
        Tensor ids = Tensor.of(new int[] {2, 0, 2}, 1, 3);
        Tensor y = table.gather(ids);
        assertArrayEquals(new long[] {1, 3, 2}, y.shape());
        assertArrayEquals(new float[] {20, 21, 0, 1, 20, 21}, y.toFloatArray());
        assertArrayEquals(new float[] {0, 1, 0, 1, 0, 0}, Tensor.of(new long[] {1, 0}).oneHot(3, DType.FLOAT32).toFloatArray());
    }

    @Test
    void gatherGradientAccumulatesRepeatedRows() {
        Variable table = new Variable(Tensor.of(new float[][] {{1, 1}, {2, 2}, {3, 3}}));
        try (GradientTape tape = GradientTape.start()) {
            Tensor y = table.gather(Tensor.of(new int[] {2, 0, 2}));
            Tensor g = tape.gradient(y.sum(), table);
            assertArrayEquals(new float[] {1, 1, 0, 0, 2, 2}, g.toFloatArray());
        } finally {
            table.close();
        }
    }

    @Test
    void castBetweenDtypes() {
        Tensor x = Tensor.of(new float[] {-1.7f, 0f, 2.9f});
        assertArrayEquals(new int[] {-1, 0, 2}, x.cast(DType.INT32).toIntArray());
        assertArrayEquals(new boolean[] {true, false, true}, x.cast(DType.BOOL).toBooleanArray());
        assertArrayEquals(new double[] {-1.7f, 0, 2.9f}, x.cast(DType.FLOAT64).toDoubleArray());
        assertArrayEquals(new long[] {1, 0, 1}, x.cast(DType.BOOL).cast(DType.INT64).toLongArray());
    }

    @Test
    void variablesAssignInPlace() {
        try (Variable v = new Variable(Tensor.of(new float[] {1, 2}), "v", true)) {
            v.assign(Tensor.of(new float[] {5, 6}));
            assertArrayEquals(new float[] {5, 6}, v.toFloatArray());
            v.assignAdd(Tensor.scalar(1));
            assertArrayEquals(new float[] {6, 7}, v.toFloatArray());
            v.assignSub(Tensor.of(new float[] {6, 6}));
            assertArrayEquals(new float[] {0, 1}, v.toFloatArray());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.assign(Tensor.zeros(DType.FLOAT32, 3)));
            assertTrue(e.getMessage().contains("(2,)") && e.getMessage().contains("(3,)"), e.getMessage());
        }
    }

    @Test
    void gradientDescentOnAQuadratic() {
        // the workshop's example: minimise (w - 2)² from w = 0
        try (Variable w = new Variable(Tensor.scalar(0))) {
            for (int step = 0; step < 100; step++) {
                try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                    Tensor loss = w.sub(2.0).square();
                    Tensor g = tape.gradient(loss, w);
                    w.assignSub(g.mul(0.1));
                }
            }
            assertEquals(2.0, w.item(), 1e-6);
        }
    }

    @Test
    void errorsNameTheOpAndShapes() {
        Tensor a = Tensor.zeros(DType.FLOAT32, 2, 3);
        Tensor b = Tensor.zeros(DType.FLOAT32, 4, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().startsWith("add:") && e.getMessage().contains("(2, 3)") && e.getMessage().contains("(4, 5)"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.matmul(b));
        assertTrue(e.getMessage().startsWith("matmul:") && e.getMessage().contains("3 vs 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.sum(new int[] {2}, false));
        assertTrue(e.getMessage().contains("axis 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.add(Tensor.zeros(DType.FLOAT64, 2, 3)));
        assertTrue(e.getMessage().contains("float32") && e.getMessage().contains("float64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.gather(Tensor.of(new int[] {0, 2})));
        assertTrue(e.getMessage().startsWith("gather:") && e.getMessage().contains("index 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.gather(Tensor.of(new int[] {-1})));
        assertTrue(e.getMessage().contains("index -1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new int[] {3}).oneHot(3, DType.FLOAT32));
        assertThrows(IllegalArgumentException.class, () -> a.reshape(4, 2));
        assertThrows(IllegalArgumentException.class, () -> a.slice(new long[] {1, 0}, new long[] {2, 3}));
        assertThrows(IllegalArgumentException.class, () -> a.permute(0, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new int[] {1}).log());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new boolean[] {true}).sum());
        Tensor onCpu = Tensor.zeros(Backends.cpu(), DType.FLOAT32, 2, 3);
        try {
            if (onCpu.backend() != a.backend()) {
                e = assertThrows(IllegalArgumentException.class, () -> a.add(onCpu));
                assertTrue(e.getMessage().contains("different backends"), e.getMessage());
            }
        } finally {
            onCpu.close();
        }
    }

    @Test
    void useAfterCloseIsAnIllegalStateException() {
        Tensor a = Tensor.ones(DType.FLOAT32, 2);
        a.close();
        a.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> a.add(a));
        assertThrows(IllegalStateException.class, a::toFloatArray);
        assertEquals("Tensor(<closed>, shape=(2,), dtype=float32)", a.toString());
    }

    @Test
    void scopesFreeWhatTheyCreatedUnlessKept() {
        long base = Backends.reference().bytesInUse();
        Tensor kept;
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.ones(DType.FLOAT32, 1000);
            Tensor y = x.mul(3.0).exp();
            kept = s.keep(y.sum());
            assertTrue(Backends.reference().bytesInUse() > base + 8000);
            assertTrue(s.liveCount() >= 4);
        }
        assertFalse(kept.isClosed());
        assertEquals(base + 4, Backends.reference().bytesInUse());
        kept.close();
        assertEquals(base, Backends.reference().bytesInUse());
    }

    @Test
    void viewsShareMemoryUntilTheLastIsClosed() {
        long base = Backends.reference().bytesInUse();
        Tensor a = Tensor.ones(DType.FLOAT32, 4);
        Tensor r = a.reshape(2, 2);
        a.close();
        assertArrayEquals(new float[] {1, 1, 1, 1}, r.toFloatArray());
        r.close();
        assertEquals(base, Backends.reference().bytesInUse());
    }

    @Test
    void noTapeMeansNoRecording() {
        Tensor x = Tensor.ones(DType.FLOAT32, 3);
        assertFalse(GradientTape.isRecording());
        try (GradientTape tape = GradientTape.start()) {
            x.exp(); // x is not watched: nothing to record
            assertEquals(0, tape.recordedOps());
            tape.watch(x);
            x.exp().sum();
            assertEquals(2, tape.recordedOps());
        }
    }
}
