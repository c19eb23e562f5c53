package dev.lamina.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backends;
import dev.lamina.util.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Keras 3's base-optimizer options (issue 11): weight_decay (decoupled, AdamW-style) and EMA
 * (use_ema, ema_momentum, ema_overwrite_frequency) against the Keras 3 formulas written out in
 * double, and fromConfig refusing what it does not implement instead of dropping it.
 */
class OptimizerKerasOptionsTest {

    /** Keras 3 _apply_weight_decay then the optimizer's own step: w ← w − lr·wd·w; w ← step(w, g). */
    static OptimizersTest.Oracle decayed(double lr, double wd, OptimizersTest.Oracle inner) {
        return (w, g, t) -> {
            for (int i = 0; i < w.length; i++) {
                w[i] -= w[i] * wd * lr;
            }
            inner.step(w, g, t);
        };
    }

    private static void assertFollows(String name, Optimizer opt, OptimizersTest.Oracle oracle, String backend) {
        double[][] got = OptimizersTest.run(opt, Backends.byName(backend));
        double[] w = OptimizersTest.W0.clone();
        for (int t = 1; t <= got.length; t++) {
            oracle.step(w, OptimizersTest.G[t - 1], t);
            for (int i = 0; i < w.length; i++) {
                double err = Math.abs(got[t - 1][i] - w[i]) / Math.max(1e-3, Math.abs(w[i]));
                assertTrue(err <= 1e-6, name + " on " + backend + " step " + t + " element " + i + ": expected " + w[i]
                        + ", got " + got[t - 1][i]);
            }
        }
    }

    @Test
    void weightDecayFollowsKeras3ForEveryOptimizer() {
        double wd = 0.2;
        Object[][] cases = {
                {"SGD", (Supplier<Optimizer>) () -> new SGD(0.1).weightDecay(wd),
                        (Supplier<OptimizersTest.Oracle>) () -> decayed(0.1, wd, OptimizersTest.sgd(0.1, 0, false))},
                {"SGD momentum", (Supplier<Optimizer>) () -> new SGD(0.1, 0.9, true).weightDecay(wd),
                        (Supplier<OptimizersTest.Oracle>) () -> decayed(0.1, wd, OptimizersTest.sgd(0.1, 0.9, true))},
                {"AdamW", (Supplier<Optimizer>) () -> new Adam(0.05).weightDecay(wd),
                        (Supplier<OptimizersTest.Oracle>) () -> decayed(0.05, wd, OptimizersTest.adam(0.05, 0.9, 0.999, 1e-7, false))},
                {"RMSprop", (Supplier<Optimizer>) () -> new RMSprop(0.01).weightDecay(wd),
                        (Supplier<OptimizersTest.Oracle>) () -> decayed(0.01, wd, OptimizersTest.rmsprop(0.01, 0.9, 0, 1e-7, false))},
                {"Adagrad", (Supplier<Optimizer>) () -> new Adagrad(0.1).weightDecay(wd),
                        (Supplier<OptimizersTest.Oracle>) () -> decayed(0.1, wd, OptimizersTest.adagrad(0.1, 0.1, 1e-7))},
        };
        for (String backend : List.of("reference", "cpu")) {
            for (Object[] c : cases) {
                @SuppressWarnings("unchecked")
                Supplier<Optimizer> o = (Supplier<Optimizer>) c[1];
                @SuppressWarnings("unchecked")
                Supplier<OptimizersTest.Oracle> r = (Supplier<OptimizersTest.Oracle>) c[2];
                assertFollows((String) c[0], o.get(), r.get(), backend);
            }
        }
        // and it changes the result (so the comparison above tests the decay)
        double[][] plain = OptimizersTest.run(new SGD(0.1), Backends.reference());
        double[][] decay = OptimizersTest.run(new SGD(0.1).weightDecay(wd), Backends.reference());
        assertTrue(Math.abs(plain[4][0] - decay[4][0]) > 1e-2);
    }

    @Test
    void emaFollowsKeras3() {
        double mu = 0.6;
        int every = 2;
        // Keras 3: after the update, avg = m·avg + (1 − m)·w with m = 0 on the first step; every
        // `every` steps (iterations + 1 divisible) w = avg
        OptimizersTest.Oracle sgd = OptimizersTest.sgd(0.1, 0, false);
        double[] avg = new double[OptimizersTest.W0.length];
        OptimizersTest.Oracle oracle = (w, g, t) -> {
            sgd.step(w, g, t);
            double m = t == 1 ? 0 : mu;
            for (int i = 0; i < w.length; i++) {
                avg[i] = m * avg[i] + (1 - m) * w[i];
            }
            if (t % every == 0) {
                System.arraycopy(avg, 0, w, 0, w.length);
            }
        };
        assertFollows("SGD ema", new SGD(0.1).ema(mu, every), oracle, "reference");
    }

    @Test
    void fromConfigReadsWeightDecayAndEmaAndRoundTrips() {
        Map<String, Object> c = new LinkedHashMap<>(Map.of("name", "adam", "learning_rate", 0.01, "weight_decay", 0.004,
                "use_ema", true, "ema_momentum", 0.9, "ema_overwrite_frequency", 10L));
        Optimizer o = Optimizers.fromConfig(c);
        assertEquals(0.004, o.weightDecay());
        assertTrue(o.useEma());
        Map<String, Object> back = Json.parseObject(Json.write(o.config()));
        Optimizer again = Optimizers.fromConfig(back);
        assertEquals(o.config(), again.config());
        assertEquals(10L, ((Number) back.get("ema_overwrite_frequency")).longValue());
    }

    @Test
    void kerasDefaultsOfUnimplementedOptionsAreAccepted() {
        // what keras.optimizers.Adam().get_config() writes
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", "adam");
        c.put("learning_rate", 0.001);
        c.put("weight_decay", null);
        c.put("clipnorm", null);
        c.put("global_clipnorm", null);
        c.put("clipvalue", null);
        c.put("use_ema", false);
        c.put("ema_momentum", 0.99);
        c.put("ema_overwrite_frequency", null);
        c.put("loss_scale_factor", null);
        c.put("gradient_accumulation_steps", null);
        c.put("beta_1", 0.9);
        c.put("beta_2", 0.999);
        c.put("epsilon", 1e-7);
        c.put("amsgrad", false);
        Optimizer o = Optimizers.fromConfig(c);
        assertEquals(0.0, o.weightDecay());
        assertTrue(!o.useEma());
    }

    @Test
    void unsupportedOrUnknownKeysAreRefusedByName() {
        Object[][] cases = {
                {"loss_scale_factor", 128.0}, {"gradient_accumulation_steps", 4L}, {"beta1", 0.9}, {"nesterov", true},
                {"weight_decay", "lots"}, {"use_ema", "yes"},
        };
        for (Object[] k : cases) {
            Map<String, Object> c = new LinkedHashMap<>(Map.of("name", "adam"));
            c.put((String) k[0], k[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.fromConfig(c),
                    k[0].toString());
            assertTrue(e.getMessage().contains((String) k[0]), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Adam().weightDecay(-1));
        assertThrows(IllegalArgumentException.class, () -> new Adam().ema(1.5, 0));
    }
}
