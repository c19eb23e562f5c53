package dev.lamina.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.Storage;
import dev.lamina.backend.UnaryOp;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The cpu backend's vectorised float32 exp, tanh and sigmoid (cpu-kernels/lamina_kernels.hpp)
 * against Java's double-precision functions rounded to float: every special value exact (±0, ±inf,
 * NaN, overflow to +inf, underflow to 0, tanh's ±1 and −0), and at most 2 ulp elsewhere over the
 * whole float range that gives a non-trivial result, subnormal results included (there the error
 * is counted in units of the smallest subnormal).
 */
class FloatTranscendentalTest {
    private static final Backend CPU = Backends.cpu();

    private static float[] run(UnaryOp op, float[] x) {
        Storage xs = CPU.allocate(DType.FLOAT32, x.length), out = CPU.allocate(DType.FLOAT32, x.length);
        try {
            ByteBuffer in = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : x) {
                in.putFloat(v);
            }
            in.flip();
            CPU.upload(in, xs);
            CPU.unary(op, xs, out);
            ByteBuffer bb = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
            CPU.download(out, bb);
            float[] r = new float[x.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = bb.getFloat(4 * i);
            }
            return r;
        } finally {
            xs.release();
            out.release();
        }
    }

    /** Distance in units in the last place of the float nearest to want (at least the smallest subnormal). */
    private static double ulps(float got, double want) {
        float w = (float) want;
        double unit = Math.max(Math.ulp(w), Float.MIN_VALUE);
        return Math.abs(got - want) / unit;
    }

    /** Random values in [lo, hi] plus an even sweep, 300,000 in all. */
    private static float[] sweep(float lo, float hi, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[300_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 2 == 0 ? lo + (hi - lo) * (i / (float) x.length) : (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return x;
    }

    private static void within2Ulp(String name, UnaryOp op, DoubleUnaryOperator exact, float lo, float hi) {
        float[] x = sweep(lo, hi, 5);
        float[] got = run(op, x);
        double worst = 0;
        float at = 0;
        for (int i = 0; i < x.length; i++) {
            double u = ulps(got[i], exact.applyAsDouble(x[i]));
            if (u > worst) {
                worst = u;
                at = x[i];
            }
        }
        assertTrue(worst <= 2.0, name + ": " + worst + " ulp at x = " + at);
    }

    @Test
    void expIsWithin2UlpFromSubnormalResultsToOverflow() {
        within2Ulp("exp", UnaryOp.EXP, Math::exp, -103.9f, 88.72f);
        within2Ulp("exp near 0", UnaryOp.EXP, Math::exp, -1f, 1f);
    }

    @Test
    void tanhAndSigmoidAreWithin2Ulp() {
        within2Ulp("tanh", UnaryOp.TANH, Math::tanh, -12f, 12f);
        within2Ulp("tanh near 0", UnaryOp.TANH, Math::tanh, -0.7f, 0.7f);
        within2Ulp("sigmoid", UnaryOp.SIGMOID, v -> 1 / (1 + Math.exp(-v)), -100f, 30f);
    }

    @Test
    void specialValuesAreExact() {
        float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
        float[] x = {0f, -0f, inf, -inf, nan, 88.8f, 1000f, -104f, -1000f, 1f, 20f, -20f, Float.MAX_VALUE, -Float.MAX_VALUE};
        float[] exp = run(UnaryOp.EXP, x);
        float[] wantExp = {1f, 1f, inf, 0f, nan, inf, inf, 0f, 0f, (float) Math.E, (float) Math.exp(20), (float) Math.exp(-20),
            inf, 0f};
        float[] tanh = run(UnaryOp.TANH, x);
        float[] wantTanh = {0f, -0f, 1f, -1f, nan, 1f, 1f, -1f, -1f, (float) Math.tanh(1), 1f, -1f, 1f, -1f};
        float[] sig = run(UnaryOp.SIGMOID, x);
        float[] wantSig = {0.5f, 0.5f, 1f, 0f, nan, 1f, 1f, (float) (1 / (1 + Math.exp(104))), 0f,
            (float) (1 / (1 + Math.exp(-1))), (float) (1 / (1 + Math.exp(-20))), (float) (1 / (1 + Math.exp(20))), 1f, 0f};
        for (int i = 0; i < x.length; i++) {
            // bit patterns: tells -0 from 0 and checks NaN; e, tanh(1) and the ±20 values may be 1 ulp off
            if (i == 9 || i == 10 || i == 11 || i == 7) {
                assertTrue(ulps(exp[i], wantExp[i]) <= 2 && ulps(tanh[i], wantTanh[i]) <= 2 && ulps(sig[i], wantSig[i]) <= 2,
                        "x = " + x[i] + ": exp " + exp[i] + ", tanh " + tanh[i] + ", sigmoid " + sig[i]);
                continue;
            }
            assertEquals(Float.floatToIntBits(wantExp[i]), Float.floatToIntBits(exp[i]), "exp(" + x[i] + ") = " + exp[i]);
            assertEquals(Float.floatToIntBits(wantTanh[i]), Float.floatToIntBits(tanh[i]), "tanh(" + x[i] + ") = " + tanh[i]);
            assertEquals(Float.floatToIntBits(wantSig[i]), Float.floatToIntBits(sig[i]), "sigmoid(" + x[i] + ") = " + sig[i]);
        }
    }
}
