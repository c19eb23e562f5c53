package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backends;
import dev.lamina.io.HostTensor;
import dev.lamina.io.Safetensors;
import dev.lamina.io.SafetensorsFile;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingTest {
    @Test
    void looksUpRowsAndMasksZeros() {
        try (Scope s = Scope.open(); Embedding e = new Embedding(5, 3, true, Initializers.constant(0), null)) {
            e.ensureBuilt(new long[] {-1, 2});
            e.weights().get(0).assign(Tensor.arange(0, 15, 1, DType.FLOAT32).reshape(5, 3));
            Tensor ids = Tensor.of(new int[] {1, 0, 4, 2}, 2, 2);
            Tensor y = e.apply(ids, false);
            assertArrayEquals(new long[] {2, 2, 3}, y.shape());
            assertArrayEquals(new float[] {3, 4, 5, 0, 1, 2, 12, 13, 14, 6, 7, 8}, y.toFloatArray());
            assertArrayEquals(new boolean[] {true, false, true, true}, e.computeMask(ids, null).toBooleanArray());
            assertEquals("embeddings", e.weights().get(0).name().substring(e.name().length() + 1));
            // float ids holding whole numbers work the same
            assertArrayEquals(y.toFloatArray(), e.apply(Tensor.of(new float[] {1, 0, 4, 2}, 2, 2), false).toFloatArray());
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> e.apply(Tensor.of(new int[] {5}, 1, 1), false));
            assertTrue(bad.getMessage().contains("index 5"), bad.getMessage());
        }
        try (Embedding plain = new Embedding(3, 2)) {
            assertNull(plain.computeMask(Tensor.of(new int[] {0}), null));
        }
    }

    @Test
    void gradientAccumulatesPerId() {
        try (Scope s = Scope.open(); Embedding e = new Embedding(4, 2)) {
            Tensor ids = Tensor.of(new int[] {3, 3, 1}, 1, 3);
            e.ensureBuilt(ids.shape());
            try (GradientTape tape = GradientTape.start()) {
                Tensor loss = e.apply(ids, true).sum();
                Tensor g = tape.gradient(loss, e.weights().get(0));
                assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 2, 2}, g.toFloatArray());
            }
        }
    }

    /** Float ids (as Keras takes them) are cast for the lookup; the gradient needs the cast ids after the call. */
    @Test
    void gradientOfFloatIdsEqualsThatOfIntegerIds() {
        try (Scope s = Scope.open(); Embedding e = new Embedding(4, 2)) {
            e.ensureBuilt(new long[] {1, 3});
            float[][] g = new float[2][];
            Tensor[] ids = {Tensor.of(new int[] {3, 3, 1}, 1, 3), Tensor.of(new float[] {3, 3, 1}, 1, 3)};
            for (int i = 0; i < 2; i++) {
                try (GradientTape tape = GradientTape.start()) {
                    Tensor loss = e.apply(ids[i], true).sum();
                    g[i] = tape.gradient(loss, e.weights().get(0)).toFloatArray();
                }
            }
            assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 2, 2}, g[1]);
            assertArrayEquals(g[0], g[1]);
        }
    }

    /** The embedding parity case through the layer: output and table gradient within 1e-5. */
    @Test
    void matchesTheEmbeddingParityCase() throws Exception {
        Path file = Path.of("data/parity/cases/embedding_V10_D4.safetensors");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(file));
        SafetensorsFile f = Safetensors.read(file);
        for (var backend : List.of(Backends.reference(), Backends.cpu())) {
            try (Backends.Use u = Backends.use(backend); Scope s = Scope.open()) {
                HostTensor table = f.get("in.embeddings");
                HostTensor ids = f.get("in.ids");
                Embedding e = new Embedding(table.shape()[0], table.shape()[1]);
                Tensor idT = Tensor.fromBuffer(ids.dtype(), ids.shape(), ids.data());
                e.ensureBuilt(idT.shape());
                e.weights().get(0).assign(Tensor.fromBuffer(table.dtype(), table.shape(), table.data()));
                try (GradientTape tape = GradientTape.start()) {
                    Tensor y = e.apply(idT, true);
                    HostTensor seed = f.get("seed.y");
                    Tensor loss = y.mul(Tensor.fromBuffer(seed.dtype(), seed.shape(), seed.data())).sum();
                    Tensor g = tape.gradient(loss, e.weights().get(0));
                    assertTrue(rel(y.toDoubleArray(), f.get("out.y").toDoubleArray()) < 1e-5, backend.name());
                    assertTrue(rel(g.toDoubleArray(), f.get("grad.embeddings").toDoubleArray()) < 1e-5, backend.name());
                }
                e.close();
            }
        }
    }

    private static double rel(double[] a, double[] ref) {
        double d = 0;
        double r = 0;
        for (int i = 0; i < ref.length; i++) {
            d += (a[i] - ref[i]) * (a[i] - ref[i]);
            r += ref[i] * ref[i];
        }
        return Math.sqrt(d / r);
    }

    @Test
    void padSequencesLikeKeras() {
        List<int[]> seqs = List.of(new int[] {1, 2, 3}, new int[] {4}, new int[] {5, 6, 7, 8, 9});
        assertArrayEquals(new int[][] {{0, 1, 2, 3}, {0, 0, 0, 4}, {6, 7, 8, 9}}, Sequences.padSequences(seqs, 4));
        assertArrayEquals(new int[][] {{1, 2, 3, 0}, {4, 0, 0, 0}, {5, 6, 7, 8}},
                Sequences.padSequences(seqs, 4, "post", "post", 0));
        assertEquals(5, Sequences.padSequences(seqs, 0)[0].length);
        assertThrows(IllegalArgumentException.class, () -> Sequences.padSequences(seqs, 4, "middle", "pre", 0));
        try (Tensor t = Sequences.padSequencesTensor(seqs, 2, "pre", "pre")) {
            assertArrayEquals(new int[] {2, 3, 0, 4, 8, 9}, t.toIntArray());
        }
    }
}
