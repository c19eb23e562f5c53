package dev.lamina.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.backend.BinaryOp;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Needs a CUDA device; skipped (not failed) elsewhere. ADD now runs through the generic binary
 * kernel of issue #6 (compiled, not yet run on a GPU; this class first runs in a task with a device).
 */
@Tag("gpu")
class CudaAddGpuTest {
    private final CudaBackend cuda = CudaBackend.instance();

    @BeforeEach
    void needsDevice() {
        GpuTestSupport.requireDevice();
    }

    @ParameterizedTest
    @MethodSource("dev.lamina.backend.cuda.GpuTestSupport#sizes")
    void addMatchesJavaExactly(int n) {
        SplittableRandom rnd = new SplittableRandom(0x1a31aL + n);
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1) * 100f;
            b[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        long baseline = cuda.bytesInUse();
        Storage da = cuda.allocate(DType.FLOAT32, n);
        Storage db = cuda.allocate(DType.FLOAT32, n);
        Storage dout = cuda.allocate(DType.FLOAT32, n);
        try {
            assertEquals(baseline + 3L * 4 * n, cuda.bytesInUse());
            cuda.upload(direct(a), da);
            cuda.upload(heap(b), db); // one direct, one heap buffer: both upload paths
            long[] strides = {1};
            cuda.binary(BinaryOp.ADD, da, strides, db, strides, dout, new long[] {n});
            cuda.synchronize();

            ByteBuffer back = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            cuda.download(dout, back);
            FloatBuffer got = back.asFloatBuffer();
            for (int i = 0; i < n; i++) {
                float want = a[i] + b[i];
                if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got.get(i))) {
                    throw new AssertionError("n=" + n + " i=" + i + ": " + a[i] + " + " + b[i]
                            + " = " + want + ", device gave " + got.get(i));
                }
            }
            ByteBuffer heapBack = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            cuda.download(da, heapBack);
            assertEquals(a[n - 1], heapBack.getFloat(4 * (n - 1)));
        } finally {
            da.release();
            db.release();
            dout.release();
        }
        assertEquals(baseline, cuda.bytesInUse());
    }

    @Test
    void allocateGivesZerosAndBadArgumentsSayWhy() {
        Storage s = cuda.allocate(DType.FLOAT32, 5);
        try {
            ByteBuffer back = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
            cuda.download(s, back);
            for (int i = 0; i < 5; i++) {
                assertEquals(0f, back.getFloat(4 * i));
            }
            // a bad argument is an IllegalArgumentException naming the op; the kernels are
            // CudaKernelsGpuTest's and CudaLayerKernelsGpuTest's
            Storage d = cuda.allocate(DType.FLOAT64, 1);
            try {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> cuda.matmul(d, d, d, 1, 2, 1, 1, false, false, 0, 0));
                assertTrue(e.getMessage().contains("cuda.matmul"), e.getMessage());
            } finally {
                d.release();
            }
        } finally {
            s.release();
        }
    }

    private static ByteBuffer direct(float[] v) {
        ByteBuffer b = ByteBuffer.allocateDirect(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b;
    }

    private static ByteBuffer heap(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b;
    }
}
