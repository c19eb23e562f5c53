package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.data.Digits;
import dev.lamina.data.ImageOps;
import dev.lamina.examples.DigitsCnn;
import dev.lamina.losses.Losses;
import dev.lamina.models.FitOptions;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.GRU;
import dev.lamina.nn.Initializers;
import dev.lamina.nn.LSTM;
import dev.lamina.nn.RecurrentLayer.RecurrentConfig;
import dev.lamina.optim.Adam;
import dev.lamina.parity.ParityRunner;
import dev.lamina.ops.ConvOps;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.testing.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The fallback path end to end: the reason is logged once, Keras-style models train under a
 * backend that declines every fused kernel to the same losses as on cpu (within 1e-4), the parity
 * cases pass on it, and a named backend that cannot run is one clear line from the CLI.
 */
class FallbackPathTest {

    private static <T> T on(Backend b, Supplier<T> body) {
        try (Backends.Use u = Backends.use(b)) {
            return body.get();
        }
    }

    /** Collects the messages of the fallback logger while it runs. */
    private static List<String> logged(Runnable body) {
        return LogCapture.messages(FallbackLog.LOG, body);
    }

    private static long count(List<String> messages, String part) {
        return messages.stream().filter(m -> m.contains(part)).count();
    }

    @Test
    void theReasonIsLoggedOncePerBackendKernelAndReason() {
        DecliningBackend all = DecliningBackend.all(Backends.cpu(), "log-once-all");
        DecliningBackend some = DecliningBackend.some(Backends.cpu(), "log-once-some");
        Runnable convTwice = () -> {
            for (int i = 0; i < 3; i++) {
                try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
                    Tensor x = Tensor.ones(DType.FLOAT32, 1, 5, 5, 2), k = Tensor.ones(DType.FLOAT32, 3, 3, 2, 2);
                    tape.watch(x, k);
                    Tensor y = ConvOps.conv2d(x, k, new int[] {2, 2}, "same");
                    tape.gradient(y.sum(), x, k);
                }
            }
        };
        List<String> m = logged(() -> on(all, () -> {
            convTwice.run();
            return null;
        }));
        assertEquals(1, count(m, "log-once-all: conv2dForward runs as a composition of primitives: declined by the"
                + " test backend"), m.toString());
        assertEquals(1, count(m, "log-once-all: conv2dBackwardInput runs as a composition"), m.toString());
        assertEquals(1, count(m, "log-once-all: conv2dBackwardFilter runs as a composition"), m.toString());
        assertEquals(3, m.size(), m.toString());
        // the same kernels again: nothing new
        assertTrue(logged(() -> on(all, () -> {
            convTwice.run();
            return null;
        })).isEmpty());
        // per-call reasons: the strided float32 convolution and a float64 one are declined for two reasons
        List<String> m2 = logged(() -> on(some, () -> {
            convTwice.run();
            try (Scope s = Scope.open()) {
                ConvOps.conv2d(Tensor.ones(DType.FLOAT64, 1, 4, 4, 1), Tensor.ones(DType.FLOAT64, 2, 2, 1, 1),
                        new int[] {1, 1}, "valid");
                ConvOps.conv2d(Tensor.ones(DType.FLOAT32, 1, 4, 4, 1), Tensor.ones(DType.FLOAT32, 2, 2, 1, 1),
                        new int[] {1, 1}, "valid");
            }
            return null;
        }));
        assertEquals(1, count(m2, "log-once-some: conv2dForward runs as a composition of primitives: plain"
                + " convolutions only"), m2.toString());
        assertEquals(1, count(m2, "log-once-some: conv2dForward runs as a composition of primitives: float32 only"),
                m2.toString());
        assertEquals(4, m2.size(), m2.toString());
        assertTrue(FallbackLog.report(all, "someKernel", "a reason"));
        assertFalse(FallbackLog.report(all, "someKernel", "a reason"));
    }

    /** Epoch losses of a model trained on one backend (weights from the global seed, Adam). */
    private static List<Double> train(Backend be, Supplier<Sequential> build, Supplier<Tensor[]> data, int epochs,
                                      String loss) {
        return on(be, () -> {
            long base = be.bytesInUse();
            List<Double> losses;
            try (Scope s = Scope.open()) {
                Rng.setGlobalSeed(5);
                Tensor[] xy = data.get();
                try (Sequential m = build.get()) {
                    m.setOutput(new PrintStream(OutputStream.nullOutputStream()));
                    m.compile(new Adam(3e-3), Losses.get(loss));
                    losses = m.fit(xy[0], xy[1], new FitOptions().epochs(epochs).batchSize(32).seed(6).verbose(0))
                            .get("loss");
                }
            }
            assertEquals(base, be.bytesInUse(), be.name() + " returns to its memory baseline");
            return losses;
        });
    }

    private static void assertSameLosses(List<Double> want, List<Double> got, String what) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertTrue(Math.abs(want.get(i) - got.get(i)) <= 1e-4, what + " epoch " + i + ": cpu " + want.get(i)
                    + ", composed " + got.get(i));
            assertTrue(Double.isFinite(got.get(i)));
        }
        assertTrue(got.get(got.size() - 1) < got.get(0), what + " learns: " + got);
    }

    /** The digits CNN (conv + bias + ReLU, max pooling, Adam) trains to cpu's losses without any fused kernel. */
    @Test
    void theDigitsCnnTrainsToTheSameLossesWithoutFusedKernels() {
        Supplier<Tensor[]> data = () -> {
            Digits.Split split = Digits.load(DigitsCnn.DATA).trainTestSplit(0.2, 3, true);
            Tensor x = split.train().imagesTensor().div(16.0).slice(0, 0, 320);
            Tensor y = ImageOps.toCategorical(split.train().labels(), Digits.CLASSES).slice(0, 0, 320);
            return new Tensor[] {x, y};
        };
        List<Double> cpu = train(Backends.cpu(), DigitsCnn::build, data, 3, "categorical_crossentropy");
        DecliningBackend none = DecliningBackend.all(Backends.cpu(), "no-fused-cpu");
        assertSameLosses(cpu, train(none, DigitsCnn::build, data, 3, "categorical_crossentropy"), "digits CNN");
    }

    /** An LSTM and a GRU forecaster of sine waves train to cpu's losses without any fused kernel. */
    @Test
    void recurrentModelsTrainToTheSameLossesWithoutFusedKernels() {
        int n = 96, t = 8;
        Supplier<Tensor[]> data = () -> {
            double[] xs = new double[n * t], ys = new double[n];
            for (int i = 0; i < n; i++) {
                double phase = 0.37 * i;
                for (int k = 0; k < t; k++) {
                    xs[i * t + k] = Math.sin(0.4 * k + phase);
                }
                ys[i] = Math.sin(0.4 * t + phase);
            }
            return new Tensor[] {Tensor.of(xs, n, t, 1).cast(DType.FLOAT32), Tensor.of(ys, n, 1).cast(DType.FLOAT32)};
        };
        Supplier<Sequential> lstm = () -> new Sequential(
                new LSTM(new RecurrentConfig(8).seed(1).kernelInitializer(Initializers.glorotUniform(2L))
                        .recurrentInitializer(Initializers.orthogonal(1.0, 3L))),
                new Dense(1).kernelInitializer(Initializers.glorotUniform(4L)));
        Supplier<Sequential> gru = () -> new Sequential(
                new GRU(new RecurrentConfig(8).seed(1).kernelInitializer(Initializers.glorotUniform(2L))
                        .recurrentInitializer(Initializers.orthogonal(1.0, 3L))),
                new Dense(1).kernelInitializer(Initializers.glorotUniform(4L)));
        DecliningBackend none = DecliningBackend.all(Backends.cpu(), "no-fused-cpu-rnn");
        assertSameLosses(train(Backends.cpu(), lstm, data, 4, "mse"), train(none, lstm, data, 4, "mse"), "LSTM");
        assertSameLosses(train(Backends.cpu(), gru, data, 4, "mse"), train(none, gru, data, 4, "mse"), "GRU");
    }

    /** Every parity case passes on the reference and cpu backends with every fused kernel declined. */
    @Test
    void parityCasesPassWithoutFusedKernels() throws Exception {
        Path cases = Files.isDirectory(Paths.get("data", "parity", "cases")) ? Paths.get("data", "parity", "cases")
                : Paths.get("..", "shared", "parity", "cases");
        Assumptions.assumeTrue(Files.isDirectory(cases), "no parity cases at " + cases.toAbsolutePath());
        List<Backend> declining = List.of(DecliningBackend.all(Backends.reference(), "parity-declining-reference"),
                DecliningBackend.all(Backends.cpu(), "parity-declining-cpu"));
        List<String> lines = new ArrayList<>();
        List<ParityRunner.Result> results = new ParityRunner(ParityRunner.DEFAULT_TOLERANCE, declining,
                r -> lines.add(r.line())).run(List.of(cases));
        List<ParityRunner.Result> failed = results.stream().filter(r -> r.status() == ParityRunner.Status.FAIL)
                .collect(Collectors.toList());
        assertTrue(failed.isEmpty(), String.join("\n", lines));
        for (String op : List.of("conv2d", "max_pool2d", "avg_pool2d", "lstm", "gru")) {
            for (Backend b : declining) {
                assertTrue(results.stream().anyMatch(r -> r.op().equals(op) && r.backend().equals(b.name())
                        && r.status() == ParityRunner.Status.PASS && r.check().startsWith("grad.")),
                        op + " gradients checked on " + b.name() + ":\n" + String.join("\n", lines));
            }
        }
    }

    /** Without a setting the default is cuda where a device is usable, else cpu. */
    @Test
    void theDefaultFallsBackToCpuWithoutADevice() {
        String property = System.getProperty("lamina.backend");
        Assumptions.assumeTrue((property == null || property.isBlank()) && System.getenv("LAMINA_BACKEND") == null,
                "a backend is named in this JVM's settings");
        Backend before = Backends.defaultBackend();
        try {
            Backends.setDefault(null);
            assertSame(Backends.cuda().isAvailable() ? Backends.cuda() : Backends.cpu(), Backends.defaultBackend());
        } finally {
            Backends.setDefault(before);
        }
    }

    /**
     * LAMINA_BACKEND=cuda on a machine without a usable device: the CLI prints one line naming the
     * setting and the probe's reason, no stack trace, and exits with 2 (a child JVM, real environment).
     */
    @Test
    void namingAnUnusableCudaIsOneLineAndExitCode2FromTheCli() throws Exception {
        Assumptions.assumeFalse(CudaBackend.instance().isAvailable(), "this machine has a usable CUDA device");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "dev.lamina.cli.Main", "forecast", "--epochs", "1");
        pb.environment().put("LAMINA_BACKEND", "cuda");
        pb.environment().remove("LAMINA_CUDA");
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        Thread o = new Thread(() -> copy(p.getInputStream(), out)), e = new Thread(() -> copy(p.getErrorStream(), err));
        o.start();
        e.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the CLI did not exit");
        o.join();
        e.join();
        String stderr = err.toString(StandardCharsets.UTF_8).strip();
        assertEquals(2, p.exitValue(), stderr);
        assertEquals(1, stderr.lines().count(), stderr);
        assertTrue(stderr.startsWith("lamina forecast: LAMINA_BACKEND=cuda: "), stderr);
        assertTrue(stderr.contains(CudaBackend.unavailableReason()), stderr);
        assertFalse(stderr.contains("\tat ") || stderr.contains("Exception"), stderr);
    }

    private static void copy(java.io.InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
