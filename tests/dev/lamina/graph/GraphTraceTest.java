package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.autograd.GradientTape;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Tracing and replay of forward passes: bitwise the eager results, with and without each pass. */
class GraphTraceTest {
    static Stream<String> backends() {
        return Stream.of("reference", "cpu");
    }

    static Tensor random(Rng rng, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return Tensor.of(v, shape);
    }

    static float[] floats(Tensor t) {
        return t.toFloatArray();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void elementwiseChainReplaysBitwiseAndFuses(String backend) {
        Backend b = Backends.byName(backend);
        try (var use = Backends.use(b); Scope scope = Scope.open()) {
            Rng rng = new Rng(7);
            Tensor w = random(rng, 64);
            // tanh(x*w + 0.5) * sigmoid(x) - x²: a chain of element-wise ops with a broadcast scalar
            TracedFunction f = Graph.trace(in -> new Tensor[] {
                in[0].mul(w).add(0.5).tanh().mul(in[0].sigmoid()).sub(in[0].square())});
            for (int call = 0; call < 5; call++) {
                Tensor x = random(rng, 8, 64);
                Tensor eager = GradientTape.noGrad(() -> in(x, w));
                Tensor traced = GradientTape.noGrad(() -> f.apply(x)[0]);
                assertArrayEquals(floats(eager), floats(traced), "call " + call);
            }
            assertEquals(2, f.traces());
            assertEquals(3, f.replays());
            Graph g = f.graph(random(rng, 8, 64));
            assertNotNull(g);
            String text = g.toString();
            assertTrue(text.contains("binary") || text.contains("fused"), text);
            assertTrue(g.stats().fused >= 4, g.toString());
            assertEquals(1, (int) g.opCounts().getOrDefault("fused", 0), g.toString());
            assertTrue(g.stats().folded >= 1, g.toString()); // the 0.5 scalar fill
            f.close();
        }
    }

    private static Tensor in(Tensor x, Tensor w) {
        return x.mul(w).add(0.5).tanh().mul(x.sigmoid()).sub(x.square());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void lstmModelPredictReplaysBitwiseWithoutAllocating(String backend) {
        Backend b = Backends.byName(backend);
        try (var use = Backends.use(b); Scope scope = Scope.open()) {
            Rng.setGlobalSeed(3);
            Sequential model = new Sequential(new Input(20, 1), new LSTM(16), new Dense(8, "relu"), new Dense(1));
            Rng rng = new Rng(11);
            TracedFunction f = Graph.trace(in -> new Tensor[] {GradientTape.noGrad(() -> model.call(in[0], false))});
            Tensor x0 = random(rng, 4, 20, 1);
            f.apply(x0)[0].close();
            f.apply(x0)[0].close();
            Graph g = f.graph(x0);
            assertNotNull(g, f.eagerReason(x0));
            long before = b.bytesInUse();
            for (int call = 0; call < 4; call++) {
                try (Scope s = Scope.open()) {
                    Tensor x = random(rng, 4, 20, 1);
                    Tensor eager = GradientTape.noGrad(() -> model.call(x, false));
                    Tensor traced = f.apply(x)[0];
                    assertArrayEquals(floats(eager), floats(traced), "call " + call);
                }
            }
            assertEquals(before, b.bytesInUse(), "replays allocate nothing that stays");
            assertTrue(g.stats().bufferBytes < g.stats().unplannedBytes, g.stats().toString());
            f.close();
            model.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void everyPassAloneIsBitwiseEager(String backend) {
        Backend b = Backends.byName(backend);
        GraphOptions[] configs = {
            GraphOptions.none(), GraphOptions.none().deadCode(true), GraphOptions.none().commonSubexpressions(true),
            GraphOptions.none().constantFolding(true), GraphOptions.none().fusion(true),
            GraphOptions.none().memoryPlan(true), new GraphOptions()};
        try (var use = Backends.use(b); Scope scope = Scope.open()) {
            Rng rng = new Rng(5);
            Tensor w = random(rng, 16, 16);
            for (GraphOptions o : configs) {
                // a repeated subexpression (x·w twice), a dead branch, constants and an element-wise tail
                TracedFunction f = Graph.trace("passes", in -> {
                    Tensor unused = in[0].exp();
                    Tensor a = in[0].matmul(w).tanh();
                    Tensor c = in[0].matmul(w).tanh();
                    Tensor k = Tensor.full(DType.FLOAT32, 2.0).mul(3.0);
                    return new Tensor[] {a.add(c).mul(k).relu().sub(0.25)};
                }, o);
                for (int call = 0; call < 4; call++) {
                    Tensor x = random(rng, 4, 16);
                    Tensor eager;
                    try (Scope s = Scope.open()) {
                        eager = s.keep(x.matmul(w).tanh().add(x.matmul(w).tanh())
                                .mul(Tensor.full(DType.FLOAT32, 2.0).mul(3.0)).relu().sub(0.25));
                    }
                    Tensor traced;
                    try (Scope s = Scope.open()) {
                        traced = s.keep(f.apply(x)[0]);
                    }
                    Graph gg = f.graph(x);
                    assertArrayEquals(floats(eager), floats(traced), "call " + call + " " + gg);
                }
                Graph g = f.graph(random(rng, 4, 16));
                assertNotNull(g, f.eagerReason(random(rng, 4, 16)));
                if (o.commonSubexpressions) {
                    assertTrue(g.stats().commonSubexpressions >= 2, g.toString());
                }
                if (o.deadCode) {
                    assertTrue(g.stats().deadCode >= 1, g.toString());
                }
                f.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void hostReadsRunEagerlyWithAReason(String backend) {
        Backend b = Backends.byName(backend);
        try (var use = Backends.use(b); Scope scope = Scope.open()) {
            TracedFunction f = Graph.trace(in -> new Tensor[] {in[0].mul(in[0].sum().item())});
            Tensor x = Tensor.of(new float[] {1, 2, 3}, 3);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(new float[] {6, 12, 18}, floats(f.apply(x)[0]));
            }
            assertNull(f.graph(x));
            assertTrue(f.eagerReason(x).contains("host read"), f.eagerReason(x));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void javaValuesThatChangePerCallAreNotReplayedStale(String backend) {
        Backend b = Backends.byName(backend);
        try (var use = Backends.use(b); Scope scope = Scope.open()) {
            double[] counter = {1};
            TracedFunction f = Graph.trace(in -> new Tensor[] {in[0].mul(counter[0]++)});
            Tensor x = Tensor.of(new float[] {1, 2}, 2);
            for (int i = 1; i <= 5; i++) {
                assertArrayEquals(new float[] {i, 2 * i}, floats(f.apply(x)[0]));
            }
            assertNull(f.graph(x));
            assertTrue(f.eagerReason(x).contains("differs between calls"), f.eagerReason(x));
            // the same through HostCalls: replayed, and recomputed at every replay
            double[] c2 = {1};
            TracedFunction g = Graph.trace(in -> new Tensor[] {
                in[0].mul(dev.lamina.backend.HostCalls.scalar(() -> c2[0]++))});
            for (int i = 1; i <= 5; i++) {
                assertArrayEquals(new float[] {i, 2 * i}, floats(g.apply(x)[0]), "call " + i);
            }
            assertNotNull(g.graph(x), g.eagerReason(x));
            assertEquals(3, g.replays());
        }
    }
}
