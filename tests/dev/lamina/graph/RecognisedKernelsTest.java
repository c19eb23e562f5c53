package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.lamina.backend.Backends;
import dev.lamina.ops.ConvOps;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused-kernel pass: {@code relu(conv2d(x, k) + bias)} and {@code conv2d(x, k) + bias} written
 * with tensor ops replay as one conv2dForwardFused, bitwise the eager composition; not when an
 * intermediate is also an output, nor with the pass off.
 */
class RecognisedKernelsTest {
    private static final int[] S1 = {1, 1};

    private static Map<String, Integer> run(String backend, Function<Tensor[], Tensor[]> fn, GraphOptions o) {
        try (var use = Backends.use(Backends.byName(backend)); Scope scope = Scope.open()) {
            Rng rng = new Rng(9);
            TracedFunction f = Graph.trace("conv", fn, o);
            Tensor[] in = null;
            for (int call = 0; call < 4; call++) {
                in = new Tensor[] {rng.normal(DType.FLOAT32, 0, 1, 2, 7, 6, 3), rng.normal(DType.FLOAT32, 0, 1, 3, 3, 3, 4),
                    rng.normal(DType.FLOAT32, 0, 1, 4)};
                Tensor[] eager = fn.apply(in);
                Tensor[] got = f.apply(in);
                for (int k = 0; k < eager.length; k++) {
                    assertArrayEquals(eager[k].toFloatArray(), got[k].toFloatArray(), "call " + call + ", output " + k);
                }
            }
            Graph g = f.graph(in);
            assertNotNull(g);
            Map<String, Integer> ops = g.opCounts();
            f.close();
            return ops;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void convBiasReluBecomesOneFusedKernel(String backend) {
        Map<String, Integer> ops = run(backend, t -> new Tensor[] {
            ConvOps.conv2d(t[0], t[1], S1, "same", S1, 1).add(t[2]).relu()}, new GraphOptions());
        assertEquals(Map.of("conv2dBiasAct", 1), ops);
        Map<String, Integer> noRelu = run(backend, t -> new Tensor[] {
            ConvOps.conv2d(t[0], t[1], S1, "valid", S1, 1).add(t[2]).tanh()}, new GraphOptions());
        assertEquals(1, noRelu.get("conv2dBiasAct"), noRelu.toString());
        assertEquals(null, noRelu.get("conv2d"), noRelu.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void notRecognisedWhenAnIntermediateIsObservableOrThePassIsOff(String backend) {
        Map<String, Integer> ops = run(backend, t -> {
            Tensor z = ConvOps.conv2d(t[0], t[1], S1, "same", S1, 1);
            return new Tensor[] {z.add(t[2]).relu(), z};
        }, new GraphOptions());
        assertEquals(null, ops.get("conv2dBiasAct"), ops.toString());
        Map<String, Integer> off = run(backend, t -> new Tensor[] {
            ConvOps.conv2d(t[0], t[1], S1, "same", S1, 1).add(t[2]).relu()}, new GraphOptions().fusedKernels(false));
        assertEquals(null, off.get("conv2dBiasAct"), off.toString());
        assertEquals(1, off.get("conv2d"), off.toString());
    }
}
