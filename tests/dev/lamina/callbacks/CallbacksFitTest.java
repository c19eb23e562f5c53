package dev.lamina.callbacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.io.HostTensor;
import dev.lamina.io.Safetensors;
import dev.lamina.io.SafetensorsFile;
import dev.lamina.metrics.Metrics;
import dev.lamina.models.FitOptions;
import dev.lamina.models.History;
import dev.lamina.models.Sequential;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Callbacks driven by a real Model.fit (cpu backend) with test-only layer, loss and optimizer. */
class CallbacksFitTest {
    private Backends.Use use;
    private Backend cpu;
    private dev.lamina.testing.LeakBaseline baseline;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() {
        cpu = Backends.cpu();
        use = Backends.use(cpu);
        baseline = dev.lamina.testing.LeakBaseline.of(cpu);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        try {
            baseline.assertNoLeak("bytes held after the test");
        } finally {
            use.close();   // a failed check must not leave this thread on the cpu backend
        }
    }

    private <T extends AutoCloseable> T own(T t) {
        toClose.add(t);
        return t;
    }

    private Sequential model(String layerName, double w0, double b0, double lr, MseLoss loss) {
        Sequential m = own(new Sequential(new Affine(layerName, 1, w0, b0)));
        m.compile(new PlainSgd(lr), loss);
        return m;
    }

    private Tensor column(double... v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return own(Tensor.of(f, v.length, 1));
    }

    private static float[] weightsOf(Sequential m) {
        List<Variable> ws = m.weights();
        return new float[] {ws.get(0).toFloatArray()[0], ws.get(1).toFloatArray()[0]};
    }

    @Test
    void earlyStoppingStopsPatienceEpochsAfterTheBestAndRestoresItsWeights() {
        // train on y = 2x, validate on y = x: from w = 0 the validation loss falls while w < ~1, then rises
        Tensor x = column(1, 2, 3, 4);
        Tensor y = column(2, 4, 6, 8);
        Tensor yVal = column(1, 2, 3, 4);
        Sequential m = model("affine", 0, 0, 0.01, new MseLoss());
        List<float[]> weightsAtEpochEnd = new ArrayList<>();
        Callback recorder = LambdaCallback.builder().onEpochEnd((e, logs) -> weightsAtEpochEnd.add(weightsOf(m))).build();
        EarlyStopping es = new EarlyStopping().patience(2).restoreBestWeights(true);
        History h = m.fit(x, y, new FitOptions().epochs(50).batchSize(4).shuffle(false).verbose(0)
                .validationData(x, yVal).callbacks(recorder, es));
        List<Double> val = h.get("val_loss");
        int best = 0;
        for (int i = 1; i < val.size(); i++) {
            if (val.get(i) < val.get(best)) {
                best = i;
            }
        }
        assertTrue(best >= 2, "the scenario should improve for a few epochs first: " + val);
        for (int i = 1; i <= best; i++) {
            assertTrue(val.get(i) < val.get(i - 1), "val_loss falls until the best epoch: " + val);
        }
        for (int i = best + 1; i < val.size(); i++) {
            assertTrue(val.get(i) > val.get(i - 1), "then rises: " + val);
        }
        assertEquals(best, es.bestEpoch());
        assertEquals(best + 2, es.stoppedEpoch(), "patience 2: stops two epochs after the best");
        assertEquals(best + 3, val.size(), "no epoch after the stop");
        assertArrayEquals(weightsAtEpochEnd.get(best), weightsOf(m), "weights of the best epoch, bit for bit");
        assertFalse(java.util.Arrays.equals(weightsAtEpochEnd.get(val.size() - 1), weightsOf(m)));
    }

    @Test
    void terminateOnNaNStopsAfterTheBadBatch() {
        Tensor x = column(1, 2, 3, 4, 5, 6, 7, 8);
        Tensor y = column(1, 2, 3, 4, 5, 6, 7, 8);
        MseLoss loss = new MseLoss();
        Sequential m = model("affine", 0.5, 0, 0.001, loss);
        AtomicInteger epoch = new AtomicInteger();
        List<String> batchesEnded = new ArrayList<>();
        Callback poisoner = LambdaCallback.builder()
                .onEpochBegin((e, logs) -> epoch.set(e))
                .onBatchBegin((b, logs) -> loss.poison = epoch.get() == 1 && b == 2)
                .onBatchEnd((b, logs) -> batchesEnded.add(epoch.get() + ":" + b))
                .build();
        TerminateOnNaN t = new TerminateOnNaN();
        History h = m.fit(x, y, new FitOptions().epochs(5).batchSize(2).shuffle(false).verbose(0).callbacks(poisoner, t));
        assertTrue(t.terminated());
        assertEquals(1, t.terminatedEpoch());
        assertEquals(2, t.terminatedBatch());
        assertEquals(List.of("0:0", "0:1", "0:2", "0:3", "1:0", "1:1", "1:2"), batchesEnded, "no batch after the NaN one");
        assertEquals(List.of(0, 1), h.epochs());
        assertTrue(Double.isFinite(h.get("loss").get(0)));
        assertTrue(Double.isNaN(h.get("loss").get(1)));
    }

    @Test
    void learningRateSchedulerSetsTheRateBeforeEachEpoch() {
        Tensor x = column(1);
        Tensor y = column(1);
        Sequential m = model("affine", 0, 0, 123, new MseLoss());
        List<Double> ratesSeen = new ArrayList<>();
        List<Double> logged = new ArrayList<>();
        Callback probe = LambdaCallback.builder()
                .onBatchBegin((b, logs) -> ratesSeen.add(m.optimizer().learningRate()))
                .onEpochEnd((e, logs) -> logged.add(logs.get("learning_rate")))
                .build();
        LearningRateScheduler s = new LearningRateScheduler((epoch, lr) -> 0.1 * Math.pow(0.5, epoch));
        m.fit(x, y, new FitOptions().epochs(3).batchSize(1).shuffle(false).verbose(0).callbacks(s, probe));
        assertEquals(List.of(0.1, 0.05, 0.025), ratesSeen);
        assertEquals(List.of(0.1, 0.05, 0.025), logged);
        // hand-computed SGD on loss (w + b − 1)²: both gradients 2(w + b − 1)
        double w = 0;
        double b = 0;
        for (double lr : new double[] {0.1, 0.05, 0.025}) {
            double g = 2 * (w + b - 1);
            w -= lr * g;
            b -= lr * g;
        }
        float[] got = weightsOf(m);
        assertEquals(w, got[0], 1e-6);
        assertEquals(b, got[1], 1e-6);
        assertTrue(w > 0.2, "the schedule's rates moved the weights: " + w);
    }

    @Test
    void csvLoggerWritesOneRowPerEpochAndAppends(@TempDir Path dir) throws Exception {
        Tensor x = column(1, 2, 3, 4);
        Tensor y = column(2, 4, 6, 8);
        Sequential m = model("affine", 0, 0, 0.01, new MseLoss());
        m.compile(m.optimizer(), m.loss(), Metrics.get("mae"));
        Path csv = dir.resolve("logs/train.csv");
        History h = m.fit(x, y, new FitOptions().epochs(3).batchSize(2).shuffle(false).verbose(0).validationData(x, x)
                .callbacks(new CSVLogger(csv.toString())));
        List<String> lines = Files.readAllLines(csv);
        assertEquals("epoch,loss,mae,val_loss,val_mae", lines.get(0));
        assertEquals(4, lines.size());
        String[] keys = {"loss", "mae", "val_loss", "val_mae"};
        for (int e = 0; e < 3; e++) {
            String[] f = lines.get(e + 1).split(",");
            assertEquals(Integer.toString(e), f[0]);
            for (int k = 0; k < keys.length; k++) {
                assertEquals(h.get(keys[k]).get(e), Double.parseDouble(f[k + 1]), 0.0, keys[k] + " epoch " + e);
            }
        }
        // append: no second header, rows of the new run follow
        h = m.fit(x, y, new FitOptions().epochs(2).batchSize(2).shuffle(false).verbose(0).validationData(x, x)
                .callbacks(new CSVLogger(csv, ",", true)));
        lines = Files.readAllLines(csv);
        assertEquals(6, lines.size());
        assertEquals(1, lines.stream().filter(l -> l.startsWith("epoch")).count());
        assertTrue(lines.get(4).startsWith("0,") && lines.get(5).startsWith("1,"));
        assertEquals(h.get("val_mae").get(1), Double.parseDouble(lines.get(5).split(",")[4]), 0.0);
        // without append the file starts over
        m.fit(x, y, new FitOptions().epochs(1).batchSize(2).shuffle(false).verbose(0).callbacks(new CSVLogger(csv)));
        lines = Files.readAllLines(csv);
        assertEquals(List.of("epoch", "loss", "mae"), List.of(lines.get(0).split(",")));
        assertEquals(2, lines.size());
    }

    @Test
    void modelCheckpointFilesAreNeverPartial(@TempDir Path dir) throws Exception {
        int n = 64;
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = i / 16.0;
        }
        Tensor x = column(xs);
        Tensor y = column(xs);
        Sequential m = model("affine", 0, 0, 0.01, new MseLoss());
        Path target = dir.resolve("ckpt/model.safetensors");
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread watcher = new Thread(() -> {
            while (!done.get()) {
                try {
                    byte[] bytes = Files.readAllBytes(target);
                    SafetensorsFile f = Safetensors.read(bytes, target.toString());
                    HostTensor k = f.tensors().get("affine/kernel");
                    if (k == null || k.shape().length != 2 || f.tensors().size() != 2) {
                        throw new AssertionError("incomplete checkpoint: " + f.tensors().keySet());
                    }
                    reads.incrementAndGet();
                } catch (NoSuchFileException absent) {
                    // not written yet: fine
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        });
        List<String> mismatches = new ArrayList<>();
        Callback check = LambdaCallback.builder().onEpochEnd((e, logs) -> {
            SafetensorsFile f = Safetensors.read(target);
            float w = f.tensors().get("affine/kernel").data().order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
            if (w != weightsOf(m)[0]) {
                mismatches.add("epoch " + e + ": file " + w + " model " + weightsOf(m)[0]);
            }
        }).build();
        ModelCheckpoint ckpt = new ModelCheckpoint(target);
        watcher.start();
        try {
            m.fit(x, y, new FitOptions().epochs(30).batchSize(1).shuffle(false).verbose(0).callbacks(ckpt, check));
        } finally {
            done.set(true);
            watcher.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("a reader saw a partial checkpoint", failure.get());
        }
        assertTrue(reads.get() > 0, "the watcher read the checkpoint at least once");
        assertEquals(List.of(), mismatches, "after each epoch the file holds that epoch's weights");
        assertEquals(30, ckpt.saveCount());
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertEquals(List.of(target), files.toList(), "no temporary files left behind");
        }
        // the file is a loadable model checkpoint: weights load back into the same architecture
        Sequential fresh = own(new Sequential(new Affine("affine", 1, 9, 9)));
        own(fresh.predict(x)); // builds the layer
        fresh.loadWeights(target);
        assertArrayEquals(weightsOf(m), weightsOf(fresh));
    }

    @Test
    void modelCheckpointEpochTemplateWithWeightsOnly(@TempDir Path dir) throws Exception {
        Tensor x = column(1, 2);
        Sequential m = model("affine", 0, 0, 0.01, new MseLoss());
        ModelCheckpoint c = new ModelCheckpoint(dir.resolve("w-{epoch:02d}-e{epoch}.safetensors").toString()).saveWeightsOnly(true);
        m.fit(x, x, new FitOptions().epochs(3).batchSize(2).shuffle(false).verbose(0).callbacks(c));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("w-01-e1.safetensors", "w-02-e2.safetensors", "w-03-e3.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        ByteBuffer k = Safetensors.read(dir.resolve("w-03-e3.safetensors")).tensors().get("affine/kernel").data();
        assertEquals(weightsOf(m)[0], k.order(ByteOrder.LITTLE_ENDIAN).getFloat(0), 0.0f);
    }
}
