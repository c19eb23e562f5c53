package dev.lamina.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.autograd.GradientTape;
import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.Storage;
import dev.lamina.ops.ConvOps;
import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@code allocateUninitialized} on the cpu backend, and the ops that now take their outputs from
 * it: the memory is accounted like any storage, and every such op overwrites all of its output.
 * To catch an op that leaves elements unwritten, the heap is first filled with NaN buffers that
 * are then freed (so malloc hands their memory back to the next uninitialized outputs); a conv /
 * pool / dense / relu training step must then give the same values and gradients as on the
 * reference backend (relative error at most 1e-5; a stale NaN would fail it).
 */
class UninitializedAllocationTest {

    @Test
    void uninitializedStoragesAreSizedAndAccounted() {
        Backend cpu = Backends.cpu();
        long base = cpu.bytesInUse();
        Storage s = cpu.allocateUninitialized(DType.FLOAT64, 1000);
        assertEquals(1000, s.numel());
        assertEquals(8000, s.bytes());
        assertEquals(DType.FLOAT64, s.dtype());
        assertEquals(base + 8000, cpu.bytesInUse());
        s.release();
        assertEquals(base, cpu.bytesInUse());
        assertThrows(IllegalArgumentException.class, () -> cpu.allocateUninitialized(DType.FLOAT32, -1));
    }

    @Test
    void opsOverwriteEveryElementOfDirtyMemory() {
        double[][] ref = on(Backends.reference(), UninitializedAllocationTest::step);
        Backend cpu = Backends.cpu();
        long base = cpu.bytesInUse();
        List<Storage> dirty = new ArrayList<>();
        for (long n : new long[] {1 << 10, 1 << 14, 1 << 16, 1 << 18, 1 << 20}) {
            for (int k = 0; k < 3; k++) {
                Storage s = cpu.allocate(DType.FLOAT32, n);
                cpu.fill(s, Double.NaN);
                dirty.add(s);
            }
        }
        dirty.forEach(Storage::release);
        double[][] got = on(cpu, UninitializedAllocationTest::step);
        for (int i = 0; i < ref.length; i++) {
            double d2 = 0, r2 = 0;
            for (int j = 0; j < ref[i].length; j++) {
                d2 += (got[i][j] - ref[i][j]) * (got[i][j] - ref[i][j]);
                r2 += ref[i][j] * ref[i][j];
            }
            double e = Math.sqrt(d2 / r2);
            assertTrue(e <= 1e-5, "output " + i + ": relative error " + e);
        }
        assertEquals(base, cpu.bytesInUse(), "bytes in use back to baseline");
    }

    /** y = sum(dense(flatten(maxpool(relu(conv(x)))))^2): the loss, dx, dkernel and ddense. */
    private static double[][] step() {
        try (Scope s = Scope.open(); GradientTape tape = GradientTape.start()) {
            Rng rng = new Rng(5);
            Tensor x = rng.uniform(DType.FLOAT32, -1, 1, 4, 9, 9, 3);
            Tensor k = rng.uniform(DType.FLOAT32, -0.5, 0.5, 3, 3, 3, 8);
            Tensor w = rng.uniform(DType.FLOAT32, -0.5, 0.5, 72, 5);
            tape.watch(x, k, w);
            Tensor h = ConvOps.maxPool2d(ConvOps.conv2d(x, k, new int[] {1, 1}, "same").relu(), new int[] {3, 3},
                    null, "valid");
            Tensor y = h.reshape(4, 72).matmul(w);
            Tensor loss = y.mul(y).sum();
            Tensor[] g = tape.gradient(loss, x, k, w);
            return new double[][] {loss.toDoubleArray(), g[0].toDoubleArray(), g[1].toDoubleArray(),
                g[2].toDoubleArray(), h.toDoubleArray()};
        }
    }

    private static <T> T on(Backend b, Supplier<T> body) {
        try (Backends.Use u = Backends.use(b)) {
            return body.get();
        }
    }
}
