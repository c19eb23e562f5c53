package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backends;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import org.junit.jupiter.api.Test;

/**
 * {@link Model#predictOnBatch}: one batch down the path of {@link Model#predict} (the traced replay by
 * default), bitwise predict's answer on cpu, with its own checks of the input count and sample axes.
 */
class PredictOnBatchTest {
    @Test
    void oneBatchIsBitwisePredictAndReplaysTheTracedPredict() {
        try (var use = Backends.use(Backends.cpu()); Scope scope = Scope.open()) {
            Rng.setGlobalSeed(3);
            Sequential m = new Sequential(new Input(5, 2), new LSTM(6), new Dense(3, "relu"), new Dense(1));
            Tensor x = new Rng(4).normal(DType.FLOAT32, 0, 1, 7, 5, 2);
            float[] want = m.predict(x, 7).toFloatArray();
            for (int call = 0; call < 3; call++) {
                Tensor[] y = m.predictOnBatch(x);
                assertEquals(1, y.length);
                assertArrayEquals(new long[] {7, 1}, y[0].shape());
                assertArrayEquals(want, y[0].toFloatArray(), "call " + call);
            }
            assertNotNull(m.predictPath.tracedFunction(), "predictOnBatch takes the traced predict");
            assertTrue(m.predictPath.tracedFunction().replays() >= 2, "replays " + m.predictPath.tracedFunction().replays());

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.predictOnBatch(x, x));
            assertTrue(e.getMessage().contains("takes 1 input(s), got 2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.predictOnBatch(Tensor.scalar(1.0, DType.FLOAT32)));
            assertTrue(e.getMessage().contains("input 0") && e.getMessage().contains("sample axis"), e.getMessage());
            m.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> m.predictOnBatch(x));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        }
    }
}
