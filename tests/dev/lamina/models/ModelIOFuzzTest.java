package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.io.SafetensorsFuzzTest;
import dev.lamina.nn.BatchNormalization;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Dropout;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.tensor.Rng;
import dev.lamina.util.Json;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of {@link ModelIO#load} (issue 11): saved models whose config.json, weights file or
 * single-file metadata are mutated (a JSON node replaced, removed or added; bytes flipped;
 * truncated; garbage). Every case loads or ends in the documented exceptions, an
 * IllegalArgumentException (SafetensorsException included) or an UncheckedIOException; no other
 * exception, no hang, no out-of-memory; and the failures leave no native memory behind.
 */
class ModelIOFuzzTest extends ModelFixture {
    static final int CASES = 700;

    @TempDir
    Path tmp;

    private byte[][] seedDirectory(Path dir) throws Exception {
        Rng.setGlobalSeed(9);
        Sequential m = own(new Sequential("fuzz"));
        m.add(new Input(5, 3)).add(new LSTM(4)).add(new Dense(6, "relu")).add(new BatchNormalization()).add(new Dropout(0.25))
                .add(new Dense(1));
        m.save(dir);
        m.save(tmp.resolve("single.safetensors"));
        return new byte[][] {Files.readAllBytes(dir.resolve("config.json")), Files.readAllBytes(dir.resolve("model.weights.safetensors")),
                Files.readAllBytes(tmp.resolve("single.safetensors"))};
    }

    private static byte[] mutateJson(byte[] json, Random r) {
        if (r.nextInt(5) == 0) { // bytes
            byte[] b = json.clone();
            if (r.nextBoolean()) {
                return Arrays.copyOf(b, r.nextInt(b.length));
            }
            for (int i = 0, k = 1 + r.nextInt(4); i < k; i++) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            return b;
        }
        Object tree = SafetensorsFuzzTest.mutable(Json.parse(new String(json, StandardCharsets.UTF_8)));
        for (int i = 0, k = 1 + r.nextInt(3); i < k; i++) {
            SafetensorsFuzzTest.mutateTree(tree, r);
        }
        return Json.write(tree).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void mutatedSavedModelsLoadOrFailWithDocumentedExceptionsOnly() throws Exception {
        Path dir = tmp.resolve("model");
        byte[][] seed = seedDirectory(dir);
        Path single = tmp.resolve("single.safetensors");
        Random r = new Random(7_000_011);
        long before = cpu.bytesInUse();
        int loaded = 0;
        int refused = 0;
        List<String> bad = new ArrayList<>();
        for (int c = 0; c < CASES; c++) {
            int what = r.nextInt(10);
            Path target = dir;
            byte[] config = seed[0];
            byte[] weights = seed[1];
            if (what < 6) {
                config = mutateJson(seed[0], r);
            } else if (what < 8) {
                weights = SafetensorsFuzzTest.mutate(seed[1], r);
            } else {
                target = single;
                byte[] file = seed[2];
                if (what == 8) {
                    file = SafetensorsFuzzTest.mutate(file, r);
                } else { // the architecture inside the metadata
                    Map<String, Object> h = SafetensorsFuzzTest.header(file);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> meta = (Map<String, Object>) h.get("__metadata__");
                    meta.put("lamina_model", new String(mutateJson(((String) meta.get("lamina_model")).getBytes(StandardCharsets.UTF_8), r),
                            StandardCharsets.UTF_8));
                    file = SafetensorsFuzzTest.withHeader(file, Json.write(h), true, r);
                }
                Files.write(single, file);
            }
            if (target == dir) {
                Files.write(dir.resolve("config.json"), config);
                Files.write(dir.resolve("model.weights.safetensors"), weights);
            }
            try (Sequential m = ModelIO.load(target)) {
                assertTrue(m.layers().size() > 0);
                loaded++;
            } catch (IllegalArgumentException | UncheckedIOException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "case " + c + ": no message");
                refused++;
            } catch (Throwable e) {
                StringBuilder where = new StringBuilder();
                for (StackTraceElement s : e.getStackTrace()) {
                    if (where.length() < 300) {
                        where.append(" < ").append(s);
                    }
                }
                bad.add("case " + c + " (" + what + "): " + e + where);
            }
        }
        Files.write(dir.resolve("config.json"), seed[0]);
        Files.write(dir.resolve("model.weights.safetensors"), seed[1]);
        assertTrue(bad.isEmpty(), bad.size() + " cases ended in another exception: " + bad.subList(0, Math.min(8, bad.size())));
        System.out.println("ModelIOFuzzTest: " + CASES + " cases, " + loaded + " loaded, " + refused + " refused");
        assertTrue(refused > CASES / 3 && loaded > 0, "loaded " + loaded + ", refused " + refused);
        assertEquals(before, cpu.bytesInUse(), "native bytes left by " + refused + " failed loads");
    }
}
