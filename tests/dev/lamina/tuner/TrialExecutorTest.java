package dev.lamina.tuner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.models.Model;
import dev.lamina.models.ModelIO;
import dev.lamina.models.Sequential;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote-trial path of the tuner without a cluster: an executor that serialises every task,
 * runs the copy, and serialises its result back (what Spark does between driver and executor).
 * Its searches must equal the local ones bitwise: values, per-epoch metrics, scores, best trial and
 * the saved models' files.
 */
class TrialExecutorTest {

    /** Serialises the task, runs the copy, serialises the result back. */
    static class RoundTrip implements TrialExecutor {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public TrialResult run(TrialTask task) throws Exception {
            runs.incrementAndGet();
            TrialTask copy = (TrialTask) roundTrip(task);
            return (TrialResult) roundTrip(copy.run());
        }

        @Override
        public String describe() {
            return "round trip";
        }
    }

    static Object roundTrip(Object o) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b.toByteArray()))) {
            return in.readObject();
        }
    }

    /** TunerTest's model as a named serialisable hypermodel (what a remote executor needs). */
    static final class TinyModel implements Tuner.HyperModel, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Model build(HyperParameters hp) {
            return TunerTest.buildModel(hp);
        }
    }

    static Tuner search(Oracle oracle, Path dir, TrialExecutor executor) {
        try (Scope s = Scope.open()) {
            Tensor[] train = TunerTest.data(1, 96);
            Tensor[] val = TunerTest.data(2, 48);
            Tuner t = new Tuner(new TinyModel(), oracle).directory(dir, "m").parallel(2).overwrite(true).executor(executor);
            t.search(train[0], train[1], new SearchOptions().epochs(3).batchSize(32).validationData(val[0], val[1]));
            return t;
        }
    }

    static void assertSameSearch(Tuner local, Tuner remote) {
        assertEquals(local.trials().size(), remote.trials().size());
        for (int i = 0; i < local.trials().size(); i++) {
            Trial a = local.trials().get(i);
            Trial b = remote.trials().get(i);
            assertEquals(Trial.Status.COMPLETED, b.status(), String.valueOf(b.message()));
            assertEquals(a.values(), b.values());
            assertEquals(a.metrics(), b.metrics(), "per-epoch metrics of trial " + i);
            assertEquals(a.score(), b.score());
            assertEquals(a.bestStep(), b.bestStep());
            // the saved models: the same weights (the files also hold auto-numbered layer names, which depend on how
            // many models this JVM built before)
            Path ma = local.trialDir(a).resolve("execution_0").resolve("model");
            Path mb = remote.trialDir(b).resolve("execution_0").resolve("model");
            assertEquals(TrialFiles.read(ma).keySet(), TrialFiles.read(mb).keySet(), "files of trial " + i);
            try (Scope s = Scope.open(); Sequential sa = ModelIO.load(ma); Sequential sb = ModelIO.load(mb)) {
                List<Tensor> wa = sa.getWeights();
                List<Tensor> wb = sb.getWeights();
                assertEquals(wa.size(), wb.size());
                for (int k = 0; k < wa.size(); k++) {
                    assertArrayEquals(wa.get(k).toFloatArray(), wb.get(k).toFloatArray(), "trial " + i + ", weight " + k);
                }
            }
        }
        assertEquals(local.bestTrials(1).get(0).id(), remote.bestTrials(1).get(0).id());
    }

    @Test
    void remoteTrialsEqualLocalOnesBitwise(@TempDir Path dir) {
        RoundTrip rt = new RoundTrip();
        Tuner local = search(new RandomSearchOracle(Objective.of("val_loss"), 4, 3), dir.resolve("local"), null);
        Tuner remote = search(new RandomSearchOracle(Objective.of("val_loss"), 4, 3), dir.resolve("remote"), rt);
        assertEquals(4, rt.runs.get());
        assertSameSearch(local, remote);
        try (Scope s = Scope.open(); Model m = remote.bestModels(1).get(0)) {
            Tensor[] val = TunerTest.data(2, 48);
            double loss = m.evaluate(val[0], val[1]).get("loss");
            assertEquals(remote.bestTrials(1).get(0).score(), loss, 1e-5 * Math.max(1, loss), "the shipped model is the best epoch's");
        }
    }

    @Test
    void promotedHyperbandTrialsGetTheirParentsWeightsRemotely(@TempDir Path dir) {
        // max 3 epochs, factor 3: 3 trials of 1 epoch, the best promoted to 3 (continuing its weights), 2 of 3
        RoundTrip rt = new RoundTrip();
        Tuner local = search(new HyperbandOracle(Objective.of("val_loss"), 100, 5, 3, 3, 1), dir.resolve("local"), null);
        Tuner remote = search(new HyperbandOracle(Objective.of("val_loss"), 100, 5, 3, 3, 1), dir.resolve("remote"), rt);
        Trial promoted = remote.trials().get(3);
        assertTrue(promoted.values().containsKey("tuner/trial_id"), promoted.values().toString());
        assertEquals(2, promoted.metrics().get("val_loss").size(), "continues at epoch 1 of 3");
        assertSameSearch(local, remote);
    }

    @Test
    void aRemoteTrialIsOnDiskAsRunningWhileItRuns(@TempDir Path dir) {
        // what a search resumed after a kill reads: the trial handed to the executor is RUNNING in its trial.json (and is
        // then run again from scratch, as a killed local trial is), its epochs come with its result
        Path project = dir.resolve("m");
        List<Map<String, Object>> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        TrialExecutor watching = new RoundTrip() {
            @Override
            public TrialResult run(TrialTask task) throws Exception {
                seen.add(TunerFiles.read(project.resolve("trial_" + task.id()).resolve("trial.json")));
                return super.run(task);
            }
        };
        Tuner t = search(new RandomSearchOracle(Objective.of("val_loss"), 2, 3), dir, watching);
        assertEquals(2, seen.size());
        for (Map<String, Object> m : seen) {
            assertEquals("RUNNING", m.get("status"), m.toString());
        }
        for (Trial tr : t.trials()) {
            assertEquals("COMPLETED", TunerFiles.read(t.trialDir(tr).resolve("trial.json")).get("status"));
            assertEquals(3, tr.metrics().get("val_loss").size());
        }
    }

    @Test
    void shippedFilesStayInsideTheirDirectory(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrialFiles.write(dir.resolve("trial"), Map.of("../escape.bin", new byte[1])));
        assertTrue(e.getMessage().contains("leaves its directory"), e.getMessage());
        TrialFiles.write(dir.resolve("trial"), Map.of("execution_0/model/w.bin", new byte[] {1, 2}));
        assertArrayEquals(new byte[] {1, 2}, TrialFiles.read(dir.resolve("trial")).get("execution_0/model/w.bin"));
    }

    @Test
    void bodiesMustSerialiseAndFailuresComeBackAsFailedTrials(@TempDir Path dir) {
        Tuner lambda = new Tuner(null, new RandomSearchOracle(Objective.of("loss"), 2, 1))
                .hyperparameters(BayesianOptimizationTest.braninSpace()).directory(dir, "l").executor(new RoundTrip());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lambda.search((hp, ctx) -> { }));
        assertTrue(e.getMessage().contains("must be serialisable") && e.getMessage().contains("TrialExecutorTest"), e.getMessage());

        Tuner.TrialBody failing = (Tuner.TrialBody & Serializable) (hp, ctx) -> {
            ctx.report(Map.of("loss", 1.0));
            throw new IllegalStateException("boom in trial " + ctx.trial().id());
        };
        Tuner local = new Tuner(null, new RandomSearchOracle(Objective.of("loss"), 2, 1))
                .hyperparameters(BayesianOptimizationTest.braninSpace()).directory(dir, "a");
        Tuner remote = new Tuner(null, new RandomSearchOracle(Objective.of("loss"), 2, 1))
                .hyperparameters(BayesianOptimizationTest.braninSpace()).directory(dir, "b").executor(new RoundTrip());
        local.search(failing);
        remote.search(failing);
        for (int i = 0; i < 2; i++) {
            assertEquals(Trial.Status.FAILED, remote.trials().get(i).status());
            assertEquals("IllegalStateException: boom in trial 000" + i, remote.trials().get(i).message());
            assertEquals(local.trials().get(i).message(), remote.trials().get(i).message());
            assertEquals(TunerFiles.read(local.trialDir(local.trials().get(i)).resolve("trial.json")).get("hyperparameters"),
                    TunerFiles.read(remote.trialDir(remote.trials().get(i)).resolve("trial.json")).get("hyperparameters"));
        }
    }
}
