package dev.lamina.serving;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's counters, written in the Prometheus text exposition format (version 0.0.4) at
 * {@code /metrics}: requests by endpoint and status code, errors (status ≥ 400) by endpoint, a
 * request latency histogram by endpoint, a histogram of the instances per model call (the dynamic
 * batch sizes), the served version and the version swaps. Thread-safe; counting is lock-free.
 */
public final class ServingMetrics {
    /** Upper bounds (seconds) of the latency histogram's buckets. */
    static final double[] LATENCY_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** Upper bounds of the batch size histogram's buckets. */
    static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Histogram batchSizes = new Histogram(BATCH_BUCKETS);
    private final LongAdder swaps = new LongAdder();
    private final LongAdder loadFailures = new LongAdder();
    private final AtomicLong servedVersion = new AtomicLong();
    private final LongAdder inFlight = new LongAdder();

    /** One finished request. */
    public void request(String endpoint, int status, long nanos) {
        requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
        if (status >= 400) {
            errors.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
        }
        latency.computeIfAbsent(endpoint, k -> new Histogram(LATENCY_BUCKETS)).observe(nanos / 1e9);
    }

    /** One model call over {@code instances} instances. */
    public void batch(int instances) {
        batchSizes.observe(instances);
    }

    void inFlight(int delta) {
        inFlight.add(delta);
    }

    void served(long version, boolean swap) {
        servedVersion.set(version);
        if (swap) {
            swaps.increment();
        }
    }

    void loadFailure() {
        loadFailures.increment();
    }

    /** Requests counted so far for an endpoint and status code. */
    public long requests(String endpoint, int status) {
        LongAdder a = requests.get(endpoint + "\u0000" + status);
        return a == null ? 0 : a.sum();
    }

    /** Model calls so far and the instances they took: {calls, instances}. */
    public long[] batches() {
        return new long[] {batchSizes.count.sum(), Math.round(batchSizes.sum.sum())};
    }

    /** The Prometheus text exposition of every metric. */
    public String prometheus() {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("# HELP lamina_serving_requests_total HTTP requests served, by endpoint and status code.\n");
        sb.append("# TYPE lamina_serving_requests_total counter\n");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(requests).entrySet()) {
            String[] k = e.getKey().split("\u0000");
            sb.append("lamina_serving_requests_total{endpoint=\"").append(k[0]).append("\",code=\"").append(k[1]).append("\"} ")
                    .append(e.getValue().sum()).append('\n');
        }
        sb.append("# HELP lamina_serving_request_errors_total HTTP requests answered with a status of 400 or more, by endpoint.\n");
        sb.append("# TYPE lamina_serving_request_errors_total counter\n");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(errors).entrySet()) {
            sb.append("lamina_serving_request_errors_total{endpoint=\"").append(e.getKey()).append("\"} ")
                    .append(e.getValue().sum()).append('\n');
        }
        sb.append("# HELP lamina_serving_request_duration_seconds Time from request start to response, by endpoint.\n");
        sb.append("# TYPE lamina_serving_request_duration_seconds histogram\n");
        for (Map.Entry<String, Histogram> e : new TreeMap<>(latency).entrySet()) {
            e.getValue().write(sb, "lamina_serving_request_duration_seconds", "endpoint=\"" + e.getKey() + "\",");
        }
        sb.append("# HELP lamina_serving_batch_size Instances per model call (dynamic batching).\n");
        sb.append("# TYPE lamina_serving_batch_size histogram\n");
        batchSizes.write(sb, "lamina_serving_batch_size", "");
        sb.append("# HELP lamina_serving_in_flight_requests Requests being handled now.\n");
        sb.append("# TYPE lamina_serving_in_flight_requests gauge\n");
        sb.append("lamina_serving_in_flight_requests ").append(inFlight.sum()).append('\n');
        sb.append("# HELP lamina_serving_model_version The model version being served (0: none yet).\n");
        sb.append("# TYPE lamina_serving_model_version gauge\n");
        sb.append("lamina_serving_model_version ").append(servedVersion.get()).append('\n');
        sb.append("# HELP lamina_serving_version_swaps_total Times a newer version replaced the served one.\n");
        sb.append("# TYPE lamina_serving_version_swaps_total counter\n");
        sb.append("lamina_serving_version_swaps_total ").append(swaps.sum()).append('\n');
        sb.append("# HELP lamina_serving_version_load_failures_total Version directories that failed to load.\n");
        sb.append("# TYPE lamina_serving_version_load_failures_total counter\n");
        sb.append("lamina_serving_version_load_failures_total ").append(loadFailures.sum()).append('\n');
        return sb.toString();
    }

    /** A cumulative histogram with fixed upper bounds. */
    private static final class Histogram {
        private final double[] bounds;
        private final LongAdder[] counts;
        private final LongAdder overflow = new LongAdder();
        private final LongAdder count = new LongAdder();
        private final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new LongAdder[bounds.length];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double v) {
            int i = 0;
            while (i < bounds.length && !(v <= bounds[i])) {
                i++;
            }
            (i < bounds.length ? counts[i] : overflow).increment();
            count.increment();
            sum.add(v);
        }

        void write(StringBuilder sb, String name, String labels) {
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += counts[i].sum();
                sb.append(name).append("_bucket{").append(labels).append("le=\"").append(fmt(bounds[i])).append("\"} ")
                        .append(cumulative).append('\n');
            }
            long n = cumulative + overflow.sum();  // +Inf and _count from the same buckets, so they always agree
            sb.append(name).append("_bucket{").append(labels).append("le=\"+Inf\"} ").append(n).append('\n');
            String l = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
            sb.append(name).append("_sum").append(l).append(' ').append(fmt(sum.sum())).append('\n');
            sb.append(name).append("_count").append(l).append(' ').append(n).append('\n');
        }

        private static String fmt(double v) {
            return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : java.math.BigDecimal.valueOf(v).toPlainString();
        }
    }
}
