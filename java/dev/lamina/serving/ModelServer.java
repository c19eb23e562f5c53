package dev.lamina.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.lamina.forecast.ForecastSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.CustomRequestLog;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A REST model server compatible with TensorFlow Serving's REST API, for embedding in a Java
 * program ({@code lamina serve} is this class behind a command line).
 *
 * <pre>{@code
 * try (ModelServer server = ModelServer.start(new ServerConfig(Path.of("models/dengue")).port(8501))) {
 *     server.join();   // until stop() or a shutdown hook calling it
 * }
 * }</pre>
 *
 * <p>Endpoints ({@code NAME} is {@link ServerConfig#name()}; {@code /versions/V} may follow it in each):
 * <ul>
 * <li>{@code GET /v1/models/NAME}: version status ({@code model_version_status});
 * <li>{@code GET /v1/models/NAME/metadata}: the {@code serving_default} signature (input and output
 *     names, dtypes and shapes);
 * <li>{@code POST /v1/models/NAME:predict}: {@code {"instances": [...]}} or {@code {"inputs": ...}}
 *     answered with {@code {"predictions": [...]}} or {@code {"outputs": ...}} ({@link PredictCodec});
 * <li>{@code POST /v1/models/NAME:forecast}: for a saved forecaster, the next weeks' forecasts
 *     ({@link ForecastCodec});
 * <li>{@code GET /v1/health}, {@code GET /metrics} (Prometheus text format, {@link ServingMetrics}).
 * </ul>
 * Errors are {@code {"error": "..."}}: 400 for bad input (malformed JSON, wrong shape or type,
 * non-finite numbers, a body over {@link ServerConfig#maxBodyBytes()}), 404 for an unknown model,
 * version or path, 405 for a wrong method, 503 while nothing is loaded or during shutdown.
 *
 * <p>HTTP is Jetty 12 (core handlers, no servlets); JSON is Jackson. Versions come from
 * {@link ModelVersions} (new versions are picked up while running, without refusing a request), and
 * each loaded version runs its model on one worker thread with dynamic batching ({@link Batcher}).
 * {@link #stop()} is graceful: the listener closes, requests already received are answered, then
 * the model is unloaded.
 */
public final class ModelServer implements AutoCloseable {
    /** Jackson, strict: duplicate keys and trailing content are malformed; NaN/Infinity tokens parse so they can be refused by name. */
    static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Pattern MODEL_PATH = Pattern.compile(
            "/v1/models/([^/:]+)(?:/versions/([0-9]{1,18}))?(?:(/metadata)|:([A-Za-z]+))?");
    private static final String JSON_TYPE = "application/json";

    private final ServerConfig cfg;
    private final ServingMetrics metrics = new ServingMetrics();
    private final ModelVersions versions;
    private final Server server;
    private final ServerConnector connector;
    private final Object stopLock = new Object();
    private final int port;
    private boolean stopped;

    private ModelServer(ServerConfig cfg) throws Exception {
        this.cfg = cfg;
        this.versions = new ModelVersions(cfg, metrics);
        QueuedThreadPool pool = new QueuedThreadPool(cfg.threads() + 4, Math.min(8, cfg.threads() + 4));
        pool.setName("lamina-serving-http");
        pool.setReservedThreads(0);
        this.server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(cfg.host());
        connector.setPort(cfg.port());
        server.addConnector(connector);
        server.setHandler(new GracefulHandler(new Router()));
        server.setStopTimeout(cfg.stopTimeout().toMillis());
        server.setStopAtShutdown(false);
        if (cfg.accessLog() != null) {
            java.io.PrintStream out = cfg.accessLog();
            server.setRequestLog(new CustomRequestLog(out::println, CustomRequestLog.NCSA_FORMAT + " %{ms}Tms"));
        }
        try {
            server.start();
        } catch (Exception e) {
            versions.close();
            throw e;
        }
        this.port = connector.getLocalPort();
    }

    /** Loads the model's versions and starts listening; the highest complete version is served. */
    public static ModelServer start(ServerConfig cfg) throws IOException {
        try {
            return new ModelServer(cfg);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("serve: cannot start the server on " + cfg.host() + ":" + cfg.port() + ": " + e.getMessage(), e);
        }
    }

    /** The port listened on (the chosen one when the config asked for 0). */
    public int port() {
        return port;
    }

    /** {@code http://HOST:PORT}. */
    public String url() {
        String h = cfg.host().contains(":") ? "[" + cfg.host() + "]" : cfg.host();
        return "http://" + h + ":" + port();
    }

    /** The served version, 0 while none is loaded. */
    public long servedVersion() {
        return versions.servedVersion();
    }

    public ServingMetrics metrics() {
        return metrics;
    }

    public ServerConfig config() {
        return cfg;
    }

    /**
     * Stops gracefully: stops accepting connections, answers the requests already received (new
     * ones on open connections get 503), waits up to {@link ServerConfig#stopTimeout()}, then unloads
     * the model. Safe to call more than once and from a shutdown hook.
     */
    public void stop() {
        synchronized (stopLock) {
            if (stopped) {
                return;
            }
            stopped = true;
            try {
                server.stop();
            } catch (Exception e) {
                say("serve: stopping the HTTP server: " + e);
            } finally {
                versions.close();
            }
        }
    }

    /** Waits until the server has stopped. */
    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        stop();
    }

    private void say(String line) {
        if (cfg.log() != null) {
            cfg.log().println(line);
        }
    }

    /** One HTTP answer. */
    private record Reply(int status, String contentType, byte[] body) {
    }

    /** Routes every request; each answer is one buffer written at once. */
    private final class Router extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            long t0 = System.nanoTime();
            metrics.inFlight(1);
            String[] endpoint = {"other"};
            Reply r;
            try {
                r = route(request, endpoint);
            } catch (WrongMethod e) {
                r = error(405, e.getMessage());
                response.getHeaders().put(HttpHeader.ALLOW, e.allowed);
            } catch (ServingException e) {
                r = error(e.status(), e.getMessage());
            } catch (RuntimeException | Error e) {
                say("serve: internal error on " + request.getMethod() + " " + request.getHttpURI().getPath() + ": " + e);
                r = error(500, "internal error: " + e);
            } finally {
                metrics.inFlight(-1);
            }
            metrics.request(endpoint[0], r.status, System.nanoTime() - t0);
            response.setStatus(r.status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, r.contentType);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, r.body.length);
            response.write(true, ByteBuffer.wrap(r.body), callback);
            return true;
        }

        private Reply route(Request request, String[] endpoint) {
            String path = Request.getPathInContext(request);
            String method = request.getMethod();
            if (path.equals("/v1/health")) {
                endpoint[0] = "health";
                requireMethod(method, "GET");
                return health();
            }
            if (path.equals("/metrics")) {
                endpoint[0] = "metrics";
                requireMethod(method, "GET");
                return new Reply(200, "text/plain; version=0.0.4; charset=utf-8", metrics.prometheus().getBytes(StandardCharsets.UTF_8));
            }
            Matcher m = MODEL_PATH.matcher(path);
            if (!m.matches()) {
                throw ServingException.notFound("no such endpoint: " + method + " " + path + " (try /v1/models/" + cfg.name()
                        + ", /v1/models/" + cfg.name() + "/metadata, /v1/models/" + cfg.name() + ":predict, /v1/health, /metrics)");
            }
            String name = m.group(1);
            Long version = m.group(2) == null ? null : Long.parseLong(m.group(2));
            String verb = m.group(4);
            endpoint[0] = m.group(3) != null ? "metadata" : verb == null ? "status" : verb;
            if (verb != null && !verb.equals("predict") && !verb.equals("forecast")) {
                endpoint[0] = "other";
                throw ServingException.badRequest("unsupported method :" + verb + " (this server answers :predict and :forecast)");
            }
            requireMethod(method, verb == null ? "GET" : "POST");
            if (!name.equals(cfg.name())) {
                throw ServingException.notFound("Servable not found for request: " + (version == null ? "Latest(" + name + ")"
                        : "Specific(" + name + ", " + version + ")") + "; this server serves model '" + cfg.name() + "'");
            }
            if (verb == null) {
                Servable s = versions.acquire(version);
                try {
                    return m.group(3) != null ? metadata(s) : status(s);
                } finally {
                    s.release();
                }
            }
            JsonNode body = readJson(request);
            Servable s = versions.acquire(version);
            try {
                return verb.equals("predict") ? predict(s, body) : forecast(s, body);
            } finally {
                s.release();
            }
        }
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new WrongMethod(method, allowed);
        }
    }

    /** A 405: the path exists but takes another method (sent back in the Allow header). */
    private static final class WrongMethod extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String allowed;

        WrongMethod(String method, String allowed) {
            super("method " + method + " not allowed here (use " + allowed + ")", null, false, false);
            this.allowed = allowed;
        }
    }

    private JsonNode readJson(Request request) {
        long declared = request.getLength();
        if (declared > cfg.maxBodyBytes()) {
            throw ServingException.badRequest("request body too large: " + declared + " bytes (the limit is " + cfg.maxBodyBytes() + ")");
        }
        byte[] bytes;
        try (java.io.InputStream in = Content.Source.asInputStream(request)) {
            bytes = in.readNBytes(cfg.maxBodyBytes() + 1);  // blocking: this handler runs on a request thread
        } catch (IOException e) {
            throw ServingException.badRequest("cannot read the request body: " + e.getMessage());
        }
        if (bytes.length > cfg.maxBodyBytes()) {
            throw ServingException.badRequest("request body too large: over " + cfg.maxBodyBytes() + " bytes (the limit)");
        }
        if (bytes.length == 0) {
            throw ServingException.badRequest("empty request body (expected a JSON object)");
        }
        try {
            return JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ServingException.badRequest("malformed JSON: " + e.getOriginalMessage().replace('\n', ' ')
                    + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() : ""));
        } catch (IOException e) {
            throw ServingException.badRequest("cannot read the request body: " + e.getMessage());
        }
    }

    private Reply predict(Servable s, JsonNode body) {
        PredictCodec.Instances in = PredictCodec.parse(body, s.inputName, s.inputShape);
        double[] out = await(s.batcher.predict(in.data(), in.sampleShape(), in.rows()));
        try {
            ByteArrayBuilder buf = new ByteArrayBuilder(Math.max(64, out.length * 12));
            try (JsonGenerator g = JSON.getFactory().createGenerator(buf)) {
                PredictCodec.writeResponse(g, out, in.rows(), s.outputShape, in.columnar());
            }
            return new Reply(200, JSON_TYPE, buf.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("writing the predict response: " + e, e);
        }
    }

    private Reply forecast(Servable s, JsonNode body) {
        if (s.forecaster == null) {
            throw ServingException.badRequest("version " + s.version + " of model '" + cfg.name() + "' is a plain model, not a saved "
                    + "forecaster (lamina forecast writes one to out/forecast-CITY/forecaster); use :predict");
        }
        ForecastSettings settings = s.forecaster.settings();
        ForecastCodec.Request req = ForecastCodec.parse(body, settings);
        double[] values = await(s.batcher.call(() -> s.forecaster.forecastAhead(req.data(), req.horizon())));
        return json(200, ForecastCodec.response(s.version, settings, req, values));
    }

    /** The future's value; an IllegalArgumentException of the model is the client's 400. */
    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof ServingException se) {
                throw se;
            }
            if (c instanceof IllegalArgumentException) {
                throw ServingException.badRequest(c.getMessage());
            }
            throw new IllegalStateException("model call failed: " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServingException(503, "interrupted while waiting for the model");
        }
    }

    private Reply health() {
        long v = versions.servedVersion();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", v > 0 ? "ok" : "unavailable");
        m.put("model", cfg.name());
        m.put("version", Long.toString(v));
        return json(v > 0 ? 200 : 503, m);
    }

    private Reply status(Servable s) {
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("error_code", "OK");
        st.put("error_message", "");
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("version", Long.toString(s.version));
        v.put("state", "AVAILABLE");
        v.put("status", st);
        return json(200, Map.of("model_version_status", List.of(v)));
    }

    private Reply metadata(Servable s) {
        Map<String, Object> sig = new LinkedHashMap<>();
        sig.put("inputs", Map.of(s.inputName, tensorInfo(s.inputName, s.inputShape)));
        sig.put("outputs", Map.of(s.outputName, tensorInfo(s.outputName, s.outputShape)));
        sig.put("method_name", "tensorflow/serving/predict");
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("name", cfg.name());
        spec.put("signature_name", "");
        spec.put("version", Long.toString(s.version));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("signature_def", Map.of("signature_def", Map.of(PredictCodec.SIGNATURE, sig)));
        if (s.forecaster != null) {
            ForecastSettings fs = s.forecaster.settings();
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("target", fs.target);
            f.put("features", ForecastCodec.featureColumns(fs));
            f.put("window", fs.window);
            f.put("horizon", fs.horizon);
            f.put("transform", fs.transform);
            meta.put("lamina_forecaster", f);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model_spec", spec);
        out.put("metadata", meta);
        return json(200, out);
    }

    private static Map<String, Object> tensorInfo(String name, long[] sampleShape) {
        long[] batch = new long[sampleShape.length + 1];
        batch[0] = -1;
        System.arraycopy(sampleShape, 0, batch, 1, sampleShape.length);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dtype", "DT_FLOAT");
        m.put("tensor_shape", PredictCodec.tensorShape(batch));
        m.put("name", name);
        return m;
    }

    private static Reply json(int status, Object value) {
        try {
            return new Reply(status, JSON_TYPE, JSON.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing JSON: " + e, e);
        }
    }

    private static Reply error(int status, String message) {
        return json(status, Map.of("error", message == null ? "error" : message));
    }
}
