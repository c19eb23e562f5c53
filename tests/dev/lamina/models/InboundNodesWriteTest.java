package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.lamina.io.keras.KerasModelConfig;
import dev.lamina.nn.Activations;
import dev.lamina.nn.Add;
import dev.lamina.nn.Concatenate;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.nn.Node;
import dev.lamina.nn.SymbolicTensor;
import dev.lamina.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One writer of {@code inbound_nodes} ({@link InboundNodes#write}) for Lamina's saves
 * ({@link FunctionalConfig}) and the Keras export ({@link KerasModelConfig#toKerasFunctional}): both
 * write what Keras 3 writes ({@code data/keras/inbound_nodes_forms.json}, made by {@code
 * make_inbound_nodes_case.py} with Keras 3.15.1), and both read back to the same graph.
 */
class InboundNodesWriteTest {
    /** Keras's inbound_nodes of the fixture's model, by layer name. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> kerasWritten() throws Exception {
        Map<String, Object> f = Json.parseObject(Files.readString(Path.of("data/keras/inbound_nodes_forms.json")));
        return (Map<String, Object>) f.get("layers");
    }

    /** The fixture's Lamina-expressible part: Dense on a, Concatenate([dense, b]), Add([dense, b]). */
    private static Model model() {
        SymbolicTensor a = Input.of("a", 4);
        SymbolicTensor b = Input.of("b", 3);
        SymbolicTensor d = new Dense("dense", 3, Activations.get(null)).apply(a);
        SymbolicTensor cat = new Concatenate(-1, "cat").apply(d, b);
        SymbolicTensor add = new Add("add").apply(d, b);
        return new Model("inbound_forms", List.of(a, b), List.of(cat, add));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> inboundByLayer(Map<String, Object> config) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Object o : (List<Object>) config.get("layers")) {
            Map<String, Object> e = (Map<String, Object>) o;
            out.put((String) e.get("name"), e.get("inbound_nodes"));
        }
        return out;
    }

    /** Through JSON text, as a file holds it (numbers and lists as the parser gives them). */
    private static Object json(Object o) {
        return Json.parse(Json.write(o));
    }

    @SuppressWarnings("unchecked")
    @Test
    void bothWritersWriteWhatKerasWrites() throws Exception {
        Map<String, Object> keras = kerasWritten();
        try (Model m = model()) {
            Map<String, Object> own = inboundByLayer(FunctionalConfig.write(m));
            Map<String, Object> export = inboundByLayer(
                    (Map<String, Object>) KerasModelConfig.toKerasFunctional(m).get("config"));
            assertEquals(json(own), json(export), "Lamina's save and the Keras export");
            for (String layer : List.of("a", "b", "dense", "cat", "add")) {
                assertEquals(keras.get(layer), json(own.get(layer)), layer);
            }
        }
    }

    @Test
    void aNonMergeLayerGivenSeveralTensorsIsOneListArgumentAsKerasWritesIt() throws Exception {
        // Keras: Attention()([q, v]) -> "args": [[q, v]]. Lamina's layers other than merges take one
        // input, so the record is made directly: any layer given several tensors is called on a list.
        Map<String, Object> keras = kerasWritten();
        SymbolicTensor q = Input.of("q", 2, 3);
        SymbolicTensor v = Input.of("v", 5, 3);
        Map<Node, Integer> index = new IdentityHashMap<>();
        index.put(q.node(), 0);
        index.put(v.node(), 0);
        try (Layer att = new Dense("att", 2, Activations.get(null))) {
            Map<String, Object> call = InboundNodes.call(att, List.of(q, v), index);
            assertEquals(((List<?>) keras.get("att")).get(0), json(call));
            // the reader takes both that form and several positional tensors (MultiHeadAttention(q, v))
            List<?> nested = (List<?>) ((Map<?, ?>) json(call)).get("args");
            List<?> positional = (List<?>) ((Map<?, ?>) ((List<?>) keras.get("mha")).get(0)).get("args");
            assertEquals(nested.get(0), positional);
        }
    }

    @SuppressWarnings("unchecked")
    @Test
    void bothPathsReadBackToTheSameGraph() {
        try (Model m = model()) {
            Map<String, Object> saved = FunctionalConfig.write(m);
            Map<String, Object> exported = KerasModelConfig.toKerasFunctional(m);
            try (Model fromOwn = FunctionalConfig.read((Map<String, Object>) json(saved), "own");
                 Model fromKeras = KerasModelConfig.modelFromKeras((Map<String, Object>) json(exported), "keras")) {
                assertNotNull(fromOwn);
                Object expected = json(inboundByLayer(saved));
                assertEquals(expected, json(inboundByLayer(FunctionalConfig.write(fromOwn))), "own save, read, written");
                assertEquals(expected, json(inboundByLayer(FunctionalConfig.write(fromKeras))), "Keras export, read, written");
            }
        }
    }
}
