package dev.lamina.serving;

import static dev.lamina.serving.ServingFixtures.WINDOW;
import static dev.lamina.serving.ServingFixtures.client;
import static dev.lamina.serving.ServingFixtures.instancesJson;
import static dev.lamina.serving.ServingFixtures.post;
import static dev.lamina.serving.ServingFixtures.randomInstances;
import static dev.lamina.serving.ServingFixtures.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backends;
import dev.lamina.graph.GraphCounters;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's model worker takes the path each batch of {@code Model.predict} takes: a traced graph
 * replayed by default, eager under {@code -Dlamina.graph=false} or {@code -Dlamina.graph.predict=false};
 * either way its answers are bitwise the eager call of the model (on cpu, the default backend here).
 */
class TracedServingTest {
    private static final int ROWS = 3;
    private static final int REQUESTS = 12;

    @TempDir
    Path tmp;

    private final HttpClient http = client();

    /** The model's eager inference call on one batch, as the batcher ran it before it was traced. */
    private static float[] eager(Model m, float[] x, int rows) {
        try (Scope s = Scope.open()) {
            Tensor in = Tensor.of(x, rows, WINDOW, 1);
            return GradientTape.noGrad(() -> m.call(new Tensor[] {in}, false)).toFloatArray();
        }
    }

    /**
     * Serves the saved model with the property {@code property} set to {@code value} (null: unset) and
     * sends {@link #REQUESTS} requests of {@link #ROWS} rows one after another; checks every answer
     * bitwise against the eager call.
     *
     * @return how many replays of traced functions the requests caused
     */
    private long serve(String property, String value) throws Exception {
        Path base = tmp.resolve("m-" + property + "-" + value);
        ServingFixtures.saveModel(base.resolve("1"), 4);
        Random r = new Random(21);
        float[][] xs = new float[REQUESTS][];
        float[][] want = new float[REQUESTS][];
        // on the backend the server loads models on (its threads' default), whatever this thread uses
        try (var u = Backends.use(Backends.defaultBackend()); Sequential m = Model.load(base.resolve("1"))) {
            for (int i = 0; i < REQUESTS; i++) {
                xs[i] = randomInstances(r, ROWS);
                want[i] = eager(m, xs[i], ROWS);
            }
        }
        String before = System.getProperty(property);
        if (value != null) {
            System.setProperty(property, value);
        }
        ModelServer server = null;
        try {
            // one request at a time and no batching wait: every model call is one batch of ROWS rows
            server = ModelServer.start(new ServerConfig(base).port(0).pollInterval(Duration.ofMillis(50))
                    .batchTimeoutMicros(0).accessLog(null).log(null));
            long replays = GraphCounters.replays();
            for (int i = 0; i < REQUESTS; i++) {
                HttpResponse<String> resp = post(http, server.url() + "/v1/models/" + base.getFileName() + ":predict",
                        instancesJson(xs[i], ROWS));
                assertEquals(200, resp.statusCode(), resp.body());
                float[] got = values(resp.body(), "predictions");
                assertEquals(want[i].length, got.length);
                for (int k = 0; k < got.length; k++) {
                    assertEquals(Float.floatToIntBits(want[i][k]), Float.floatToIntBits(got[k]),
                            "request " + i + " output " + k + ": " + want[i][k] + " vs " + got[k]);
                }
            }
            return GraphCounters.replays() - replays;
        } finally {
            if (server != null) {
                server.stop();
            }
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
    }

    @Test
    void theWorkerReplaysATracedPredictBitwiseEager() throws Exception {
        long replays = serve("lamina.graph.predict", null);
        // the first calls of a batch size trace it (two alike traces make the graph); the rest replay
        assertTrue(replays >= REQUESTS - 3, "replays " + replays + " of " + REQUESTS + " requests");
    }

    @Test
    void graphPredictFalseServesEagerly() throws Exception {
        assertEquals(0, serve("lamina.graph.predict", "false"), "replays with -Dlamina.graph.predict=false");
    }

    @Test
    void graphFalseServesEagerly() throws Exception {
        assertEquals(0, serve("lamina.graph", "false"), "replays with -Dlamina.graph=false");
    }
}
