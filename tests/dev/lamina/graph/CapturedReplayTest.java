package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.optim.Adam;
import dev.lamina.optim.ExponentialDecay;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The captured replay (CUDA graphs on a GPU) with a stand-in capturer that behaves as stream capture
 * does: capturing runs nothing, and a launch reruns the calls with the storages they were captured
 * with. Training through it is bitwise eager training (so inputs, outputs and written inputs go
 * through the graph's fixed buffers correctly, and host values run between the segments), and a
 * failing capture falls back to node-by-node replay with the same results.
 */
class CapturedReplayTest {
    /** Captures by keeping the calls; a launch runs them (their storages fixed at capture). */
    static final class StandIn implements CapturedReplay.Capturer {
        int captures;
        int launches;
        int closed;
        boolean fail;

        @Override
        public CapturedReplay.Segment capture(Runnable calls) {
            if (fail) {
                throw new IllegalStateException("stand-in capture refused");
            }
            captures++;
            return new CapturedReplay.Segment() {
                @Override
                public void launch() {
                    launches++;
                    calls.run();
                }

                @Override
                public void close() {
                    closed++;
                }
            };
        }
    }

    /** Runs {@code body} with the stand-in as every graph's capturer. */
    static void withCapturer(StandIn c, Runnable body) {
        Graph.testCapturer = c;
        try {
            body.run();
        } finally {
            Graph.testCapturer = null;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void capturedTrainingIsBitwiseEager(String backend) {
        Backend b = Backends.byName(backend);
        StandIn c = new StandIn();
        withCapturer(c, () -> TracedTrainingTest.check(b, () -> new Adam(new ExponentialDecay(0.01, 2, 0.5, false),
                0.9, 0.999, 1e-7, false), TracedTrainingTest::lstmDropout, new long[] {6, 2}, 7));
        assertTrue(c.captures > 0, "segments were captured");
        assertTrue(c.launches > c.captures, "captured segments were launched again: " + c.launches);
        assertEquals(c.captures, c.closed, "every segment was closed with its graph");
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void aFailedCaptureReplaysNodeByNode(String backend) {
        StandIn c = new StandIn();
        c.fail = true;
        try (var use = Backends.use(Backends.byName(backend)); Scope scope = Scope.open()) {
            List<float[]> got = new ArrayList<>();
            List<float[]> want = new ArrayList<>();
            withCapturer(c, () -> {
                TracedFunction f = Graph.trace("f", in -> new Tensor[] {in[0].mul(in[1]).tanh().add(in[0]).sum(0)},
                        new GraphOptions());
                for (int call = 0; call < 4; call++) {
                    Tensor x = Tensor.of(new float[] {call, -1.5f, 2, 0.25f, 7, -3}, 2, 3);
                    Tensor y = Tensor.of(new float[] {0.5f, call, -2, 1, 0, 9}, 2, 3);
                    want.add(x.mul(y).tanh().add(x).sum(0).toFloatArray());
                    got.add(f.apply(x, y)[0].toFloatArray());
                }
                Graph g = f.graph(Tensor.zeros(dev.lamina.types.DType.FLOAT32, 2, 3), Tensor.zeros(dev.lamina.types.DType.FLOAT32, 2, 3));
                assertTrue(g.capturedSegments() > 0);
                assertTrue(g.capturedReplay().captureOff().contains("stand-in capture refused"));
                f.close();
            });
            for (int i = 0; i < want.size(); i++) {
                assertArrayEquals(want.get(i), got.get(i), "call " + i);
            }
        }
    }
}
