package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.callbacks.Callback;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input to fit/evaluate/predict stops before any training step, with a message that names the
 * problem; the weights and the optimizer are untouched afterwards.
 */
class ModelInputValidationTest extends ModelFixture {
    private Sequential model;
    private int[][] initial;
    private final AtomicInteger batches = new AtomicInteger();

    private Sequential compiled() {
        Rng.setGlobalSeed(77);
        model = own(new Sequential(new Input(3), new Dense(4, "relu"), new Dense(1)));
        model.compile("sgd", "mse", "mae");
        initial = weightBits(model);
        return model;
    }

    private FitOptions opts() {
        return new FitOptions().epochs(2).batchSize(4).verbose(0).callbacks(new Callback() {
            @Override
            public void onBatchBegin(int batch, Map<String, Double> logs) {
                batches.incrementAndGet();
            }
        });
    }

    private Tensor data(int n, int features) {
        return own(new Rng(n * 31L + features).uniform(DType.FLOAT32, -1, 1, n, features));
    }

    /** Runs the call, expects the exception type with all the fragments, and checks nothing trained. */
    private <E extends RuntimeException> void rejects(Class<E> type, Executable call, String... fragments) {
        E e = assertThrows(type, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        assertEquals(0, batches.get(), "a training step ran before the error");
        assertEquals(0, model.optimizer() == null ? 0 : model.optimizer().iterations(), "optimizer stepped");
        int[][] now = weightBits(model);
        for (int i = 0; i < now.length; i++) {
            assertArrayEquals(initial[i], now[i], "weight " + i + " changed");
        }
    }

    @Test
    void mismatchedSampleCounts() {
        compiled();
        rejects(IllegalArgumentException.class, () -> model.fit(data(10, 3), data(9, 1), opts()),
                "fit: x has 10 samples but y has 9", "(9, 1)");
        rejects(IllegalArgumentException.class, () -> model.evaluate(data(10, 3), data(8, 1)),
                "evaluate: x has 10 samples but y has 8");
    }

    @Test
    void wrongFeatureShape() {
        compiled();
        rejects(IllegalArgumentException.class, () -> model.fit(data(10, 5), data(10, 1), opts()),
                "fit: input (10, 5) does not fit model " + model.name(), "expected input shape (None, 3)");
        rejects(IllegalArgumentException.class, () -> model.predict(data(6, 2)), "predict: input (6, 2) does not fit", "(None, 3)");
    }

    @Test
    void theShapeProbeIsSkippedOnlyForShapesThatPassed() {
        compiled();
        Tensor x = data(6, 3);
        float[] first = own(model.predict(x)).toFloatArray();
        assertArrayEquals(first, own(model.predict(x)).toFloatArray(), 0f, "a second predict (probe skipped) differs");
        Tensor one = own(x.slice(0, 0, 1));
        assertArrayEquals(java.util.Arrays.copyOf(first, 1), own(model.predict(one, 1)).toFloatArray(), 0f);
        // a per-sample shape that never passed is still probed and refused by name after others passed
        rejects(IllegalArgumentException.class, () -> model.predict(data(6, 2)), "predict: input (6, 2) does not fit",
                "(None, 3)");
    }

    @Test
    void targetsThatDoNotFitTheOutput() {
        compiled();
        rejects(IllegalArgumentException.class, () -> model.fit(data(10, 3), data(10, 2), opts()),
                "targets of shape (10, 2)", "(None, 1)", "mean_squared_error");
    }

    @Test
    void nanInXOrY() {
        compiled();
        float[] x = new float[30];
        x[4 * 3 + 1] = Float.NaN;
        Tensor xNan = own(Tensor.of(x, 10, 3));
        rejects(IllegalArgumentException.class, () -> model.fit(xNan, data(10, 1), opts()),
                "fit: x contains 1 NaN value(s), the first in sample 4");
        float[] y = new float[10];
        y[7] = Float.NaN;
        y[9] = Float.NaN;
        Tensor yNan = own(Tensor.of(y, 10, 1));
        rejects(IllegalArgumentException.class, () -> model.fit(data(10, 3), yNan, opts()),
                "fit: y contains 2 NaN value(s), the first in sample 7");
        rejects(IllegalArgumentException.class, () -> model.predict(xNan), "predict: x contains 1 NaN");
        rejects(IllegalArgumentException.class,
                () -> model.fit(data(10, 3), data(10, 1), opts().validationData(xNan, data(10, 1))),
                "fit (validation data): x contains 1 NaN");
    }

    @Test
    void infinitiesAreNotMistakenForNaN() {
        // +inf and -inf sum to NaN: the one-pass check must fall through to the exact count
        compiled();
        float[] x = new float[30];
        x[2] = Float.POSITIVE_INFINITY;
        x[7] = Float.NEGATIVE_INFINITY;
        Tensor xInf = own(Tensor.of(x, 10, 3));
        Tensor p = own(model.predict(xInf));
        assertEquals(10, p.dim(0));
    }

    @Test
    void emptyData() {
        compiled();
        rejects(IllegalArgumentException.class, () -> model.fit(data(0, 3), data(0, 1), opts()), "fit: no samples", "(0, 3)");
        rejects(IllegalArgumentException.class, () -> model.predict(data(0, 3)), "predict: no samples");
    }

    @Test
    void batchSizeZero() {
        compiled();
        rejects(IllegalArgumentException.class, () -> new FitOptions().batchSize(0), "fit: batch size must be positive, got 0");
        rejects(IllegalArgumentException.class, () -> model.predict(data(4, 3), 0), "predict: batch size must be positive, got 0");
        rejects(IllegalArgumentException.class, () -> model.evaluate(data(4, 3), data(4, 1), -1),
                "evaluate: batch size must be positive, got -1");
    }

    @Test
    void validationSplitLeavingNothing() {
        compiled();
        // Keras's rule: the first floor(n·(1 − split)) samples train
        rejects(IllegalArgumentException.class, () -> model.fit(data(1, 3), data(1, 1), opts().validationSplit(0.2)),
                "validation split 0.2 of 1 samples leaves 0 for training and 1 for validation");
    }

    @Test
    void wrongNumberOfInputs() {
        compiled();
        rejects(IllegalArgumentException.class,
                () -> model.fit(new Tensor[] {data(4, 3), data(4, 3)}, data(4, 1), opts()), "takes 1 input(s), got 2");
    }

    @Test
    void compileMissing() {
        Rng.setGlobalSeed(78);
        model = own(new Sequential(new Input(3), new Dense(1)));
        initial = weightBits(model);
        rejects(IllegalStateException.class, () -> model.fit(data(4, 3), data(4, 1), opts()), "compile");
        rejects(IllegalStateException.class, () -> model.evaluate(data(4, 3), data(4, 1)), "compile");
    }

    @Test
    void validInputStillTrainsAfterTheRejections() {
        compiled();
        rejects(IllegalArgumentException.class, () -> model.fit(data(10, 3), data(9, 1), opts()), "x has 10 samples");
        model.fit(data(10, 3), data(10, 1), opts());
        assertEquals(6, batches.get(), "2 epochs of 3 batches (4 + 4 + 2)");
        assertEquals(6, model.optimizer().iterations());
    }
}
