package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.losses.Losses;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Embedding;
import dev.lamina.nn.Flatten;
import dev.lamina.nn.LSTM;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A model with an Embedding trains on the traced step: the gather's range check of its ids is a host
 * node that every replay reruns on that replay's ids (no host read in the function, so the step is not
 * sent back to eager execution). Traced fit against eager fit, bitwise, for integer and float ids; an
 * out-of-range id met in a replay raises the eager error (type and message).
 */
class TracedEmbeddingTrainingTest {
    private static final int VOCAB = 10;
    private static final int SEQ = 6;

    static Stream<String> backends() {
        return Stream.of("reference", "cpu");
    }

    /** int32 ids through Embedding, Flatten and Dense. */
    static Sequential flat() {
        return new Sequential(new Embedding(VOCAB, 3), new Flatten(), new Dense(1));
    }

    /** float ids (whole numbers, cast by the layer) through a mask_zero Embedding into a masked LSTM. */
    static Sequential masked() {
        return new Sequential(new Embedding(VOCAB, 3, true), new LSTM(4), new Dense(1));
    }

    /** n samples of SEQ ids in [0, VOCAB), as int32 or float32; {@code bad} ≥ 0 puts id VOCAB at that flat position. */
    private static Tensor ids(int n, DType dt, int bad) {
        Rng rng = new Rng(1);
        int[] v = new int[n * SEQ];
        for (int i = 0; i < v.length; i++) {
            v[i] = (int) Math.min(VOCAB - 1, Math.floor(rng.nextDouble() * VOCAB));
        }
        if (bad >= 0) {
            v[bad] = VOCAB;
        }
        Tensor x = Tensor.of(v, n, SEQ);
        return dt == DType.INT32 ? x : x.cast(dt);
    }

    private static Tensor targets(int n) {
        Rng rng = new Rng(2);
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = (float) rng.nextDouble();
        }
        return Tensor.of(y, n, 1);
    }

    /** Fits make's model (Adam, MSE) and returns its weights; losses gets the per-epoch loss. */
    private static float[][] train(Backend b, Boolean graph, Supplier<Sequential> make, DType dt, int n, FitOptions o,
                                   int bad, List<Double> losses) {
        try (var use = Backends.use(b); Scope scope = Scope.open()) {
            Rng.setGlobalSeed(42);
            Sequential model = make.get();
            try {
                model.compile(new Adam(0.01), Losses.get("mse"));
                model.setOutput(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                History h = model.fit(ids(n, dt, bad), targets(n), graph == null ? o : o.graph(graph));
                losses.addAll(h.history().get("loss"));
                return TrainingTraces.weights(model.weights());
            } finally {
                model.close();
            }
        }
    }

    /** Traced fit (the default) against eager fit on b: bitwise weights and losses, 7 replays, no log, memory baseline. */
    static void fitsBitwiseAsEager(Backend b, Supplier<Sequential> make, DType dt) {
        long before = b.bytesInUse();
        List<Double> eagerLoss = new ArrayList<>();
        float[][] eager = train(b, false, make, dt, 40, new FitOptions().epochs(4).batchSize(16).seed(3).verbose(0), -1,
                eagerLoss);
        List<Double> tracedLoss = new ArrayList<>();
        float[][][] traced = new float[1][][];
        long replays = TracedFunction.REPLAYS.get();
        List<String> logged = TrainingTraces.logged(() -> traced[0] = train(b, null, make, dt, 40,
                new FitOptions().epochs(4).batchSize(16).seed(3).verbose(0), -1, tracedLoss));
        assertEquals(List.of(), logged, "every step signature was traced (the default, no FitOptions.graph)");
        // full batches: 8 calls, 3 traces (the first makes the optimizer slots), 5 replays; the partial batch:
        // 4 calls, 2 traces, 2 replays
        assertEquals(7, TracedFunction.REPLAYS.get() - replays);
        assertEquals(eagerLoss, tracedLoss);
        assertEquals(eager.length, traced[0].length);
        for (int i = 0; i < eager.length; i++) {
            assertArrayEquals(eager[i], traced[0][i], "weight " + i);
        }
        assertEquals(before, b.bytesInUse(), "fit returns to its memory baseline");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void integerIdsTrainBitwiseAsEager(String backend) {
        fitsBitwiseAsEager(Backends.byName(backend), TracedEmbeddingTrainingTest::flat, DType.INT32);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void floatIdsWithAMaskTrainBitwiseAsEager(String backend) {
        fitsBitwiseAsEager(Backends.byName(backend), TracedEmbeddingTrainingTest::masked, DType.FLOAT32);
    }

    /**
     * 96 samples in order, batches of 16: calls 1-3 trace, 4 and 5 replay, and the sixth, a replay, meets
     * the id VOCAB of sample 90 (position (90 − 80) · 6 + 4 = 64 of the batch): the same IllegalArgumentException as the eager fit's.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void anOutOfRangeIdInAReplayedBatchRaisesTheEagerError(String backend) {
        outOfRangeIdInAReplayRaisesTheEagerError(Backends.byName(backend));
    }

    /** The check of {@link #anOutOfRangeIdInAReplayedBatchRaisesTheEagerError} on b. */
    static void outOfRangeIdInAReplayRaisesTheEagerError(Backend b) {
        int bad = 90 * SEQ + 4;
        FitOptions o = new FitOptions().epochs(1).batchSize(16).shuffle(false).verbose(0);
        IllegalArgumentException eager = assertThrows(IllegalArgumentException.class,
                () -> train(b, false, TracedEmbeddingTrainingTest::flat, DType.INT32, 96, o, bad, new ArrayList<>()));
        long replays = TracedFunction.REPLAYS.get();
        IllegalArgumentException traced = assertThrows(IllegalArgumentException.class,
                () -> train(b, null, TracedEmbeddingTrainingTest::flat, DType.INT32, 96,
                        new FitOptions().epochs(1).batchSize(16).shuffle(false).verbose(0), bad, new ArrayList<>()));
        assertEquals(3, TracedFunction.REPLAYS.get() - replays, "the error came from the third replay");
        assertEquals("gather: index 10 at position 64 is out of range [0, 10)", eager.getMessage());
        assertEquals(eager.getMessage(), traced.getMessage());
    }

    /**
     * With the stand-in capturer of {@link CapturedReplayTest} (as CUDA graphs on a GPU): the check runs
     * between the captured segments on the graph's copy of the ids; training is still bitwise eager and
     * a bad id in a replay still raises the eager error.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void aCapturedReplayChecksTheIdsBetweenItsSegments(String backend) {
        CapturedReplayTest.StandIn c = new CapturedReplayTest.StandIn();
        CapturedReplayTest.withCapturer(c, () -> {
            fitsBitwiseAsEager(Backends.byName(backend), TracedEmbeddingTrainingTest::flat, DType.INT32);
            anOutOfRangeIdInAReplayedBatchRaisesTheEagerError(backend);
        });
        assertTrue(c.captures > 0 && c.launches > c.captures, "segments captured and launched: " + c.captures + ", "
                + c.launches);
        assertEquals(c.captures, c.closed, "every segment was closed with its graph");
    }

    /**
     * The check in a replayed gather, alone: the graph holds a host check node, valid ids replay as
     * eagerly, and bad ids (int32 and int64, too large and negative) raise the eager error.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void aReplayedGatherChecksItsIds(String backend) {
        Backend b = Backends.byName(backend);
        long before = b.bytesInUse();
        try (var use = Backends.use(b); Scope s = Scope.open();
             TracedFunction f = Graph.trace("gather", in -> new Tensor[] {in[0].gather(in[1]).mul(2)}, new GraphOptions())) {
            Tensor table = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2);
            for (int k = 0; k < 3; k++) {
                f.apply(table, Tensor.of(new long[] {k, 3, 0}));
            }
            Tensor good = Tensor.of(new long[] {2, 2, 1});
            long replays = TracedFunction.REPLAYS.get();
            assertArrayEquals(table.gather(good).mul(2).toFloatArray(), f.apply(table, good)[0].toFloatArray(), 0f);
            assertEquals(1, TracedFunction.REPLAYS.get() - replays);
            for (long[] badIds : new long[][] {{0, 4, 1}, {-1, 0, 0}, {3, 3, Long.MAX_VALUE}}) {
                Tensor bad = Tensor.of(badIds);
                IllegalArgumentException eager = assertThrows(IllegalArgumentException.class, () -> table.gather(bad));
                long r0 = TracedFunction.REPLAYS.get();
                IllegalArgumentException traced = assertThrows(IllegalArgumentException.class, () -> f.apply(table, bad));
                assertEquals(1, TracedFunction.REPLAYS.get() - r0, "replayed");
                assertEquals(eager.getMessage(), traced.getMessage());
            }
            // int32 ids: a signature of its own, traced and replayed the same way
            for (int k = 0; k < 3; k++) {
                f.apply(table, Tensor.of(new int[] {k, 1, 0}, 3));
            }
            Tensor bad32 = Tensor.of(new int[] {1, 9, 0}, 3);
            IllegalArgumentException eager = assertThrows(IllegalArgumentException.class, () -> table.gather(bad32));
            long r0 = TracedFunction.REPLAYS.get();
            IllegalArgumentException traced = assertThrows(IllegalArgumentException.class, () -> f.apply(table, bad32));
            assertEquals(1, TracedFunction.REPLAYS.get() - r0, "replayed");
            assertEquals("gather: index 9 at position 1 is out of range [0, 4)", eager.getMessage());
            assertEquals(eager.getMessage(), traced.getMessage());
            String listing = String.valueOf(f.graph(table, good));
            assertTrue(listing.contains("host.check") && listing.contains("gather ids in [0, 4)"),
                    "the graph checks the ids on the host:\n" + listing);
        }
        assertEquals(before, b.bytesInUse(), "back to the memory baseline");
    }
}
