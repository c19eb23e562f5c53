package dev.lamina.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.backend.Backends;
import dev.lamina.io.HostTensor;
import dev.lamina.io.Safetensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gradients of saturated sigmoid, tanh and softmax keep float32's relative accuracy: the rules
 * that multiply by 1 − y (or 1 − y², or g − Σ g·y) computed from the rounded output y lost it
 * (a sigmoid at x ≥ 17 had gradient 0, tanh at |x| = 5 three digits, a softmax whose largest
 * probability rounds to 1 the wrong gradient for that logit, a confident cross-entropy's label
 * entry p − 1 two to three digits). Expected values are computed here in
 * double from the float32 inputs, and every case is run through the parity runner at 1e-5.
 */
class SaturatedGradientsTest {
    @TempDir
    Path tmp;

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** An element-wise op's case: y = f(x), grad.x = seed·f'(x). */
    Path unaryCase(String op, float[] x, DoubleUnaryOperator f, DoubleUnaryOperator df) {
        double[] y = new double[x.length];
        double[] g = new double[x.length];
        float[] seed = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            seed[i] = (i % 2 == 0 ? 1 : -1) * (1 + 0.25f * i);
            y[i] = f.applyAsDouble(x[i]);
            g[i] = seed[i] * df.applyAsDouble(x[i]);
        }
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("in.x", HostTensor.ofFloats(x, x.length));
        t.put("out.y", HostTensor.ofDoubles(y, x.length));
        t.put("seed.y", HostTensor.ofFloats(seed, x.length));
        t.put("grad.x", HostTensor.ofDoubles(g, x.length));
        Path p = tmp.resolve(op + ".safetensors");
        Safetensors.write(p, t, Map.of("op", op, "format", "1"));
        return p;
    }

    /**
     * dense softmax with an identity kernel and zero bias, so z = x: rows whose largest logit leads
     * by 15 to 25, where the largest probability is 1 (or one ulp below) in float32.
     */
    Path softmaxCase() {
        float[][] z = {{0, 20, 1}, {25, 0, -3}, {-2, 18, 3}, {17, 0, 0.5f}};
        float[][] seed = {{0.5f, -1, 2}, {1.5f, -0.25f, 0.75f}, {-1, 0.5f, 1}, {2, 1, -1}};
        int rows = z.length;
        int c = 3;
        double[] y = new double[rows * c];
        double[] dz = new double[rows * c];
        for (int r = 0; r < rows; r++) {
            int k = 0;
            for (int j = 1; j < c; j++) {
                k = z[r][j] > z[r][k] ? j : k;
            }
            double sum = 0;
            for (int j = 0; j < c; j++) {
                sum += Math.exp(z[r][j] - z[r][k]);
            }
            for (int j = 0; j < c; j++) {
                y[r * c + j] = Math.exp(z[r][j] - z[r][k]) / sum;
            }
            // g_i − Σ_j y_j g_j = (g_i − g_k) − Σ_{j≠k} y_j (g_j − g_k): no cancellation against y_k ≈ 1
            double corr = 0;
            for (int j = 0; j < c; j++) {
                corr += j == k ? 0 : y[r * c + j] * ((double) seed[r][j] - seed[r][k]);
            }
            for (int i = 0; i < c; i++) {
                dz[r * c + i] = y[r * c + i] * (((double) seed[r][i] - seed[r][k]) - corr);
            }
        }
        float[] x = new float[rows * c];
        float[] s = new float[rows * c];
        double[] gKernel = new double[c * c];
        double[] gBias = new double[c];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < c; j++) {
                x[r * c + j] = z[r][j];
                s[r * c + j] = seed[r][j];
                gBias[j] += dz[r * c + j];
                for (int i = 0; i < c; i++) {
                    gKernel[i * c + j] += (double) z[r][i] * dz[r * c + j];
                }
            }
        }
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("in.x", HostTensor.ofFloats(x, rows, c));
        t.put("in.kernel", HostTensor.ofFloats(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, c, c));
        t.put("in.bias", HostTensor.ofFloats(new float[c], c));
        t.put("out.y", HostTensor.ofDoubles(y, rows, c));
        t.put("seed.y", HostTensor.ofFloats(s, rows, c));
        t.put("grad.x", HostTensor.ofDoubles(dz, rows, c));
        t.put("grad.kernel", HostTensor.ofDoubles(gKernel, c, c));
        t.put("grad.bias", HostTensor.ofDoubles(gBias, c));
        Path p = tmp.resolve("dense_softmax_saturated.safetensors");
        Safetensors.write(p, t, Map.of("op", "dense", "format", "1", "attrs", "{\"activation\": \"softmax\"}"));
        return p;
    }

    /**
     * sparse_categorical_crossentropy of rows whose label leads by 12 to 20: loss = mean(lse − z_label),
     * dz = seed/B·(p − onehot) with the label's p − 1 computed as −Σ_{j≠label} p_j (no cancellation).
     */
    Path crossEntropyCase() {
        float[][] z = {{14, 1, -2}, {0, 20, 3}, {-5, 2, 14.5f}, {12, -1, 0}};
        int[] labels = {0, 1, 2, 0};
        float seed = 1.5f;
        int rows = z.length;
        int c = 3;
        double loss = 0;
        double[] dz = new double[rows * c];
        float[] x = new float[rows * c];
        for (int r = 0; r < rows; r++) {
            int k = labels[r];
            double others = 0;
            for (int j = 0; j < c; j++) {
                x[r * c + j] = z[r][j];
                others += j == k ? 0 : Math.exp((double) z[r][j] - z[r][k]);
            }
            loss += Math.log1p(others) / rows;
            for (int j = 0; j < c; j++) {
                double p = Math.exp((double) z[r][j] - z[r][k]) / (1 + others);
                dz[r * c + j] = seed / rows * (j == k ? -others / (1 + others) : p);
            }
        }
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("in.logits", HostTensor.ofFloats(x, rows, c));
        t.put("in.labels", HostTensor.ofInts(labels, rows));
        t.put("out.loss", HostTensor.ofDoubles(new double[] {loss}));
        t.put("seed.loss", HostTensor.ofFloats(new float[] {seed}));
        t.put("grad.logits", HostTensor.ofDoubles(dz, rows, c));
        Path p = tmp.resolve("scce_confident.safetensors");
        Safetensors.write(p, t, Map.of("op", "sparse_categorical_crossentropy", "format", "1",
                "attrs", "{\"from_logits\": true}"));
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void confidentCrossEntropyKeepsItsGradient(String backend) throws Exception {
        List<String> lines = new java.util.ArrayList<>();
        ParityRunner runner = new ParityRunner(1e-5, List.of(Backends.byName(backend)), r -> lines.add(r.line()));
        List<ParityRunner.Result> r = runner.run(List.of(crossEntropyCase()));
        assertEquals(new ParityRunner.Summary(2, 0, 0), ParityRunner.Summary.of(r), String.join("\n", lines));
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void saturatedActivationsKeepTheirGradients(String backend) throws Exception {
        Path sig = unaryCase("sigmoid", new float[] {15, 18, 20, 25, 30, 40},
                SaturatedGradientsTest::sigmoid, v -> sigmoid(v) * sigmoid(-v));
        Path tanh = unaryCase("tanh", new float[] {4, 5, -6, 8, -9, 12},
                Math::tanh, v -> 1 / (Math.cosh(v) * Math.cosh(v)));
        List<String> lines = new java.util.ArrayList<>();
        ParityRunner runner = new ParityRunner(1e-5, List.of(Backends.byName(backend)), r -> lines.add(r.line()));
        List<ParityRunner.Result> r = runner.run(List.of(sig, tanh, softmaxCase()));
        // sigmoid: out, grad; tanh: out, grad; dense: out.y and grad.x, grad.kernel, grad.bias
        assertEquals(new ParityRunner.Summary(8, 0, 0), ParityRunner.Summary.of(r), String.join("\n", lines));
    }
}
