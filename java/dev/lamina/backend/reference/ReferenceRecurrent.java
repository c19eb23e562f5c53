package dev.lamina.backend.reference;

import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;

/**
 * The fused recurrent cells of the reference backend (LSTM and GRU, forward and backward), as
 * plain loops in float64: float32 inputs are widened, every value is computed in double and
 * rounded once at the store. The math is documented on
 * {@link dev.lamina.backend.Backend#lstmCellForward} and the three methods after it.
 */
final class ReferenceRecurrent {
    private ReferenceRecurrent() {
    }

    /** σ(x) without overflow: never exponentiates a positive number. */
    static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    private static final class Buf {
        final ByteBuffer b;
        final boolean f32;

        Buf(ReferenceBackend backend, Storage s) {
            this.b = backend.hostBuffer(s);
            this.f32 = s.dtype() == DType.FLOAT32;
        }

        double get(long i) {
            return f32 ? b.getFloat(Math.toIntExact(i * 4)) : b.getDouble(Math.toIntExact(i * 8));
        }

        void put(long i, double v) {
            if (f32) {
                b.putFloat(Math.toIntExact(i * 4), (float) v);
            } else {
                b.putDouble(Math.toIntExact(i * 8), v);
            }
        }
    }

    private static void check(String op, long batch, long hidden, Storage first, Object... namesAndStorages) {
        if (batch < 0 || hidden < 0) {
            throw new IllegalArgumentException("reference." + op + ": negative batch " + batch + " or hidden " + hidden);
        }
        DType t = first.dtype();
        if (!t.isFloating()) {
            throw new IllegalArgumentException("reference." + op + ": needs float32 or float64, got " + t);
        }
        for (int k = 0; k < namesAndStorages.length; k += 3) {
            String name = (String) namesAndStorages[k];
            Storage s = (Storage) namesAndStorages[k + 1];
            long width = (Long) namesAndStorages[k + 2];
            if (s.dtype() != t) {
                throw new IllegalArgumentException("reference." + op + ": " + name + " is " + s.dtype() + ", expected " + t);
            }
            long need = Math.multiplyExact(batch, Math.multiplyExact(width, hidden));
            if (s.numel() != need) {
                throw new IllegalArgumentException("reference." + op + ": " + name + " has " + s.numel()
                        + " elements, expected [" + batch + ", " + width * hidden + "]");
            }
        }
    }

    static void lstmCellForward(ReferenceBackend be, Storage z, Storage cPrev, Storage h, Storage c, Storage gates,
                                long batch, long hidden) {
        check("lstmCellForward", batch, hidden, z, "z", z, 4L, "cPrev", cPrev, 1L, "h", h, 1L, "c", c, 1L,
                "gates", gates, 4L);
        Buf zb = new Buf(be, z), cpb = new Buf(be, cPrev), hb = new Buf(be, h), cb = new Buf(be, c), gb = new Buf(be, gates);
        long H = hidden;
        for (long b = 0; b < batch; b++) {
            long zr = b * 4 * H, sr = b * H;
            for (long j = 0; j < H; j++) {
                double i = sigmoid(zb.get(zr + j));
                double f = sigmoid(zb.get(zr + H + j));
                double g = Math.tanh(zb.get(zr + 2 * H + j));
                double o = sigmoid(zb.get(zr + 3 * H + j));
                double cv = f * cpb.get(sr + j) + i * g;
                gb.put(zr + j, i);
                gb.put(zr + H + j, f);
                gb.put(zr + 2 * H + j, g);
                gb.put(zr + 3 * H + j, o);
                cb.put(sr + j, cv);
                hb.put(sr + j, o * Math.tanh(cv));
            }
        }
    }

    static void lstmCellBackward(ReferenceBackend be, Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc,
                                 Storage dz, Storage dcPrev, long batch, long hidden) {
        check("lstmCellBackward", batch, hidden, gates, "gates", gates, 4L, "cPrev", cPrev, 1L, "c", c, 1L,
                "dh", dh, 1L, "dc", dc, 1L, "dz", dz, 4L, "dcPrev", dcPrev, 1L);
        Buf gb = new Buf(be, gates), cpb = new Buf(be, cPrev), cb = new Buf(be, c), dhb = new Buf(be, dh),
                dcb = new Buf(be, dc), dzb = new Buf(be, dz), dcpb = new Buf(be, dcPrev);
        long H = hidden;
        for (long b = 0; b < batch; b++) {
            long zr = b * 4 * H, sr = b * H;
            for (long j = 0; j < H; j++) {
                double i = gb.get(zr + j), f = gb.get(zr + H + j), g = gb.get(zr + 2 * H + j), o = gb.get(zr + 3 * H + j);
                double tc = Math.tanh(cb.get(sr + j));
                double dhv = dhb.get(sr + j);
                double dct = dcb.get(sr + j) + dhv * o * (1 - tc * tc);
                dzb.put(zr + j, dct * g * i * (1 - i));
                dzb.put(zr + H + j, dct * cpb.get(sr + j) * f * (1 - f));
                dzb.put(zr + 2 * H + j, dct * i * (1 - g * g));
                dzb.put(zr + 3 * H + j, dhv * tc * o * (1 - o));
                dcpb.put(sr + j, dct * f);
            }
        }
    }

    static void gruCellForward(ReferenceBackend be, Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates,
                               long batch, long hidden) {
        check("gruCellForward", batch, hidden, xz, "xz", xz, 3L, "hz", hz, 3L, "hPrev", hPrev, 1L, "h", h, 1L,
                "gates", gates, 3L);
        Buf xb = new Buf(be, xz), hzb = new Buf(be, hz), hpb = new Buf(be, hPrev), hb = new Buf(be, h), gb = new Buf(be, gates);
        long H = hidden;
        for (long b = 0; b < batch; b++) {
            long zr = b * 3 * H, sr = b * H;
            for (long j = 0; j < H; j++) {
                double z = sigmoid(xb.get(zr + j) + hzb.get(zr + j));
                double r = sigmoid(xb.get(zr + H + j) + hzb.get(zr + H + j));
                double hh = Math.tanh(xb.get(zr + 2 * H + j) + r * hzb.get(zr + 2 * H + j));
                gb.put(zr + j, z);
                gb.put(zr + H + j, r);
                gb.put(zr + 2 * H + j, hh);
                hb.put(sr + j, z * hpb.get(sr + j) + (1 - z) * hh);
            }
        }
    }

    static void gruCellBackward(ReferenceBackend be, Storage gates, Storage hz, Storage hPrev, Storage dh,
                                Storage dxz, Storage dhz, Storage dhPrev, long batch, long hidden) {
        check("gruCellBackward", batch, hidden, gates, "gates", gates, 3L, "hz", hz, 3L, "hPrev", hPrev, 1L,
                "dh", dh, 1L, "dxz", dxz, 3L, "dhz", dhz, 3L, "dhPrev", dhPrev, 1L);
        Buf gb = new Buf(be, gates), hzb = new Buf(be, hz), hpb = new Buf(be, hPrev), dhb = new Buf(be, dh),
                dxb = new Buf(be, dxz), dhzb = new Buf(be, dhz), dhpb = new Buf(be, dhPrev);
        long H = hidden;
        for (long b = 0; b < batch; b++) {
            long zr = b * 3 * H, sr = b * H;
            for (long j = 0; j < H; j++) {
                double z = gb.get(zr + j), r = gb.get(zr + H + j), hh = gb.get(zr + 2 * H + j);
                double d = dhb.get(sr + j);
                double da = d * (1 - z) * (1 - hh * hh);
                double dzz = d * (hpb.get(sr + j) - hh) * z * (1 - z);
                double dzr = da * hzb.get(zr + 2 * H + j) * r * (1 - r);
                dxb.put(zr + j, dzz);
                dxb.put(zr + H + j, dzr);
                dxb.put(zr + 2 * H + j, da);
                dhzb.put(zr + j, dzz);
                dhzb.put(zr + H + j, dzr);
                dhzb.put(zr + 2 * H + j, da * r);
                dhpb.put(sr + j, d * z);
            }
        }
    }
}
