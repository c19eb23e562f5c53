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
 * runs node by node; on a GPU it runs as captured CUDA graphs ({@link CudaGraphReplay}).
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

    @Test
    void gruWithAdagradTrainsBitwiseAsEager() {
        TracedTrainingTest.check(cuda(), () -> new Adagrad(0.05), () -> new Sequential(new Input(6, 2), new GRU(8),
                new Dense(1)), new long[] {6, 2}, 7);
    }
}
