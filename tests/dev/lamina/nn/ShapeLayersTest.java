package dev.lamina.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradCheck;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Flatten, Reshape and the Activation layer. */
class ShapeLayersTest {
    @Test
    void flattenKeepsRowMajorOrder() {
        try (Scope s = Scope.open()) {
            float[] v = LayerChecks.randomFloats(1, 2 * 3 * 4, -1, 1);
            Flatten f = new Flatten();
            Tensor y = f.apply(Tensor.of(v, 2, 3, 4));
            assertArrayEquals(new long[] {2, 12}, y.shape());
            assertArrayEquals(v, y.toFloatArray(), 0f);
            assertArrayEquals(new long[] {5, 1}, new Flatten().apply(Tensor.zeros(DType.FLOAT32, 5)).shape());
            assertArrayEquals(new long[] {-1, 60}, f.outputShape(new long[] {-1, 3, 4, 5}));
            assertArrayEquals(new long[] {-1, -1}, f.outputShape(new long[] {-1, -1, 4}));
        }
    }

    @Test
    void reshapeInfersOneDimension() {
        try (Scope s = Scope.open()) {
            float[] v = LayerChecks.randomFloats(2, 24, -1, 1);
            Reshape r = new Reshape(4, -1);
            Tensor y = r.apply(Tensor.of(v, 2, 2, 6));
            assertArrayEquals(new long[] {2, 4, 3}, y.shape());
            assertArrayEquals(v, y.toFloatArray(), 0f);
            assertArrayEquals(new long[] {-1, 4, 3}, r.outputShape(new long[] {-1, 12}));
            assertArrayEquals(new long[] {-1, 3, 2, 2}, new Reshape(3, 2, 2).outputShape(new long[] {-1, 12}));
        }
    }

    @Test
    void reshapeRejectsIncompatibleSizes() {
        Reshape r = new Reshape("bad_reshape", 5, -1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.outputShape(new long[] {-1, 2, 3}));
        assertTrue(e.getMessage().contains("bad_reshape") && e.getMessage().contains("(None, 2, 3)")
                && e.getMessage().contains("[5, -1]"), e.getMessage());
        try (Scope s = Scope.open()) {
            Reshape r2 = new Reshape("bad_reshape_2", 4);
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> r2.apply(Tensor.zeros(DType.FLOAT32, 2, 3)));
            assertTrue(e2.getMessage().contains("bad_reshape_2") && e2.getMessage().contains("3 elements per sample"),
                    e2.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Reshape(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> new Reshape(0, 3));
    }

    @Test
    void activationLayerAppliesTheNamedActivation() {
        try (Scope s = Scope.open()) {
            ActivationLayer a = new ActivationLayer("relu");
            assertEquals("Activation", a.className());
            assertTrue(a.name().startsWith("activation"), a.name());
            Tensor y = a.apply(Tensor.of(new float[][] {{-1, 2}, {3, -4}}));
            assertArrayEquals(new float[] {0, 2, 3, 0}, y.toFloatArray(), 0f);
            Tensor sm = new ActivationLayer("softmax").apply(Tensor.of(new float[][] {{0, (float) Math.log(3)}}));
            assertArrayEquals(new float[] {0.25f, 0.75f}, sm.toFloatArray(), 1e-6f);
            assertArrayEquals(new long[] {-1, 7, 2}, a.outputShape(new long[] {-1, 7, 2}));
        }
        assertThrows(IllegalArgumentException.class, () -> new ActivationLayer("swishy"));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Layer[] layers = {new Flatten(), new Reshape(-1, 2), new ActivationLayer("tanh"), new ActivationLayer("softplus"),
            new ActivationLayer("linear")};
        for (Layer l : layers) {
            GradCheck.Result r = GradCheck.check(xs -> l.apply(xs[0], true),
                    new double[][] {LayerChecks.random(3, 24, -2, 2)}, new long[][] {{2, 3, 4}});
            assertTrue(r.relativeError() < 1e-6, l + ": rel err " + r.relativeError());
            assertEquals(24, r.checkedElements());
        }
    }

    @Test
    void cpuMatchesReference() {
        float[] x = LayerChecks.randomFloats(4, 3 * 4 * 5, -2, 2);
        LayerChecks.assertCpuMatchesReference(Flatten::new, x, new long[] {3, 4, 5}, true, 1e-5);
        LayerChecks.assertCpuMatchesReference(() -> new Reshape(10, 2), x, new long[] {3, 4, 5}, true, 1e-5);
        for (String act : new String[] {"softmax", "sigmoid", "gelu", "elu"}) {
            LayerChecks.assertCpuMatchesReference(() -> new ActivationLayer(act), x, new long[] {3, 4, 5}, true, 1e-5);
        }
    }
}
