package dev.lamina.autograd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.tensor.OpCatalog;
import dev.lamina.tensor.Rng;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every differentiable op: the tape's gradient against central differences, float64, reference backend. */
class GradientCheckTest {
    static List<OpCatalog.Case> cases() {
        return OpCatalog.differentiable();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tapeGradientMatchesFiniteDifferences(OpCatalog.Case c) {
        long seed = OpCatalog.seed(c.name());
        double[][] x = c.draw(new Rng(seed));
        GradCheck.Result r = GradCheck.check(c.f(), x, c.shapes());
        assertTrue(r.checkedElements() > 0, "nothing checked");
        assertTrue(r.relativeError() < 1e-6, c.name() + ": relative error " + r.relativeError()
                + " (max abs " + r.maxAbsError() + ")" + OpCatalog.replay(seed));
    }

    @org.junit.jupiter.api.Test
    void aWrongGradientRuleIsCaught() {
        // y = x² recorded with the rule dy/dx = x (missing the factor 2): the check must flag it
        java.util.function.Function<dev.lamina.tensor.Tensor[], dev.lamina.tensor.Tensor> wrong = x -> {
            dev.lamina.tensor.Tensor y = GradientTape.noGrad(() -> x[0].square());
            if (GradientTape.isRecording()) {
                GradientTape.record("badSquare", y, g -> new dev.lamina.tensor.Tensor[] {g.mul(x[0])}, x[0]);
            }
            return y;
        };
        GradCheck.Result r = GradCheck.check(wrong, new double[][] {{0.5, -1.0, 2.0}}, new long[][] {{3}});
        assertTrue(r.relativeError() > 0.1, "wrong rule not detected: " + r);
    }
}
