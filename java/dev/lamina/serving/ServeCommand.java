package dev.lamina.serving;

import dev.lamina.backend.Backends;
import dev.lamina.backend.cpu.CpuBackend;
import dev.lamina.cli.command.Command;
import dev.lamina.cli.command.Checks;
import dev.lamina.cli.command.UsageException;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lamina serve}: a TensorFlow Serving compatible REST server for a saved model ({@link ModelServer}). */
@CommandLine.Command(name = "serve",
        customSynopsis = {"lamina serve MODEL_BASE_DIR [--name NAME] [--port 8501] [--host 127.0.0.1] [--threads N]",
            "                    [--max-batch N --batch-timeout-us T] [--access-log FILE|-|off] [--backend B]"},
        header = "serve a saved model over HTTP (TensorFlow Serving's REST API)",
        description = {
            "Serves the model in MODEL_BASE_DIR with TensorFlow Serving's REST API. Versions are numbered directories "
                + "(MODEL_BASE_DIR/1/, /2/, ...), each a saved model (Model.save: config.json and "
                + "model.weights.safetensors) or a saved forecaster (what 'lamina forecast' writes to "
                + "out/forecast-CITY/forecaster). The highest version that loads is served; a higher one that appears "
                + "while running is loaded once complete and swapped in without refusing a request.",
            "",
            "  GET  /v1/models/NAME                  version status",
            "  GET  /v1/models/NAME/metadata         signature: input/output names, dtypes, shapes",
            "  POST /v1/models/NAME:predict          {\"instances\": [...]} -> {\"predictions\": [...]}",
            "                                        or {\"inputs\": ...} -> {\"outputs\": ...}",
            "  POST /v1/models/NAME:forecast         saved forecasters: {\"counts\": [...], \"horizon\": 8,",
            "                                        \"last_week\": \"2008-04-22\"} -> the next weeks' forecasts",
            "  (add /versions/V after NAME to ask for a version)",
            "  GET  /v1/health                       200 when a version is loaded",
            "  GET  /metrics                         Prometheus: requests, errors, latency, batch sizes",
            "Errors are {\"error\": \"...\"}: 400 bad input, 404 unknown model or version."},
        footer = {
            "Runs until stopped; SIGTERM or Ctrl-C stop it gracefully (requests in flight are answered).",
            "",
            "example:",
            "  ./lamina forecast --quiet && mkdir -p models/dengue && cp -r out/forecast-san_juan/forecaster models/dengue/1",
            "  ./lamina serve models/dengue &",
            "  curl -s localhost:8501/v1/models/dengue:forecast -d '{\"counts\": [4,6,3,5,8,6,9,12,10,15,14,18,22,19,25,31,"
                + "28,35,40,38], \"horizon\": 4}'",
            "",
            "exit codes: 0 stopped, 2 bad usage or a model directory that cannot be served"})
public final class ServeCommand implements Command {
    // ---- the options of lamina serve (picocli fills them; null: ServerConfig's default) ----
    @Parameters(paramLabel = "MODEL_BASE_DIR", arity = "1", description = "the model's folder of numbered versions")
    Path baseDir;
    @Option(names = "--name", paramLabel = "NAME", description = "model name in the URLs (default: the directory's name)")
    String name;
    @Option(names = "--port", paramLabel = "N", description = "TCP port (default 8501; 0 picks a free one)")
    Integer port;
    @Option(names = "--host", paramLabel = "H", description = "address to bind (default 127.0.0.1, loopback only)")
    String host;
    @Option(names = "--threads", paramLabel = "N", description = "HTTP request threads (default 64)")
    Integer threads;
    @Option(names = "--max-batch", paramLabel = "N", description = "most instances per model call from queued requests"
            + " (default 32; 1: no batching)")
    Integer maxBatch;
    @Option(names = "--batch-timeout-us", paramLabel = "T", description = "wait up to T microseconds for more requests to"
            + " fill a batch (default ${DEFAULT-VALUE}: batch only what is already queued)")
    int batchTimeoutMicros = 0;
    @Option(names = "--max-body-bytes", paramLabel = "N", description = "largest request body (default 8388608)")
    Integer maxBodyBytes;
    @Option(names = "--poll-ms", paramLabel = "N", description = "how often to look for new versions (default ${DEFAULT-VALUE})")
    int pollMillis = 1000;
    @Option(names = "--access-log", paramLabel = "FILE", description = "one line per request to FILE ('-', the default:"
            + " stdout; 'off': none)")
    String accessLog = "-";
    @Option(names = "--backend", paramLabel = "B", description = "reference, cpu or cuda (default: LAMINA_BACKEND, else cuda"
            + " if usable, else cpu)")
    String backend;
    // ---- end of options ----

    @Override
    public int run(PrintStream out, PrintStream err) throws Exception {
        if (backend != null) {
            Backends.setDefault(Backends.byName(backend));
        }
        if (Backends.current() == Backends.cpu() && CpuBackend.configuredThreads() == null) {
            // The served models are small and every call goes through one worker thread; the kernel
            // pool's wake-ups cost more than they save on batches this size (see ForecastCommand).
            CpuBackend.setThreads(1);
        }
        ServerConfig c = new ServerConfig(baseDir);
        try {
            if (name != null) {
                c.name(name);
            }
            if (host != null) {
                c.host(host);
            }
            c.port(Checks.range("--port", port, c.port(), 0, 65535));
            c.threads(Checks.range("--threads", threads, c.threads(), 1, 4096));
            c.maxBatch(Checks.range("--max-batch", maxBatch, c.maxBatch(), 1, 65536));
            c.batchTimeoutMicros(Checks.range("--batch-timeout-us", batchTimeoutMicros, 0, 10_000_000));
            c.maxBodyBytes(Checks.range("--max-body-bytes", maxBodyBytes, c.maxBodyBytes(), 64, Integer.MAX_VALUE));
            c.pollInterval(Duration.ofMillis(Checks.range("--poll-ms", pollMillis, 1, 3_600_000)));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String log = accessLog;
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
