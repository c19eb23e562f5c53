package dev.lamina.serving;

import static dev.lamina.serving.ServingFixtures.client;
import static dev.lamina.serving.ServingFixtures.get;
import static dev.lamina.serving.ServingFixtures.instancesJson;
import static dev.lamina.serving.ServingFixtures.post;
import static dev.lamina.serving.ServingFixtures.randomInstances;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lamina.cli.Main;
import dev.lamina.data.DengueData;
import dev.lamina.forecast.Forecaster;
import dev.lamina.forecast.SeriesData;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lamina serve}: its help and usage errors, SIGTERM with requests in flight, and the forecast endpoint. */
class ServeCommandTest {
    @TempDir
    Path tmp;

    private final HttpClient http = client();

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpAndUsageErrors() {
        Run h = run("serve", "--help");
        assertEquals(0, h.code());
        assertTrue(h.out().startsWith("usage: lamina serve MODEL_BASE_DIR"), h.out());
        assertTrue(h.out().contains("--max-batch N") && h.out().contains("--batch-timeout-us T") && h.out().contains("curl"), h.out());
        assertTrue(run("--help").out().contains("\n  serve "), "serve is listed in lamina --help");
        Run missing = run("serve");
        assertEquals(Main.USAGE, missing.code());
        assertTrue(missing.err().contains("missing MODEL_BASE_DIR"), missing.err());
        Run nodir = run("serve", tmp.resolve("nope").toString(), "--port", "0");
        assertEquals(Main.USAGE, nodir.code());
        assertTrue(nodir.err().contains("does not exist"), nodir.err());
        Run badPort = run("serve", tmp.toString(), "--port", "70000");
        assertEquals(Main.USAGE, badPort.code());
        assertTrue(badPort.err().contains("--port"), badPort.err());
        Run badName = run("serve", tmp.toString(), "--name", "a/b", "--port", "0");
        assertEquals(Main.USAGE, badName.code());
        assertTrue(badName.err().contains("model name"), badName.err());
    }

    @Test
    void sigtermAnswersRequestsInFlightThenExits() throws Exception {
        Path base = tmp.resolve("tiny");
        ServingFixtures.saveModel(base.resolve("1"), 4);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // each batch waits 2 s for company: the requests are in flight when SIGTERM arrives
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", base.toString(), "--port", "0", "--max-batch", "1000", "--batch-timeout-us", "2000000", "--access-log", "off");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            Matcher m = Pattern.compile("\\(port (\\d+)\\)").matcher(first == null ? "" : first);
            assertTrue(m.find(), "first line: " + first);
            String url = "http://127.0.0.1:" + m.group(1);
            float[] x = randomInstances(new Random(8), 1);
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                inFlight.add(http.sendAsync(HttpRequest.newBuilder(URI.create(url + "/v1/models/tiny:predict"))
                        .POST(HttpRequest.BodyPublishers.ofString(instancesJson(x, 1))).build(), HttpResponse.BodyHandlers.ofString()));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // four predicts and this metrics request itself
            while (!get(http, url + "/metrics").body().contains("lamina_serving_in_flight_requests 5\n")) {
                assertTrue(System.nanoTime() < deadline, "requests never in flight");
                Thread.sleep(20);
            }
            p.destroy();  // SIGTERM
            for (CompletableFuture<HttpResponse<String>> f : inFlight) {
                HttpResponse<String> r = f.get(20, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(1, ServingFixtures.values(r.body(), "predictions").length);
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the server did not exit after SIGTERM");
            assertEquals(143, p.exitValue(), "exit status after SIGTERM (128 + 15)");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void forecastEndpointAnswersLikeTheForecasterWithDates() throws Exception {
        Path out = tmp.resolve("fc");
        Run t = run("forecast", "--epochs", "1", "--units", "4", "--window", "8", "--horizon", "5", "--ensemble", "2", "--seed", "3",
                "--quiet", "--out", out.toString());
        assertEquals(0, t.code(), t.err());
        Path base = tmp.resolve("dengue");
        copyTree(out.resolve("forecaster"), base.resolve("1"));

        double[] cases = DengueData.load(Path.of("data/dengue"), "san_juan").totalCases();
        List<LocalDate> weeks = DengueData.load(Path.of("data/dengue"), "san_juan").weekStarts();
        int n = 30;
        double[] recent = java.util.Arrays.copyOfRange(cases, cases.length - n, cases.length);
        LocalDate last = weeks.get(weeks.size() - 1);
        double[] want;
        try (Forecaster f = Forecaster.load(base.resolve("1"))) {
            double[][] rows = new double[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = new double[] {recent[i]};
            }
            want = f.forecastAhead(new SeriesData(rows, List.of("total_cases"), null, "test"), 5);
        }

        try (ModelServer server = ModelServer.start(new ServerConfig(base).port(0).log(null))) {
            String counts = java.util.Arrays.toString(recent);
            HttpResponse<String> r = post(http, server.url() + "/v1/models/dengue:forecast",
                    "{\"counts\": " + counts + ", \"horizon\": 5, \"last_week\": \"" + last + "\"}");
            assertEquals(200, r.statusCode(), r.body());
            JsonNode body = ServingFixtures.EXACT.readTree(r.body());
            assertEquals("1", body.get("model_version").asText());
            assertEquals("total_cases", body.get("target").asText());
            JsonNode fs = body.get("forecasts");
            assertEquals(5, fs.size());
            for (int k = 0; k < 5; k++) {
                assertEquals(k + 1, fs.get(k).get("step").asInt());
                assertEquals(last.plusWeeks(k + 1).toString(), fs.get(k).get("week").asText());
                assertEquals(want[k], Double.parseDouble(fs.get(k).get("value").asText()), 0.0, "week " + (k + 1));
            }
            // without a date: steps only
            JsonNode noDate = ServingFixtures.EXACT.readTree(post(http, server.url() + "/v1/models/dengue/versions/1:forecast",
                    "{\"counts\": " + counts + "}").body());
            assertEquals(1, noDate.get("forecasts").size());
            assertTrue(noDate.get("forecasts").get(0).get("week") == null);
            assertEquals(want[0], noDate.get("forecasts").get(0).get("value").asDouble(), 0.0);

            String p = server.url() + "/v1/models/dengue:forecast";
            for (String bad : List.of("{\"counts\": [1, 2, 3]}", "{\"counts\": " + counts + ", \"horizon\": 0}",
                    "{\"counts\": " + counts + ", \"horizon\": 2.5}", "{\"counts\": " + counts + ", \"last_week\": \"last tuesday\"}",
                    "{\"counts\": " + counts.replaceFirst("[0-9.]+", "\"x\"") + "}",
                    "{\"counts\": " + counts.replaceFirst("[0-9.]+", "NaN") + "}",
                    "{\"counts\": " + counts + ", \"weather\": {\"mean_temperature\": [1]}}",
                    "{\"counts\": " + counts + ", \"days\": 3}", "{\"counts\": " + counts + ", \"horizon\": 6}", "{}", "[]")) {
                HttpResponse<String> e = post(http, p, bad);
                assertEquals(400, e.statusCode(), bad + " -> " + e.body());
                assertTrue(ServingFixtures.EXACT.readTree(e.body()).get("error").isTextual(), e.body());
            }

            // the forecaster's network itself is served by :predict, and its metadata names the window
            JsonNode md = ServingFixtures.EXACT.readTree(get(http, server.url() + "/v1/models/dengue/metadata").body());
            assertEquals(8, md.get("metadata").get("lamina_forecaster").get("window").asInt());
            String window = "{\"instances\": [[" + "[0.5],".repeat(7) + "[0.5]]]}";
            assertEquals(200, post(http, server.url() + "/v1/models/dengue:predict", window).statusCode());
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path src : (Iterable<Path>) s::iterator) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(src, dst);
                }
            }
        }
    }
}
