package dev.lamina.tuner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.callbacks.EarlyStopping;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.optim.Adam;
import dev.lamina.losses.Losses;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tuner.HyperParameter.Sampling;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TunerTest {

    /** A trial whose score depends on its values and its seed, and whose duration is random (so parallel trials finish out of order). */
    static void noisyBranin(HyperParameters hp, Tuner.TrialContext ctx, long sleepMillis) throws InterruptedException {
        Rng noise = new Rng(ctx.seed());
        double base = BayesianOptimizationTest.branin((Double) hp.get("x1"), (Double) hp.get("x2"));
        int epochs = hp.values().containsKey("tuner/epochs") ? ((Number) hp.values().get("tuner/epochs")).intValue() : 3;
        for (int e = 0; e < epochs; e++) {
            if (sleepMillis > 0) {
                Thread.sleep(sleepMillis);
            } else {
                Thread.sleep((System.nanoTime() >>> 8) % 7);
            }
            ctx.report(Map.of("loss", base * (1 + 1.0 / (e + 1)) + 0.01 * noise.nextDouble()));
        }
    }

    static List<String> run(Oracle oracle, int parallel, Path dir) {
        Tuner t = new Tuner(null, oracle).hyperparameters(BayesianOptimizationTest.braninSpace()).directory(dir, "p")
                .parallel(parallel).executionsPerTrial(2).overwrite(true);
        t.search((hp, ctx) -> noisyBranin(hp, ctx, 0));
        List<String> out = new ArrayList<>();
        for (Trial tr : t.trials()) {
            out.add(tr.index() + " " + tr.values() + " " + tr.status() + " " + tr.score() + " " + tr.bestStep());
        }
        out.add("best " + t.bestTrials(1).get(0).id());
        return out;
    }

    @Test
    void resultsDoNotDependOnParallelism(@TempDir Path dir) {
        Objective loss = Objective.of("loss");
        assertEquals(run(new RandomSearchOracle(loss, 8, 5), 1, dir.resolve("r1")),
                run(new RandomSearchOracle(loss, 8, 5), 4, dir.resolve("r4")));
        assertEquals(run(new BayesianOptimizationOracle(loss, 10, 5).numInitialPoints(4).batchSize(3), 1, dir.resolve("b1")),
                run(new BayesianOptimizationOracle(loss, 10, 5).numInitialPoints(4).batchSize(3), 3, dir.resolve("b3")));
        List<String> h1 = run(new HyperbandOracle(loss, 100, 5, 9, 3, 1), 1, dir.resolve("h1"));
        assertEquals(h1, run(new HyperbandOracle(loss, 100, 5, 9, 3, 1), 4, dir.resolve("h4")));
        // KerasTuner's schedule for max_epochs 9, factor 3: brackets of 9+3+1, 5+2 and 3 trials
        assertEquals(23 + 1, h1.size());
        assertTrue(h1.get(9).contains("tuner/epochs=3") && h1.get(9).contains("tuner/trial_id="), h1.get(9));
    }

    @Test
    void aSearchKilledMidTrialResumesWhereItStopped(@TempDir Path dir) throws Exception {
        Path killed = dir.resolve("killed");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(javaBin, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                ResumeChild.class.getName(), killed.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        Path third = killed.resolve("p").resolve("trial_0002").resolve("trial.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(third) && Files.readString(third).contains("running_execution") && Files.readString(third).contains("loss"))) {
            assertTrue(child.isAlive(), "the child ended early: " + Files.readString(dir.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "the child never reached trial 2");
            Thread.sleep(20);
        }
        child.destroyForcibly().waitFor();
        assertTrue(Files.readString(third).contains("\"RUNNING\""), "killed mid-trial");
        String first = Files.readString(killed.resolve("p").resolve("trial_0000").resolve("trial.json"));
        assertTrue(first.contains("\"COMPLETED\""));

        List<Integer> ranAfterResume = java.util.Collections.synchronizedList(new ArrayList<>());
        Tuner resumed = ResumeChild.tuner(killed);
        resumed.search((hp, ctx) -> {
            ranAfterResume.add(ctx.trial().index());
            noisyBranin(hp, ctx, 1);
        });
        assertEquals(first, Files.readString(killed.resolve("p").resolve("trial_0000").resolve("trial.json")),
                "a finished trial is kept as it was");
        assertEquals(2, (int) ranAfterResume.get(0), "the search restarts at the trial it was killed in");
        assertTrue(!ranAfterResume.contains(0) && !ranAfterResume.contains(1), ranAfterResume.toString());

        Tuner straight = ResumeChild.tuner(dir.resolve("straight"));
        straight.search((hp, ctx) -> noisyBranin(hp, ctx, 1));
        assertEquals(straight.trials().size(), resumed.trials().size());
        for (int i = 0; i < straight.trials().size(); i++) {
            assertEquals(straight.trials().get(i).values(), resumed.trials().get(i).values());
            assertEquals(straight.trials().get(i).score(), resumed.trials().get(i).score());
        }
        assertEquals(straight.bestTrials(1).get(0).id(), resumed.bestTrials(1).get(0).id());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                new Tuner(null, new RandomSearchOracle(Objective.of("loss"), 6, 99)).hyperparameters(
                        BayesianOptimizationTest.braninSpace()).directory(killed, "p").search((hp, ctx) -> { }));
        assertTrue(e.getMessage().contains("holds a different search"), e.getMessage());
    }

    /** The search the resume test kills: Bayesian, 6 trials, each 3 epochs of 150 ms. */
    public static final class ResumeChild {
        static Tuner tuner(Path dir) {
            return new Tuner(null, new BayesianOptimizationOracle(Objective.of("loss"), 6, 11).numInitialPoints(3))
                    .hyperparameters(BayesianOptimizationTest.braninSpace()).directory(dir, "p");
        }

        public static void main(String[] args) {
            tuner(Path.of(args[0])).search((hp, ctx) -> noisyBranin(hp, ctx, 150));
        }
    }

    // ---- model tuning ---------------------------------------------------------------------------

    static Model buildModel(HyperParameters hp) {
        Sequential m = new Sequential(new Input(2), new Dense(hp.Int("units", 4, 16, 4), "relu"), new Dense(1));
        m.compile(new Adam(hp.Float("lr", 1e-3, 1e-1, Sampling.LOG)), Losses.get("mean_squared_error"));
        return m;
    }

    static Tensor[] data(long seed, int n) {
        Rng r = new Rng(seed);
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = (float) r.nextGaussian();
            x[2 * i + 1] = (float) r.nextGaussian();
            y[i] = (float) (3 * x[2 * i] - 2 * x[2 * i + 1] + 0.1 * r.nextGaussian());
        }
        return new Tensor[] {Tensor.of(x, n, 2), Tensor.of(y, n, 1)};
    }

    static Tuner modelSearch(Path dir, int parallel) {
        try (Scope s = Scope.open()) {
            Tensor[] train = data(1, 128);
            Tensor[] val = data(2, 64);
            Tuner t = new RandomSearch(TunerTest::buildModel, "val_loss", 4, 3).directory(dir, "m").parallel(parallel)
                    .overwrite(true);
            t.search(train[0], train[1], new SearchOptions().epochs(6).batchSize(32).validationData(val[0], val[1]));
            return t;
        }
    }

    @Test
    void modelSearchIsDeterministicUnderParallelismAndSavesTheBestModelAtItsBestEpoch(@TempDir Path dir) {
        Tuner serial = modelSearch(dir.resolve("s"), 1);
        Tuner par = modelSearch(dir.resolve("p"), 2);
        assertEquals(4, serial.trials().size());
        for (int i = 0; i < 4; i++) {
            Trial a = serial.trials().get(i);
            Trial b = par.trials().get(i);
            assertEquals(Trial.Status.COMPLETED, a.status(), String.valueOf(a.message()));
            assertEquals(a.values(), b.values());
            assertEquals(a.metrics(), b.metrics(), "per-epoch metrics of trial " + i);
            assertEquals(6, a.metrics().get("val_loss").size());
        }
        Trial best = serial.bestTrials(1).get(0);
        assertEquals(best.id(), par.bestTrials(1).get(0).id());
        assertEquals(best.metrics().get("val_loss").get(best.bestStep()), best.score(), 0.0);
        try (Scope s = Scope.open()) {
            Model m = serial.bestModels(1).get(0);
            Tensor[] val = data(2, 64);
            double loss = m.evaluate(val[0], val[1]).get("loss");
            assertEquals(best.score(), loss, 1e-5 * Math.max(1, loss), "the saved model is the best epoch's");
            m.close();
        }
        assertEquals(best.values().get("units"), serial.bestHyperparameters(1).get(0).values().get("units"));
        String table = serial.resultsSummary(3);
        assertTrue(table.contains("Results summary") && table.contains(best.id()) && table.contains("units"), table);
        assertTrue(Files.exists(dir.resolve("s").resolve("m").resolve("oracle.json")));
        assertTrue(Files.isDirectory(dir.resolve("s").resolve("m").resolve("trial_0000").resolve("execution_0").resolve("model")));
    }

    @Test
    void earlyStoppingRunsInsideTrialsAndAnUnknownObjectiveIsOneClearError(@TempDir Path dir) {
        try (Scope s = Scope.open()) {
            Tensor[] train = data(1, 64);
            Tuner t = new RandomSearch(TunerTest::buildModel, "val_loss", 2, 1).directory(dir, "es").overwrite(true);
            t.search(train[0], train[1], new SearchOptions().epochs(20).validationSplit(0.25)
                    .callbacks(() -> List.of(new EarlyStopping().monitor("val_loss").minDelta(1e9).patience(0))));
            for (Trial tr : t.trials()) {
                assertEquals(2, tr.metrics().get("val_loss").size(), "stopped after the first epoch without a 1e9 improvement");
            }
            Tuner bad = new RandomSearch(TunerTest::buildModel, new Objective("val_nonexistent", "max"), 2, 1)
                    .directory(dir, "bad").overwrite(true);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> bad.search(train[0], train[1], new SearchOptions().epochs(1).validationSplit(0.25)));
            assertTrue(e.getMessage().contains("objective 'val_nonexistent' was not logged") && e.getMessage().contains("val_loss"),
                    e.getMessage());
            IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () ->
                    new RandomSearch(hp -> buildFixed(), "val_loss", 2, 1).directory(dir, "empty")
                            .search(train[0], train[1], new SearchOptions()));
            assertTrue(empty.getMessage().contains("the search space is empty"), empty.getMessage());
        }
        assertNotNull(File.separator);
    }

    private static Model buildFixed() {
        Sequential m = new Sequential(new Input(2), new Dense(1));
        m.compile(new Adam(0.01), Losses.get("mean_squared_error"));
        return m;
    }
}
