package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.losses.BinaryCrossentropy;
import dev.lamina.losses.CategoricalCrossentropy;
import dev.lamina.losses.Huber;
import dev.lamina.losses.Loss;
import dev.lamina.losses.MeanAbsoluteError;
import dev.lamina.losses.MeanSquaredError;
import dev.lamina.losses.SparseCategoricalCrossentropy;
import dev.lamina.optim.Adagrad;
import dev.lamina.optim.Adam;
import dev.lamina.optim.Optimizer;
import dev.lamina.optim.RMSprop;
import dev.lamina.optim.SGD;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.FallbackLog;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.cuda.GpuTestSupport;
import dev.lamina.backend.cuda.Precision;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every concrete layer of {@code dev.lamina.nn} runs forward and backward on the cuda backend
 * (emulated or real) on the backend's own kernels, and agrees with the reference backend (issue
 * #12: "every layer runs on cuda without fallback").
 *
 * <p>The list of layers is found by reflection over the package (its class files on the class
 * path): a concrete {@link Layer} subclass without a case in {@link #cases()} fails the test, so a
 * new layer cannot be forgotten. For each case, with the same weights (copied from the reference
 * run) and the same inputs, the cuda run must:
 * <ul>
 *   <li>log no fallback to a composition of primitives on cuda ({@link FallbackLog}), except the
 *       one expected where a case says so: the persistent LSTM/GRU sequence kernels serve H ≤ 64;
 *       above that the sequence runs step by step on cuda's fused cell kernels and matmuls (the
 *       issue's "one kernel per step"), which {@link FallbackLog} reports as the sequence kernel's
 *       composition; the per-step tape then never asks for the sequence backward kernel;</li>
 *   <li>leave every result on cuda, and allocate nothing on the reference or cpu backend (their
 *       bytes in use are unchanged at the end of the backward pass, before anything is freed);</li>
 *   <li>give the output, the gradients of Σ y ⊙ R (R fixed random) with respect to every float
 *       input and every trainable weight, and every weight after the call (batch-norm statistics),
 *       within {@value #TOL} relative error ‖cuda − ref‖/‖ref‖ of the reference backend (float32,
 *       {@link Precision#HIGHEST}: fp32 FMA against the reference's float64 accumulation). NaN never
 *       passes.</li>
 * </ul>
 * The same for every loss of {@code dev.lamina.losses} (value and gradient) and every optimizer of
 * {@code dev.lamina.optim} (three steps), also enumerated by reflection. The seed is
 * {@code -Dlamina.test.seed} (default 20261202) and is printed in every failure.
 */
@Tag("gpu")
class CudaEveryLayerGpuTest {
    private static final long SEED = Long.getLong("lamina.test.seed", 20261202L);
    /** Relative error allowed between cuda (fp32) and the reference backend. */
    private static final double TOL = 1e-5;

    /** One layer configuration and its inputs. */
    record Case(String name, Supplier<Layer> layer, List<long[]> inputs, long intInputRange, boolean training,
                Set<String> expectedFallbacks) {
        Case(String name, Supplier<Layer> layer, long[] input) {
            this(name, layer, List.of(input), 0, true, Set.of());
        }

        Case training(boolean t) {
            return new Case(name, layer, inputs, intInputRange, t, expectedFallbacks);
        }

        Case expecting(String... fallbacks) {
            return new Case(name, layer, inputs, intInputRange, training, Set.of(fallbacks));
        }
    }

    private static long[] s(long... d) {
        return d;
    }

    /** Every concrete layer class with its cases (a class may have several configurations). */
    static Map<Class<? extends Layer>, List<Case>> cases() {
        Map<Class<? extends Layer>, List<Case>> m = new LinkedHashMap<>();
        m.put(ActivationLayer.class, List.of(
                new Case("ActivationLayer(tanh)", () -> new ActivationLayer("tanh"), s(3, 5)),
                new Case("ActivationLayer(softmax)", () -> new ActivationLayer("softmax"), s(3, 4, 5))));
        m.put(Input.class, List.of(new Case("Input(4, 3)", () -> new Input(4, 3), s(2, 4, 3))));
        m.put(Dense.class, List.of(
                new Case("Dense(5, relu)", () -> new Dense(5, "relu"), s(4, 7)),
                new Case("Dense(3) on rank 3", () -> new Dense(3), s(2, 3, 6))));
        m.put(Dropout.class, List.of(
                new Case("Dropout(0.4, seed) training", () -> new Dropout(0.4, 7L), s(4, 9)),
                new Case("Dropout(0.4) inference", () -> new Dropout(0.4, 7L), s(4, 9)).training(false)));
        m.put(Flatten.class, List.of(new Case("Flatten", Flatten::new, s(2, 3, 2, 2))));
        m.put(Reshape.class, List.of(new Case("Reshape(6, 2)", () -> new Reshape(6, 2), s(2, 3, 4))));
        m.put(Embedding.class, List.of(
                new Case("Embedding(10, 4)", () -> new Embedding(10, 4), List.of(s(3, 5)), 10, true, Set.of())));
        m.put(BatchNormalization.class, List.of(
                new Case("BatchNormalization training", BatchNormalization::new, s(4, 3, 3, 2)),
                new Case("BatchNormalization inference", BatchNormalization::new, s(4, 5)).training(false)));
        m.put(Conv2D.class, List.of(
                new Case("Conv2D(4, 3, relu) valid", () -> new Conv2D(4, 3, "relu"), s(2, 6, 6, 2)),
                new Case("Conv2D(3, 3) strides 2 same", () -> new Conv2D(3, new int[] {3, 3}, new int[] {2, 2}, "same",
                        null), s(2, 7, 5, 2)),
                new Case("Conv2D(4, 2) dilation 2 groups 2", () -> new Conv2D(4, 2).dilationRate(2, 2).groups(2),
                        s(2, 6, 6, 4))));
        m.put(Conv1D.class, List.of(
                new Case("Conv1D(4, 3, relu)", () -> new Conv1D(4, 3, "relu"), s(2, 7, 3)),
                new Case("Conv1D(2, 2) strides 2 same", () -> new Conv1D(2, 2).strides(2).padding("same"),
                        s(2, 7, 3))));
        m.put(DepthwiseConv2D.class, List.of(
                new Case("DepthwiseConv2D(3, x2, relu)", () -> new DepthwiseConv2D(new int[] {3, 3}, 2, "relu"),
                        s(2, 5, 5, 2))));
        m.put(Conv2DTranspose.class, List.of(
                new Case("Conv2DTranspose(3, 2)", () -> new Conv2DTranspose(3, 2), s(2, 4, 4, 2)),
                new Case("Conv2DTranspose(2, 3) strides 2 same", () -> new Conv2DTranspose(2, new int[] {3, 3},
                        new int[] {2, 2}, "same", "relu"), s(2, 3, 4, 2))));
        m.put(MaxPooling2D.class, List.of(
                new Case("MaxPooling2D(2)", () -> new MaxPooling2D(2), s(2, 6, 6, 2)),
                new Case("MaxPooling2D(3, 2, same)", () -> new MaxPooling2D(new int[] {3, 3}, new int[] {2, 2}, "same"),
                        s(2, 5, 7, 2))));
        m.put(AveragePooling2D.class, List.of(
                new Case("AveragePooling2D(2)", () -> new AveragePooling2D(2), s(2, 6, 6, 2)),
                new Case("AveragePooling2D(3, 2, same)", () -> new AveragePooling2D(new int[] {3, 3}, new int[] {2, 2},
                        "same"), s(2, 5, 7, 2))));
        m.put(GlobalAveragePooling2D.class, List.of(
                new Case("GlobalAveragePooling2D", GlobalAveragePooling2D::new, s(2, 4, 3, 3))));
        m.put(GlobalMaxPooling2D.class, List.of(
                new Case("GlobalMaxPooling2D", GlobalMaxPooling2D::new, s(2, 4, 3, 3))));
        m.put(UpSampling2D.class, List.of(new Case("UpSampling2D(2)", () -> new UpSampling2D(2), s(2, 3, 2, 2))));
        m.put(ZeroPadding2D.class, List.of(new Case("ZeroPadding2D(1, 2)", () -> new ZeroPadding2D(1, 2),
                s(2, 3, 2, 2))));
        m.put(LSTM.class, List.of(
                new Case("LSTM(8)", () -> new LSTM(8), s(3, 5, 4)),
                new Case("LSTM(64, sequences) (the persistent kernel's largest H)", () -> new LSTM(64, true),
                        s(2, 3, 5)),
                new Case("LSTM(6, backwards) inference", () -> new LSTM(6).goBackwards(true), s(3, 5, 4))
                        .training(false),
                new Case("LSTM(72): H > 64, per-step cell kernels", () -> new LSTM(72), s(2, 3, 4))
                        .expecting("lstmSequenceForward")));
        m.put(GRU.class, List.of(
                new Case("GRU(8, sequences)", () -> new GRU(8, true), s(3, 5, 4)),
                new Case("GRU(6) inference", () -> new GRU(6), s(3, 5, 4)).training(false),
                new Case("GRU(72): H > 64, per-step cell kernels", () -> new GRU(72), s(2, 3, 4))
                        .expecting("gruSequenceForward")));
        m.put(SimpleRNN.class, List.of(new Case("SimpleRNN(5, sequences)", () -> new SimpleRNN(5, true), s(3, 4, 3))));
        m.put(Bidirectional.class, List.of(
                new Case("Bidirectional(LSTM(6, sequences))", () -> new Bidirectional(new LSTM(6, true)), s(2, 4, 3)),
                new Case("Bidirectional(GRU(5))", () -> new Bidirectional(new GRU(5)), s(2, 4, 3))));
        m.put(TimeDistributed.class, List.of(
                new Case("TimeDistributed(Dense(3))", () -> new TimeDistributed(new Dense(3)), s(2, 4, 5)),
                new Case("TimeDistributed(Conv2D(2, 3))", () -> new TimeDistributed(new Conv2D(2, 3)),
                        s(2, 3, 4, 4, 2))));
        List<long[]> two = List.of(s(3, 4), s(3, 4));
        m.put(Add.class, List.of(new Case("Add", Add::new, List.of(s(3, 4), s(3, 4), s(3, 4)), 0, true, Set.of())));
        m.put(Subtract.class, List.of(new Case("Subtract", Subtract::new, two, 0, true, Set.of())));
        m.put(Multiply.class, List.of(new Case("Multiply", Multiply::new, two, 0, true, Set.of())));
        m.put(Average.class, List.of(new Case("Average", Average::new, two, 0, true, Set.of())));
        m.put(Concatenate.class, List.of(new Case("Concatenate(-1)", Concatenate::new,
                List.of(s(3, 2, 4), s(3, 2, 3)), 0, true, Set.of())));
        m.put(Dot.class, List.of(
                new Case("Dot(1)", () -> new Dot(1), two, 0, true, Set.of()),
                new Case("Dot(2, 2, normalize)", () -> new Dot(2, 2, true, null), List.of(s(2, 3, 4), s(2, 5, 4)), 0,
                        true, Set.of())));
        return m;
    }

    private final CudaBackend cuda = CudaBackend.instance();
    private final List<String> fallbacks = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getMessage() != null && r.getMessage().startsWith(cuda.name() + ":")) {
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

    @BeforeEach
    void needsDevice() {
        GpuTestSupport.requireDevice();
        CudaBackend.setPrecision(Precision.HIGHEST);
        FallbackLog.LOG.addHandler(handler);
    }

    @AfterEach
    void detach() {
        FallbackLog.LOG.removeHandler(handler);
    }

    /** Forgets the fallbacks reported so far, so each case's first fallback logs again. */
    private void resetFallbacks() {
        try {
            java.lang.reflect.Method reset = FallbackLog.class.getDeclaredMethod("reset");
            reset.setAccessible(true);
            reset.invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        fallbacks.clear();
    }

    // ---- enumeration ---------------------------------------------------------------------------

    /** The concrete (non-abstract, non-interface, public) subclasses of {@code base} in {@code pkg}. */
    static <T> Set<String> concreteClasses(String pkg, Class<T> base) {
        Set<String> names = new TreeSet<>();
        String dir = pkg.replace('.', '/');
        try {
            Enumeration<URL> roots = Thread.currentThread().getContextClassLoader().getResources(dir);
            while (roots.hasMoreElements()) {
                URL url = roots.nextElement();
                List<String> files = new ArrayList<>();
                if ("file".equals(url.getProtocol())) {
                    try (Stream<Path> st = Files.list(Paths.get(url.toURI()))) {
                        st.forEach(p -> files.add(p.getFileName().toString()));
                    }
                } else if ("jar".equals(url.getProtocol())) {
                    var jar = ((JarURLConnection) url.openConnection()).getJarFile();
                    for (JarEntry e : java.util.Collections.list(jar.entries())) {
                        String n = e.getName();
                        if (n.startsWith(dir + "/") && n.indexOf('/', dir.length() + 1) < 0) {
                            files.add(n.substring(dir.length() + 1));
                        }
                    }
                }
                for (String f : files) {
                    if (!f.endsWith(".class")) {
                        continue;
                    }
                    Class<?> c = Class.forName(pkg + "." + f.substring(0, f.length() - ".class".length()), false,
                            CudaEveryLayerGpuTest.class.getClassLoader());
                    if (base.isAssignableFrom(c) && !c.isInterface() && !Modifier.isAbstract(c.getModifiers())
                            && Modifier.isPublic(c.getModifiers()) && !c.isAnonymousClass()) {
                        names.add(c.getName());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException | ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }

    @Test
    void everyConcreteLayerHasACase() {
        Set<String> found = concreteClasses("dev.lamina.nn", Layer.class);
        Set<String> listed = cases().keySet().stream().map(Class::getName).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(found.size() >= 25, "the package scan found too few layers (class path?): " + found);
        assertEquals(found, listed, "every concrete layer of dev.lamina.nn needs a case in CudaEveryLayerGpuTest.cases()");
    }

    // ---- layers --------------------------------------------------------------------------------

    /** Output, gradients (float inputs, then trainable weights), weights before and after, of one run. */
    record Run(float[] y, long[] yShape, List<float[]> grads, List<float[]> weightsBefore, List<float[]> weightsAfter,
               long refBytesDuring, long cpuBytesDuring, List<String> offDevice) {
    }

    private static List<Tensor> inputs(Case c) {
        List<Tensor> xs = new ArrayList<>();
        for (int i = 0; i < c.inputs().size(); i++) {
            long[] shape = c.inputs().get(i);
            int n = (int) dev.lamina.tensor.Shapes.numel(shape);
            if (c.intInputRange() > 0) {
                Rng r = new Rng(SEED + 31 * i);
                int[] ids = new int[n];
                for (int j = 0; j < n; j++) {
                    ids[j] = (int) r.nextLong(c.intInputRange());
                }
                xs.add(Tensor.of(ids, shape));
            } else {
                xs.add(Tensor.of(LayerChecks.randomFloats(SEED + 31 * i, n, -1.5, 1.5), shape));
            }
        }
        return xs;
    }

    /** Runs case c on be; with weights non-null, the layer's weights are set to them first. */
    private static Run run(Backend be, Case c, List<float[]> weights) {
        long refBase = Backends.reference().bytesInUse();
        long cpuBase = Backends.cpu().bytesInUse();
        try (Backends.Use u = Backends.use(be); Scope scope = Scope.open()) {
            Rng.setGlobalSeed(SEED);
            Layer l = c.layer().get();
            try {
                List<Tensor> xs = inputs(c);
                if (!(l instanceof Merge)) {
                    l.ensureBuilt(c.inputs().get(0));
                } else {
                    ((Merge) l).buildFor(c.inputs());
                }
                if (weights != null) {
                    l.setWeights(weights);
                }
                List<float[]> before = new ArrayList<>();
                for (Variable v : l.weights()) {
                    before.add(v.toFloatArray());
                }
                List<String> offDevice = new ArrayList<>();
                List<float[]> grads = new ArrayList<>();
                float[] yv;
                long[] ys;
                try (GradientTape tape = GradientTape.start()) {
                    List<Tensor> sources = new ArrayList<>();
                    for (Tensor x : xs) {
                        if (x.dtype().isFloating()) {
                            tape.watch(x);
                            sources.add(x);
                        }
                    }
                    sources.addAll(l.trainableWeights());
                    Tensor y = l instanceof Merge mg ? mg.apply(xs, c.training()) : l.apply(xs.get(0), c.training());
                    if (y.backend() != be) {
                        offDevice.add("output on " + y.backend().name());
                    }
                    yv = y.toFloatArray();
                    ys = y.shape();
                    Tensor r = Tensor.of(LayerChecks.randomFloats(4321, (int) y.numel(), -1, 1), y.shape());
                    Tensor loss = y.mul(r).sum();
                    List<Tensor> g = tape.gradient(loss, sources);
                    for (int i = 0; i < g.size(); i++) {
                        if (g.get(i) == null) {
                            throw new AssertionError(c.name() + ": no gradient for source " + i + ", seed " + SEED);
                        }
                        if (g.get(i).backend() != be) {
                            offDevice.add("gradient " + i + " on " + g.get(i).backend().name());
                        }
                        grads.add(g.get(i).toFloatArray());
                    }
                }
                List<float[]> after = new ArrayList<>();
                for (Variable v : l.weights()) {
                    if (v.backend() != be) {
                        offDevice.add("weight " + v.name() + " on " + v.backend().name());
                    }
                    after.add(v.toFloatArray());
                }
                // measured while every tensor of the run is still alive in the scope
                long refDuring = Backends.reference().bytesInUse() - refBase;
                long cpuDuring = Backends.cpu().bytesInUse() - cpuBase;
                return new Run(yv, ys, grads, before, after, refDuring, cpuDuring, offDevice);
            } finally {
                l.close();
            }
        }
    }

    private void check(Case c) {
        String what = c.name() + " (seed " + SEED + ")";
        Run ref = run(Backends.reference(), c, null);
        resetFallbacks();
        Run cu = run(cuda, c, ref.weightsBefore());
        Set<String> reported = new TreeSet<>();
        for (String f : fallbacks) {
            String kernel = f.substring(f.indexOf(':') + 1).trim();
            reported.add(kernel.substring(0, kernel.indexOf(' ')));
        }
        assertEquals(new TreeSet<>(c.expectedFallbacks()), reported, what + ": fallbacks on cuda " + fallbacks);
        assertTrue(cu.offDevice().isEmpty(), what + ": results off the cuda device " + cu.offDevice());
        assertEquals(0, cu.refBytesDuring(), what + ": reference-backend bytes allocated during the cuda run");
        assertEquals(0, cu.cpuBytesDuring(), what + ": cpu-backend bytes allocated during the cuda run");
        assertArrayEquals(ref.yShape(), cu.yShape(), what + ": output shape");
        double e = LayerChecks.relErr(cu.y(), ref.y());
        assertTrue(e <= TOL, what + ": forward relative error " + e + " > " + TOL);
        assertEquals(ref.grads().size(), cu.grads().size(), what + ": number of gradients");
        for (int i = 0; i < ref.grads().size(); i++) {
            double g = LayerChecks.relErr(cu.grads().get(i), ref.grads().get(i));
            assertTrue(g <= TOL, what + ": gradient " + i + " relative error " + g + " > " + TOL);
        }
        for (int i = 0; i < ref.weightsAfter().size(); i++) {
            double w = LayerChecks.relErr(cu.weightsAfter().get(i), ref.weightsAfter().get(i));
            assertTrue(w <= TOL, what + ": weight " + i + " after the call, relative error " + w + " > " + TOL);
        }
    }

    @Test
    void everyLayerRunsOnCudaAndMatchesTheReference() {
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (List<Case> cs : cases().values()) {
            for (Case c : cs) {
                n++;
                try {
                    check(c);
                } catch (AssertionError | RuntimeException e) {
                    failures.add(c.name() + ": " + e);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + n + " layer cases failed:\n"
                + String.join("\n", failures));
    }

    // ---- losses and optimizers -----------------------------------------------------------------

    /** Every concrete loss with its configurations; an int label count of 0 means float targets. */
    record LossCase(String name, Supplier<Loss> loss, boolean probabilities, int sparseClasses) {
    }

    static Map<Class<?>, List<LossCase>> lossCases() {
        Map<Class<?>, List<LossCase>> m = new LinkedHashMap<>();
        m.put(MeanSquaredError.class, List.of(new LossCase("MeanSquaredError", MeanSquaredError::new, false, 0)));
        m.put(MeanAbsoluteError.class, List.of(new LossCase("MeanAbsoluteError", MeanAbsoluteError::new, false, 0)));
        m.put(Huber.class, List.of(new LossCase("Huber(0.5)", () -> new Huber(0.5), false, 0)));
        m.put(BinaryCrossentropy.class, List.of(
                new LossCase("BinaryCrossentropy", BinaryCrossentropy::new, true, 0),
                new LossCase("BinaryCrossentropy(fromLogits)", () -> new BinaryCrossentropy(true), false, 0)));
        m.put(CategoricalCrossentropy.class, List.of(
                new LossCase("CategoricalCrossentropy", CategoricalCrossentropy::new, true, 0),
                new LossCase("CategoricalCrossentropy(fromLogits) (fused softmax cross-entropy)",
                        () -> new CategoricalCrossentropy(true), false, 0)));
        m.put(SparseCategoricalCrossentropy.class, List.of(
                new LossCase("SparseCategoricalCrossentropy", SparseCategoricalCrossentropy::new, true, 5),
                new LossCase("SparseCategoricalCrossentropy(fromLogits)", () -> new SparseCategoricalCrossentropy(true),
                        false, 5)));
        return m;
    }

    /** Every concrete optimizer with its configurations. */
    static Map<Class<?>, List<Map.Entry<String, Supplier<Optimizer>>>> optimizerCases() {
        Map<Class<?>, List<Map.Entry<String, Supplier<Optimizer>>>> m = new LinkedHashMap<>();
        m.put(SGD.class, List.of(Map.entry("SGD(0.1)", () -> new SGD(0.1)),
                Map.entry("SGD(0.1, momentum 0.9, nesterov)", () -> new SGD(0.1, 0.9, true))));
        m.put(Adam.class, List.of(Map.entry("Adam(0.01)", () -> new Adam(0.01)),
                Map.entry("Adam(0.01, amsgrad)", () -> new Adam(0.01, 0.9, 0.999, 1e-7, true))));
        m.put(RMSprop.class, List.of(Map.entry("RMSprop(0.01)", () -> new RMSprop(0.01)),
                Map.entry("RMSprop(0.01, momentum 0.5, centered)", () -> new RMSprop(0.01, 0.9, 0.5, 1e-7, true))));
        m.put(Adagrad.class, List.of(Map.entry("Adagrad(0.1)", () -> new Adagrad(0.1))));
        return m;
    }

    @Test
    void everyLossAndOptimizerHasACase() {
        assertEquals(concreteClasses("dev.lamina.losses", Loss.class),
                lossCases().keySet().stream().map(Class::getName).collect(Collectors.toCollection(TreeSet::new)),
                "every concrete loss of dev.lamina.losses needs a case");
        assertEquals(concreteClasses("dev.lamina.optim", Optimizer.class),
                optimizerCases().keySet().stream().map(Class::getName).collect(Collectors.toCollection(TreeSet::new)),
                "every concrete optimizer of dev.lamina.optim needs a case");
    }

    /** The loss's value and its gradient with respect to the predictions, on be. */
    private static List<float[]> lossRun(Backend be, LossCase c, List<String> offDevice) {
        int b = 6;
        int k = 5;
        try (Backends.Use u = Backends.use(be); Scope scope = Scope.open()) {
            Tensor pred = Tensor.of(LayerChecks.randomFloats(SEED + 1, b * k, -2, 2), b, k);
            if (c.probabilities()) {
                pred = c.sparseClasses() > 0 || c.name().startsWith("Categorical") ? pred.softmax(-1) : pred.sigmoid();
            }
            Tensor target;
            if (c.sparseClasses() > 0) {
                int[] ids = new int[b];
                Rng r = new Rng(SEED + 2);
                for (int i = 0; i < b; i++) {
                    ids[i] = (int) r.nextLong(c.sparseClasses());
                }
                target = Tensor.of(ids, b);
            } else if (c.name().startsWith("Categorical")) {
                float[] onehot = new float[b * k];
                Rng r = new Rng(SEED + 2);
                for (int i = 0; i < b; i++) {
                    onehot[i * k + (int) r.nextLong(k)] = 1f;
                }
                target = Tensor.of(onehot, b, k);
            } else if (c.name().startsWith("Binary")) {
                float[] t = LayerChecks.randomFloats(SEED + 2, b * k, 0, 1);
                for (int i = 0; i < t.length; i++) {
                    t[i] = t[i] < 0.5f ? 0f : 1f;
                }
                target = Tensor.of(t, b, k);
            } else {
                target = Tensor.of(LayerChecks.randomFloats(SEED + 2, b * k, -2, 2), b, k);
            }
            try (GradientTape tape = GradientTape.start()) {
                tape.watch(pred);
                Tensor loss = c.loss().get().compute(target, pred);
                Tensor g = tape.gradient(loss, List.of(pred)).get(0);
                if (loss.backend() != be || g.backend() != be) {
                    offDevice.add(c.name() + ": loss on " + loss.backend().name() + ", gradient on " + g.backend().name());
                }
                return List.of(loss.toFloatArray(), g.toFloatArray());
            }
        }
    }

    /** Two variables after three steps of the optimizer with fixed gradients, on be. */
    private static List<float[]> optimizerRun(Backend be, Supplier<Optimizer> factory, List<String> offDevice) {
        try (Backends.Use u = Backends.use(be); Scope scope = Scope.open(); Optimizer opt = factory.get()) {
            List<Variable> vars = List.of(new Variable(Tensor.of(LayerChecks.randomFloats(SEED + 3, 15, -1, 1), 5, 3)),
                    new Variable(Tensor.of(LayerChecks.randomFloats(SEED + 4, 3, -1, 1), 3)));
            for (int step = 0; step < 3; step++) {
                List<Tensor> grads = List.of(Tensor.of(LayerChecks.randomFloats(SEED + 10 + step, 15, -1, 1), 5, 3),
                        Tensor.of(LayerChecks.randomFloats(SEED + 20 + step, 3, -1, 1), 3));
                opt.apply(grads, vars);
            }
            List<float[]> out = new ArrayList<>();
            for (Variable v : vars) {
                if (v.backend() != be) {
                    offDevice.add("variable on " + v.backend().name());
                }
                out.add(v.toFloatArray());
                v.close();
            }
            return out;
        }
    }

    @Test
    void everyLossAndOptimizerRunsOnCudaAndMatchesTheReference() {
        List<String> failures = new ArrayList<>();
        List<String> offDevice = new ArrayList<>();
        resetFallbacks();
        for (List<LossCase> cs : lossCases().values()) {
            for (LossCase c : cs) {
                List<float[]> ref = lossRun(Backends.reference(), c, new ArrayList<>());
                List<float[]> cu = lossRun(cuda, c, offDevice);
                for (int i = 0; i < 2; i++) {
                    double e = LayerChecks.relErr(cu.get(i), ref.get(i));
                    if (!(e <= TOL)) {
                        failures.add(c.name() + (i == 0 ? " value" : " gradient") + ": relative error " + e);
                    }
                }
            }
        }
        for (var cs : optimizerCases().values()) {
            for (var c : cs) {
                List<float[]> ref = optimizerRun(Backends.reference(), c.getValue(), new ArrayList<>());
                List<float[]> cu = optimizerRun(cuda, c.getValue(), offDevice);
                for (int i = 0; i < ref.size(); i++) {
                    double e = LayerChecks.relErr(cu.get(i), ref.get(i));
                    if (!(e <= TOL)) {
                        failures.add(c.getKey() + " variable " + i + " after 3 steps: relative error " + e);
                    }
                }
            }
        }
        assertTrue(fallbacks.isEmpty(), "fallbacks on cuda: " + fallbacks + ", seed " + SEED);
        assertTrue(offDevice.isEmpty(), "results off the cuda device: " + offDevice + ", seed " + SEED);
        assertTrue(failures.isEmpty(), "seed " + SEED + ", tolerance " + TOL + ":\n" + String.join("\n", failures));
    }
}
