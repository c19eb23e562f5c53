package dev.lamina.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.io.HostTensor;
import dev.lamina.io.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParityRunnerTest {
    @TempDir
    Path tmp;

    final Backend ref = Backends.reference();

    ParityRunner runner() {
        return new ParityRunner(1e-5, List.of(ref), null);
    }

    /** y = a·b, a = [[a0, a1]], b = [[3], [4]], with the given expected y and its shape. */
    Path matmulCase(String name, float a0, double[] y, long... yShape) {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("in.a", HostTensor.ofFloats(new float[] {a0, 2}, 1, 2));
        t.put("in.b", HostTensor.ofFloats(new float[] {3, 4}, 2, 1));
        t.put("out.y", HostTensor.ofDoubles(y, yShape));
        if (yShape.length == 2 && yShape[0] == 1 && yShape[1] == 1) {
            t.put("seed.y", HostTensor.ofFloats(new float[] {2}, 1, 1));
        }
        t.put("grad.a", HostTensor.ofDoubles(new double[] {6, 8}, 1, 2));
        Path p = tmp.resolve(name + ".safetensors");
        Safetensors.write(p, t, Map.of("op", "matmul", "format", "1"));
        return p;
    }

    @Test
    void passesAndLeavesNoMemoryBehind() throws Exception {
        long before = ref.bytesInUse();
        List<ParityRunner.Result> r = runner().run(List.of(matmulCase("ok", 1, new double[] {11}, 1, 1)));
        assertEquals(new ParityRunner.Summary(2, 0, 0), ParityRunner.Summary.of(r));
        assertEquals(before, ref.bytesInUse(), "tensors of the run were not all closed");
    }

    @Test
    void opTableOpsRunByTheirNames() throws Exception {
        // softplus, an OpTable entry with no ParityOps code of its own; expected values computed here
        float[] x = {-30, -1, 0, 0.5f, 2, 30};
        double[] y = new double[x.length];
        double[] g = new double[x.length];
        float[] seed = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.log(1 + Math.exp(x[i]));
            seed[i] = 1 + i;
            g[i] = seed[i] / (1 + Math.exp(-x[i]));
        }
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("in.x", HostTensor.ofFloats(x, x.length));
        t.put("out.y", HostTensor.ofDoubles(y, x.length));
        t.put("seed.y", HostTensor.ofFloats(seed, x.length));
        t.put("grad.x", HostTensor.ofDoubles(g, x.length));
        Path p = tmp.resolve("softplus.safetensors");
        Safetensors.write(p, t, Map.of("op", "softplus", "format", "1"));
        assertTrue(ParityOps.TABLE.containsKey("softplus"));
        List<ParityRunner.Result> r = runner().run(List.of(p));
        assertEquals(new ParityRunner.Summary(2, 0, 0), ParityRunner.Summary.of(r), r.toString());
    }

    @Test
    void nanNeverPasses() throws Exception {
        List<ParityRunner.Result> r = runner().run(List.of(matmulCase("nan", Float.NaN, new double[] {11}, 1, 1)));
        ParityRunner.Result out = r.get(0);
        assertEquals("out.y", out.check());
        assertEquals(ParityRunner.Status.FAIL, out.status());
        assertTrue(out.note().contains("NaN"), out.note());
        assertEquals("grad.a", r.get(1).check());
    }

    @Test
    void shapeMismatchFails() throws Exception {
        List<ParityRunner.Result> r = runner().run(List.of(matmulCase("shape", 1, new double[] {11}, 1)));
        assertEquals(ParityRunner.Status.FAIL, r.get(0).status());
        assertTrue(r.get(0).note().contains("shape"), r.get(0).note());
        assertEquals(ParityRunner.Status.FAIL, r.get(1).status()); // no seed, so no backward pass
    }

    @Test
    void unknownOpIsSkippedAndBadCasesAreRejected() throws Exception {
        Path p = tmp.resolve("weird.safetensors");
        Safetensors.write(p, Map.of("in.x", HostTensor.ofFloats(new float[] {1}, 1),
                "out.y", HostTensor.ofDoubles(new double[] {1}, 1)), Map.of("op", "frobnicate"));
        List<ParityRunner.Result> r = runner().run(List.of(p));
        assertEquals(1, r.size());
        assertEquals(ParityRunner.Status.SKIP, r.get(0).status());
        assertTrue(r.get(0).line().contains("frobnicate") && r.get(0).line().contains("SKIP"));

        Path noOp = tmp.resolve("noop.safetensors");
        Safetensors.write(noOp, Map.of("out.y", HostTensor.ofDoubles(new double[] {1}, 1)), Map.of());
        assertThrows(IllegalArgumentException.class, () -> runner().run(List.of(noOp)));
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertThrows(IllegalArgumentException.class, () -> runner().run(List.of(empty)));
    }

    @Test
    void opErrorIsAFailureNotACrash() throws Exception {
        Path p = tmp.resolve("missing_input.safetensors");
        Safetensors.write(p, Map.of("in.a", HostTensor.ofFloats(new float[] {1}, 1, 1),
                "out.y", HostTensor.ofDoubles(new double[] {1}, 1, 1)), Map.of("op", "matmul"));
        List<ParityRunner.Result> r = runner().run(List.of(p));
        assertEquals(1, r.size());
        assertEquals(ParityRunner.Status.FAIL, r.get(0).status());
        assertTrue(r.get(0).note().contains("in.b"), r.get(0).note());
    }
}
