package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.losses.MeanSquaredError;
import dev.lamina.losses.SparseCategoricalCrossentropy;
import dev.lamina.metrics.BinaryAccuracy;
import dev.lamina.metrics.CategoricalAccuracy;
import dev.lamina.metrics.MeanAbsoluteError;
import dev.lamina.metrics.SparseCategoricalAccuracy;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.optim.Adam;
import dev.lamina.optim.SGD;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** fit / evaluate / predict of Sequential MLPs on the cpu backend; every test checks for leaks. */
class ModelTrainingTest extends ModelFixture {

    private Sequential mlp(long seed, int features) {
        Rng.setGlobalSeed(seed);
        return own(new Sequential(new Input(features), new Dense(16, "tanh"), new Dense(16, "tanh"), new Dense(1)));
    }

    @Test
    void mlpFitsANonlinearRegression() {
        Tensor[] d = regression(1, 256, 3);
        Sequential m = mlp(11, 3);
        m.compile(new Adam(0.01), new MeanSquaredError());
        double before = m.evaluate(d[0], d[1]).get("loss");
        History h = m.fit(d[0], d[1], new FitOptions().epochs(60).batchSize(32).seed(5).verbose(0));
        double after = m.evaluate(d[0], d[1]).get("loss");
        // y = x0² − x1 + x0·x2/2 on U[-1,1)³ has variance ≈ 0.50; a 16-16 tanh MLP gets far below it
        assertTrue(before > 0.2, "initial mse " + before);
        assertTrue(after < 0.01, "mse after 60 epochs " + after + " (before " + before + ")");
        List<Double> loss = h.get("loss");
        assertEquals(60, loss.size());
        assertEquals(List.of(0, 1, 2), h.epochs().subList(0, 3));
        assertTrue(loss.get(59) < loss.get(0) / 10, "loss " + loss);
    }

    private int[][] trainedBits(long globalSeed, long fitSeed) {
        Tensor[] d = regression(2, 96, 3);
        try (Sequential m = mlp(globalSeed, 3)) {
            m.compile(new Adam(0.01), new MeanSquaredError());
            m.fit(d[0], d[1], new FitOptions().epochs(3).batchSize(16).seed(fitSeed).verbose(0));
            return weightBits(m);
        }
    }

    @Test
    void sameSeedGivesBitwiseIdenticalWeightsAndAnotherSeedDoesNot() {
        int[][] a = trainedBits(123, 9);
        int[][] b = trainedBits(123, 9);
        assertEquals(6, a.length);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], "weight " + i + " differs between two runs with the same seeds");
        }
        int[][] otherInit = trainedBits(124, 9);
        int[][] otherShuffle = trainedBits(123, 10);
        assertFalse(Arrays.equals(a[0], otherInit[0]), "a different global seed must change the initial kernel");
        assertFalse(Arrays.equals(a[0], otherShuffle[0]), "a different fit seed must change the batch order");
    }

    @Test
    void historyRecordsLossMetricsAndValidationSplitPerEpoch() {
        Tensor[] d = regression(3, 100, 3);
        Sequential m = mlp(4, 3);
        m.compile(new Adam(0.01), new MeanSquaredError(), dev.lamina.metrics.Metrics.get("mae"));
        History h = m.fit(d[0], d[1], new FitOptions().epochs(4).batchSize(16).validationSplit(0.2).seed(1).verbose(0));
        assertEquals(List.of("loss", "mae", "val_loss", "val_mae"), List.copyOf(h.history().keySet()));
        for (List<Double> v : h.history().values()) {
            assertEquals(4, v.size());
        }
        assertEquals(List.of(0, 1, 2, 3), h.epochs());
        // validation_split holds out the last 20 samples (before shuffling), evaluated after each
        // epoch: the last epoch's val_ values are evaluate() on them with the final weights
        try (Scope s = Scope.open()) {
            Map<String, Double> ev = m.evaluate(d[0].slice(0, 80, 100), d[1].slice(0, 80, 100), 16);
            assertEquals(ev.get("loss"), h.get("val_loss").get(3), 1e-12);
            assertEquals(ev.get("mae"), h.get("val_mae").get(3), 1e-12);
            // and training used only the first 80: the train-set evaluate differs from the full one
            Map<String, Double> full = m.evaluate(d[0], d[1], 16);
            assertTrue(Math.abs(full.get("loss") - ev.get("loss")) > 0);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.get("accuracy"));
        assertTrue(e.getMessage().contains("no metric 'accuracy'"), e.getMessage());
    }

    @Test
    void historyWithValidationDataEvaluatesThatData() {
        Tensor[] d = regression(5, 64, 3);
        Tensor[] v = regression(6, 24, 3);
        Sequential m = mlp(4, 3);
        m.compile("adam", "mse", "mae", "rmse");
        History h = m.fit(d[0], d[1], new FitOptions().epochs(3).batchSize(8).validationData(v[0], v[1])
                .validationSplit(0.5).verbose(0));
        assertEquals(List.of("loss", "mae", "rmse", "val_loss", "val_mae", "val_rmse"), List.copyOf(h.history().keySet()));
        Map<String, Double> ev = m.evaluate(v[0], v[1], 8);
        assertEquals(ev.get("loss"), h.get("val_loss").get(2), 1e-12);
        assertEquals(ev.get("rmse"), h.get("val_rmse").get(2), 1e-12);
        assertEquals(Math.sqrt(ev.get("loss")), ev.get("rmse"), 1e-6, "rmse = sqrt(mse) over the same samples");
    }

    @Test
    void evaluateMatchesAManualComputationFromPredict() {
        Tensor[] d = regression(7, 50, 3);
        Sequential m = mlp(8, 3);
        m.compile(new SGD(0.05), new MeanSquaredError(), new MeanAbsoluteError("mae"));
        m.fit(d[0], d[1], new FitOptions().epochs(2).batchSize(10).verbose(0));
        float[] y = d[1].toFloatArray();
        float[] p;
        try (Scope s = Scope.open()) {
            p = m.predict(d[0]).toFloatArray();
        }
        double se = 0;
        double ae = 0;
        for (int i = 0; i < y.length; i++) {
            se += (p[i] - y[i]) * (double) (p[i] - y[i]);
            ae += Math.abs(p[i] - (double) y[i]);
        }
        // batch 7 does not divide 50: the loss is the sample-weighted mean of the batch means
        Map<String, Double> ev = m.evaluate(d[0], d[1], 7);
        assertEquals(List.of("loss", "mae"), List.copyOf(ev.keySet()));
        assertEquals(se / y.length, ev.get("loss"), 1e-6 * (se / y.length));
        assertEquals(ae / y.length, ev.get("mae"), 1e-6 * (ae / y.length));
    }

    @Test
    void predictInBatchesEqualsOneBigBatch() {
        Tensor[] d = regression(9, 45, 3);
        Sequential m = mlp(10, 3);
        try (Scope s = Scope.open()) {
            Tensor whole = m.predict(d[0], 45);
            for (int bs : new int[] {1, 4, 32}) {
                Tensor parts = m.predict(d[0], bs);
                assertArrayEquals(new long[] {45, 1}, parts.shape());
                assertArrayEquals(whole.toFloatArray(), parts.toFloatArray(), 1e-6f, "batch size " + bs);
            }
            // the default batch size (32) splits 45 into 32 + 13
            assertArrayEquals(whole.toFloatArray(), m.predict(d[0]).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void compileByNamesResolvesOptimizerLossAndMetrics() {
        Sequential m = mlp(1, 3);
        m.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        Adam adam = assertInstanceOf(Adam.class, m.optimizer());
        assertEquals(1e-3, adam.learningRate());
        assertEquals(1e-7, adam.epsilon());
        assertInstanceOf(SparseCategoricalCrossentropy.class, m.loss());
        assertInstanceOf(SparseCategoricalAccuracy.class, m.metrics().get(0));
        assertEquals("accuracy", m.metrics().get(0).name());

        m.compile("sgd", "binary_crossentropy", "acc", "mae");
        assertEquals(0.01, assertInstanceOf(SGD.class, m.optimizer()).learningRate());
        assertInstanceOf(BinaryAccuracy.class, m.metrics().get(0));
        assertEquals("accuracy", m.metrics().get(0).name());
        assertEquals("mae", assertInstanceOf(MeanAbsoluteError.class, m.metrics().get(1)).name());

        m.compile("RMSprop", "categorical_crossentropy", "Accuracy");
        assertInstanceOf(CategoricalAccuracy.class, m.metrics().get(0));
        assertEquals("accuracy", m.metrics().get(0).name());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.compile("adam", "mse", "accuracy"));
        assertTrue(e.getMessage().contains("mse"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.compile("adamw", "mse"));
        assertTrue(e.getMessage().contains("adamw"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.compile("adam", "hinge_loss"));
        assertTrue(e.getMessage().contains("hinge_loss"), e.getMessage());
        // a failed compile leaves the previous one in place
        assertInstanceOf(CategoricalAccuracy.class, m.metrics().get(0));
    }

    @Test
    void compiledByNamesTrainsAClassifier() {
        // two Gaussian blobs, labels 0/1 as int ids; sparse CE + "accuracy"
        Rng rng = new Rng(3);
        int n = 80;
        float[] x = new float[n * 2];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            x[2 * i] = (float) (rng.nextGaussian() * 0.5 + (y[i] == 0 ? -1 : 1));
            x[2 * i + 1] = (float) (rng.nextGaussian() * 0.5);
        }
        Rng.setGlobalSeed(3);
        Sequential m = own(new Sequential(new Input(2), new Dense(8, "relu"), new Dense(2, "softmax")));
        m.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        m.optimizer().setLearningRate(0.05);
        Tensor xt = own(Tensor.of(x, n, 2));
        Tensor yt = own(Tensor.of(y, n));
        History h = m.fit(xt, yt, new FitOptions().epochs(20).batchSize(16).seed(1).verbose(0));
        assertEquals(List.of("loss", "accuracy"), List.copyOf(h.history().keySet()));
        Map<String, Double> ev = m.evaluate(xt, yt);
        assertTrue(ev.get("accuracy") >= 0.95, "accuracy " + ev);
        // the accuracy metric agrees with argmax of predict
        try (Scope s = Scope.open()) {
            long[] cls = m.predict(xt).argmax(1).toLongArray();
            int correct = 0;
            for (int i = 0; i < n; i++) {
                correct += cls[i] == y[i] ? 1 : 0;
            }
            assertEquals(correct / (double) n, ev.get("accuracy"), 1e-12);
        }
    }

    @Test
    void fitEvaluatePredictOfAClosedModelReturnToTheBaseline() {
        long before = cpu.bytesInUse();
        Tensor[] d = regression(12, 40, 3);
        try (Sequential m = mlp(13, 3)) {
            m.compile(new Adam(0.01), new MeanSquaredError(), new MeanAbsoluteError("mae"));
            m.fit(d[0], d[1], new FitOptions().epochs(2).batchSize(8).validationSplit(0.25).verbose(0));
            m.evaluate(d[0], d[1]);
            try (Tensor p = m.predict(d[0])) {
                assertEquals(40, p.dim(0));
            }
            assertTrue(cpu.bytesInUse() > before, "weights and Adam slots are held while the model is open");
        }
        d[0].close();
        d[1].close();
        assertEquals(before, cpu.bytesInUse(), "after closing the model and its data");
    }
}
