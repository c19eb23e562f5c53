package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.losses.Losses;
import dev.lamina.losses.MeanSquaredError;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Conv1D;
import dev.lamina.nn.Conv2D;
import dev.lamina.nn.Conv2DTranspose;
import dev.lamina.nn.Dense;
import dev.lamina.nn.DepthwiseConv2D;
import dev.lamina.nn.Flatten;
import dev.lamina.nn.GRU;
import dev.lamina.nn.GlobalAveragePooling2D;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.nn.Layer;
import dev.lamina.nn.MaxPooling2D;
import dev.lamina.optim.Adam;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Keras-style models train on cuda to the losses they reach on cpu (issue 12): the same seed, the
 * same data, the same initial weights; every epoch's loss within 1e-4 relative. Small models that
 * between them use every cuda kernel of a layer: the persistent LSTM and GRU sequence kernels (H ≤ 64,
 * forward and backward), the implicit-GEMM convolution through Conv2D, Conv1D, DepthwiseConv2D and
 * Conv2DTranspose, max and global pooling, the fused Adam step and softmax cross-entropy; no
 * fallback to a composition is reported on cuda during the fits.
 */
@Tag("gpu")
class CudaModelsTrainGpuTest {
    private static final long SEED = Long.getLong("lamina.test.seed", 20261202L);
    private static final double TOL = 1e-4;

    @BeforeEach
    void needsDevice() {
        GpuTestSupport.requireDevice();
    }

    /** Each epoch's loss of the model built by {@code layers} fitted on (x, y) on backend be. */
    private static List<Double> losses(Backend be, Supplier<Layer[]> layers, boolean classify, long[] xShape,
                                       int outputs, int epochs) {
        try (var u = Backends.use(be); Scope s = Scope.open()) {
            Rng.setGlobalSeed(SEED);
            Rng rng = new Rng(SEED + 1);
            Tensor x = rng.uniform(DType.FLOAT32, -1, 1, xShape);
            Tensor y;
            if (classify) {
                int n = (int) xShape[0];
                float[] onehot = new float[n * outputs];
                for (int i = 0; i < n; i++) {
                    onehot[i * outputs + (int) rng.nextLong(outputs)] = 1f;
                }
                y = Tensor.of(onehot, n, outputs);
            } else {
                y = rng.uniform(DType.FLOAT32, -1, 1, xShape[0], outputs);
            }
            try (Sequential m = new Sequential(layers.get())) {
                m.setOutput(new PrintStream(OutputStream.nullOutputStream()));
                m.compile(new Adam(1e-2), classify ? Losses.categoricalCrossentropy(true) : new MeanSquaredError());
                History h = m.fit(x, y, new FitOptions().epochs(epochs).batchSize(4).verbose(0).seed(SEED));
                return h.get("loss");
            }
        }
    }

    private static void sameLosses(String what, Supplier<Layer[]> layers, boolean classify, long[] xShape, int outputs) {
        List<Double> cpu = losses(Backends.cpu(), layers, classify, xShape, outputs, 3);
        // every layer runs on cuda's own kernels: no fallback to a composition is reported during the fit
        List<String> fallbacks = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getMessage() != null && r.getMessage().startsWith(CudaBackend.instance().name() + ":")) {
                    fallbacks.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        List<Double> cuda;
        try {
            java.lang.reflect.Method reset = dev.lamina.backend.FallbackLog.class.getDeclaredMethod("reset");
            reset.setAccessible(true);
            reset.invoke(null);
            dev.lamina.backend.FallbackLog.LOG.addHandler(h);
            cuda = losses(CudaBackend.instance(), layers, classify, xShape, outputs, 3);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        } finally {
            dev.lamina.backend.FallbackLog.LOG.removeHandler(h);
        }
        assertTrue(fallbacks.isEmpty(), what + ": cuda fell back to compositions: " + fallbacks);
        assertEquals(cpu.size(), cuda.size(), what);
        for (int e = 0; e < cpu.size(); e++) {
            double rel = Math.abs(cuda.get(e) - cpu.get(e)) / Math.max(1e-12, Math.abs(cpu.get(e)));
            assertTrue(rel <= TOL, what + ": epoch " + (e + 1) + " loss cpu " + cpu.get(e) + " cuda " + cuda.get(e)
                    + " (relative " + rel + " > " + TOL + "), seed " + SEED);
        }
        assertTrue(cpu.get(cpu.size() - 1) < cpu.get(0), what + ": the loss falls " + cpu);
    }

    @Test
    void recurrentModelsTrainToTheCpuLosses() {
        sameLosses("LSTM(8)-Dense(2)", () -> new Layer[] {new Input(5, 3), new LSTM(8), new Dense(2)}, false,
                new long[] {12, 5, 3}, 2);
        sameLosses("GRU(8, sequences)-GRU(6)-Dense(2)", () -> new Layer[] {new Input(5, 3), new GRU(8, true),
                new GRU(6), new Dense(2)}, false, new long[] {12, 5, 3}, 2);
    }

    @Test
    void convolutionModelsTrainToTheCpuLosses() {
        sameLosses("Conv2D-MaxPool-Flatten-Dense softmax", () -> new Layer[] {new Input(6, 6, 2),
                new Conv2D(4, 3, "relu"), new MaxPooling2D(2), new Flatten(), new Dense(3)}, true,
                new long[] {8, 6, 6, 2}, 3);
        sameLosses("DepthwiseConv2D-Conv2DTranspose-GlobalAvgPool-Dense", () -> new Layer[] {new Input(5, 5, 2),
                new DepthwiseConv2D(new int[] {3, 3}, 2, "relu"), new Conv2DTranspose(3, 2),
                new GlobalAveragePooling2D(), new Dense(2)}, false, new long[] {8, 5, 5, 2}, 2);
        sameLosses("Conv1D-Flatten-Dense", () -> new Layer[] {new Input(7, 3), new Conv1D(4, 3, "relu"), new Flatten(),
                new Dense(2)}, false, new long[] {8, 7, 3}, 2);
    }
}
