package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.autograd.GradientTape;
import dev.lamina.nn.Add;
import dev.lamina.nn.Average;
import dev.lamina.nn.Concatenate;
import dev.lamina.nn.Dot;
import dev.lamina.nn.Layers;
import dev.lamina.nn.Merge;
import dev.lamina.nn.Multiply;
import dev.lamina.nn.Subtract;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge layers against hand-computed values, forward and backward, and their configs. */
class MergeLayersTest extends ModelFixture {
    private static final float[] A = {1, -2, 3, 0.5f, 4, -1};
    private static final float[] B = {2, 0.5f, -1, 3, -2, 1};

    private static float[] run(Merge m, float[]... xs) {
        try (Scope s = Scope.open()) {
            List<Tensor> in = new java.util.ArrayList<>();
            for (float[] x : xs) {
                in.add(Tensor.of(x, 2, 3));
            }
            return m.apply(in, false).toFloatArray();
        }
    }

    @Test
    void elementwiseMerges() {
        float[] sum = new float[6];
        float[] diff = new float[6];
        float[] prod = new float[6];
        float[] avg = new float[6];
        for (int i = 0; i < 6; i++) {
            sum[i] = A[i] + B[i] + A[i];
            diff[i] = A[i] - B[i];
            prod[i] = A[i] * B[i];
            avg[i] = (A[i] + B[i]) / 2;
        }
        assertArrayEquals(sum, run(new Add(), A, B, A), 1e-6f);
        assertArrayEquals(diff, run(new Subtract(), A, B), 1e-6f);
        assertArrayEquals(prod, run(new Multiply(), A, B), 1e-6f);
        assertArrayEquals(avg, run(new Average(), A, B), 1e-6f);
    }

    @Test
    void concatenateAlongTheLastAxis() {
        assertArrayEquals(new float[] {1, -2, 3, 2, 0.5f, -1, 0.5f, 4, -1, 3, -2, 1}, run(new Concatenate(), A, B));
        assertArrayEquals(new float[] {1, -2, 3, 2, 0.5f, -1, 0.5f, 4, -1, 3, -2, 1}, run(new Concatenate(1), A, B));
    }

    @Test
    void dotOfVectorsAndCosine() {
        // row 0: 1·2 + (−2)·0.5 + 3·(−1) = −2; row 1: 0.5·3 + 4·(−2) + (−1)·1 = −7.5
        assertArrayEquals(new float[] {-2, -7.5f}, run(new Dot(1), A, B), 1e-6f);
        double n0 = Math.sqrt(14) * Math.sqrt(5.25);
        double n1 = Math.sqrt(17.25) * Math.sqrt(14);
        assertArrayEquals(new float[] {(float) (-2 / n0), (float) (-7.5 / n1)}, run(new Dot(-1, -1, true, null), A, B), 1e-6f);
    }

    @Test
    void dotOfSequencesIsABatchedMatrixProduct() {
        // a [1, 2, 3], b [1, 2, 3]; Dot(axes 2, 2) = a · bᵀ [1, 2, 2]; Dot(axes 1, 1) = aᵀ · b [1, 3, 3]
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.of(A, 1, 2, 3);
            Tensor b = Tensor.of(B, 1, 2, 3);
            float[] abT = new Dot(2).apply(List.of(a, b), false).toFloatArray();
            float[] want = new float[4];
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    for (int k = 0; k < 3; k++) {
                        want[2 * i + j] += A[3 * i + k] * B[3 * j + k];
                    }
                }
            }
            assertArrayEquals(want, abT, 1e-6f);
            Tensor aTb = new Dot(1).apply(List.of(a, b), false);
            assertArrayEquals(new long[] {1, 3, 3}, aTb.shape());
            float[] got = aTb.toFloatArray();
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    float w = A[i] * B[j] + A[3 + i] * B[3 + j];
                    assertEquals(w, got[3 * i + j], 1e-6, "aᵀb[" + i + "][" + j + "]");
                }
            }
        }
    }

    @Test
    void gradientsFlowToEveryInput() {
        try (Scope s = Scope.open()) {
            Variable a = new Variable(Tensor.of(A, 2, 3), "a", true);
            Variable b = new Variable(Tensor.of(B, 2, 3), "b", true);
            try (GradientTape tape = GradientTape.start()) {
                Tensor y = new Multiply().apply(List.<Tensor>of(a, b), true).sum()
                        .add(new Subtract().apply(List.<Tensor>of(a, b), true).sum().mul(3.0));
                List<Tensor> g = tape.gradient(y, List.of(a, b));
                float[] ga = new float[6];
                float[] gb = new float[6];
                for (int i = 0; i < 6; i++) {
                    ga[i] = B[i] + 3;
                    gb[i] = A[i] - 3;
                }
                assertArrayEquals(ga, g.get(0).toFloatArray(), 1e-6f);
                assertArrayEquals(gb, g.get(1).toFloatArray(), 1e-6f);
            }
            a.close();
            b.close();
        }
    }

    @Test
    void configsRoundTrip() {
        for (Merge m : List.of(new Add(), new Subtract(), new Multiply(), new Average(), new Concatenate(-2), new Dot(1, 2, true, "d"))) {
            try (var back = Layers.fromConfig(m.className(), m.config())) {
                assertEquals(m.config(), back.config());
            }
        }
    }
}
