package dev.lamina.serving;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.nn.RecurrentLayer;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

/** Models, requests and a client shared by the serving tests. */
final class ServingFixtures {
    /** Window length and features of the test model: instances of shape [WINDOW, 1], like the dengue LSTM's. */
    static final int WINDOW = 12;

    /** Reads numbers as BigDecimal so a float's shortest decimal reads back to exactly that float. */
    static final ObjectMapper EXACT = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private ServingFixtures() {
    }

    /** A small LSTM(6) → Dense(4, relu) → Dense(1) model with seeded weights, saved to {@code dir}. */
    static void saveModel(Path dir, long seed) {
        Rng.setGlobalSeed(seed);
        Sequential m = new Sequential("tiny_lstm");
        m.add(new Input(WINDOW, 1));
        m.add(new LSTM(new RecurrentLayer.RecurrentConfig(6)));
        m.add(new Dense(4, "relu"));
        m.add(new Dense(1));
        try (Scope s = Scope.open()) {
            m.predict(Tensor.zeros(dev.lamina.types.DType.FLOAT32, 1, WINDOW, 1));
        }
        m.save(dir);
        m.close();
    }

    /** {@code rows} random instances (values in [0, 1)), row-major. */
    static float[] randomInstances(Random r, int rows) {
        float[] x = new float[rows * WINDOW];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }

    /** The model's outputs for the instances, one direct predict call. */
    static float[] directPredict(Model m, float[] x, int rows) {
        try (Scope s = Scope.open()) {
            return m.predict(Tensor.of(x, rows, WINDOW, 1), rows).toFloatArray();
        }
    }

    /** {"instances": [[[x], [x], ...], ...]}; every float written as its exact decimal. */
    static String instancesJson(float[] x, int rows) {
        StringBuilder sb = new StringBuilder("{\"instances\": [");
        for (int r = 0; r < rows; r++) {
            sb.append(r == 0 ? "" : ", ").append(instance(x, r));
        }
        return sb.append("]}").toString();
    }

    static String instance(float[] x, int r) {
        StringBuilder sb = new StringBuilder("[");
        for (int t = 0; t < WINDOW; t++) {
            sb.append(t == 0 ? "" : ",").append('[').append((double) x[r * WINDOW + t]).append(']');
        }
        return sb.append(']').toString();
    }

    /** The float values of {"predictions": [[v], ...]} (or "outputs"), read exactly. */
    static float[] values(String body, String field) throws IOException {
        JsonNode a = EXACT.readTree(body).get(field);
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode row = a.get(i);
            if (row.size() != 1) {
                throw new AssertionError("expected one output per instance, got " + row);
            }
            out[i] = Float.parseFloat(row.get(0).asText());
        }
        return out;
    }

    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    static HttpResponse<String> get(HttpClient c, String url) throws IOException, InterruptedException {
        return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(HttpClient c, String url, String body) throws IOException, InterruptedException {
        return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
