package dev.lamina.serving;

import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.cli.Command;
import dev.lamina.cli.Options;
import dev.lamina.cli.UsageException;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code lamina serve}: a TensorFlow Serving compatible REST server for a saved model ({@link ModelServer}). */
public final class ServeCommand implements Command {
    private static final Set<String> VALUES = Set.of("name", "port", "host", "threads", "max-batch", "batch-timeout-us",
            "max-body-bytes", "poll-ms", "access-log", "backend");
    private static final Set<String> FLAGS = Set.of("debug");

    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String summary() {
        return "serve a saved model over HTTP (TensorFlow Serving's REST API)";
    }

    @Override
    public String help() {
        return "usage: lamina serve MODEL_BASE_DIR [--name NAME] [--port 8501] [--host 127.0.0.1] [--threads N]\n"
                + "                    [--max-batch N --batch-timeout-us T] [--access-log FILE|-|off] [--backend B]\n"
                + "\n"
                + "Serves the model in MODEL_BASE_DIR with TensorFlow Serving's REST API. Versions are numbered\n"
                + "directories (MODEL_BASE_DIR/1/, /2/, ...), each a saved model (Model.save: config.json and\n"
                + "model.weights.safetensors) or a saved forecaster (what 'lamina forecast' writes to\n"
                + "out/forecast-CITY/forecaster). The highest version that loads is served; a higher one that\n"
                + "appears while running is loaded once complete and swapped in without refusing a request.\n"
                + "\n"
                + "  GET  /v1/models/NAME                  version status\n"
                + "  GET  /v1/models/NAME/metadata         signature: input/output names, dtypes, shapes\n"
                + "  POST /v1/models/NAME:predict          {\"instances\": [...]} -> {\"predictions\": [...]}\n"
                + "                                        or {\"inputs\": ...} -> {\"outputs\": ...}\n"
                + "  POST /v1/models/NAME:forecast         saved forecasters: {\"counts\": [...], \"horizon\": 8,\n"
                + "                                        \"last_week\": \"2008-04-22\"} -> the next weeks' forecasts\n"
                + "  (add /versions/V after NAME to ask for a version)\n"
                + "  GET  /v1/health                       200 when a version is loaded\n"
                + "  GET  /metrics                         Prometheus: requests, errors, latency, batch sizes\n"
                + "Errors are {\"error\": \"...\"}: 400 bad input, 404 unknown model or version.\n"
                + "\n"
                + "  --name NAME            model name in the URLs (default: the directory's name)\n"
                + "  --port N               TCP port (default 8501; 0 picks a free one)\n"
                + "  --host H               address to bind (default 127.0.0.1, loopback only)\n"
                + "  --threads N            HTTP request threads (default 64)\n"
                + "  --max-batch N          most instances per model call from queued requests (default 32; 1: no batching)\n"
                + "  --batch-timeout-us T   wait up to T microseconds for more requests to fill a batch (default 0:\n"
                + "                         batch only what is already queued)\n"
                + "  --max-body-bytes N     largest request body (default 8388608)\n"
                + "  --poll-ms N            how often to look for new versions (default 1000)\n"
                + "  --access-log FILE      one line per request to FILE ('-', the default: stdout; 'off': none)\n"
                + "  --backend B            reference, cpu or cuda (default: LAMINA_BACKEND, else cuda if usable, else cpu)\n"
                + "\n"
                + "Runs until stopped; SIGTERM or Ctrl-C stop it gracefully (requests in flight are answered).\n"
                + "\n"
                + "example:\n"
                + "  ./lamina forecast --quiet && mkdir -p models/dengue && cp -r out/forecast-san_juan/forecaster models/dengue/1\n"
                + "  ./lamina serve models/dengue &\n"
                + "  curl -s localhost:8501/v1/models/dengue:forecast -d '{\"counts\": [4,6,3,5,8,6,9,12,10,15,14,18,22,19,25,31,28,35,40,38], \"horizon\": 4}'\n"
                + "\n"
                + "exit codes: 0 stopped, 2 bad usage or a model directory that cannot be served\n";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        Options o = Options.parse(args, VALUES, FLAGS);
        if (o.positional().size() != 1) {
            throw new UsageException(o.positional().isEmpty() ? "missing MODEL_BASE_DIR"
                    : "one MODEL_BASE_DIR expected, got " + o.positional());
        }
        if (o.has("backend")) {
            Backends.setDefault(Backends.byName(o.get("backend", null)));
        }
        if (Backends.current() == Backends.cpu() && CpuBackend.configuredThreads() == null) {
            // The served models are small and every call goes through one worker thread; the kernel
            // pool's wake-ups cost more than they save on batches this size (see ForecastCommand).
            CpuBackend.setThreads(1);
        }
        ServerConfig c = new ServerConfig(Path.of(o.positional().get(0)));
        try {
            if (o.has("name")) {
                c.name(o.get("name", null));
            }
            c.host(o.get("host", c.host()));
            c.port(o.getInt("port", c.port(), 0, 65535));
            c.threads(o.getInt("threads", c.threads(), 1, 4096));
            c.maxBatch(o.getInt("max-batch", c.maxBatch(), 1, 65536));
            c.batchTimeoutMicros(o.getInt("batch-timeout-us", 0, 0, 10_000_000));
            c.maxBodyBytes(o.getInt("max-body-bytes", c.maxBodyBytes(), 64, Integer.MAX_VALUE));
            c.pollInterval(Duration.ofMillis(o.getInt("poll-ms", 1000, 1, 3_600_000)));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String log = o.get("access-log", "-");
        PrintStream access = null;
        if (log.equals("-")) {
            access = out;
        } else if (!log.equals("off")) {
            access = new PrintStream(new FileOutputStream(log, true), true, StandardCharsets.UTF_8);
        }
        c.accessLog(access).log(err);
        if (System.getProperty("org.eclipse.jetty.LEVEL") == null) {
            System.setProperty("org.eclipse.jetty.LEVEL", "WARN");  // Jetty's start/stop lines are noise on a command line
        }
        ModelServer server = ModelServer.start(c);
        Thread hook = new Thread(server::stop, "lamina-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("lamina serve: model '" + c.name() + "' " + (server.servedVersion() > 0 ? "version " + server.servedVersion()
                : "(no version loaded yet)") + " at " + server.url() + "/v1/models/" + c.name() + " (port " + server.port() + ")");
        out.flush();
        server.join();
        if (access != null && access != out) {
            access.close();
        }
        return 0;
    }
}
