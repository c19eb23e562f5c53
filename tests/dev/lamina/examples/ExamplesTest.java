package dev.lamina.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs each workshop example on the cpu backend and checks its results (and that it frees its memory). */
class ExamplesTest {
    private Backends.Use use;
    private Backend cpu;
    private dev.lamina.testing.LeakBaseline baseline;

    @BeforeEach
    void setUp() {
        cpu = Backends.cpu();
        use = Backends.use(cpu);
        baseline = dev.lamina.testing.LeakBaseline.of(cpu);
    }

    @AfterEach
    void tearDown() {
        try {
            baseline.assertNoLeak("bytes held after the example");
        } finally {
            use.close();   // a failed check must not leave this thread on the cpu backend
        }
    }

    @Test
    void tensorBasicsPrintsLikeTensorFlow() {
        List<String> lines = TensorBasics.run();
        assertEquals(List.of(
                "Tensor(5, shape=(), dtype=int32)",
                "Tensor(\n[[11.]], shape=(1, 1), dtype=float32)",
                "Tensor(2, shape=(), dtype=int32)",
                "(2, 2)",
                "Variable 'v' Tensor(1.5, shape=(), dtype=float32)"), lines);
    }

    @Test
    void twoLayerForwardMatchesHandComputation() {
        TwoLayerForward.Result r = TwoLayerForward.run();
        // h = relu([1, 2]·W1 + 0.1) = [0.1+0.8+0.1, 0.2+1.0+0.1, 0.3+1.2+0.1] = [1.0, 1.3, 1.6]
        assertArrayEquals(new float[] {1.0f, 1.3f, 1.6f}, r.hidden(), 1e-6f);
        // z = 0.5·1.0 − 0.5·1.3 + 1.0·1.6 + 0.2 = 1.65
        double expected = 1 / (1 + Math.exp(-1.65));
        assertEquals(expected, r.output(), 1e-6);
        assertEquals(0.8389, r.output(), 5e-5);   // the value TwoLayerForward's Javadoc states
    }

    @Test
    void gradientDescentConvergesGeometrically() {
        GradientDescent.Result r = GradientDescent.run(50, 0.1);
        // w_n = 2 − 2·0.8ⁿ, loss before step n = (2·0.8ⁿ)²
        assertEquals(2 - 2 * Math.pow(0.8, 50), r.w(), 1e-5);
        for (int n = 0; n < 50; n += 7) {
            double e = 2 * Math.pow(0.8, n);
            assertEquals(e * e, r.losses()[n], 1e-5 * Math.max(1, e * e), "loss before step " + n);
        }
    }

    @Test
    void xorFromScratchHandGradientsMatchTheTape() {
        try (Scope s = Scope.open(); XorFromScratch.Net net = new XorFromScratch.Net(3, 4)) {
            Tensor x = Tensor.of(XorFromScratch.X);
            Tensor y = Tensor.of(XorFromScratch.Y);
            Tensor[] manual = net.gradients(x, y);
            Tensor[] taped;
            try (GradientTape tape = GradientTape.start()) {
                taped = tape.gradient(net.loss(x, y), net.w1, net.b1, net.w2, net.b2);
            }
            String[] names = {"dW1", "db1", "dW2", "db2"};
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(taped[i].shape(), manual[i].shape(), names[i] + " shape");
                assertArrayEquals(taped[i].toFloatArray(), manual[i].toFloatArray(), 1e-6f, names[i]);
            }
        }
    }

    @Test
    void xorFromScratchLearnsXor() {
        XorFromScratch.Result r = XorFromScratch.run(42, 4, 3000, 2.0);
        assertTrue(r.finalLoss() < 0.05, "final MSE " + r.finalLoss() + " (initial " + r.initialLoss() + ")");
        assertEquals(1.0, r.accuracy(), "predictions " + java.util.Arrays.toString(r.predictions()));
    }

    @Test
    void xorSequentialLearnsXor() {
        XorSequential.Result r = XorSequential.run(7, "adam", 0.05, 300);
        List<Double> loss = r.history().get("loss");
        assertEquals(300, loss.size());
        assertTrue(loss.get(loss.size() - 1) < 0.1 * loss.get(0), "loss " + loss.get(0) + " -> " + loss.get(loss.size() - 1));
        assertEquals(1.0, r.evaluation().get("accuracy"), "predictions " + java.util.Arrays.toString(r.predictions()));
        float[] p = r.predictions();
        assertTrue(p[0] < 0.5 && p[1] > 0.5 && p[2] > 0.5 && p[3] < 0.5, java.util.Arrays.toString(p));
        assertEquals(r.history().get("accuracy").get(loss.size() - 1), 1.0);
    }

    @Test
    void xorSequentialLearnsWithSgdToo() {
        XorSequential.Result r = XorSequential.run(7, "sgd", 0.5, 400);
        assertEquals(1.0, r.evaluation().get("accuracy"), "predictions " + java.util.Arrays.toString(r.predictions()));
    }

    @Test
    void digitsMlpReaches95PercentOnTheTestSet() {
        long t0 = System.nanoTime();
        DigitsMlp.Result r = DigitsMlp.run(DigitsMlp.DATA, 42, 20, 0);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(1797, r.trainSize() + r.testSize());
        assertTrue(r.test().get("accuracy") >= 0.95, "test accuracy " + r.test() + " after " + r.history());
        assertEquals(20, r.history().get("val_accuracy").size());
        System.out.printf("DigitsMlp: test %s in %.2f s%n", r.test(), seconds);
    }
}
