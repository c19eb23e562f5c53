package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.io.HostTensor;
import dev.lamina.io.Safetensors;
import dev.lamina.io.SafetensorsFile;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.tensor.Rng;
import dev.lamina.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A saved model that is wrong in any field fails with an IllegalArgumentException naming the file
 * and the field, and leaves no native memory behind (issue 11: leaks, wrong results and unclear
 * errors).
 */
class ModelLoadValidationTest extends ModelFixture {
    @TempDir
    Path tmp;

    private Path saved() {
        Rng.setGlobalSeed(3);
        Sequential m = own(new Sequential("m"));
        m.add(new Input(6, 2)).add(new LSTM(16)).add(new Dense(8, "relu")).add(new Dense(1));
        Path dir = tmp.resolve("model");
        m.save(dir);
        return dir;
    }

    /** The saved config.json with {@code edit} applied to the config of layer {@code layer}. */
    @SuppressWarnings("unchecked")
    private static void editLayer(Path dir, int layer, Consumer<Map<String, Object>> edit) throws IOException {
        Path cfg = dir.resolve("config.json");
        Map<String, Object> arch = Json.parseObject(Files.readString(cfg));
        List<Object> layers = (List<Object>) ((Map<String, Object>) arch.get("config")).get("layers");
        edit.accept((Map<String, Object>) ((Map<String, Object>) layers.get(layer)).get("config"));
        Files.writeString(cfg, Json.writePretty(arch), StandardCharsets.UTF_8);
    }

    private static String failure(Path dir) {
        return assertThrows(IllegalArgumentException.class, () -> Model.load(dir)).getMessage();
    }

    @Test
    void failedLoadsFreeEveryWeightBuiltBeforeTheError() throws IOException {
        Path dir = saved();
        // drop the last weight: every layer before it is built and filled, then the load fails
        SafetensorsFile f = Safetensors.read(dir.resolve("model.weights.safetensors"));
        Map<String, HostTensor> fewer = new LinkedHashMap<>(f.tensors());
        String last = List.copyOf(fewer.keySet()).get(fewer.size() - 1);
        fewer.remove(last);
        Safetensors.write(dir.resolve("model.weights.safetensors"), fewer, f.metadata());
        long before = cpu.bytesInUse();
        for (int i = 0; i < 50; i++) {
            assertTrue(failure(dir).contains(last), last);
        }
        assertEquals(before, cpu.bytesInUse(), "bytes held after 50 failed loads");
    }

    @Test
    void aLayerThatFailsAfterEarlierLayersWereBuiltFreesThemToo() throws IOException {
        Path dir = saved();
        editLayer(dir, 3, c -> c.put("activation", "no_such_activation"));
        long before = cpu.bytesInUse();
        for (int i = 0; i < 20; i++) {
            failure(dir);
        }
        assertEquals(before, cpu.bytesInUse());
    }

    @Test
    void aFractionalIntegerFieldIsAnErrorNotTruncated() throws IOException {
        Path dir = saved();
        editLayer(dir, 2, c -> c.put("units", 3.7));
        String m = failure(dir);
        assertTrue(m.contains("'units'") && m.contains("3.7") && m.contains("config.json"), m);
    }

    @Test
    void wrongJsonTypesNameTheField() throws IOException {
        Object[][] cases = {
                {1, "units", "16"}, {1, "return_sequences", "yes"}, {1, "dropout", true}, {2, "use_bias", "yes"},
                {2, "activation", 7}, {2, "name", List.of()}, {2, "kernel_initializer", 5}, {1, "seed", "x"},
                {3, "kernel_regularizer", "l2"}, {2, "trainable", 1},
        };
        for (Object[] c : cases) {
            Path dir = saved();
            editLayer(dir, (Integer) c[0], cfg -> cfg.put((String) c[1], c[2]));
            String m = failure(dir);
            assertTrue(m.contains("'" + c[1] + "'"), c[1] + " = " + c[2] + ": " + m);
            own(Model.<Sequential>load(saved())).close(); // a clean save still loads
        }
    }

    @Test
    void nestedFieldsAreCheckedToo() throws IOException {
        Path dir = saved();
        editLayer(dir, 2, c -> c.put("kernel_initializer", Map.of("class_name", "RandomNormal",
                "config", Map.of("mean", "zero", "stddev", 0.1))));
        String m = failure(dir);
        assertTrue(m.contains("kernel_initializer.config.mean"), m);
    }

    @Test
    void unknownFieldsAreErrors() throws IOException {
        Path dir = saved();
        editLayer(dir, 2, c -> c.put("unitz", 4));
        String m = failure(dir);
        assertTrue(m.contains("unknown field 'unitz'"), m);

        Path top = saved();
        Map<String, Object> arch = Json.parseObject(Files.readString(top.resolve("config.json")));
        arch.put("extra", 1);
        Files.writeString(top.resolve("config.json"), Json.write(arch));
        assertTrue(failure(top).contains("unknown field 'extra'"));
    }

    @Test
    void aConfigThatIsNotJsonNamesTheFile() throws IOException {
        Path dir = saved();
        Files.writeString(dir.resolve("config.json"), "{\"format\": ");
        assertTrue(failure(dir).contains("config.json"));
        Files.write(dir.resolve("config.json"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x41});
        assertTrue(failure(dir).contains("config.json"));
    }

    @Test
    void anArchitectureThatWouldAllocateHugeWeightsFailsBeforeAllocating() throws IOException {
        Path dir = saved();
        editLayer(dir, 2, c -> c.put("units", 2_000_000_000L)); // an [16, 2e9] kernel would be 128 GB
        long before = cpu.bytesInUse();
        String m = failure(dir);
        assertTrue(m.contains("dense") && m.contains("2000000000"), m);
        assertEquals(before, cpu.bytesInUse());
    }
}
