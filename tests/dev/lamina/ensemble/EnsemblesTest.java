package dev.lamina.ensemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.losses.MeanSquaredError;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.optim.Adam;
import dev.lamina.optim.SGD;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Averaging, weighting, voting and stacking, on the cpu backend; each test checks for leaks. */
class EnsemblesTest {
    private Backends.Use use;
    private Backend cpu;
    private long baseline;
    /** Leaked bytes the cleaner had freed when the test began (an earlier test's leak may be freed during this one). */
    private long cleanedBefore;
    private final List<AutoCloseable> owned = new ArrayList<>();

    @BeforeEach
    void setUp() {
        cpu = Backends.cpu();
        use = Backends.use(cpu);
        baseline = cpu.bytesInUse();
        cleanedBefore = dev.lamina.backend.NativeMemory.leakedBytesFreed();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (int i = owned.size() - 1; i >= 0; i--) {
                owned.get(i).close();
            }
            long cleaned = dev.lamina.backend.NativeMemory.leakedBytesFreed() - cleanedBefore;
            assertEquals(baseline, cpu.bytesInUse() + cleaned, "cpu bytes held after the test (leak; " + cleaned
                    + " bytes of earlier leaks freed by the cleaner meanwhile)");
        } finally {
            use.close();   // a failed check must not leave this thread on the cpu backend for later test classes
        }
    }

    private <T extends AutoCloseable> T own(T t) {
        owned.add(t);
        return t;
    }

    // ---- Ensembles ---------------------------------------------------------------------------

    @Test
    void averageAndWeightedAverageValues() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
            Tensor b = Tensor.of(new float[] {3, 2, 1, 0}, 2, 2);
            Tensor c = Tensor.of(new float[] {2, 8, 5, -4}, 2, 2);
            assertArrayEquals(new float[] {2, 4, 3, 0}, Ensembles.average(List.of(a, b, c)).toFloatArray(), 1e-6f);
            // (1·a + 3·b) / 4 = [2.5, 2, 1.5, 1]
            assertArrayEquals(new float[] {2.5f, 2, 1.5f, 1}, Ensembles.weightedAverage(List.of(a, b), new double[] {1, 3})
                    .toFloatArray(), 1e-6f);
            // weight 0 drops a member
            assertArrayEquals(c.toFloatArray(), Ensembles.weightedAverage(List.of(a, c), new double[] {0, 2}).toFloatArray(), 1e-6f);
            assertArrayEquals(new long[] {2, 2}, Ensembles.average(List.of(a)).shape());

            Tensor wrong = Tensor.of(new float[] {1, 2}, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Ensembles.weightedAverage(List.of(a, wrong), new double[] {1, 1}));
            assertTrue(e.getMessage().contains("prediction 1") && e.getMessage().contains("(2,)")
                    && e.getMessage().contains("(2, 2)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ensembles.weightedAverage(List.of(a, b), new double[] {1, -1}));
            assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ensembles.weightedAverage(List.of(a, b), new double[] {0, 0}));
            assertTrue(e.getMessage().contains("all zero"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Ensembles.weightedAverage(List.of(a, b), new double[] {1}));
            assertTrue(e.getMessage().contains("1 weights for 2 predictions"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Ensembles.average(List.of()));
        }
    }

    @Test
    void weightsFromScores() {
        // errors 1, 2, 4 → 1/err = 1, 0.5, 0.25 → / 1.75
        assertArrayEquals(new double[] {4 / 7.0, 2 / 7.0, 1 / 7.0}, Ensembles.weightsFromScores(new double[] {1, 2, 4}, true), 1e-12);
        // scores 1, 3 (higher better) → 0.25, 0.75
        assertArrayEquals(new double[] {0.25, 0.75}, Ensembles.weightsFromScores(new double[] {1, 3}, false), 1e-12);
        assertArrayEquals(new double[] {1}, Ensembles.weightsFromScores(new double[] {0.3}, true), 1e-12);
        for (double[] bad : new double[][] {{1, 0}, {1, -2}, {Double.NaN}, {Double.POSITIVE_INFINITY}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ensembles.weightsFromScores(bad, true));
            assertTrue(e.getMessage().contains("positive and finite"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Ensembles.weightsFromScores(new double[0], true));
    }

    @Test
    void majorityVoteCountsVotesAndBreaksTiesTowardsTheSmallestId() {
        try (Scope s = Scope.open()) {
            // sample 0: 2, 2, 1 → 2; sample 1: 0, 1, 2 (three-way tie) → 0; sample 2: 3, 1, 3 → 3;
            // sample 3: 1, 0, 0 → 0
            Tensor ids1 = Tensor.of(new long[] {2, 0, 3, 1}, 4);
            Tensor ids2 = Tensor.of(new int[] {2, 1, 1, 0}, 4);
            Tensor probs = Tensor.of(new float[][] {
                    {0.1f, 0.6f, 0.2f, 0.1f}, {0, 0, 1, 0}, {0, 0.1f, 0.2f, 0.7f}, {0.9f, 0.05f, 0.05f, 0}});
            Tensor v = Ensembles.majorityVote(List.of(ids1, ids2, probs));
            assertEquals(DType.INT64, v.dtype());
            assertArrayEquals(new long[] {2, 0, 3, 0}, v.toLongArray());
            // two voters disagreeing everywhere: every sample is a tie → the smaller id
            Tensor x = Tensor.of(new long[] {5, 1, 2}, 3);
            Tensor y = Tensor.of(new long[] {3, 4, 0}, 3);
            assertArrayEquals(new long[] {3, 1, 0}, Ensembles.majorityVote(List.of(x, y)).toLongArray());
            // sigmoid outputs [N, 1] vote 1 at p ≥ 0.5
            Tensor s1 = Tensor.of(new float[] {0.9f, 0.2f, 0.5f}, 3, 1);
            Tensor s2 = Tensor.of(new float[] {0.1f, 0.4f, 0.7f}, 3, 1);
            Tensor s3 = Tensor.of(new float[] {0.6f, 0.1f, 0.4f}, 3, 1);
            assertArrayEquals(new long[] {1, 0, 1}, Ensembles.majorityVote(List.of(s1, s2, s3)).toLongArray());

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Ensembles.majorityVote(List.of(ids1, Tensor.of(new long[] {1, 2}, 2))));
            assertTrue(e.getMessage().contains("prediction 1 has 2 samples, prediction 0 has 4"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Ensembles.majorityVote(List.of(Tensor.of(new long[] {1, -1}, 2))));
            assertTrue(e.getMessage().contains("negative class id -1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Ensembles.majorityVote(List.of(Tensor.of(new float[] {1, 2}, 2))));
            assertTrue(e.getMessage().contains("[N, C] scores or [N] class ids"), e.getMessage());
        }
    }

    // ---- model ensembles ---------------------------------------------------------------------

    /** A linear model y = x·w + b with fixed weights (for exact expected predictions). */
    private Sequential linear(float w, float b) {
        Sequential m = own(new Sequential(new Input(1), new Dense(1)));
        try (Scope s = Scope.open()) {
            m.setWeights(List.of(Tensor.of(new float[] {w}, 1, 1), Tensor.of(new float[] {b}, 1)));
        }
        m.compile(new SGD(0.01), new MeanSquaredError());
        return m;
    }

    @Test
    void averagingEnsembleNormalisesWeightsAndAverages() {
        Sequential a = linear(1, 0);    // y = x
        Sequential b = linear(3, 2);    // y = 3x + 2
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new float[] {0, 1, 2}, 3, 1);
            AveragingEnsemble equal = new AveragingEnsemble(List.of(a, b));
            assertArrayEquals(new double[] {0.5, 0.5}, equal.weights(), 1e-12);
            assertArrayEquals(new float[] {1, 3, 5}, equal.predict(x).toFloatArray(), 1e-6f);   // 2x + 1
            AveragingEnsemble weighted = new AveragingEnsemble(List.of(a, b), new double[] {3, 1});
            assertArrayEquals(new double[] {0.75, 0.25}, weighted.weights(), 1e-12);
            assertArrayEquals(new float[] {0.5f, 2, 3.5f}, weighted.predict(x).toFloatArray(), 1e-6f);  // 1.5x + 0.5
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AveragingEnsemble(List.of(a, b), new double[] {1, -1}));
        assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AveragingEnsemble(List.of(a, b), new double[] {1}));
        assertTrue(e.getMessage().contains("1 weights for 2 members"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AveragingEnsemble(List.of()));
    }

    @Test
    void weightedByValidationUsesInverseValidationLoss() {
        Sequential a = linear(1, 0);     // y = x: error 1 on y = x + 1 → mse 1
        Sequential b = linear(1, 3);     // y = x + 3: error 2 → mse 4
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new float[] {0, 1, 2, 3}, 4, 1);
            Tensor y = x.add(1.0);
            AveragingEnsemble e = AveragingEnsemble.weightedByValidation(List.of(a, b), x, y);
            // w ∝ 1/1, 1/4 → 0.8, 0.2
            assertArrayEquals(new double[] {0.8, 0.2}, e.weights(), 1e-6);
            // 0.8·x + 0.2·(x + 3) = x + 0.6
            assertArrayEquals(new float[] {0.6f, 1.6f, 2.6f, 3.6f}, e.predict(x).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void votingEnsembleOfSmallClassifiers() {
        // three fixed 1-feature classifiers with softmax over 3 classes: logits = x·w + b
        Sequential[] cls = new Sequential[3];
        float[][] w = {{-1, 0, 1}, {-1, 0, 1}, {1, 0, -1}};
        float[][] b = {{0, 0.5f, 0}, {0, -0.5f, 0}, {0, 0, 0}};
        for (int i = 0; i < 3; i++) {
            cls[i] = own(new Sequential(new Input(1), new Dense(3, "softmax")));
            try (Scope s = Scope.open()) {
                cls[i].setWeights(List.of(Tensor.of(w[i], 1, 3), Tensor.of(b[i], 3)));
            }
        }
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new float[] {-2, 0, 2}, 3, 1);
            // x = -2: votes 0, 0, 2 → 0; x = 0: votes 1, {0,2 tie → argmax 0}, {all equal → 0} → 0;
            // x = 2: votes 2, 2, 0 → 2
            long[] expected = new long[3];
            long[][] votes = new long[3][];
            for (int i = 0; i < 3; i++) {
                votes[i] = cls[i].predict(x).argmax(1).toLongArray();
            }
            for (int k = 0; k < 3; k++) {
                int[] count = new int[3];
                for (long[] v : votes) {
                    count[(int) v[k]]++;
                }
                int best = 0;
                for (int c = 1; c < 3; c++) {
                    best = count[c] > count[best] ? c : best;
                }
                expected[k] = best;
            }
            assertArrayEquals(new long[] {0, 0, 2}, expected, "hand-worked votes");
            assertArrayEquals(expected, new VotingEnsemble(List.of(cls[0], cls[1], cls[2])).predict(x).toLongArray());
        }
    }

    // ---- stacking ----------------------------------------------------------------------------

    /** x ~ U[-1,1)^{n×2}; y = sin(2·x0) + x1² − 0.3 (nonlinear in both). */
    private Tensor[] regression(long seed, int n) {
        Tensor x = own(new Rng(seed).uniform(DType.FLOAT32, -1, 1, n, 2));
        float[] xs = x.toFloatArray();
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = (float) (Math.sin(2 * xs[2 * i]) + xs[2 * i + 1] * xs[2 * i + 1] - 0.3);
        }
        return new Tensor[] {x, own(Tensor.of(y, n, 1))};
    }

    private static double mse(Tensor p, Tensor y) {
        float[] a = p.toFloatArray();
        float[] b = y.toFloatArray();
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return s / a.length;
    }

    @Test
    void stackingMetaLearnerMatchesOrBeatsTheBestBaseModel() {
        Rng.setGlobalSeed(17);
        Tensor[] train = regression(1, 160);
        Tensor[] test = regression(2, 200);
        Supplier<Model> linearBase = () -> {
            Sequential m = new Sequential(new Input(2), new Dense(1));
            m.compile(new Adam(0.05), new MeanSquaredError());
            return m;
        };
        Supplier<Model> mlpBase = () -> {
            Sequential m = new Sequential(new Input(2), new Dense(16, "tanh"), new Dense(1));
            m.compile(new Adam(0.02), new MeanSquaredError());
            return m;
        };
        Supplier<Model> meta = () -> {
            Sequential m = new Sequential(new Input(2), new Dense(1));
            m.compile(new Adam(0.05), new MeanSquaredError());
            return m;
        };
        FitOptions baseFit = new FitOptions().epochs(40).batchSize(32).seed(3).verbose(0);
        FitOptions metaFit = new FitOptions().epochs(60).batchSize(32).seed(4).verbose(0);
        StackingEnsemble st = own(new StackingEnsemble(List.of(linearBase, mlpBase), meta, 4, baseFit, metaFit));
        st.fit(train[0], train[1]);
        assertEquals(2, st.bases().size());
        try (Scope s = Scope.open()) {
            double stacked = mse(st.predict(test[0]), test[1]);
            double best = Double.POSITIVE_INFINITY;
            double[] baseMse = new double[2];
            for (int i = 0; i < 2; i++) {
                baseMse[i] = mse(st.bases().get(i).predict(test[0]), test[1]);
                best = Math.min(best, baseMse[i]);
            }
            // tolerance: the meta-learner may trail the best base by at most 5% of its error
            assertTrue(stacked <= 1.05 * best, "stacked mse " + stacked + ", bases " + java.util.Arrays.toString(baseMse));
            assertTrue(baseMse[1] < baseMse[0], "the MLP base should beat the linear one: " + java.util.Arrays.toString(baseMse));
            assertArrayEquals(new long[] {200, 1}, st.predict(test[0]).shape());
        }
    }

    /**
     * A spy model: remembers which sample ids (column 0 of x) it was trained on and which it
     * predicted, and predicts the mean of its training targets for every sample.
     */
    static final class MeanSpy extends Model {
        static final List<MeanSpy> CREATED = new ArrayList<>();
        final List<Long> trainedIds = new ArrayList<>();
        final List<Long> predictedIds = new ArrayList<>();
        double mean = Double.NaN;

        MeanSpy() {
            super("mean_spy");
            CREATED.add(this);
        }

        @Override
        public History fit(Tensor[] x, Tensor y, FitOptions options) {
            float[] xs = x[0].toFloatArray();
            int cols = (int) x[0].dim(1);
            for (int i = 0; i < x[0].dim(0); i++) {
                trainedIds.add((long) xs[i * cols]);
            }
            double sum = 0;
            for (float v : y.toFloatArray()) {
                sum += v;
            }
            mean = sum / y.dim(0);
            return new History();
        }

        @Override
        public Tensor predict(Tensor[] x, int batchSize) {
            float[] xs = x[0].toFloatArray();
            int cols = (int) x[0].dim(1);
            for (int i = 0; i < x[0].dim(0); i++) {
                predictedIds.add((long) xs[i * cols]);
            }
            return Tensor.full(DType.FLOAT32, mean, x[0].dim(0), 1);
        }

        @Override
        public Tensor call(Tensor[] inputs, boolean training) {
            return Tensor.full(DType.FLOAT32, mean, inputs[0].dim(0), 1);
        }
    }

    /** A meta spy that records the meta features it is trained on. */
    static final class MetaSpy extends Model {
        float[] features;
        long[] shape;

        MetaSpy() {
            super("meta_spy");
        }

        @Override
        public History fit(Tensor[] x, Tensor y, FitOptions options) {
            features = x[0].toFloatArray();
            shape = x[0].shape();
            return new History();
        }

        @Override
        public Tensor call(Tensor[] inputs, boolean training) {
            return inputs[0].sum(new int[] {1}, true);
        }
    }

    @Test
    void stackingMetaFeaturesAreOutOfFold() {
        MeanSpy.CREATED.clear();
        int n = 10;
        int folds = 3;    // folds [0, 3), [3, 6), [6, 10)
        float[] x = new float[n * 2];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;           // the sample id
            x[2 * i + 1] = 0.5f;
            y[i] = i * i;
        }
        Tensor xt = own(Tensor.of(x, n, 2));
        Tensor yt = own(Tensor.of(y, n, 1));
        MetaSpy[] meta = new MetaSpy[1];
        StackingEnsemble st = own(new StackingEnsemble(List.of(MeanSpy::new, MeanSpy::new),
                () -> meta[0] = new MetaSpy(), folds, new FitOptions().verbose(0), new FitOptions().verbose(0)));
        st.fit(xt, yt);

        // per base: 3 fold models, then one model on everything
        assertEquals(2 * folds + 2, MeanSpy.CREATED.size());
        long[][] foldRanges = {{0, 3}, {3, 6}, {6, 10}};
        for (int b = 0; b < 2; b++) {
            for (int f = 0; f < folds; f++) {
                MeanSpy m = MeanSpy.CREATED.get(b * folds + f);
                List<Long> expectedTrain = new ArrayList<>();
                List<Long> expectedHeld = new ArrayList<>();
                for (long i = 0; i < n; i++) {
                    (i >= foldRanges[f][0] && i < foldRanges[f][1] ? expectedHeld : expectedTrain).add(i);
                }
                assertEquals(expectedTrain, m.trainedIds, "base " + b + " fold " + f + " trained on");
                assertEquals(expectedHeld, m.predictedIds, "base " + b + " fold " + f + " predicted");
            }
        }
        for (int b = 0; b < 2; b++) {
            assertEquals(n, MeanSpy.CREATED.get(2 * folds + b).trainedIds.size(), "final base " + b + " trains on all samples");
        }

        // meta feature of sample i = mean of y over the samples outside i's fold
        assertArrayEquals(new long[] {n, 2}, meta[0].shape);
        for (int i = 0; i < n; i++) {
            int f = i < 3 ? 0 : i < 6 ? 1 : 2;
            double sum = 0;
            int count = 0;
            for (int j = 0; j < n; j++) {
                if (j < foldRanges[f][0] || j >= foldRanges[f][1]) {
                    sum += j * j;
                    count++;
                }
            }
            assertEquals(sum / count, meta[0].features[2 * i], 1e-4, "meta feature (base 0) of sample " + i);
            assertEquals(sum / count, meta[0].features[2 * i + 1], 1e-4, "meta feature (base 1) of sample " + i);
        }

        // prediction: the meta spy sums the two final bases' predictions (each the mean of all y = 28.5)
        try (Scope s = Scope.open()) {
            assertArrayEquals(new float[] {57f, 57f}, st.predict(xt.slice(0, 0, 2)).toFloatArray(), 1e-4f);
        }
    }

    @Test
    void stackingRejectsBadArguments() {
        Supplier<Model> f = MeanSpy::new;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StackingEnsemble(List.of(f), f, 1, new FitOptions(), new FitOptions()));
        assertTrue(e.getMessage().contains("at least 2 folds"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new StackingEnsemble(List.of(), f, 3, new FitOptions(), new FitOptions()));
        assertTrue(e.getMessage().contains("no base models"), e.getMessage());
        StackingEnsemble st = own(new StackingEnsemble(List.of(f), f, 3, new FitOptions(), new FitOptions()));
        Tensor x = own(Tensor.zeros(DType.FLOAT32, 2, 2));
        Tensor y = own(Tensor.zeros(DType.FLOAT32, 2, 1));
        e = assertThrows(IllegalArgumentException.class, () -> st.fit(x, y));
        assertTrue(e.getMessage().contains("2 samples cannot make 3 folds"), e.getMessage());
        Tensor y3 = own(Tensor.zeros(DType.FLOAT32, 3, 1));
        e = assertThrows(IllegalArgumentException.class, () -> st.fit(x, y3));
        assertTrue(e.getMessage().contains("x has 2 samples, y has 3"), e.getMessage());
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> st.predict(x));
        assertTrue(s.getMessage().contains("call fit first"), s.getMessage());
    }

    @Test
    void ensemblesOfModelsFreeTheirTemporaries() {
        long before = cpu.bytesInUse();
        Sequential a = linear(2, 0);
        Tensor x = Tensor.of(new float[] {1, 2}, 2, 1);
        Tensor p = new AveragingEnsemble(List.of(a, a)).predict(x);
        assertArrayEquals(new float[] {2, 4}, p.toFloatArray(), 1e-6f);
        p.close();
        x.close();
        a.close(); // the weights and the model's traced predict graphs (kept on the model until close)
        assertEquals(before, cpu.bytesInUse());
    }
}
