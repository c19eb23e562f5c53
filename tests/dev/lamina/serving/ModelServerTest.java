package dev.lamina.serving;

import static dev.lamina.serving.ServingFixtures.WINDOW;
import static dev.lamina.serving.ServingFixtures.client;
import static dev.lamina.serving.ServingFixtures.directPredict;
import static dev.lamina.serving.ServingFixtures.get;
import static dev.lamina.serving.ServingFixtures.instance;
import static dev.lamina.serving.ServingFixtures.instancesJson;
import static dev.lamina.serving.ServingFixtures.post;
import static dev.lamina.serving.ServingFixtures.randomInstances;
import static dev.lamina.serving.ServingFixtures.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST server on a free loopback port, called with java.net.http: every endpoint and error, batching, swaps, stop. */
class ModelServerTest {
    @TempDir
    Path tmp;

    private Path base;
    private ModelServer server;
    private Sequential v1;
    private final HttpClient http = client();
    private final ByteArrayOutputStream accessLog = new ByteArrayOutputStream();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void saveVersionOne() {
        base = tmp.resolve("tiny");
        ServingFixtures.saveModel(base.resolve("1"), 1);
        v1 = Model.load(base.resolve("1"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
        v1.close();
    }

    private ServerConfig config() {
        return new ServerConfig(base).port(0).pollInterval(Duration.ofMillis(50))
                .accessLog(new PrintStream(accessLog, true, StandardCharsets.UTF_8))
                .log(new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    private String url(String path) {
        return server.url() + path;
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return ServingFixtures.EXACT.readTree(r.body());
    }

    @Test
    void statusMetadataHealthAndMetrics() throws Exception {
        server = ModelServer.start(config());
        assertEquals(1, server.servedVersion());

        HttpResponse<String> st = get(http, url("/v1/models/tiny"));
        assertEquals(200, st.statusCode(), st.body());
        assertEquals("application/json", st.headers().firstValue("content-type").orElse(""));
        JsonNode vs = json(st).get("model_version_status").get(0);
        assertEquals("1", vs.get("version").asText());
        assertEquals("AVAILABLE", vs.get("state").asText());
        assertEquals("OK", vs.get("status").get("error_code").asText());
        assertEquals(200, get(http, url("/v1/models/tiny/versions/1")).statusCode());

        JsonNode md = json(get(http, url("/v1/models/tiny/metadata")));
        assertEquals("tiny", md.get("model_spec").get("name").asText());
        assertEquals("1", md.get("model_spec").get("version").asText());
        JsonNode sig = md.get("metadata").get("signature_def").get("signature_def").get("serving_default");
        assertEquals("tensorflow/serving/predict", sig.get("method_name").asText());
        String inName = v1.input().name();
        JsonNode in = sig.get("inputs").get(inName);
        assertEquals("DT_FLOAT", in.get("dtype").asText(), sig.toString());
        assertEquals(List.of("-1", String.valueOf(WINDOW), "1"), sizes(in));
        JsonNode out = sig.get("outputs").elements().next();
        assertEquals(List.of("-1", "1"), sizes(out));

        JsonNode h = json(get(http, url("/v1/health")));
        assertEquals("ok", h.get("status").asText());
        assertEquals("1", h.get("version").asText());

        Random r = new Random(3);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, post(http, url("/v1/models/tiny:predict"), instancesJson(randomInstances(r, 2), 2)).statusCode());
        }
        assertEquals(400, post(http, url("/v1/models/tiny:predict"), "{").statusCode());
        HttpResponse<String> metrics = get(http, url("/metrics"));
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
        String m = metrics.body();
        assertTrue(m.contains("lamina_serving_requests_total{endpoint=\"predict\",code=\"200\"} 3\n"), m);
        assertTrue(m.contains("lamina_serving_requests_total{endpoint=\"predict\",code=\"400\"} 1\n"), m);
        assertTrue(m.contains("lamina_serving_request_errors_total{endpoint=\"predict\"} 1\n"), m);
        assertTrue(m.contains("lamina_serving_request_duration_seconds_count{endpoint=\"predict\"} 4\n"), m);
        assertTrue(m.contains("lamina_serving_request_duration_seconds_bucket{endpoint=\"predict\",le=\"+Inf\"} 4\n"), m);
        // three calls of two instances each (one request per call: nothing else was queued)
        assertTrue(m.contains("lamina_serving_batch_size_bucket{le=\"2\"} 3\n"), m);
        assertTrue(m.contains("lamina_serving_batch_size_sum 6\n"), m);
        assertTrue(m.contains("lamina_serving_model_version 1\n"), m);

        // access log: one NCSA line per request, with the path and status
        String lines = accessLog.toString(StandardCharsets.UTF_8);
        assertTrue(lines.lines().anyMatch(l -> l.contains("\"POST /v1/models/tiny:predict HTTP/1.1\" 200")), lines);
        assertTrue(lines.lines().anyMatch(l -> l.contains("\"GET /v1/models/tiny/metadata HTTP/1.1\" 200")), lines);
    }

    private static List<String> sizes(JsonNode tensorInfo) {
        List<String> out = new ArrayList<>();
        tensorInfo.get("tensor_shape").get("dim").forEach(d -> out.add(d.get("size").asText()));
        return out;
    }

    @Test
    void predictRowColumnarAndNamedFormatsMatchDirectPredictBitwise() throws Exception {
        server = ModelServer.start(config());
        Random r = new Random(11);
        float[] x = randomInstances(r, 5);
        float[] want = directPredict(v1, x, 5);

        HttpResponse<String> rows = post(http, url("/v1/models/tiny:predict"), instancesJson(x, 5));
        assertEquals(200, rows.statusCode(), rows.body());
        assertBitwise(want, values(rows.body(), "predictions"));

        String columnar = instancesJson(x, 5).replace("\"instances\"", "\"inputs\"");
        HttpResponse<String> cols = post(http, url("/v1/models/tiny/versions/1:predict"), columnar);
        assertEquals(200, cols.statusCode(), cols.body());
        assertBitwise(want, values(cols.body(), "outputs"));

        String name = v1.input().name();
        StringBuilder named = new StringBuilder("{\"signature_name\": \"serving_default\", \"instances\": [");
        for (int i = 0; i < 5; i++) {
            named.append(i == 0 ? "" : ",").append("{\"").append(name).append("\": ").append(instance(x, i)).append('}');
        }
        HttpResponse<String> nr = post(http, url("/v1/models/tiny:predict"), named.append("]}").toString());
        assertEquals(200, nr.statusCode(), nr.body());
        assertBitwise(want, values(nr.body(), "predictions"));

        HttpResponse<String> nc = post(http, url("/v1/models/tiny:predict"),
                "{\"inputs\": {\"" + name + "\": " + instancesJson(x, 5).substring("{\"instances\": ".length()) + "}");
        assertEquals(200, nc.statusCode(), nc.body());
        assertBitwise(want, values(nc.body(), "outputs"));

        // integers are numbers too
        String ints = "{\"instances\": [" + "[" + "[1],".repeat(WINDOW - 1) + "[2]]]}";
        float[] ones = new float[WINDOW];
        java.util.Arrays.fill(ones, 1);
        ones[WINDOW - 1] = 2;
        HttpResponse<String> ir = post(http, url("/v1/models/tiny:predict"), ints);
        assertEquals(200, ir.statusCode(), ir.body());
        assertBitwise(directPredict(v1, ones, 1), values(ir.body(), "predictions"));
    }

    private static void assertBitwise(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "output " + i + ": " + want[i] + " vs " + got[i]);
        }
    }

    @Test
    void badInputIs400AndUnknownThingsAre404WithAnErrorMessage() throws Exception {
        server = ModelServer.start(config().maxBodyBytes(4096));
        String p = url("/v1/models/tiny:predict");
        float[] one = randomInstances(new Random(1), 1);
        String good = instancesJson(one, 1);
        String shortWindow = "{\"instances\": [[" + "[0.5],".repeat(WINDOW - 2) + "[0.5]]]}";
        Map<String, String> bad400 = new java.util.LinkedHashMap<>();
        bad400.put("malformed JSON", "{\"instances\": [[[1]]");
        bad400.put("trailing garbage", good + " x");
        bad400.put("duplicate key", "{\"instances\": [], \"instances\": []}");
        bad400.put("not an object", "[1, 2]");
        bad400.put("empty body", "");
        bad400.put("neither format", "{\"examples\": []}");
        bad400.put("both formats", "{\"instances\": [], \"inputs\": []}");
        bad400.put("empty instances", "{\"instances\": []}");
        bad400.put("wrong window", shortWindow);
        bad400.put("wrong rank", "{\"instances\": [[0.1, 0.2]]}");
        bad400.put("ragged", "{\"instances\": [" + instance(one, 0) + ", [[1]]]}");
        bad400.put("string leaf", good.replaceFirst("\\[[0-9.E-]+\\]", "[\"7\"]"));
        bad400.put("boolean leaf", good.replaceFirst("\\[[0-9.E-]+\\]", "[true]"));
        bad400.put("null leaf", good.replaceFirst("\\[[0-9.E-]+\\]", "[null]"));
        bad400.put("NaN", good.replaceFirst("\\[[0-9.E-]+\\]", "[NaN]"));
        bad400.put("Infinity", good.replaceFirst("\\[[0-9.E-]+\\]", "[-Infinity]"));
        bad400.put("float32 overflow", good.replaceFirst("\\[[0-9.E-]+\\]", "[1e39]"));
        bad400.put("wrong signature", "{\"signature_name\": \"classify\", \"instances\": [" + instance(one, 0) + "]}");
        bad400.put("unknown field", "{\"instances\": [" + instance(one, 0) + "], \"extra\": 1}");
        bad400.put("wrong input name", "{\"instances\": [{\"nope\": " + instance(one, 0) + "}]}");
        bad400.put("body too large", "{\"instances\": [" + (instance(one, 0) + ",").repeat(40) + instance(one, 0) + "]}");
        for (Map.Entry<String, String> e : bad400.entrySet()) {
            HttpResponse<String> r = post(http, p, e.getValue());
            assertEquals(400, r.statusCode(), e.getKey() + ": " + r.body());
            assertErrorJson(r, e.getKey());
        }
        assertTrue(post(http, p, bad400.get("NaN")).body().contains("non-finite"));
        assertTrue(post(http, p, bad400.get("float32 overflow")).body().contains("non-finite"));
        assertTrue(post(http, p, bad400.get("string leaf")).body().contains("wrong type at instances[0][0][0]"));
        assertTrue(post(http, p, bad400.get("wrong window")).body().contains("wrong shape"));
        assertTrue(post(http, p, bad400.get("body too large")).body().contains("too large"));

        // a body over the limit without a Content-Length (chunked) is refused as it streams in
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create(p)).POST(HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(bad400.get("body too large").getBytes(StandardCharsets.UTF_8)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, chunked.statusCode(), chunked.body());
        assertTrue(chunked.body().contains("too large"), chunked.body());

        // a forecast on a plain model
        assertEquals(400, post(http, url("/v1/models/tiny:forecast"), "{\"counts\": [1]}").statusCode());
        assertEquals(400, post(http, url("/v1/models/tiny:classify"), good).statusCode());

        Map<String, HttpResponse<String>> bad404 = new java.util.LinkedHashMap<>();
        bad404.put("unknown model", post(http, url("/v1/models/other:predict"), good));
        bad404.put("unknown version", post(http, url("/v1/models/tiny/versions/2:predict"), good));
        bad404.put("unknown version status", get(http, url("/v1/models/tiny/versions/9")));
        bad404.put("unknown version metadata", get(http, url("/v1/models/tiny/versions/9/metadata")));
        bad404.put("unknown model status", get(http, url("/v1/models/other")));
        bad404.put("unknown path", get(http, url("/v2/anything")));
        for (Map.Entry<String, HttpResponse<String>> e : bad404.entrySet()) {
            assertEquals(404, e.getValue().statusCode(), e.getKey() + ": " + e.getValue().body());
            assertErrorJson(e.getValue(), e.getKey());
        }
        HttpResponse<String> wrongMethod = get(http, p);
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST", wrongMethod.headers().firstValue("allow").orElse(""));
        assertErrorJson(wrongMethod, "GET on :predict");
        assertEquals(405, post(http, url("/v1/models/tiny"), good).statusCode());

        // and the server still answers correctly afterwards
        HttpResponse<String> ok = post(http, p, good);
        assertEquals(200, ok.statusCode(), ok.body());
        assertBitwise(directPredict(v1, one, 1), values(ok.body(), "predictions"));
    }

    private static void assertErrorJson(HttpResponse<String> r, String what) throws Exception {
        JsonNode e = json(r);
        assertTrue(e.isObject() && e.size() == 1 && e.get("error").isTextual() && !e.get("error").asText().isBlank(),
                what + ": " + r.body());
    }

    @Test
    void concurrentRequestsAreBatchedAndAnswerExactlyLikeDirectPredict() throws Exception {
        server = ModelServer.start(config().maxBatch(16).batchTimeoutMicros(3000));
        int clients = 12;
        int perClient = 15;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> fs = new ArrayList<>();
            AtomicInteger checked = new AtomicInteger();
            for (int c = 0; c < clients; c++) {
                long seed = 100 + c;
                fs.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    for (int i = 0; i < perClient; i++) {
                        int rows = 1 + r.nextInt(3);
                        float[] x = randomInstances(r, rows);
                        HttpResponse<String> resp = post(http, url("/v1/models/tiny:predict"), instancesJson(x, rows));
                        assertEquals(200, resp.statusCode(), resp.body());
                        float[] want;
                        synchronized (v1) {
                            want = directPredict(v1, x, rows);
                        }
                        assertBitwise(want, values(resp.body(), "predictions"));
                        checked.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(clients * perClient, checked.get());
        } finally {
            pool.shutdownNow();
        }
        long[] b = server.metrics().batches();
        // requests were combined: fewer model calls than requests
        assertTrue(b[0] < clients * perClient, "calls " + b[0] + ", instances " + b[1]);
        String m = server.metrics().prometheus();
        assertTrue(m.contains("lamina_serving_batch_size_count " + b[0] + "\n"), m);
    }

    @Test
    void memoryStaysFlatUnderLoad() throws Exception {
        dev.lamina.backend.Backend backend = v1.weights().get(0).backend();
        long idle = backend.bytesInUse();
        server = ModelServer.start(config().maxBatch(8));
        Random r = new Random(5);
        String body = instancesJson(randomInstances(r, 3), 3);
        for (int i = 0; i < 20; i++) {
            assertEquals(200, post(http, url("/v1/models/tiny:predict"), body).statusCode());
        }
        // every batch size the load below can make (1 to maxBatch rows), each called often enough to be
        // traced: the worker keeps one replayable graph per batch size, which the baseline then includes
        for (int rows = 1; rows <= 8; rows++) {
            String b = instancesJson(randomInstances(r, rows), rows);
            for (int i = 0; i < 3; i++) {
                assertEquals(200, post(http, url("/v1/models/tiny:predict"), b).statusCode());
            }
        }
        long baseline = backend.bytesInUse();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < 6; c++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        assertEquals(200, post(http, url("/v1/models/tiny:predict"), body).statusCode());
                        assertEquals(400, post(http, url("/v1/models/tiny:predict"), "{\"instances\": [[[1]]]}").statusCode());
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(baseline, backend.bytesInUse(), "bytes held by the backend after 480 requests");
        server.stop();
        assertEquals(idle, backend.bytesInUse(), "bytes held after the server stopped: the version's weights and graphs are freed");
    }

    @Test
    void newVersionIsSwappedInUnderTrafficWithoutAFailedRequestAndHalfWrittenOnesAreNotLoaded() throws Exception {
        server = ModelServer.start(config());
        Path staging = tmp.resolve("staging");
        ServingFixtures.saveModel(staging, 2);
        Sequential v2 = Model.load(staging);
        float[] x = randomInstances(new Random(9), 1);
        float[] want1 = directPredict(v1, x, 1);
        float[] want2 = directPredict(v2, x, 1);
        v2.close();
        assertNotEquals(Float.floatToIntBits(want1[0]), Float.floatToIntBits(want2[0]), "the two versions must differ");
        String body = instancesJson(x, 1);

        AtomicInteger ok1 = new AtomicInteger();
        AtomicInteger ok2 = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            fs.add(pool.submit(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!done.get() && System.nanoTime() < deadline) {
                    try {
                        HttpResponse<String> r = post(http, url("/v1/models/tiny:predict"), body);
                        if (r.statusCode() != 200) {
                            failures.add(r.statusCode() + " " + r.body());
                            continue;
                        }
                        int bits = Float.floatToIntBits(values(r.body(), "predictions")[0]);
                        if (bits == Float.floatToIntBits(want1[0])) {
                            ok1.incrementAndGet();
                        } else if (bits == Float.floatToIntBits(want2[0])) {
                            ok2.incrementAndGet();
                        } else {
                            failures.add("answer of neither version: " + r.body());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
                return null;
            }));
        }
        try {
            waitFor(() -> ok1.get() >= 20, "traffic on version 1");
            // a half-written version 2: the architecture without the weights, then a truncated weights file
            Path v2dir = base.resolve("2");
            Files.createDirectories(v2dir);
            Files.copy(staging.resolve("config.json"), v2dir.resolve("config.json"));
            byte[] weights = Files.readAllBytes(staging.resolve("model.weights.safetensors"));
            Files.write(v2dir.resolve("model.weights.safetensors"), java.util.Arrays.copyOf(weights, weights.length / 2));
            Thread.sleep(400);  // eight polls
            assertEquals(1, server.servedVersion(), "a half-written version must not be served");
            assertTrue(failures.isEmpty(), failures.toString());
            // completed
            Files.copy(staging.resolve("model.weights.safetensors"), v2dir.resolve("model.weights.safetensors"),
                    StandardCopyOption.REPLACE_EXISTING);
            waitFor(() -> server.servedVersion() == 2, "version 2 loaded");
            int before = ok2.get();
            waitFor(() -> ok2.get() >= before + 20, "traffic on version 2");
        } finally {
            done.set(true);
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
        }
        assertTrue(failures.isEmpty(), failures.size() + " failed requests, first: " + (failures.isEmpty() ? "" : failures.get(0)));
        assertTrue(ok1.get() >= 20 && ok2.get() >= 20, ok1 + " / " + ok2);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("version 2 loaded"), log.toString(StandardCharsets.UTF_8));
        assertEquals(404, post(http, url("/v1/models/tiny/versions/1:predict"), body).statusCode(), "version 1 is unloaded");
        assertTrue(server.metrics().prometheus().contains("lamina_serving_version_swaps_total 1\n"));
    }

    @Test
    void startsWithoutAVersionAndServesTheFirstOneThatAppears() throws Exception {
        Path empty = tmp.resolve("later");
        Files.createDirectories(empty.resolve("not-a-version"));
        server = ModelServer.start(new ServerConfig(empty).port(0).pollInterval(Duration.ofMillis(50)).log(null));
        assertEquals(0, server.servedVersion());
        HttpResponse<String> h = get(http, url("/v1/health"));
        assertEquals(503, h.statusCode(), h.body());
        float[] x = randomInstances(new Random(4), 1);
        HttpResponse<String> none = post(http, url("/v1/models/later:predict"), instancesJson(x, 1));
        assertEquals(404, none.statusCode(), none.body());
        assertErrorJson(none, "no version yet");
        // written elsewhere and renamed into place, as an atomic save does
        ServingFixtures.saveModel(tmp.resolve("later-7"), 1);
        Files.move(tmp.resolve("later-7"), empty.resolve("7"));
        waitFor(() -> server.servedVersion() == 7, "version 7 loaded");
        HttpResponse<String> r = post(http, url("/v1/models/later/versions/7:predict"), instancesJson(x, 1));
        assertEquals(200, r.statusCode(), r.body());
        assertBitwise(directPredict(v1, x, 1), values(r.body(), "predictions"));
        assertEquals(200, get(http, url("/v1/health")).statusCode());
    }

    private static void waitFor(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aFunctionalModelVersionIsRefusedByName() throws Exception {
        Path fun = tmp.resolve("fun");
        dev.lamina.nn.SymbolicTensor in = dev.lamina.nn.Input.of(3);
        try (Model m = new Model(in, new dev.lamina.nn.Dense(1).apply(in))) {
            m.save(fun.resolve("1"));
        }
        server = ModelServer.start(new ServerConfig(fun).port(0).pollInterval(Duration.ofMillis(50))
                .log(new PrintStream(log, true, StandardCharsets.UTF_8)));
        assertEquals(0, server.servedVersion());
        String said = log.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("holds a functional model: serving takes Sequential models and forecasters"), said);
    }

    @Test
    void stopAnswersRequestsInFlightThenRefusesConnections() throws Exception {
        // every batch waits 2 s for company, so the requests are still in flight when stop() is called
        server = ModelServer.start(config().maxBatch(1000).batchTimeoutMicros(2_000_000));
        float[] x = randomInstances(new Random(2), 1);
        float[] want = directPredict(v1, x, 1);
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        List<Long> answeredAt = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 6; i++) {
            inFlight.add(http.sendAsync(HttpRequest.newBuilder(URI.create(url("/v1/models/tiny:predict")))
                    .POST(HttpRequest.BodyPublishers.ofString(instancesJson(x, 1))).build(), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, e) -> answeredAt.add(System.nanoTime())));
        }
        waitFor(() -> server.metrics().prometheus().contains("lamina_serving_in_flight_requests 6\n"), "six requests in flight");
        long t0 = System.nanoTime();
        server.stop();
        long stopMs = (System.nanoTime() - t0) / 1_000_000;
        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
            HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertBitwise(want, values(r.body(), "predictions"));
        }
        assertTrue(stopMs < 10_000, "stop took " + stopMs + " ms");
        assertEquals(6, answeredAt.size());
        assertTrue(answeredAt.stream().allMatch(t -> t > t0), "the requests were answered after stop() began");
        Exception e = assertThrows(Exception.class, () -> get(client(), url("/v1/health")));
        assertTrue(e instanceof ConnectException || e.getCause() instanceof ConnectException, e.toString());
    }
}
