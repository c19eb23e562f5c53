package dev.lamina.serving;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.forecast.Forecaster;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Input;
import dev.lamina.nn.Layer;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded model version: the model (and, for a saved forecaster, the forecaster around it), its
 * signature (input and output names, sample shapes, dtypes), the {@link Batcher} worker that runs it,
 * and a reference count.
 *
 * <p>Lifetime: the count starts at 1, the registry's own reference. Each request {@link #tryAcquire
 * acquires} it and {@link #release releases} it when answered; {@link #retire} drops the registry's
 * reference when a newer version replaces this one. The version is closed (worker stopped, weights
 * freed) when the count reaches 0, that is after its last in-flight request; a retired version can't
 * be acquired again.
 *
 * <p>A version directory is either a saved model ({@code config.json} + {@code model.weights.safetensors},
 * as {@link Model#save} writes) or a saved forecaster ({@code forecaster.json} + {@code model/}, as
 * {@code lamina forecast} writes into {@code out/forecast-CITY/forecaster}).
 */
final class Servable {
    final long version;
    final Path dir;
    final Model model;
    /** The forecaster of a saved forecaster directory, else null. */
    final Forecaster forecaster;
    final String inputName;
    final String outputName;
    /** Shape of one input instance (-1 where any size fits). */
    final long[] inputShape;
    /** Shape of one output instance (-1 where it depends on the input). */
    final long[] outputShape;
    final DType dtype;
    final Batcher batcher;
    private final AtomicInteger refs = new AtomicInteger(1);

    private Servable(long version, Path dir, Sequential model, Forecaster forecaster, ServerConfig cfg, ServingMetrics metrics) {
        this.version = version;
        this.dir = dir;
        this.model = model;
        this.forecaster = forecaster;
        for (Layer l : model.layers()) {
            if (Boolean.TRUE.equals(l.config().get("stateful"))) {
                // its state would run from one client's request into the next's
                throw new IllegalArgumentException(dir + ": layer " + l.name() + " is a stateful RNN, which cannot serve "
                        + "independent requests; save it with stateful=false");
            }
        }
        Input in = model.input();
        long[] batchShape = in != null ? in.batchShape() : firstBuiltShape(model);
        if (batchShape == null) {
            throw new IllegalArgumentException(dir + ": the model has no Input layer and is not built, so its input shape is unknown");
        }
        this.inputShape = java.util.Arrays.copyOfRange(batchShape, 1, batchShape.length);
        this.inputName = in != null ? in.name() : "input";
        long[] s = batchShape;
        Layer last = null;
        for (Layer l : model.layers()) {
            if (l != in) {
                s = l.outputShape(s);
                last = l;
            }
        }
        this.outputShape = java.util.Arrays.copyOfRange(s, 1, s.length);
        this.outputName = last == null ? "output" : last.name();
        this.dtype = model.weights().isEmpty() ? DType.FLOAT32 : model.weights().get(0).dtype();
        if (dtype != DType.FLOAT32) {
            throw new IllegalArgumentException(dir + ": serving takes float32 models, this one holds " + dtype + " weights");
        }
        Backend backend = model.weights().isEmpty() ? Backends.current() : model.weights().get(0).backend();
        warmUp(backend);
        this.batcher = new Batcher(model, backend, cfg.maxBatch(), TimeUnit.MICROSECONDS.toNanos(cfg.batchTimeoutMicros()),
                metrics, "lamina-serving-" + cfg.name() + "-v" + version);
    }

    /** The batch input shape of the first built layer, or null. */
    private static long[] firstBuiltShape(Sequential model) {
        return model.layers().isEmpty() ? null : model.layers().get(0).builtInputShape();
    }

    /** One all-zero instance through the model: surfaces a model that cannot run before it is served. */
    private void warmUp(Backend backend) {
        long[] shape = new long[inputShape.length + 1];
        shape[0] = 1;
        for (int i = 0; i < inputShape.length; i++) {
            shape[i + 1] = inputShape[i] < 0 ? 1 : inputShape[i];
        }
        try (Backends.Use u = Backends.use(backend); Scope s = Scope.open()) {
            model.predict(Tensor.zeros(DType.FLOAT32, shape), 1);
        }
    }

    /**
     * Loads version {@code version} from {@code dir}. Throws (IllegalArgumentException,
     * UncheckedIOException, ...) when the directory is not a complete saved model.
     */
    static Servable load(long version, Path dir, ServerConfig cfg, ServingMetrics metrics) {
        if (Files.exists(dir.resolve("forecaster.json"))) {
            Forecaster f = Forecaster.load(dir);
            try {
                return new Servable(version, dir, f.model(), f, cfg, metrics);
            } catch (RuntimeException | Error e) {
                f.close();
                throw e;
            }
        }
        if (!Files.exists(dir.resolve("config.json"))) {
            throw new IllegalArgumentException(dir + " holds neither a saved model (config.json) nor a saved forecaster (forecaster.json)");
        }
        Model loaded = Model.load(dir);
        if (!(loaded instanceof Sequential)) {
            String kind = loaded.getClass() == Model.class ? "functional" : "subclassed (" + loaded.getClass().getName() + ")";
            loaded.close();
            throw new IllegalArgumentException(dir + " holds a " + kind + " model: serving takes Sequential models and "
                    + "forecasters (functional and subclassed models are not served yet)");
        }
        Sequential m = (Sequential) loaded;
        try {
            return new Servable(version, dir, m, null, cfg, metrics);
        } catch (RuntimeException | Error e) {
            m.close();
            throw e;
        }
    }

    /** Takes a reference for one request; false when the version is already retired and unloading. */
    boolean tryAcquire() {
        while (true) {
            int n = refs.get();
            if (n <= 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back a reference; the last one closes the version. */
    void release() {
        if (refs.decrementAndGet() == 0) {
            close();
        }
    }

    /** Drops the registry's reference: the version closes after its last in-flight request. */
    void retire() {
        release();
    }

    private void close() {
        batcher.close();
        if (forecaster != null) {
            forecaster.close();
        } else {
            model.close();
        }
    }
}
