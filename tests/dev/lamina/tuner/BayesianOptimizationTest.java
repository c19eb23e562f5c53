package dev.lamina.tuner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.tensor.Rng;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BayesianOptimizationTest {
    static final double BRANIN_MIN = 0.397887;

    /** Branin-Hoo on x1 in [-5, 10], x2 in [0, 15]; minimum 0.397887 at three points. */
    static double branin(double x1, double x2) {
        double b = 5.1 / (4 * Math.PI * Math.PI);
        double c = 5 / Math.PI;
        double t = 1 / (8 * Math.PI);
        double u = x2 - b * x1 * x1 + c * x1 - 6;
        return u * u + 10 * (1 - t) * Math.cos(x1) + 10;
    }

    static HyperParameters braninSpace() {
        HyperParameters hp = new HyperParameters();
        hp.Float("x1", -5, 10);
        hp.Float("x2", 0, 15);
        return hp;
    }

    static double bestOf(Oracle oracle, Path dir) {
        Tuner t = new Tuner(null, oracle).hyperparameters(braninSpace()).directory(dir, oracle.name()).overwrite(true);
        t.search((hp, ctx) -> ctx.report(Map.of("loss", branin((Double) hp.get("x1"), (Double) hp.get("x2")))));
        return t.bestTrials(1).get(0).score();
    }

    @Test
    void onBraninBayesianOptimisationBeatsRandomSearchInTheSameNumberOfTrials(@TempDir Path dir) {
        int trials = 20;
        int seeds = 4;
        double bayes = 0;
        double random = 0;
        for (int seed = 0; seed < seeds; seed++) {
            double b = bestOf(new BayesianOptimizationOracle(Objective.of("loss"), trials, seed).numInitialPoints(6),
                    dir.resolve("b" + seed));
            double r = bestOf(new RandomSearchOracle(Objective.of("loss"), trials, seed), dir.resolve("r" + seed));
            assertTrue(b >= BRANIN_MIN - 1e-6 && r >= BRANIN_MIN - 1e-6);
            bayes += b / seeds;
            random += r / seeds;
        }
        System.out.printf("Branin, %d trials, mean best over %d seeds: bayesian %.4f, random %.4f (minimum %.4f)%n", trials,
                seeds, bayes, random, BRANIN_MIN);
        assertTrue(bayes < random, "bayesian " + bayes + " vs random " + random);
        assertTrue(bayes - BRANIN_MIN < 0.5 * (random - BRANIN_MIN), "bayesian " + bayes + " vs random " + random);
    }

    @Test
    void gaussianProcessInterpolatesItsDataAndIsUncertainAwayFromIt() {
        Rng rng = new Rng(3);
        int n = 12;
        double[][] x = new double[n][2];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = rng.nextDouble();
            x[i][1] = rng.nextDouble();
            y[i] = Math.sin(6 * x[i][0]) + x[i][1] * x[i][1];
        }
        GaussianProcess gp = new GaussianProcess(1e-6);
        gp.fit(x, y, new Rng(1));
        for (int i = 0; i < n; i++) {
            double[] ms = gp.predict(x[i]);
            assertEquals(y[i], ms[0], 1e-2, "mean at a data point");
            assertTrue(ms[1] < 0.05, "std at a data point " + ms[1]);
        }
        double[] far = gp.predict(new double[] {5, 5});
        assertTrue(far[1] > 0.3, "std far from the data " + far[1]);
        for (double l : gp.kernelParameters()) {
            assertTrue(l > 0 && Double.isFinite(l));
        }
    }

    @Test
    void afterTheInitialPointsProposalsReadOnlyEarlierBatches(@TempDir Path dir) throws Exception {
        BayesianOptimizationOracle o = new BayesianOptimizationOracle(Objective.of("loss"), 10, 1).numInitialPoints(4)
                .batchSize(3);
        o.init(braninSpace().space());
        assertEquals(0, o.requiredFinished(3));
        assertEquals(4, o.requiredFinished(4));
        assertEquals(4, o.requiredFinished(6));
        assertEquals(7, o.requiredFinished(7));
        assertTrue(Files.notExists(dir.resolve("x")));
    }
}
