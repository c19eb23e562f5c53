package dev.lamina.serving;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link ModelServer}, with the defaults of {@code lamina serve}. Setters check their
 * argument and return {@code this}:
 *
 * <pre>{@code
 * ServerConfig c = new ServerConfig(Path.of("models/dengue")).name("dengue").port(0).maxBatch(32);
 * }</pre>
 */
public final class ServerConfig {
    private final Path baseDir;
    private String name;
    private String host = "127.0.0.1";
    private int port = 8501;
    private int threads = 64;
    private int maxBatch = 32;
    private long batchTimeoutMicros = 0;
    private int maxBodyBytes = 8 << 20;
    private Duration pollInterval = Duration.ofSeconds(1);
    private Duration stopTimeout = Duration.ofSeconds(30);
    private PrintStream accessLog;
    private PrintStream log = System.err;

    /** @param baseDir the model base directory holding numbered version directories ({@code 1/}, {@code 2/}, ...) */
    public ServerConfig(Path baseDir) {
        this.baseDir = Objects.requireNonNull(baseDir, "baseDir");
        Path file = baseDir.toAbsolutePath().normalize().getFileName();
        this.name = file == null ? "model" : file.toString();
    }

    public Path baseDir() {
        return baseDir;
    }

    /** The model name in the URLs ({@code /v1/models/NAME}); default: the base directory's name. */
    public String name() {
        return name;
    }

    public ServerConfig name(String name) {
        if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("ServerConfig.name: a model name is letters, digits, '.', '_' or '-', got '" + name + "'");
        }
        this.name = name;
        return this;
    }

    public String host() {
        return host;
    }

    /** The address to bind (default 127.0.0.1: loopback only). */
    public ServerConfig host(String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("ServerConfig.host: empty host");
        }
        this.host = host;
        return this;
    }

    public int port() {
        return port;
    }

    /** The TCP port (default 8501, TensorFlow Serving's REST port); 0 picks a free one ({@link ModelServer#port()}). */
    public ServerConfig port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("ServerConfig.port: must be in [0, 65535], got " + port);
        }
        this.port = port;
        return this;
    }

    public int threads() {
        return threads;
    }

    /** HTTP request threads (default 64); the model itself runs on one worker thread per loaded version. */
    public ServerConfig threads(int threads) {
        if (threads < 1 || threads > 4096) {
            throw new IllegalArgumentException("ServerConfig.threads: must be in [1, 4096], got " + threads);
        }
        this.threads = threads;
        return this;
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** Most instances one model call takes from queued requests (default 32; 1 turns batching off). */
    public ServerConfig maxBatch(int maxBatch) {
        if (maxBatch < 1 || maxBatch > 65536) {
            throw new IllegalArgumentException("ServerConfig.maxBatch: must be in [1, 65536], got " + maxBatch);
        }
        this.maxBatch = maxBatch;
        return this;
    }

    public long batchTimeoutMicros() {
        return batchTimeoutMicros;
    }

    /**
     * How long the worker waits for more requests to fill a batch after taking the first one
     * (default 0: it takes only what is already queued, so a lone request never waits).
     */
    public ServerConfig batchTimeoutMicros(long micros) {
        if (micros < 0 || micros > 10_000_000) {
            throw new IllegalArgumentException("ServerConfig.batchTimeoutMicros: must be in [0, 10000000], got " + micros);
        }
        this.batchTimeoutMicros = micros;
        return this;
    }

    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** Largest request body accepted (default 8 MiB); a larger one is a 400. */
    public ServerConfig maxBodyBytes(int bytes) {
        if (bytes < 64) {
            throw new IllegalArgumentException("ServerConfig.maxBodyBytes: must be at least 64, got " + bytes);
        }
        this.maxBodyBytes = bytes;
        return this;
    }

    public Duration pollInterval() {
        return pollInterval;
    }

    /** How often the base directory is scanned for new versions (default 1 s). */
    public ServerConfig pollInterval(Duration d) {
        if (d == null || d.toMillis() < 1) {
            throw new IllegalArgumentException("ServerConfig.pollInterval: must be at least 1 ms, got " + d);
        }
        this.pollInterval = d;
        return this;
    }

    public Duration stopTimeout() {
        return stopTimeout;
    }

    /** How long {@link ModelServer#stop()} waits for in-flight requests (default 30 s). */
    public ServerConfig stopTimeout(Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("ServerConfig.stopTimeout: must be non-negative, got " + d);
        }
        this.stopTimeout = d;
        return this;
    }

    public PrintStream accessLog() {
        return accessLog;
    }

    /** Where one line per request goes (NCSA format plus the latency in ms); null (the default) for none. */
    public ServerConfig accessLog(PrintStream out) {
        this.accessLog = out;
        return this;
    }

    public PrintStream log() {
        return log;
    }

    /** Where version loads, swaps and load failures are reported (default System.err; null for nowhere). */
    public ServerConfig log(PrintStream out) {
        this.log = out;
        return this;
    }
}
