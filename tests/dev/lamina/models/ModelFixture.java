package dev.lamina.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Shared set-up of the model tests: runs on the cpu backend, closes what a test registers with
 * {@link #own}, and checks afterwards that the backend holds exactly the bytes it held before.
 */
abstract class ModelFixture {
    protected Backend cpu;
    private Backends.Use use;
    private dev.lamina.testing.LeakBaseline baseline;
    private final List<AutoCloseable> owned = new ArrayList<>();

    @BeforeEach
    void openFixture() {
        cpu = Backends.cpu();
        use = Backends.use(cpu);
        baseline = dev.lamina.testing.LeakBaseline.of(cpu);
    }

    @AfterEach
    void closeFixture() throws Exception {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
        try {
            baseline.assertNoLeak("cpu bytes held after the test (leak)");
        } finally {
            use.close();   // a failed check must not leave this thread on the cpu backend
        }
    }

    protected <T extends AutoCloseable> T own(T t) {
        owned.add(t);
        return t;
    }

    /** x ~ U[-1, 1) of shape [n, features] and y = x0² − x1 + 0.5·x0·x2 (the first three features), [n, 1]. */
    protected Tensor[] regression(long seed, int n, int features) {
        Rng rng = new Rng(seed);
        Tensor x = own(rng.uniform(DType.FLOAT32, -1, 1, n, features));
        float[] xs = x.toFloatArray();
        float[] ys = new float[n];
        for (int i = 0; i < n; i++) {
            float a = xs[i * features];
            float b = xs[i * features + 1];
            float c = features > 2 ? xs[i * features + 2] : 0;
            ys[i] = a * a - b + 0.5f * a * c;
        }
        return new Tensor[] {x, own(Tensor.of(ys, n, 1))};
    }

    /** The raw bits of every weight, in weights() order. */
    protected static int[][] weightBits(Model m) {
        List<Variable> ws = m.weights();
        int[][] out = new int[ws.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = bits(ws.get(i).toFloatArray());
        }
        return out;
    }

    protected static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }
}
