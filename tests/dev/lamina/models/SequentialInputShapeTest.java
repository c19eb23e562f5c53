package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.nn.Dense;
import dev.lamina.nn.Dropout;
import dev.lamina.nn.Flatten;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.nn.Layer;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code inputShape(...)} on the first layer of a Sequential stands for an {@link Input}, as Keras's {@code input_shape=}. */
class SequentialInputShapeTest {
    static Tensor random(long seed, long... shape) {
        Rng r = new Rng(seed);
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble() * 2 - 1;
        }
        return Tensor.of(v, shape).cast(DType.FLOAT32);
    }

    @Test
    void inputShapeOnTheFirstLayerBuildsTheModelAsAnInputWould() {
        try (Scope s = Scope.open()) {
            Rng.setGlobalSeed(5);
            Sequential fluent = new Sequential().add(new LSTM(8).inputShape(20, 1)).add(new Dense(1));
            Rng.setGlobalSeed(5);
            Sequential withInput = new Sequential(new Input(20, 1), new LSTM(8), new Dense(1));

            assertNotNull(fluent.input());
            assertArrayEquals(new long[] {20, 1}, fluent.input().sampleShape());
            for (Layer l : fluent.layers()) {
                assertTrue(l.isBuilt(), l.name() + " is built before seeing data");
            }
            assertArrayEquals(new long[] {-1, -1, 1}, fluent.layers().get(0).builtInputShape()); // the LSTM: any length, as Keras
            assertEquals(withInput.countParams(), fluent.countParams());
            assertEquals(8 * 4 * (1 + 8 + 1) + 9, fluent.countParams());
            assertTrue(fluent.summaryString().contains("(None, 1)"), fluent.summaryString());

            Tensor x = random(1, 3, 20, 1);
            assertArrayEquals(withInput.predict(x).toFloatArray(), fluent.predict(x).toFloatArray(),
                    "same seed, same architecture: same predictions");
            fluent.close();
            withInput.close();
        }
    }

    @Test
    void aModelMadeWithInputShapeSavesAndLoads(@TempDir Path tmp) {
        try (Scope s = Scope.open()) {
            Sequential m = new Sequential(new Flatten().inputShape(4, 3), new Dense(5, "relu"), new Dense(2));
            Tensor x = random(2, 6, 4, 3);
            float[] before = m.predict(x).toFloatArray();
            m.save(tmp.resolve("m"));
            try (Sequential back = Model.load(tmp.resolve("m"))) {
                assertArrayEquals(before, back.predict(x).toFloatArray());
                assertArrayEquals(new long[] {4, 3}, back.input().sampleShape());
            }
            m.close();
        }
    }

    @Test
    void withoutInputShapeTheModelBuildsOnTheFirstCall() {
        Sequential m = new Sequential().add(new Dense(3)).add(new Dense(1));
        assertNull(m.input());
        assertTrue(m.layers().stream().noneMatch(Layer::isBuilt));
        m.close();
    }

    @Test
    void inputShapeOnALaterLayerMustAgreeWithTheShapeReachingIt() {
        Sequential m = new Sequential().add(new Dense(4).inputShape(3)).add(new Dropout(0.1).inputShape(4));
        assertEquals(2, m.layers().size()); // Dense, Dropout (the implicit Input is not listed, as in Keras)
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.add(new Dense(2).inputShape(7)));
        assertTrue(e.getMessage().contains("input_shape [7]") && e.getMessage().contains("[4]"), e.getMessage());
        m.close();
    }
}
