package dev.lamina.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.io.Safetensors;
import dev.lamina.models.Sequential;
import dev.lamina.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Callbacks driven directly with crafted logs: exact epoch-by-epoch semantics. */
class CallbacksDirectTest {
    private Backends.Use use;
    private Backend cpu;
    private dev.lamina.testing.LeakBaseline baseline;
    private final List<Sequential> models = new ArrayList<>();

    @BeforeEach
    void setUp() {
        cpu = Backends.cpu();
        use = Backends.use(cpu);
        baseline = dev.lamina.testing.LeakBaseline.of(cpu);
    }

    @AfterEach
    void tearDown() {
        for (Sequential m : models) {
            m.close();
        }
        try {
            baseline.assertNoLeak("bytes held after the test");
        } finally {
            use.close();   // a failed check must not leave this thread on the cpu backend
        }
    }

    /** A built 1→1 affine model compiled with SGD(lr). */
    private Sequential model(double lr) {
        Sequential m = new Sequential(new Affine("affine", 1, 0, 0));
        models.add(m);
        m.layers().get(0).ensureBuilt(new long[] {-1, 1});
        m.compile(new PlainSgd(lr), new MseLoss());
        return m;
    }

    private static void setKernel(Sequential m, double w) {
        try (Tensor t = Tensor.of(new float[] {(float) w}, 1, 1)) {
            m.weights().get(0).assign(t);
        }
    }

    private static float kernel(Sequential m) {
        return m.weights().get(0).toFloatArray()[0];
    }

    private static Map<String, Double> logs(String key, double v) {
        Map<String, Double> l = new LinkedHashMap<>();
        l.put("loss", 1.0);
        l.put(key, v);
        return l;
    }

    /** Feeds the values epoch by epoch as fit would; returns the epoch at which a stop was asked, or -1. */
    private static int drive(Callback c, Sequential m, String key, double... values) {
        c.setModel(m);
        c.onTrainBegin(new LinkedHashMap<>());
        int stopped = -1;
        for (int e = 0; e < values.length; e++) {
            c.onEpochBegin(e, new LinkedHashMap<>());
            c.onEpochEnd(e, logs(key, values[e]));
            if (m.isStopTrainingRequested()) {
                stopped = e;
                break;
            }
        }
        c.onTrainEnd(new LinkedHashMap<>());
        return stopped;
    }

    @Test
    void earlyStoppingPatience() {
        EarlyStopping es = new EarlyStopping().patience(2);
        // best at 1; epochs 2 and 3 do not improve -> wait reaches 2 at epoch 3
        assertEquals(3, drive(es, model(1), "val_loss", 1.0, 0.9, 0.95, 0.91, 0.8, 0.7));
        assertEquals(3, es.stoppedEpoch());
        assertEquals(1, es.bestEpoch());
        assertEquals(0.9, es.best(), 0.0);
        // patience 0: the first epoch without improvement stops
        assertEquals(2, drive(new EarlyStopping(), model(1), "val_loss", 1.0, 0.9, 0.9, 0.8));
        // never stops while improving
        EarlyStopping improving = new EarlyStopping().patience(0);
        assertEquals(-1, drive(improving, model(1), "val_loss", 5, 4, 3, 2, 1));
        assertEquals(0, improving.stoppedEpoch());
        assertEquals(4, improving.bestEpoch());
    }

    @Test
    void earlyStoppingMinDeltaModeAndBaseline() {
        // 0.95 is not 0.1 better than 1.0
        assertEquals(1, drive(new EarlyStopping().minDelta(0.1).patience(1), model(1), "val_loss", 1.0, 0.95, 0.5));
        assertEquals(2, drive(new EarlyStopping().minDelta(-0.1).patience(1), model(1), "val_loss", 1.0, 0.85, 0.8, 0.5));
        // accuracy is maximized in auto mode
        assertEquals(2, drive(new EarlyStopping().monitor("val_accuracy"), model(1), "val_accuracy", 0.5, 0.6, 0.55));
        // explicit MIN on an accuracy name: 0.6 is worse than 0.5
        assertEquals(1, drive(new EarlyStopping().monitor("val_accuracy").mode(MonitorMode.MIN), model(1), "val_accuracy",
                0.5, 0.6, 0.55));
        // baseline: improvements that do not beat 0.5 do not reset the wait
        double[] v = {0.8, 0.7, 0.6, 0.65, 0.66, 0.67, 0.68};
        assertEquals(3, drive(new EarlyStopping().patience(2).baseline(0.5), model(1), "val_loss", v));
        assertEquals(4, drive(new EarlyStopping().patience(2), model(1), "val_loss", v));
        // warm-up epochs are not monitored
        assertEquals(4, drive(new EarlyStopping().startFromEpoch(3), model(1), "val_loss", 1, 2, 3, 4, 5, 6));
    }

    @Test
    void earlyStoppingRestoresTheBestEpochsWeightsAndFreesItsCopies() {
        Sequential m = model(1);
        long before = cpu.bytesInUse();
        EarlyStopping es = new EarlyStopping().patience(2).restoreBestWeights(true);
        es.setModel(m);
        es.onTrainBegin(new LinkedHashMap<>());
        double[] val = {3, 1, 2, 4, 0.5};
        int e = 0;
        for (; e < val.length && !m.isStopTrainingRequested(); e++) {
            setKernel(m, 10 + e); // the weights "after epoch e"
            es.onEpochEnd(e, logs("val_loss", val[e]));
        }
        assertEquals(4, e, "stopped after epoch 3");
        assertEquals(13f, kernel(m), "not restored before training ends");
        es.onTrainEnd(new LinkedHashMap<>());
        assertEquals(11f, kernel(m), "epoch 1's weights");
        assertEquals(before, cpu.bytesInUse(), "the saved copies are freed");

        // as Keras 3: restored at the end of training even without an early stop
        Sequential m2 = model(1);
        EarlyStopping es2 = new EarlyStopping().patience(5).restoreBestWeights(true);
        es2.setModel(m2);
        es2.onTrainBegin(new LinkedHashMap<>());
        double[] val2 = {3, 1, 2};
        for (int i = 0; i < val2.length; i++) {
            setKernel(m2, 20 + i);
            es2.onEpochEnd(i, logs("val_loss", val2[i]));
        }
        assertFalse(m2.isStopTrainingRequested());
        es2.onTrainEnd(new LinkedHashMap<>());
        assertEquals(21f, kernel(m2));
    }

    @Test
    void missingMonitorWarnsOnceAndDoesNothing() {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            Sequential m = model(1);
            EarlyStopping es = new EarlyStopping();
            assertEquals(-1, drive(es, m, "loss_typo", 1, 2, 3, 4));
            ReduceLROnPlateau r = new ReduceLROnPlateau().patience(0);
            drive(r, m, "loss_typo", 1, 2, 3, 4);
            assertEquals(1.0, m.optimizer().learningRate(), 0.0);
        } finally {
            System.setErr(err);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.split("EarlyStopping:", -1).length - 1, out);
        assertEquals(1, out.split("ReduceLROnPlateau:", -1).length - 1, out);
        assertTrue(out.contains("'val_loss'") && out.contains("loss,loss_typo"), out);
    }

    @Test
    void monitorModeAuto() {
        for (String max : new String[] {"accuracy", "val_acc", "val_auc", "precision", "val_recall", "f1_score", "val_r2_score",
            "sparse_categorical_accuracy"}) {
            assertEquals(MonitorMode.MAX, MonitorMode.AUTO.resolve(max), max);
        }
        for (String min : new String[] {"loss", "val_loss", "mae", "val_mse", "rmse", "mape"}) {
            assertEquals(MonitorMode.MIN, MonitorMode.AUTO.resolve(min), min);
        }
        assertEquals(MonitorMode.MIN, MonitorMode.of("min").resolve("accuracy"));
        assertThrows(IllegalArgumentException.class, () -> MonitorMode.of("maximum"));
    }

    /** Learning rate after each epoch for a constant val_loss. */
    private static List<Double> lrTrace(ReduceLROnPlateau r, Sequential m, double... values) {
        return lrTrace(r, m, "val_loss", values);
    }

    private static List<Double> lrTrace(ReduceLROnPlateau r, Sequential m, String key, double... values) {
        List<Double> lrs = new ArrayList<>();
        r.setModel(m);
        r.onTrainBegin(new LinkedHashMap<>());
        for (int e = 0; e < values.length; e++) {
            Map<String, Double> l = logs(key, values[e]);
            r.onEpochEnd(e, l);
            lrs.add(m.optimizer().learningRate());
            assertEquals(m.optimizer().learningRate(), l.get("learning_rate"), 0.0);
        }
        return lrs;
    }

    @Test
    void reduceLrOnPlateauPatienceCooldownAndMinLr() {
        double[] flat = new double[10];
        java.util.Arrays.fill(flat, 1.0);
        // no cooldown: every 2 epochs without improvement halves the rate, down to minLr 0.2
        assertEquals(List.of(1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2),
                lrTrace(new ReduceLROnPlateau().factor(0.5).patience(2).minLr(0.2), model(1.0), flat));
        // cooldown 2 (Keras): the epoch after a reduction is not counted, the counter runs out in the
        // next, which counts again -> reductions at epochs 2, 5, 8 instead of 2, 4, 6
        ReduceLROnPlateau cd = new ReduceLROnPlateau().factor(0.5).patience(2).cooldown(2);
        assertEquals(List.of(1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125),
                lrTrace(cd, model(1.0), flat));
        assertEquals(3, cd.reductions());
        // improvements (by more than minDelta 1e-4) reset the wait
        assertEquals(List.of(1.0, 1.0, 1.0, 0.1, 0.1),
                lrTrace(new ReduceLROnPlateau().patience(2), model(1.0), 1.0, 0.9, 0.95, 0.89995, 0.5));
        // accuracy is maximized
        assertEquals(List.of(1.0, 0.1),
                lrTrace(new ReduceLROnPlateau().monitor("val_accuracy").patience(1), model(1.0), "val_accuracy", 0.5, 0.4));
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau().factor(1.0));
    }

    @Test
    void modelCheckpointSaveBestOnlyWritesOnlyOnImprovement(@TempDir Path dir) throws Exception {
        Sequential m = model(1);
        ModelCheckpoint c = new ModelCheckpoint(dir.resolve("w-{epoch:02d}.safetensors").toString())
                .saveBestOnly(true).saveWeightsOnly(true);
        ModelCheckpoint single = new ModelCheckpoint(dir.resolve("best/model.safetensors")).saveBestOnly(true);
        c.setModel(m);
        single.setModel(m);
        c.onTrainBegin(new LinkedHashMap<>());
        single.onTrainBegin(new LinkedHashMap<>());
        double[] val = {1.0, 0.8, 0.9, 0.7, 0.7};
        for (int e = 0; e < val.length; e++) {
            setKernel(m, 100 + e);
            c.onEpochEnd(e, logs("val_loss", val[e]));
            single.onEpochEnd(e, logs("val_loss", val[e]));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("best", "w-01.safetensors", "w-02.safetensors", "w-04.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(0.7, c.best(), 0.0);
        assertEquals(3, single.saveCount());
        float saved = Safetensors.read(dir.resolve("best/model.safetensors")).tensors().get("affine/kernel").data()
                .order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
        assertEquals(103f, saved, "the single file holds epoch 3's (the best) weights");
        // max mode for auc, with an initial threshold to beat
        ModelCheckpoint auc = new ModelCheckpoint(dir.resolve("auc-{epoch}.safetensors")).monitor("val_auc")
                .saveBestOnly(true).saveWeightsOnly(true).initialValueThreshold(0.6);
        auc.setModel(m);
        auc.onTrainBegin(new LinkedHashMap<>());
        double[] aucs = {0.55, 0.7, 0.65, 0.71};
        for (int e = 0; e < aucs.length; e++) {
            auc.onEpochEnd(e, logs("val_auc", aucs[e]));
        }
        assertTrue(Files.exists(dir.resolve("auc-2.safetensors")) && Files.exists(dir.resolve("auc-4.safetensors")));
        assertFalse(Files.exists(dir.resolve("auc-1.safetensors")) || Files.exists(dir.resolve("auc-3.safetensors")));
    }

    @Test
    void checkpointPathTemplates() {
        Map<String, Double> l = new LinkedHashMap<>();
        l.put("val_loss", 0.123456);
        l.put("acc", 0.9);
        assertEquals("m-3.st", ModelCheckpoint.format("m-{epoch}.st", 3, l, false));
        assertEquals("m-03.st", ModelCheckpoint.format("m-{epoch:02d}.st", 3, l, false));
        assertEquals("m-123.st", ModelCheckpoint.format("m-{epoch:02d}.st", 123, l, false));
        assertEquals("m-0.1235-0.9", ModelCheckpoint.format("m-{val_loss:.4f}-{acc}", 1, l, false));
        assertEquals("m-1.23e-01", ModelCheckpoint.format("m-{val_loss:.2e}", 1, l, false));
        assertEquals("{x}-1", ModelCheckpoint.format("{{x}}-{epoch}", 1, l, false));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ModelCheckpoint.format("m-{val_acc}", 1, l, false));
        assertTrue(unknown.getMessage().contains("val_acc") && unknown.getMessage().contains("val_loss"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ModelCheckpoint("m-{epoch:>5s}.st"));
        assertThrows(IllegalArgumentException.class, () -> new ModelCheckpoint("m-{epoch.st"));
        assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.format("{val_loss:d}", 1, l, false));
    }

    @Test
    void csvLoggerSeparatorMissingKeysAndPythonNumbers(@TempDir Path dir) throws Exception {
        Sequential m = model(1);
        Path p = dir.resolve("log.csv");
        CSVLogger c = new CSVLogger(p, ";", false);
        c.setModel(m);
        c.onTrainBegin(new LinkedHashMap<>());
        Map<String, Double> l0 = new LinkedHashMap<>();
        l0.put("loss", 1e-5);
        l0.put("val_loss", 0.0001);
        c.onEpochEnd(0, l0);
        assertEquals(List.of("epoch;loss;val_loss", "0;1e-05;0.0001"), Files.readAllLines(p), "flushed after each epoch");
        Map<String, Double> l1 = new LinkedHashMap<>();
        l1.put("loss", Double.NaN);
        l1.put("new_key", 2.0);
        c.onEpochEnd(1, l1);
        c.onTrainEnd(new LinkedHashMap<>());
        assertEquals(List.of("epoch;loss;val_loss", "0;1e-05;0.0001", "1;nan;NA"), Files.readAllLines(p));

        String[][] repr = {{"0.1", "0.1"}, {"123", "123.0"}, {"-2.5", "-2.5"}, {"1e16", "1e+16"}, {"1.5e16", "1.5e+16"},
            {"1234567890123456", "1234567890123456.0"}, {"0.3333333333333333", "0.3333333333333333"}, {"1.25e-7", "1.25e-07"},
            {"0", "0.0"}, {"-0.0", "-0.0"}, {"1e300", "1e+300"}, {"Infinity", "inf"}, {"-Infinity", "-inf"}};
        for (String[] r : repr) {
            assertEquals(r[1], CSVLogger.pythonRepr(Double.parseDouble(r[0])), r[0]);
        }
    }

    @Test
    void terminateOnNaNAndLambdaAndScheduler() {
        Sequential m = model(1);
        TerminateOnNaN t = new TerminateOnNaN();
        t.setModel(m);
        t.onTrainBegin(new LinkedHashMap<>());
        t.onBatchEnd(0, logs("loss", 1.0));
        assertFalse(m.isStopTrainingRequested());
        Map<String, Double> inf = new LinkedHashMap<>();
        inf.put("loss", Double.POSITIVE_INFINITY);
        t.onBatchEnd(1, inf);
        assertTrue(m.isStopTrainingRequested());
        assertEquals(1, t.terminatedBatch());

        List<String> calls = new ArrayList<>();
        LambdaCallback lc = LambdaCallback.builder()
                .onTrainBegin(l -> calls.add("tb"))
                .onEpochBegin((e, l) -> calls.add("eb" + e))
                .onBatchBegin((b, l) -> calls.add("bb" + b))
                .onBatchEnd((b, l) -> calls.add("be" + b))
                .onEpochEnd((e, l) -> calls.add("ee" + e))
                .onTrainEnd(l -> calls.add("te"))
                .build();
        lc.onTrainBegin(Map.of());
        lc.onEpochBegin(0, Map.of());
        lc.onBatchBegin(0, Map.of());
        lc.onBatchEnd(0, Map.of());
        lc.onEpochEnd(0, Map.of());
        lc.onTrainEnd(Map.of());
        assertEquals(List.of("tb", "eb0", "bb0", "be0", "ee0", "te"), calls);
        assertThrows(IllegalArgumentException.class, () -> LambdaCallback.builder().onEpochEnd((e, l) -> { })
                .onEpochEnd((e, l) -> { }));
        LambdaCallback empty = LambdaCallback.builder().build();
        empty.onEpochEnd(0, Map.of()); // no hooks: nothing happens

        LearningRateScheduler bad = new LearningRateScheduler((e, lr) -> e == 1 ? Double.NaN : lr);
        bad.setModel(m);
        bad.onEpochBegin(0, new LinkedHashMap<>());
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> bad.onEpochBegin(1, new LinkedHashMap<>()));
        assertTrue(ex.getMessage().contains("epoch 1") && ex.getMessage().contains("NaN"), ex.getMessage());
        assertNull(new ModelCheckpoint("x.safetensors").lastSaved());
    }
}
