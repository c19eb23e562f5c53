package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.losses.MeanSquaredError;
import dev.lamina.optim.Adam;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A subclassed Model with two inputs and a residual connection, trained with fit(Tensor[], ...). */
class SubclassedModelTest extends ModelFixture {

    /** a ~ U[-1,1)^{n×3}, b ~ U[-1,1)^{n×2}, y = a0·b0 + a1 − b1 + 0.3·a2. */
    private Tensor[] data(long seed, int n) {
        Rng rng = new Rng(seed);
        Tensor a = own(rng.uniform(DType.FLOAT32, -1, 1, n, 3));
        Tensor b = own(rng.uniform(DType.FLOAT32, -1, 1, n, 2));
        float[] av = a.toFloatArray();
        float[] bv = b.toFloatArray();
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = av[3 * i] * bv[2 * i] + av[3 * i + 1] - bv[2 * i + 1] + 0.3f * av[3 * i + 2];
        }
        return new Tensor[] {a, b, own(Tensor.of(y, n, 1))};
    }

    @Test
    void twoInputResidualModelTrainsAndItsLossDecreases() {
        Rng.setGlobalSeed(31);
        TwoInputResidual m = own(new TwoInputResidual());
        m.compile(new Adam(0.01), new MeanSquaredError(), dev.lamina.metrics.Metrics.get("mae"));
        Tensor[] d = data(1, 128);
        Tensor[] v = data(2, 32);
        History h = m.fit(new Tensor[] {d[0], d[1]}, d[2], new FitOptions().epochs(30).batchSize(16).seed(4).verbose(0)
                .validationData(new Tensor[] {v[0], v[1]}, v[2]));
        List<Double> loss = h.get("loss");
        List<Double> val = h.get("val_loss");
        assertEquals(30, loss.size());
        assertTrue(loss.get(29) < 0.1 * loss.get(0), "training loss " + loss.get(0) + " -> " + loss.get(29));
        assertTrue(val.get(29) < 0.2 * val.get(0), "validation loss " + val.get(0) + " -> " + val.get(29));
        // all four layers' weights were trained and counted: (3·8+8) + (2·8+8) + (8·8+8) + (8+1)
        assertEquals(32 + 24 + 72 + 9, m.countParams());
        assertEquals(8, m.trainableWeights().size());
        assertTrue(m.summaryString().contains("Total params: 137"), m.summaryString());
    }

    @Test
    void predictOfTwoInputsMatchesCallAndChecksTheInputs() {
        Rng.setGlobalSeed(32);
        TwoInputResidual m = own(new TwoInputResidual());
        Tensor[] d = data(3, 10);
        try (Scope s = Scope.open()) {
            Tensor p = m.predict(new Tensor[] {d[0], d[1]}, 4);
            Tensor direct = m.call(new Tensor[] {d[0], d[1]}, false);
            assertArrayEquals(direct.toFloatArray(), p.toFloatArray(), 1e-6f);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.predict(d[0]));
        assertTrue(e.getMessage().contains("takes 2 input(s), got 1"), e.getMessage());
        Tensor[] other = data(4, 9);
        e = assertThrows(IllegalArgumentException.class, () -> m.predict(new Tensor[] {d[0], other[1]}, 4));
        assertTrue(e.getMessage().contains("different sample counts (10 and 9)"), e.getMessage());
    }
}
