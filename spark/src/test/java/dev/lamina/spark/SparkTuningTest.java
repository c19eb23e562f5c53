package dev.lamina.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.cli.Main;
import dev.lamina.ensemble.Ensembles;
import dev.lamina.losses.Losses;
import dev.lamina.models.FitOptions;
import dev.lamina.models.Model;
import dev.lamina.models.ModelIO;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.optim.Adam;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tuner.HyperParameter.Sampling;
import dev.lamina.tuner.HyperParameters;
import dev.lamina.tuner.HyperbandOracle;
import dev.lamina.tuner.Objective;
import dev.lamina.tuner.Oracle;
import dev.lamina.tuner.RandomSearchOracle;
import dev.lamina.tuner.SearchOptions;
import dev.lamina.tuner.TrialExecutor;
import dev.lamina.tuner.Trial;
import dev.lamina.tuner.Tuner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trials and ensemble members on Spark {@code local[2]} (one context for the class): the same
 * search as a local run, bitwise (values, per-epoch metrics, scores, best trial, saved weights),
 * for a model search with Hyperband's promotions and for {@code lamina tune --spark} (random, and Hyperband whose
 * promoted forecaster trials continue their parent's); ensemble
 * members equal to the plain seed-build-fit loop.
 */
class SparkTuningTest {
    private static SparkTrialExecutor spark;

    @BeforeAll
    static void start() {
        spark = SparkTrialExecutor.open("local[2]", "lamina-spark-test");
    }

    @AfterAll
    static void stop() {
        spark.close();
    }

    /** A named serialisable hypermodel: what the executors build. */
    static final class SmallNet implements Tuner.HyperModel, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Model build(HyperParameters hp) {
            Sequential m = new Sequential(new Input(2), new Dense(hp.Int("units", 4, 16, 4), "relu"), new Dense(1));
            m.compile(new Adam(hp.Float("lr", 1e-3, 1e-1, Sampling.LOG)), Losses.get("mean_squared_error"));
            return m;
        }
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

    static Tuner search(Oracle oracle, Path dir, TrialExecutor executor) {
        try (Scope s = Scope.open()) {
            Tensor[] train = data(1, 96);
            Tensor[] val = data(2, 48);
            Tuner t = new Tuner(new SmallNet(), oracle).directory(dir, "m").parallel(2).overwrite(true).executor(executor);
            t.search(train[0], train[1], new SearchOptions().epochs(3).batchSize(32).validationData(val[0], val[1]));
            return t;
        }
    }

    static void assertSameWeights(Path a, Path b, String what) {
        try (Scope s = Scope.open(); Sequential ma = ModelIO.load(a); Sequential mb = ModelIO.load(b)) {
            List<Tensor> wa = ma.getWeights();
            List<Tensor> wb = mb.getWeights();
            assertEquals(wa.size(), wb.size(), what);
            for (int k = 0; k < wa.size(); k++) {
                assertArrayEquals(wa.get(k).toFloatArray(), wb.get(k).toFloatArray(), what + ", weight " + k);
            }
        }
    }

    @Test
    void aHyperbandModelSearchOnSparkEqualsTheLocalOneBitwise(@TempDir Path dir) {
        // max 3 epochs, factor 3: 3 trials of 1 epoch, the best promoted to 3 epochs (its weights shipped), 2 more of 3
        Tuner local = search(new HyperbandOracle(Objective.of("val_loss"), 100, 5, 3, 3, 1), dir.resolve("local"), null);
        Tuner remote = search(new HyperbandOracle(Objective.of("val_loss"), 100, 5, 3, 3, 1), dir.resolve("spark"), spark);
        assertEquals(6, remote.trials().size());
        for (int i = 0; i < 6; i++) {
            Trial a = local.trials().get(i);
            Trial b = remote.trials().get(i);
            assertEquals(Trial.Status.COMPLETED, b.status(), String.valueOf(b.message()));
            assertEquals(a.values(), b.values());
            assertEquals(a.metrics(), b.metrics(), "per-epoch metrics of trial " + i);
            assertEquals(a.score(), b.score());
            Path saved = Path.of("trial_" + a.id(), "execution_0", "model");
            assertSameWeights(local.projectDir().resolve(saved), remote.projectDir().resolve(saved), "trial " + i);
        }
        assertEquals(2, remote.trials().get(3).metrics().get("val_loss").size(), "the promoted trial continues at epoch 1 of 3");
        assertEquals(local.bestTrials(1).get(0).id(), remote.bestTrials(1).get(0).id());
    }

    @Test
    void tuneCommandRunsItsTrialsOnSparkWithTheLocalResults(@TempDir Path dir) throws Exception {
        tuneLocallyAndOnSpark(dir, 2, "--oracle", "random", "--max-trials", "2", "--epochs", "2");
    }

    @Test
    void tuneCommandsPromotedHyperbandTrialsContinueTheirParentsForecasterOnSpark(@TempDir Path dir) throws Exception {
        // R = 3, factor 3, cut at 4 trials: three trials of 1 epoch, then the best one continued for 2 more epochs
        List<Map<?, ?>> trials = tuneLocallyAndOnSpark(dir, 4, "--oracle", "hyperband", "--max-trials", "4", "--epochs", "3");
        Map<?, ?> promoted = (Map<?, ?>) trials.get(3).get("hyperparameters");
        Map<?, ?> values = (Map<?, ?>) promoted.get("values");
        assertTrue(values.containsKey("tuner/trial_id"), promoted.toString());
        List<?> executions = (List<?>) trials.get(3).get("executions");
        Map<?, ?> metrics = (Map<?, ?>) ((Map<?, ?>) executions.get(0)).get("metrics");
        assertEquals(2, ((List<?>) metrics.get("loss")).size(), "the promoted trial trains the 2 epochs it adds: " + metrics);
        assertTrue(Files.isDirectory(dir.resolve("spark").resolve("dengue_san_juan").resolve("trial_0003").resolve("execution_0")
                .resolve("forecaster")), "the trial's forecaster came back from the executor");
    }

    /** Runs {@code lamina tune} with {@code args} locally and on Spark local[2]; the Spark run's trial.json files, checked equal. */
    private static List<Map<?, ?>> tuneLocallyAndOnSpark(Path dir, int trials, String... args) throws Exception {
        List<String> common = new ArrayList<>(List.of("tune", "--quiet", "--data-dir",
                Path.of(System.getProperty("lamina.home"), "data").toString()));
        common.addAll(List.of(args));
        List<String> local = new ArrayList<>(common);
        local.addAll(List.of("--dir", dir.resolve("local").toString()));
        List<String> remote = new ArrayList<>(common);
        remote.addAll(List.of("--dir", dir.resolve("spark").toString(), "--spark", "local[2]"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, Main.run(local.toArray(String[]::new), o, e), err.toString(StandardCharsets.UTF_8));
        assertEquals(0, Main.run(remote.toArray(String[]::new), o, e), err.toString(StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("2 at once on spark local[2]"), printed);
        ObjectMapper json = new ObjectMapper();
        List<Map<?, ?>> written = new ArrayList<>();
        for (int i = 0; i < trials; i++) {
            Path f = Path.of("dengue_san_juan", String.format("trial_%04d", i), "trial.json");
            Map<?, ?> a = json.readValue(Files.readString(dir.resolve("local").resolve(f)), Map.class);
            Map<?, ?> b = json.readValue(Files.readString(dir.resolve("spark").resolve(f)), Map.class);
            assertEquals("COMPLETED", b.get("status"));
            assertEquals(a.get("hyperparameters"), b.get("hyperparameters"));
            assertEquals(a.get("executions"), b.get("executions"), "per-epoch metrics of trial " + i);
            assertEquals(a.get("score"), b.get("score"));
            written.add(b);
        }
        assertEquals(json.readValue(Files.readString(dir.resolve("local").resolve("tune.json")), Map.class).get("best_trial"),
                json.readValue(Files.readString(dir.resolve("spark").resolve("tune.json")), Map.class).get("best_trial"));
        return written;
    }

    /** An ensemble member: what every executor builds. */
    static final class Member implements SparkEnsembles.MemberBuilder {
        private static final long serialVersionUID = 1L;

        @Override
        public Model build() {
            Sequential m = new Sequential(new Input(2), new Dense(8, "relu"), new Dense(1));
            m.compile(new Adam(0.01), Losses.get("mean_squared_error"));
            return m;
        }
    }

    @Test
    void ensembleMembersTrainedOnSparkEqualThePlainLoop() {
        long[] seeds = {11, 12, 13};
        try (Scope s = Scope.open()) {
            Tensor[] train = data(3, 64);
            Tensor[] test = data(4, 16);
            List<Model> members = SparkEnsembles.fit(spark.context(), new Member(), train[0], train[1], new SparkEnsembles.Fit(4, 16),
                    seeds);
            List<Tensor> sparkPreds = new ArrayList<>();
            List<Tensor> localPreds = new ArrayList<>();
            for (int k = 0; k < seeds.length; k++) {
                Model plain;
                synchronized (Rng.class) {
                    Rng.setGlobalSeed(seeds[k]);
                    plain = new Member().build();
                    plain.call(train[0].slice(0, 0, 1), false);
                }
                plain.fit(train[0], train[1], new FitOptions().epochs(4).batchSize(16).shuffle(true).verbose(0).seed(seeds[k]));
                List<Tensor> wa = plain.getWeights();
                List<Tensor> wb = members.get(k).getWeights();
                for (int i = 0; i < wa.size(); i++) {
                    assertArrayEquals(wa.get(i).toFloatArray(), wb.get(i).toFloatArray(), "member " + k + ", weight " + i);
                }
                localPreds.add(plain.predict(test[0]));
                sparkPreds.add(members.get(k).predict(test[0]));
                plain.close();
                members.get(k).close();
            }
            assertArrayEquals(Ensembles.average(localPreds).toFloatArray(), Ensembles.average(sparkPreds).toFloatArray());
        }
    }
}
