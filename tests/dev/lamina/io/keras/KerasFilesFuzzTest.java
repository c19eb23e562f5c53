package dev.lamina.io.keras;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backends;
import dev.lamina.models.Model;
import dev.lamina.tensor.Tensor;
import dev.lamina.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Lamina against the random Keras models of {@code bench/peers/keras_files_fuzz.py make DIR}: run
 * with {@code -Dlamina.keras.fuzz.dir=DIR} (skipped without it; backend
 * {@code -Dlamina.keras.fuzz.backend}, reference by default). Every {@code DIR/*.keras} is loaded
 * with {@link Model#load} and must either predict every output as Keras did within
 * 1e-5·max(1, |keras|) per element (float32), also after its weights were zeroed and the
 * {@code .weights.h5} loaded by structure, and load back bitwise from Lamina's own save; or be
 * refused with a {@link KerasFormatException} (an unsupported option, printed for review). A model
 * whose float32 prediction is badly conditioned passes when Lamina's prediction is no further from
 * Keras's float64 prediction of the same model (the script's "outputs64") than Keras's float32
 * prediction is, within 1e-5 (printed as ILL-CONDITIONED). Any other
 * outcome (a wrong number, a wrong shape, another exception) fails the test, which lists every case.
 * With {@code -Dlamina.keras.fuzz.out=OUT} Lamina's saves and predictions are left in OUT for
 * {@code keras_files_fuzz.py check OUT} (Keras loading Lamina's files).
 */
class KerasFilesFuzzTest {
    static final double TOL = 1e-5;

    @Test
    void randomKerasModelsLoadAndPredictAsKeras() throws IOException {
        String dirName = System.getProperty("lamina.keras.fuzz.dir");
        Assumptions.assumeTrue(dirName != null, "set -Dlamina.keras.fuzz.dir=DIR (made by bench/peers/keras_files_fuzz.py)");
        Path dir = Path.of(dirName);
        String out = System.getProperty("lamina.keras.fuzz.out");
        List<String> names;
        try (Stream<Path> s = Files.list(dir)) {
            names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".keras"))
                    .map(n -> n.substring(0, n.length() - ".keras".length())).sorted().toList();
        }
        assertTrue(!names.isEmpty(), "no .keras files in " + dir);
        List<String> failed = new ArrayList<>();
        int passed = 0;
        int refused = 0;
        int illConditioned = 0;
        double worst = 0;
        try (Backends.Use u = Backends.use(Backends.byName(System.getProperty("lamina.keras.fuzz.backend", "reference")))) {
            for (String name : names) {
                Map<String, Object> c = Json.parseObject(Files.readString(dir.resolve(name + ".json"), StandardCharsets.UTF_8));
                String what = name + " " + c.get("kind") + " " + c.get("layers");
                try {
                    double err = runCase(dir, name, c, out == null ? null : Path.of(out));
                    if (err <= TOL) {
                        worst = Math.max(worst, err);
                        passed++;
                    } else if (c.get("outputs64") != null && err64(dir, name, c, "outputs64") <= err64(dir, name, c, "outputs") + TOL) {
                        // badly conditioned in float32: Keras's own float32 prediction is as far from float64
                        illConditioned++;
                        System.out.printf("ILL-CONDITIONED %s: |lamina - keras| %.3g; from Keras in float64: lamina %.3g,"
                                + " keras float32 %.3g%n", what, err, err64(dir, name, c, "outputs64"), err64(dir, name, c, "outputs"));
                    } else {
                        failed.add(what + ": max scaled error " + err);
                    }
                } catch (KerasFormatException e) {
                    refused++;
                    System.out.println("REFUSED " + what + ": " + e.getMessage());
                } catch (RuntimeException | AssertionError e) {
                    failed.add(what + ": " + e);
                }
            }
        }
        failed.forEach(f -> System.out.println("FAILED " + f));
        System.out.printf("keras fuzz: %d models, %d within %.0e (worst scaled error %.3g), %d ill-conditioned (no further from"
                + " Keras's float64 prediction than Keras's float32), %d refused, %d failed%n",
                names.size(), passed, TOL, worst, illConditioned, refused, failed.size());
        assertTrue(failed.isEmpty(), failed.size() + " of " + names.size() + " failed:\n" + String.join("\n", failed));
    }

    /** Loads, predicts, reloads the weights file, saves; the largest scaled error over both predictions. */
    @SuppressWarnings("unchecked")
    static double runCase(Path dir, String name, Map<String, Object> c, Path out) throws IOException {
        List<Map<String, Object>> ins = (List<Map<String, Object>>) c.get("inputs");
        List<Map<String, Object>> outs = (List<Map<String, Object>>) c.get("outputs");
        Tensor[] xs = new Tensor[ins.size()];
        for (int i = 0; i < xs.length; i++) {
            Map<String, Object> in = ins.get(i);
            long[] shape = KerasFilesTest.longs(in.get("shape"));
            if (String.valueOf(in.get("dtype")).startsWith("int")) {
                xs[i] = Tensor.of(((List<Number>) in.get("data")).stream().mapToInt(Number::intValue).toArray(), shape);
            } else {
                xs[i] = Tensor.of(KerasFilesTest.floats(in.get("data")), shape);
            }
        }
        try (Model m = Model.load(dir.resolve(name + ".keras"))) {
            double err = error(outs, m.predictOutputs(xs, 32), name + ".keras");
            resetStates(m); // a stateful layer starts each comparison from zero states, as Keras's fresh model
            KerasFilesTest.zeroWeights(m);
            m.loadWeights(dir.resolve(name + ".weights.h5"));
            Tensor[] yw = m.predictOutputs(xs, 32);
            err = Math.max(err, error(outs, yw, name + ".weights.h5"));
            Path saveDir = out != null ? Files.createDirectories(out) : Files.createTempDirectory("kerasfuzz");
            Path saved = saveDir.resolve(name + ".keras");
            m.save(saved);
            m.saveWeights(saveDir.resolve(name + ".weights.h5"));
            resetStates(m);
            try (Model again = Model.load(saved)) {
                KerasFilesTest.assertSameOutputs(yw, again.predictOutputs(xs, 32), name + ": Lamina's save/load .keras");
            }
            if (out != null) {
                Map<String, Object> doc = new LinkedHashMap<>(Json.parseObject(KerasFilesTest.ioJson(xs, yw)));
                for (int i = 0; i < xs.length; i++) {
                    if (String.valueOf(ins.get(i).get("dtype")).startsWith("int")) {
                        ((List<Object>) doc.get("inputs")).set(i, ins.get(i));
                    }
                }
                Files.writeString(out.resolve(name + ".json"), Json.write(doc));
            } else {
                for (String suffix : List.of(".keras", ".weights.h5")) {
                    Files.deleteIfExists(saveDir.resolve(name + suffix));
                }
                Files.deleteIfExists(saveDir);
            }
            return err;
        }
    }

    /**
     * The largest scaled distance, over every output, between Keras's float64 prediction and
     * {@code which}: "outputs" (Keras's float32 prediction) or "outputs64" (Lamina's, recomputed).
     */
    @SuppressWarnings("unchecked")
    static double err64(Path dir, String name, Map<String, Object> c, String which) throws IOException {
        List<Map<String, Object>> ref = (List<Map<String, Object>>) c.get("outputs64");
        if (which.equals("outputs")) {
            List<Map<String, Object>> k = (List<Map<String, Object>>) c.get("outputs");
            double worst = 0;
            for (int o = 0; o < ref.size(); o++) {
                List<?> r = (List<?>) ref.get(o).get("data");
                List<?> v = (List<?>) k.get(o).get("data");
                for (int i = 0; i < r.size(); i++) {
                    double e = ((Number) r.get(i)).doubleValue();
                    worst = Math.max(worst, Math.abs(((Number) v.get(i)).doubleValue() - e) / Math.max(1.0, Math.abs(e)));
                }
            }
            return worst;
        }
        Map<String, Object> as64 = new LinkedHashMap<>(c);
        as64.put("outputs", ref);
        return runCase(dir, name, as64, null);
    }

    static void resetStates(Model m) {
        for (dev.lamina.nn.Layer l : m.layers()) {
            if (l instanceof dev.lamina.nn.RecurrentLayer<?> r) {
                r.resetStates();
            }
        }
    }

    static double error(List<Map<String, Object>> want, Tensor[] got, String what) {
        if (want.size() != got.length) {
            throw new AssertionError(what + ": " + got.length + " outputs, Keras has " + want.size());
        }
        double worst = 0;
        for (int o = 0; o < got.length; o++) {
            long[] shape = KerasFilesTest.longs(want.get(o).get("shape"));
            if (!java.util.Arrays.equals(shape, got[o].shape())) {
                throw new AssertionError(what + ": output " + o + " shape " + java.util.Arrays.toString(got[o].shape())
                        + ", Keras " + java.util.Arrays.toString(shape));
            }
            float[] e = KerasFilesTest.floats(want.get(o).get("data"));
            float[] g = got[o].toFloatArray();
            for (int i = 0; i < g.length; i++) {
                if (!Float.isFinite(g[i])) {
                    return Double.POSITIVE_INFINITY;
                }
                worst = Math.max(worst, Math.abs(g[i] - e[i]) / Math.max(1.0, Math.abs(e[i])));
            }
        }
        return worst;
    }
}
