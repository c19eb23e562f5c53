package dev.lamina.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lamina.types.DType;
import dev.lamina.tensor.Rng;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused recurrent kernels at the SPI level: the cpu kernels against the reference kernels for
 * float32 (relative error ≤ 1e-5) and float64 (≤ 1e-12), every output of forward and backward, at
 * odd sizes and with pre-activations up to ±60; the size and dtype checks of both backends.
 */
class RecurrentKernelsTest {

    static Stream<Arguments> sizes() {
        List<Arguments> a = new ArrayList<>();
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int b : new int[] {1, 3, 17}) {
                for (int h : new int[] {1, 7, 33, 64}) {
                    a.add(Arguments.of(dt, b, h));
                }
            }
        }
        return a.stream();
    }

    static Storage upload(Backend be, DType dt, double[] v) {
        Storage s = be.allocate(dt, v.length);
        ByteBuffer buf = ByteBuffer.allocate(v.length * dt.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            if (dt == DType.FLOAT32) {
                buf.putFloat((float) x);
            } else {
                buf.putDouble(x);
            }
        }
        buf.flip();
        be.upload(buf, s);
        return s;
    }

    static double[] download(Storage s) {
        ByteBuffer buf = ByteBuffer.allocate((int) s.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        s.backend().download(s, buf);
        double[] v = new double[(int) s.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = s.dtype() == DType.FLOAT32 ? buf.getFloat(i * 4) : buf.getDouble(i * 8);
        }
        return v;
    }

    static double[] random(Rng rng, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (rng.nextDouble() * 2 - 1) * scale;
        }
        // a few saturated entries
        if (n > 2) {
            v[0] = 60;
            v[n - 1] = -60;
        }
        return v;
    }

    static double rel(double[] a, double[] r) {
        double d = 0;
        double n = 0;
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) {
                return Double.POSITIVE_INFINITY;
            }
            d += (a[i] - r[i]) * (a[i] - r[i]);
            n += r[i] * r[i];
        }
        return Math.sqrt(d) / Math.max(Math.sqrt(n), 1e-30);
    }

    /** Runs the four kernels on one backend; returns every output in a fixed order. */
    static List<double[]> runAll(Backend be, DType dt, int b, int h, double[][] in) {
        List<Storage> all = new ArrayList<>();
        Storage z = upload(be, dt, in[0]), cp = upload(be, dt, in[1]), dh = upload(be, dt, in[2]), dc = upload(be, dt, in[3]);
        Storage xz = upload(be, dt, in[4]), hz = upload(be, dt, in[5]), hp = upload(be, dt, in[6]);
        Storage h1 = be.allocate(dt, (long) b * h), c1 = be.allocate(dt, (long) b * h), g4 = be.allocate(dt, 4L * b * h);
        Storage dz = be.allocate(dt, 4L * b * h), dcp = be.allocate(dt, (long) b * h);
        Storage h2 = be.allocate(dt, (long) b * h), g3 = be.allocate(dt, 3L * b * h);
        Storage dxz = be.allocate(dt, 3L * b * h), dhz = be.allocate(dt, 3L * b * h), dhp = be.allocate(dt, (long) b * h);
        all.addAll(List.of(z, cp, dh, dc, xz, hz, hp, h1, c1, g4, dz, dcp, h2, g3, dxz, dhz, dhp));
        be.lstmCellForward(z, cp, h1, c1, g4, b, h);
        be.lstmCellBackward(g4, cp, c1, dh, dc, dz, dcp, b, h);
        be.gruCellForward(xz, hz, hp, h2, g3, b, h);
        be.gruCellBackward(g3, hz, hp, dh, dxz, dhz, dhp, b, h);
        List<double[]> out = new ArrayList<>();
        for (Storage s : List.of(h1, c1, g4, dz, dcp, h2, g3, dxz, dhz, dhp)) {
            out.add(download(s));
        }
        for (Storage s : all) {
            s.release();
        }
        return out;
    }

    @ParameterizedTest(name = "{0} B={1} H={2}")
    @MethodSource("sizes")
    void cpuKernelsMatchReference(DType dt, int b, int h) {
        Rng rng = new Rng(7L * b + h);
        double[][] in = {random(rng, 4 * b * h, 4), random(rng, b * h, 2), random(rng, b * h, 1), random(rng, b * h, 1),
                random(rng, 3 * b * h, 4), random(rng, 3 * b * h, 4), random(rng, b * h, 1)};
        long base = Backends.cpu().bytesInUse();
        List<double[]> ref = runAll(Backends.reference(), dt, b, h, in);
        List<double[]> cpu = runAll(Backends.cpu(), dt, b, h, in);
        String[] names = {"lstm h", "lstm c", "lstm gates", "lstm dz", "lstm dcPrev", "gru h", "gru gates", "gru dxz",
                "gru dhz", "gru dhPrev"};
        double tol = dt == DType.FLOAT32 ? 1e-5 : 1e-12;
        for (int i = 0; i < names.length; i++) {
            double e = rel(cpu.get(i), ref.get(i));
            assertTrue(e <= tol, names[i] + " " + dt + " B=" + b + " H=" + h + ": rel err " + e);
        }
        assertTrue(base == Backends.cpu().bytesInUse(), "storages released");
    }

    @Test
    void sizeAndDtypeMismatchesAreRejected() {
        for (Backend be : List.of(Backends.reference(), Backends.cpu())) {
            Storage z = be.allocate(DType.FLOAT32, 16);
            Storage small = be.allocate(DType.FLOAT32, 3);
            Storage s4 = be.allocate(DType.FLOAT32, 4);
            Storage d4 = be.allocate(DType.FLOAT64, 4);
            Storage g = be.allocate(DType.FLOAT32, 16);
            Storage i16 = be.allocate(DType.INT32, 16);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> be.lstmCellForward(z, small, s4, s4, g, 1, 4));
            assertTrue(e.getMessage().contains("lstmCellForward") && e.getMessage().contains("cPrev"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> be.lstmCellForward(z, d4, s4, s4, g, 1, 4));
            assertTrue(e.getMessage().contains("FLOAT64") || e.getMessage().contains("float64"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> be.gruCellForward(z, z, s4, s4, g, 1, 4));
            assertTrue(e.getMessage().contains("gruCellForward") && e.getMessage().contains("[1, 12]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> be.lstmCellForward(i16, i16, i16, i16, i16, 2, 2));
            for (Storage s : List.of(z, small, s4, d4, g, i16)) {
                s.release();
            }
        }
    }
}
