package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused element-wise kernel against the unfused chain, bitwise, for every unary and binary op,
 * but STEP, float32 and float64, on inputs with the special values (±0, ±inf, NaN, tiny and huge numbers).
 */
class FusedElementwiseTest {
    static Stream<Arguments> cases() {
        return Stream.of("reference", "cpu").flatMap(b -> Stream.of(DType.FLOAT32, DType.FLOAT64)
                .map(d -> Arguments.of(b, d)));
    }

    private static Tensor input(Rng rng, DType dtype, int n) {
        double[] special = {0.0, -0.0, 1.0, -1.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
            1e-40, -1e-40, 88.5, -104, 20, -20, 0.5, 3.0};
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i < special.length ? special[i] : (rng.nextDouble() * 2 - 1) * (i % 3 == 0 ? 30 : 2);
        }
        Tensor t = Tensor.of(v, n);
        return dtype == DType.FLOAT64 ? t : t.cast(dtype);
    }

    private static Tensor apply(UnaryOp op, Tensor x) {
        switch (op) {
            case NEG: return x.neg();
            case ABS: return x.abs();
            case SIGN: return x.sign();
            case EXP: return x.exp();
            case LOG: return x.log();
            case LOG1P: return x.log1p();
            case SQRT: return x.sqrt();
            case SQUARE: return x.square();
            case RECIPROCAL: return x.reciprocal();
            case TANH: return x.tanh();
            case SIGMOID: return x.sigmoid();
            case RELU: return x.relu();
            case SOFTPLUS: return x.softplus();
            default: throw new IllegalArgumentException(op.toString());
        }
    }

    private static Tensor apply(BinaryOp op, Tensor a, Tensor b) {
        switch (op) {
            case ADD: return a.add(b);
            case SUB: return a.sub(b);
            case MUL: return a.mul(b);
            case DIV: return a.div(b);
            case POW: return a.pow(b);
            case MAXIMUM: return a.maximum(b);
            case MINIMUM: return a.minimum(b);
            default: throw new IllegalArgumentException(op.toString());
        }
    }

    /** For each unary op u and binary op b: b(u(x), y) · x, then a shared tail: all fused into one program. */
    private static Tensor program(Tensor x, Tensor y) {
        Tensor acc = x;
        for (UnaryOp u : UnaryOp.values()) {
            if (u == UnaryOp.STEP) {
                continue; // no public op (relu's gradient uses it)
            }
            BinaryOp b = BinaryOp.values()[u.ordinal() % 7];
            acc = apply(b, apply(u, acc), y).mul(0.5).add(x);
        }
        return acc;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void fusedProgramIsBitwiseTheUnfusedChain(String backend, DType dtype) {
        check(Backends.byName(backend), dtype);
    }

    /** The fused replay, the unfused replay and eager execution of {@link #program} agree bitwise on be. */
    static void check(Backend be, DType dtype) {
        try (var use = Backends.use(be); Scope scope = Scope.open()) {
            Rng rng = new Rng(17);
            int n = 4099; // not a multiple of any vector width
            TracedFunction fused = Graph.trace("fused", in -> new Tensor[] {program(in[0], in[1])}, new GraphOptions());
            TracedFunction plain = Graph.trace("plain", in -> new Tensor[] {program(in[0], in[1])},
                    new GraphOptions().fusion(false));
            for (int call = 0; call < 4; call++) {
                Tensor x = input(rng, dtype, n);
                Tensor y = input(rng, dtype, n).neg().exp();
                Tensor eager = program(x, y);
                Tensor a = fused.apply(x, y)[0];
                Tensor b = plain.apply(x, y)[0];
                assertArrayEquals(eager.toDoubleArray(), a.toDoubleArray(), "fused, call " + call);
                assertArrayEquals(eager.toDoubleArray(), b.toDoubleArray(), "unfused, call " + call);
            }
            Graph g = fused.graph(input(rng, dtype, n), input(rng, dtype, n));
            assertNotNull(g);
            assertEquals(0, (int) g.opCounts().getOrDefault("unary", 0), g.toString());
            assertEquals(0, (int) g.opCounts().getOrDefault("binary", 0), g.toString());
        }
    }
}
