package dev.lamina.graph;

import dev.lamina.backend.Backend;
import dev.lamina.backend.cuda.CudaBackend;
import dev.lamina.backend.cuda.GpuTestSupport;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Conv2D;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Flatten;
import dev.lamina.nn.GRU;
import dev.lamina.nn.Input;
import dev.lamina.nn.MaxPooling2D;
import dev.lamina.optim.Adagrad;
import dev.lamina.optim.Adam;
import dev.lamina.optim.ExponentialDecay;
import dev.lamina.optim.RMSprop;
import dev.lamina.optim.SGD;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Traced training on the cuda backend against eager cuda training: weights and per-epoch losses
 * bitwise equal, every step signature traced and replayed, memory back to its baseline (the checks
 * of {@link TracedTrainingTest}). On the emulated device ({@code LAMINA_CUDA=emulated}) a replay
 * runs node by node; on a GPU it runs as captured CUDA graphs ({@link CapturedReplay}).
 * The fused kernels of the cuda backend (Adam, RMSprop, SGD, the persistent LSTM sequence, the
 * fused convolution, pooling and GRU cells) are each one node of these graphs.
 */
@Tag("gpu")
class TracedCudaTrainingTest {
    private static Backend cuda() {
        return CudaBackend.instance();
    }

    @BeforeEach
    void device() {
        GpuTestSupport.requireDevice();
    }

    @Test
    void lstmAdamWithScheduleAndDropoutTrainsBitwiseAsEager() {
        TracedTrainingTest.check(cuda(), () -> new Adam(new ExponentialDecay(0.01, 2, 0.5, false), 0.9, 0.999, 1e-7,
                false), TracedTrainingTest::lstmDropout, new long[] {6, 2}, 7);
    }

    @Test
    void sgdWithNesterovMomentumTrainsBitwiseAsEager() {
        TracedTrainingTest.check(cuda(), () -> new SGD(0.05, 0.9, true), TracedTrainingTest::lstmDropout,
                new long[] {6, 2}, 7);
    }

    @Test
    void convPoolWithRmsPropTrainsBitwiseAsEager() {
        TracedTrainingTest.check(cuda(), () -> new RMSprop(0.01), () -> new Sequential(new Input(6, 6, 2),
                new Conv2D(3, 3, "relu"), new MaxPooling2D(2), new Flatten(), new Dense(1)), new long[] {6, 6, 2}, 7);
    }

    /**
     * The captured replay's fixed buffers on cuda: a stand-in capturer that, as stream capture, runs
     * nothing while capturing and relaunches the calls with the storages they were captured with.
     * (On the emulated device real CUDA graphs do not exist; {@code capturedSegments()} is 0 there.)
     */
    @Test
    void capturedReplayTrainsBitwiseAsEager() {
        CapturedReplayTest.StandIn c = new CapturedReplayTest.StandIn();
        CapturedReplayTest.withCapturer(c, () -> TracedTrainingTest.check(cuda(), () -> new RMSprop(0.01),
                () -> new Sequential(new Input(6, 6, 2), new Conv2D(3, 3, "relu"), new MaxPooling2D(2), new Flatten(),
                        new Dense(1)), new long[] {6, 6, 2}, 7));
        org.junit.jupiter.api.Assertions.assertTrue(c.captures > 0 && c.launches > c.captures,
                c.captures + " captures, " + c.launches + " launches");
    }

    /**
     * A traced function replays bitwise its eager values on cuda: on a GPU (never run yet) as launches
     * of captured CUDA graphs; on the emulated device, which has no CUDA graphs, node by node, with
     * its element-wise chain as one fused kernel.
     */
    @Test
    void replaysAreCapturedCudaGraphsOnAGpuAndNodeByNodeWhenEmulated() {
        boolean emulated = GpuTestSupport.emulated();
        String why = dev.lamina.backend.cuda.CudaGraphCapture.unsupportedReason();
        try (var use = dev.lamina.backend.Backends.use(cuda());
             dev.lamina.tensor.Scope scope = dev.lamina.tensor.Scope.open()) {
            TracedFunction f = Graph.trace(in -> new dev.lamina.tensor.Tensor[] {
                in[0].matmul(in[1]).add(in[0].sum(new int[] {1}, true)).tanh().mul(in[1].mean())});
            dev.lamina.tensor.Rng rng = new dev.lamina.tensor.Rng(4);
            for (int i = 0; i < 5; i++) {
                dev.lamina.tensor.Tensor a = rng.normal(dev.lamina.types.DType.FLOAT32, 0, 1, 16, 16);
                dev.lamina.tensor.Tensor b = rng.normal(dev.lamina.types.DType.FLOAT32, 0, 1, 16, 16);
                float[] eager = a.matmul(b).add(a.sum(new int[] {1}, true)).tanh().mul(b.mean()).toFloatArray();
                org.junit.jupiter.api.Assertions.assertArrayEquals(eager, f.apply(a, b)[0].toFloatArray(), "call " + i);
            }
            Graph g = f.graph(rng.normal(dev.lamina.types.DType.FLOAT32, 0, 1, 16, 16),
                    rng.normal(dev.lamina.types.DType.FLOAT32, 0, 1, 16, 16));
            org.junit.jupiter.api.Assertions.assertNotNull(g, "the function was traced on cuda");
            if (emulated) {
                org.junit.jupiter.api.Assertions.assertNotNull(why);
                org.junit.jupiter.api.Assertions.assertEquals(0, g.capturedSegments());
                org.junit.jupiter.api.Assertions.assertEquals(0, (int) g.opCounts().getOrDefault("unary", 0), g.toString());
                org.junit.jupiter.api.Assertions.assertTrue(g.opCounts().getOrDefault("fused", 0) >= 1, g.toString());
            } else {
                org.junit.jupiter.api.Assertions.assertNull(why);
                org.junit.jupiter.api.Assertions.assertTrue(g.capturedSegments() > 0, g.toString());
                org.junit.jupiter.api.Assertions.assertNull(g.capturedReplay().captureOff());
                org.junit.jupiter.api.Assertions.assertTrue(g.capturedReplay().launches() >= 3);
            }
            f.close();
        }
    }

    @Test
    void tracedEvaluateAndPredictAreBitwiseEagerOnCuda() {
        new TracedEvaluateTest().tracedEvaluateAndPredictAreBitwiseEager("cuda");
    }

    @Test
    void gruWithAdagradTrainsBitwiseAsEager() {
        TracedTrainingTest.check(cuda(), () -> new Adagrad(0.05), () -> new Sequential(new Input(6, 2), new GRU(8),
                new Dense(1)), new long[] {6, 2}, 7);
    }
}
