package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    /** {@code v} as little-endian bytes of {@code dt} (a direct buffer, flipped for upload). */
    public static ByteBuffer encode(DType dt, double[] v) {
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.max(1, v.length * dt.size())).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            switch (dt) {
                case FLOAT32 -> buf.putFloat((float) x);
                case FLOAT64 -> buf.putDouble(x);
                case INT32 -> buf.putInt((int) x);
                case INT64 -> buf.putLong((long) x);
                case BOOL -> buf.put((byte) (x != 0 ? 1 : 0));
            }
        }
        buf.flip();
        return buf;
    }

    /** The first {@code n} values of {@code dt} in little-endian {@code buf}, as doubles. */
    public static double[] decode(DType dt, ByteBuffer buf, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (dt) {
                case FLOAT32 -> buf.getFloat(4 * i);
                case FLOAT64 -> buf.getDouble(8 * i);
                case INT32 -> buf.getInt(4 * i);
                case INT64 -> buf.getLong(8 * i);
                case BOOL -> buf.get(i);
            };
        }
        return v;
    }
}
