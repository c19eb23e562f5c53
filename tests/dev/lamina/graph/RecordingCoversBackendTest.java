package dev.lamina.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.types.DType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Recording happens at one place, the tensor layer's route to the backend: while a function is
 * traced, {@code Tensor.backend()} is the recorder's view, which must declare every method of the
 * {@link Backend} SPI (an inherited default would run its composition on the view, recording a
 * fused kernel as primitives or a new SPI method not at all).
 */
class RecordingCoversBackendTest {

    @Test
    void theRecordingViewDeclaresEveryBackendMethod() {
        List<String> missing = new ArrayList<>();
        for (Method m : Backend.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            try {
                Method own = Recorder.Recording.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
                assertEquals(m.getReturnType(), own.getReturnType(), m.toString());
            } catch (NoSuchMethodException e) {
                missing.add(m.getName() + java.util.Arrays.toString(m.getParameterTypes()));
            }
        }
        assertEquals(List.of(), missing, "Backend methods the recorder does not record (add them to Recorder.Recording)");
        assertTrue(Backend.class.getMethods().length > 40, "the SPI was enumerated");
    }

    @Test
    void tensorsHandOutTheRecordingViewOnlyWhileTracing() {
        Backend cpu = Backends.cpu();
        try (var use = Backends.use(cpu); Scope scope = Scope.open()) {
            Rng rng = new Rng(3);
            Backend[] seen = new Backend[2];
            // the view is given back to the tensor layer (Backends.use, a factory on the current backend)
            TracedFunction f = Graph.trace(in -> {
                seen[0] = in[0].backend();
                try (var inner = Backends.use(in[0].backend())) {
                    seen[1] = Backends.current();
                    Tensor bias = Tensor.full(DType.FLOAT32, 0.25, 4);
                    return new Tensor[] {in[0].mul(in[0]).add(bias)};
                }
            });
            for (int call = 0; call < 4; call++) {
                Tensor x = rng.normal(DType.FLOAT32, 0, 1, 3, 4);
                Tensor eager = x.mul(x).add(Tensor.full(DType.FLOAT32, 0.25, 4));
                Tensor got = f.apply(x)[0];
                assertArrayEquals(eager.toFloatArray(), got.toFloatArray(), "call " + call);
                assertSame(cpu, x.backend(), "outside a trace a tensor's backend is the backend itself");
            }
            assertTrue(seen[0] instanceof Recorder.Recording, "inside a trace: " + seen[0]);
            assertNotSame(cpu, seen[0]);
            assertEquals("cpu", seen[0].name());
            assertSame(seen[0], seen[1], "the view given back is not wrapped again");
            Graph g = f.graph(rng.normal(DType.FLOAT32, 0, 1, 3, 4));
            assertNotNull(g, "traced and replayed: " + f.eagerReason(rng.normal(DType.FLOAT32, 0, 1, 3, 4)));
            assertTrue(f.replays() >= 2, "replays " + f.replays());
            f.close();
        }
    }
}
