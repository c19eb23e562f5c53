package dev.lamina.io.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lamina.io.HostTensor;
import dev.lamina.io.Safetensors;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wrong, damaged and unsupported Keras files end in a {@link KerasFormatException} (an
 * IllegalArgumentException) that names the format, the layer or the option; mutated files end in
 * these exceptions only, never in another exception or a crash.
 */
class KerasFilesErrorsTest {
    static final Path DIR = KerasFilesTest.DIR;
    @TempDir
    Path tmp;

    @org.junit.jupiter.api.BeforeAll
    static void kerasCasesPresent() {
        KerasFilesTest.kerasCasesPresent();
    }

    static String message(Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        return e.getMessage();
    }

    static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "message lacks '" + p + "': " + message);
        }
    }

    /** A copy of a Keras archive with config.json passed through {@code edit}. */
    @SuppressWarnings("unchecked")
    Path withConfig(String name, UnaryOperator<Map<String, Object>> edit) throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(DIR.resolve(name + ".keras").toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                members.put(e.getName(), z.getInputStream(e).readAllBytes());
            }
        }
        Map<String, Object> cfg = Json.parseObject(new String(members.get("config.json"), StandardCharsets.UTF_8));
        members.put("config.json", Json.write(edit.apply(cfg)).getBytes(StandardCharsets.UTF_8));
        return zip(name + "-edited.keras", members);
    }

    Path zip(String file, Map<String, byte[]> members) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> m : members.entrySet()) {
                z.putNextEntry(new ZipEntry(m.getKey()));
                z.write(m.getValue());
                z.closeEntry();
            }
        }
        Path p = tmp.resolve(file);
        Files.write(p, out.toByteArray());
        return p;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> layerConfig(Map<String, Object> root, int index) {
        List<Object> layers = (List<Object>) ((Map<String, Object>) root.get("config")).get("layers");
        return (Map<String, Object>) ((Map<String, Object>) layers.get(index)).get("config");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> layerEntry(Map<String, Object> root, int index) {
        List<Object> layers = (List<Object>) ((Map<String, Object>) root.get("config")).get("layers");
        return (Map<String, Object>) layers.get(index);
    }

    @Test
    void notAZipNamedKeras() throws IOException {
        Path p = tmp.resolve("m.keras");
        Files.writeString(p, "hello, not a model");
        assertContains(message(() -> Model.load(p)), "m.keras", "not a Keras .keras archive");
    }

    @Test
    void safetensorsNamedKerasAndKerasNamedSafetensors() throws IOException {
        Path st = tmp.resolve("w.keras");
        Safetensors.write(st, Map.of("dense/kernel", HostTensor.ofFloats(new float[] {1, 2}, 1, 2)), Map.of());
        assertContains(message(() -> Model.load(st)), "is a safetensors file, not a Keras .keras archive");
        Path k = tmp.resolve("m.safetensors");
        Files.copy(DIR.resolve("dense.keras"), k);
        assertContains(message(() -> Model.load(k)), "named .safetensors but is a zip archive");
        Path h = tmp.resolve("w.safetensors");
        Files.copy(DIR.resolve("dense.weights.h5"), h);
        try (Sequential m = Model.load(DIR.resolve("dense.keras"))) {
            assertContains(message(() -> m.loadWeights(h)), "named .safetensors but is an HDF5 file");
            assertContains(message(() -> m.loadWeights(st)), "is a safetensors file, not a Keras weights file");
        }
    }

    @Test
    void saveNamesTheRightCall() {
        try (Sequential m = new Sequential(new Input(3), new Dense(2))) {
            assertContains(message(() -> m.save(tmp.resolve("m.h5"))), "use saveWeights");
            assertContains(message(() -> m.saveWeights(tmp.resolve("w.keras"))), "holds the whole model; use save");
            assertTrue(!Files.exists(tmp.resolve("m.h5")) && !Files.exists(tmp.resolve("w.keras")));
        }
    }

    @Test
    void weightsFileGivenToLoad() {
        assertContains(message(() -> Model.load(DIR.resolve("dense.weights.h5"))), "is an HDF5 file, not a Keras .keras archive",
                "loadWeights");
    }

    @Test
    void zipWithoutConfigOrWeights() throws IOException {
        Path noConfig = zip("a.keras", Map.of("model.weights.h5", new byte[] {1, 2, 3}));
        assertContains(message(() -> Model.load(noConfig)), "not a Keras .keras archive", "no config.json", "model.weights.h5");
        Path noWeights = zip("b.keras", Map.of("config.json", "{}".getBytes(StandardCharsets.UTF_8)));
        assertContains(message(() -> Model.load(noWeights)), "has no model.weights.h5");
        Path badJson = zip("c.keras", Map.of("config.json", "{nope".getBytes(StandardCharsets.UTF_8),
                "model.weights.h5", new byte[8]));
        assertContains(message(() -> Model.load(badJson)), "config.json is not a JSON object");
    }

    @Test
    void truncatedArchive() throws IOException {
        byte[] b = Files.readAllBytes(DIR.resolve("dense.keras"));
        Path p = tmp.resolve("t.keras");
        Files.write(p, java.util.Arrays.copyOf(b, b.length / 2));
        assertContains(message(() -> Model.load(p)), "t.keras");
    }

    @Test
    void weightsOfAnotherModel() {
        try (Sequential m = Model.load(DIR.resolve("dense.keras"))) {
            // conv1d's file has a dense layer of another shape (and conv1d layers the dense model lacks)
            String msg = message(() -> m.loadWeights(DIR.resolve("conv1d.weights.h5")));
            assertContains(msg, "conv1d.weights.h5", "weight 'layers/dense/vars/0' is (40, 2)", "dense/kernel (6, 8)");
            msg = message(() -> m.loadWeights(DIR.resolve("bidirectional_time_distributed.weights.h5")));
            assertContains(msg, "has no weight 'layers/dense/vars/0' (6, 8) for layer 'dense'",
                    "layers/time_distributed/layer/vars/0");
        }
        try (Sequential m = new Sequential(new Input(6), new Dense(8), new Dense(5))) {
            // same classes, a different shape: the first mismatch is named with both shapes
            String msg = message(() -> m.loadWeights(DIR.resolve("dense.weights.h5")));
            assertContains(msg, "layers/dense_1/vars/1");
        }
        try (Sequential m = new Sequential(new Input(6), new Dense(8))) {
            String msg = message(() -> m.loadWeights(DIR.resolve("dense.weights.h5")));
            assertContains(msg, "that the model does not have", "layers/dense_1/vars/0");
        }
    }

    @Test
    void unsupportedLayerIsNamed() throws IOException {
        Path p = withConfig("dense", root -> {
            Map<String, Object> e = layerEntry(root, 2);
            e.put("class_name", "LayerNormalization");
            return root;
        });
        assertContains(message(() -> Model.load(p)), "Keras layer 'dropout' (class LayerNormalization) is not supported",
                "Lamina maps");
    }

    @Test
    void unsupportedOptionsAreNamed() throws IOException {
        Path gru = withConfig("embedding_lstm_gru", root -> {
            layerConfig(root, 3).put("reset_after", false);
            return root;
        });
        assertContains(message(() -> Model.load(gru)), "Keras layer 'gru' (class GRU) is not supported", "reset_after=false");
        Path constraint = withConfig("dense", root -> {
            layerConfig(root, 1).put("kernel_constraint", Map.of("class_name", "NonNeg", "config", Map.of()));
            return root;
        });
        assertContains(message(() -> Model.load(constraint)), "(class Dense) is not supported", "kernel_constraint");
        Path channels = withConfig("conv2d_pool", root -> {
            layerConfig(root, 1).put("data_format", "channels_first");
            return root;
        });
        assertContains(message(() -> Model.load(channels)), "(class Conv2D) is not supported", "data_format");
        Path unknown = withConfig("dense", root -> {
            layerConfig(root, 1).put("frobnicate", true);
            return root;
        });
        assertContains(message(() -> Model.load(unknown)), "unknown option 'frobnicate'");
        Path act = withConfig("dense", root -> {
            layerConfig(root, 1).put("activation", "selu");
            return root;
        });
        assertContains(message(() -> Model.load(act)), "Keras layer 'dense' (class Dense) is not supported", "selu");
        Path mixed = withConfig("dense", root -> {
            layerConfig(root, 1).put("dtype", Map.of("class_name", "DTypePolicy", "config", Map.of("name", "mixed_float16")));
            return root;
        });
        assertContains(message(() -> Model.load(mixed)), "mixed_float16");
        Path custom = withConfig("dense", root -> {
            layerEntry(root, 1).put("module", "my_project.layers");
            return root;
        });
        assertContains(message(() -> Model.load(custom)), "custom layers do not load");
    }

    @Test
    @SuppressWarnings("unchecked")
    void functionalGraphsThatAreNotChains() throws IOException {
        // a layer left hanging off the graph: named, not silently dropped
        Path branch = withConfig("functional_chain", root -> {
            Map<String, Object> out = layerEntry(root, 3);
            List<Object> nodes = (List<Object>) out.get("inbound_nodes");
            Map<String, Object> node = (Map<String, Object>) nodes.get(0);
            Map<String, Object> arg = (Map<String, Object>) ((List<Object>) node.get("args")).get(0);
            ((Map<String, Object>) arg.get("config")).put("keras_history", List.of("hidden", 0, 0));
            return root;
        });
        assertContains(message(() -> Model.load(branch)), "functional model", "layer 'dropout", "is not between the inputs and the outputs");
        // two outputs: no longer a chain, loads as a functional Model
        Path twoOutputs = withConfig("functional_chain", root -> {
            ((Map<String, Object>) root.get("config")).put("output_layers", List.of(List.of("out", 0, 0), List.of("hidden", 0, 0)));
            return root;
        });
        try (Model m = Model.load(twoOutputs)) {
            assertEquals(Model.class, m.getClass());
            assertEquals(List.of("out", "hidden"), m.outputNames());
        }
        // a second output of a layer (return_state) does not map
        Path state = withConfig("functional_chain", root -> {
            ((Map<String, Object>) root.get("config")).put("output_layers", List.of(List.of("out", 0, 0), List.of("hidden", 0, 1)));
            return root;
        });
        assertContains(message(() -> Model.load(state)), "reads output 1 of layer 'hidden'", "return_state");
        // call keyword arguments other than training do not map
        Path kwargs = withConfig("functional_chain", root -> {
            ((Map<String, Object>) root.get("config")).put("output_layers", List.of(List.of("out", 0, 0), List.of("hidden", 0, 0)));
            Map<String, Object> node = (Map<String, Object>) ((List<Object>) layerEntry(root, 3).get("inbound_nodes")).get(0);
            node.put("kwargs", Map.of("scale", 2));
            return root;
        });
        assertContains(message(() -> Model.load(kwargs)), "call keyword arguments", "scale");
        // the shared inbound_nodes parser (models.InboundNodes) throws the Keras reader's own type
        assertThrows(KerasFormatException.class, () -> Model.load(kwargs));
        // a mask (Embedding mask_zero) into a merge layer: Keras combines masks, Lamina does not
        Path maskedMerge = withConfig("functional_two_inputs", root -> {
            List<Object> layers = (List<Object>) ((Map<String, Object>) root.get("config")).get("layers");
            Map<String, Object> emb = new java.util.LinkedHashMap<>();
            emb.put("class_name", "Embedding");
            emb.put("config", new java.util.LinkedHashMap<>(Map.of("name", "emb", "input_dim", 5, "output_dim", 2, "mask_zero", true)));
            emb.put("inbound_nodes", List.of());
            layers.add(emb);
            // Keras's compute_mask of a merge leaves ops that combine the masks (without them no mask reaches a merge)
            layers.add(Map.of("module", "keras.src.ops.numpy", "class_name", "All", "config", Map.of("name", "all"),
                    "inbound_nodes", List.of()));
            return root;
        });
        assertContains(message(() -> Model.load(maskedMerge)), "mask_zero=true with merge layer");
        Path subclass = withConfig("functional_chain", root -> {
            root.put("class_name", "MyModel");
            return root;
        });
        assertContains(message(() -> Model.load(subclass)), "Keras model class \"MyModel\" is not supported");
    }

    /** Seeded byte mutations of a Keras archive and of a weights file end in the documented exceptions only. */
    @Test
    void mutatedFilesFailCleanly() throws IOException {
        Random rnd = new Random(20261202L);
        byte[] keras = Files.readAllBytes(DIR.resolve("embedding_lstm_gru.keras"));
        byte[] h5 = Files.readAllBytes(DIR.resolve("embedding_lstm_gru.weights.h5"));
        int loaded = 0;
        int refused = 0;
        try (Sequential target = Model.load(DIR.resolve("embedding_lstm_gru.keras"))) {
            for (int i = 0; i < 300; i++) {
                boolean archive = i % 2 == 0;
                byte[] b = (archive ? keras : h5).clone();
                int flips = 1 + rnd.nextInt(8);
                for (int f = 0; f < flips; f++) {
                    int at = rnd.nextInt(b.length);
                    b[at] = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : b[at] ^ (1 << rnd.nextInt(8)));
                }
                if (rnd.nextInt(10) == 0) {
                    b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
                }
                Path p = tmp.resolve("fuzz" + i + (archive ? ".keras" : ".weights.h5"));
                Files.write(p, b);
                try {
                    if (archive) {
                        Model.load(p).close();
                    } else {
                        target.loadWeights(p);
                    }
                    loaded++;
                } catch (IllegalArgumentException | UncheckedIOException e) {
                    refused++;
                    assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), "empty message: " + e);
                } catch (RuntimeException | Error e) {
                    fail("mutation " + i + " (" + p.getFileName() + ") ended in " + e, e);
                }
                Files.delete(p);
            }
        }
        assertEquals(300, loaded + refused);
        assertTrue(refused > 50, "most mutations should be refused, only " + refused + " were");
    }
}
