package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.nn.ActivationLayer;
import dev.lamina.nn.AveragePooling2D;
import dev.lamina.nn.Bidirectional;
import dev.lamina.nn.Conv1D;
import dev.lamina.nn.Conv2DTranspose;
import dev.lamina.nn.DepthwiseConv2D;
import dev.lamina.nn.GlobalAveragePooling2D;
import dev.lamina.nn.GlobalMaxPooling2D;
import dev.lamina.nn.Reshape;
import dev.lamina.nn.SimpleRNN;
import dev.lamina.nn.TimeDistributed;
import dev.lamina.nn.UpSampling2D;
import dev.lamina.nn.ZeroPadding2D;
import dev.lamina.nn.BatchNormalization;
import dev.lamina.nn.Conv2D;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Flatten;
import dev.lamina.nn.GRU;
import dev.lamina.nn.MaxPooling2D;
import dev.lamina.nn.Dropout;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.losses.Losses;
import dev.lamina.optim.Adagrad;
import dev.lamina.optim.Adam;
import dev.lamina.optim.RMSprop;
import dev.lamina.optim.ExponentialDecay;
import dev.lamina.optim.Optimizer;
import dev.lamina.optim.SGD;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model.fit with the traced step against eager fit: Adam with a learning-rate schedule (a host value
 * per step), Dropout (a host-drawn mask per step), an LSTM; weights and per-epoch losses bitwise equal.
 */
class TracedTrainingTest {
    static Stream<String> backends() {
        return Stream.of("reference", "cpu");
    }

    static Sequential lstmDropout() {
        return new Sequential(new Input(6, 2), new LSTM(8), new Dropout(0.25, 7L), new Dense(4, "tanh"), new Dense(1));
    }

    private static float[][] train(Backend b, boolean graph, Supplier<Optimizer> opt, List<Double> losses) {
        return train(b, graph, opt, losses, TracedTrainingTest::lstmDropout, new long[] {6, 2});
    }

    static float[][] train(Backend b, boolean graph, Supplier<Optimizer> opt, List<Double> losses,
                                   Supplier<Sequential> make, long[] sample) {
        try (var use = Backends.use(b); Scope scope = Scope.open()) {
            Rng.setGlobalSeed(42);
            Sequential model = make.get();
            model.compile(opt.get(), Losses.get("mse"));
            model.setOutput(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            Rng rng = new Rng(1);
            int n = 40;
            int per = 1;
            for (long d : sample) {
                per *= (int) d;
            }
            float[] xs = new float[n * per];
            float[] ys = new float[n];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (float) rng.nextDouble();
            }
            for (int i = 0; i < n; i++) {
                ys[i] = (float) rng.nextDouble();
            }
            long[] xShape = new long[sample.length + 1];
            xShape[0] = n;
            System.arraycopy(sample, 0, xShape, 1, sample.length);
            Tensor x = Tensor.of(xs, xShape);
            Tensor y = Tensor.of(ys, n, 1);
            // 40 samples in batches of 16: two full batches and a partial one (a second signature)
            History h = model.fit(x, y, new FitOptions().epochs(4).batchSize(16).seed(3).verbose(0).graph(graph));
            losses.addAll(h.history().get("loss"));
            float[][] out = TrainingTraces.weights(model.weights());
            model.close();
            return out;
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void adamWithScheduleAndDropoutTrainsBitwiseAsEager(String backend) {
        Backend b = Backends.byName(backend);
        Supplier<Optimizer> adam = () -> new Adam(new ExponentialDecay(0.01, 2, 0.5, false), 0.9, 0.999, 1e-7, false);
        check(b, adam);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void sgdWithMomentumTrainsBitwiseAsEager(String backend) {
        check(Backends.byName(backend), () -> new SGD(0.05, 0.9, true));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void convPoolBatchNormWithRmsPropTrainsBitwiseAsEager(String backend) {
        check(Backends.byName(backend), () -> new RMSprop(0.01), () -> new Sequential(new Input(8, 8, 2),
                new Conv2D(4, 3, "relu"), new MaxPooling2D(2), new BatchNormalization(), new Flatten(), new Dense(1)),
                new long[] {8, 8, 2}, 7);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void gruWithAdagradTrainsBitwiseAsEager(String backend) {
        check(Backends.byName(backend), () -> new Adagrad(0.05), () -> new Sequential(new Input(6, 2), new GRU(8),
                new Dense(1)), new long[] {6, 2}, 7);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void recurrentWrappersConv1DAndReshapeTrainBitwiseAsEager(String backend) {
        // Bidirectional(SimpleRNN) [6, 8] -> TimeDistributed(Dense) [6, 3] -> Conv1D valid [5, 4] -> Reshape [20]
        check(Backends.byName(backend), () -> new SGD(0.05, 0.9, false), () -> new Sequential(new Input(6, 2),
                new Bidirectional(new SimpleRNN(4, true)), new TimeDistributed(new Dense(3, "tanh")), new Conv1D(4, 2, "relu"),
                new Reshape(20), new ActivationLayer("tanh"), new Dense(1)), new long[] {6, 2}, 7);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void paddingDepthwiseAveragePoolUpsamplingTransposedConvTrainBitwiseAsEager(String backend) {
        // [8, 8, 2] -> pad [10, 10, 2] -> depthwise 3x3 [8, 8, 2] -> average pool [4, 4, 2] -> upsample [8, 8, 2]
        // -> transposed conv 2x2 [9, 9, 3] -> global average [3] (and a global max branch is a functional model: not here)
        check(Backends.byName(backend), () -> new Adam(0.01), () -> new Sequential(new Input(8, 8, 2), new ZeroPadding2D(1),
                new DepthwiseConv2D(3), new AveragePooling2D(2), new UpSampling2D(2), new Conv2DTranspose(3, 2),
                new GlobalAveragePooling2D(), new Dense(1)), new long[] {8, 8, 2}, 7);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void globalMaxPoolingTrainsBitwiseAsEager(String backend) {
        check(Backends.byName(backend), () -> new RMSprop(0.01), () -> new Sequential(new Input(6, 6, 2),
                new Conv2D(3, 3, "relu"), new GlobalMaxPooling2D(), new Dense(1)), new long[] {6, 6, 2}, 7);
    }

    private static void check(Backend b, Supplier<Optimizer> opt) {
        check(b, opt, TracedTrainingTest::lstmDropout, new long[] {6, 2}, 7);
    }

    static void check(Backend b, Supplier<Optimizer> opt, Supplier<Sequential> make, long[] sample,
                              int expectedReplays) {
        long before = b.bytesInUse();
        List<Double> eagerLoss = new ArrayList<>();
        List<Double> tracedLoss = new ArrayList<>();
        float[][] eager = train(b, false, opt, eagerLoss, make, sample);
        long replays = TracedFunction.REPLAYS.get();
        float[][][] traced = new float[1][][];
        List<String> logged = TrainingTraces.logged(() -> traced[0] = train(b, true, opt, tracedLoss, make, sample));
        assertEquals(List.of(), logged, "every step signature was traced");
        // full batches: 8 calls; the first trace makes the optimizer slots (traced again), 2 more match: 5
        // replays. The partial batch: 4 calls, 2 traces, 2 replays.
        assertEquals(expectedReplays, TracedFunction.REPLAYS.get() - replays);
        assertEquals(eagerLoss, tracedLoss);
        for (int i = 0; i < eager.length; i++) {
            assertArrayEquals(eager[i], traced[0][i], "weight " + i);
        }
        assertEquals(before, b.bytesInUse(), "fit returns to its memory baseline");
    }
}
