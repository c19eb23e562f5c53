package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;

/**
 * What the gpu-tagged tests share: whether they may skip, and their sizes.
 *
 * <p>On the real-device path a test without a usable GPU is skipped, not failed (rule 5). On the
 * emulated device ({@code LAMINA_CUDA=emulated} or {@code -Dlamina.cuda=emulated}, as CI runs them)
 * the device must be there: an emulated device that does not load fails the test instead of
 * skipping it, so CI cannot pass by skipping.
 *
 * <p>Sizes: 1, 7, 33, 1023 everywhere, plus a large one: 2^20 on a GPU, 65537 on the emulated
 * device, where every CUDA thread is a fiber on the CPU (2^20 would cost seconds per launch).
 */
public final class GpuTestSupport {
    private GpuTestSupport() {
    }

    /** True when the tests run on the emulated device. */
    public static boolean emulated() {
        return CudaRuntime.get().isEmulated();
    }

    /** Skips the test without a usable device on the real path; fails it on the emulated device. */
    public static void requireDevice() {
        CudaRuntime rt = CudaRuntime.get();
        if (rt.isEmulated()) {
            assertTrue(rt.isAvailable(), () -> "the emulated CUDA device must load: " + rt.unavailableReason());
        } else {
            Assumptions.assumeTrue(rt.isAvailable(), () -> "no usable CUDA device: " + rt.unavailableReason());
        }
    }

    /** The large size of the element-wise tests: 2^20 on a GPU, 65537 on the emulated device. */
    public static int large() {
        return emulated() ? 65537 : 1 << 20;
    }

    /** 1, 7, 33, 1023 and {@link #large()}. */
    public static IntStream sizes() {
        return IntStream.of(1, 7, 33, 1023, large());
    }
}
