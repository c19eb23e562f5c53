package dev.lamina.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lamina.backend.Backend;
import dev.lamina.backend.Backends;
import dev.lamina.backend.PoolGeometry;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The vectorised cpu max-pool backward kernel against a plain scalar scatter written here (the
 * SPI's rule: each dy goes to the first maximum of its window in row-major order, the first NaN
 * if any, accumulated window by window in row-major (oh, ow) order in the element type). Inputs
 * are small integers, so windows are full of ties, plus NaNs; geometries include overlapping
 * windows (stride below the pool size), padding, tiling windows (the fast paths), leftover rows and
 * columns, and channel counts that are not a multiple of any vector width. The comparison is
 * bitwise: the kernel must route and sum exactly like the scatter. The forward is checked against
 * the same scan (the window maximum, the first NaN winning).
 */
class MaxPoolBackwardKernelTest {

    private static final int[][] GEOMS = {
        // B, H, W, C, ph, pw, sh, sw, padTop, padLeft
        {3, 6, 6, 5, 2, 2, 2, 2, 0, 0},
        {2, 7, 5, 19, 3, 3, 1, 1, 1, 1},
        {2, 9, 8, 33, 3, 2, 2, 1, 1, 0},
        {1, 13, 13, 64, 2, 2, 2, 2, 0, 0},
        {2, 5, 6, 1, 3, 3, 2, 2, 1, 1},
        // tiling windows (stride = pool size, no padding): the kernels' fast paths, 2x2 and general
        {2, 8, 6, 32, 2, 2, 2, 2, 0, 0},
        {2, 11, 9, 7, 3, 3, 3, 3, 0, 0},
        {2, 9, 8, 17, 3, 2, 3, 2, 0, 0},
    };

    @Test
    void float32AndFloat64MatchTheScalarScatterBitwise() {
        Random rnd = new Random(11);
        Backend cpu = Backends.cpu();
        long base = cpu.bytesInUse();
        for (int[] q : GEOMS) {
            int oh = (q[1] + 2 * q[8] - q[4]) / q[6] + 1, ow = (q[2] + 2 * q[9] - q[5]) / q[7] + 1;
            PoolGeometry g = new PoolGeometry(q[0], q[1], q[2], q[3], oh, ow, q[4], q[5], q[6], q[7], q[8], q[9]);
            for (boolean nans : new boolean[] {false, true}) {
                double[] x = new double[(int) g.inputNumel()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = rnd.nextInt(4) - 1;  // values in {-1, 0, 1, 2}: ties everywhere
                    if (nans && rnd.nextInt(7) == 0) {
                        x[i] = Double.NaN;
                    }
                }
                double[] dy = new double[(int) g.outputNumel()];
                for (int i = 0; i < dy.length; i++) {
                    dy[i] = rnd.nextGaussian();
                }
                for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                    double[] want = scatter(x, dy, g, dt == DType.FLOAT32);
                    double[] got = runCpu(cpu, dt, x, dy, g);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(Double.doubleToLongBits(want[i]), Double.doubleToLongBits(got[i]),
                                () -> dt + " " + g + " nans=" + nans + ": dx differs from the scalar scatter");
                    }
                }
            }
        }
        assertEquals(base, cpu.bytesInUse(), "storages released");
    }

    @Test
    void forwardMatchesTheScalarMaximumBitwise() {
        Random rnd = new Random(12);
        Backend cpu = Backends.cpu();
        for (int[] q : GEOMS) {
            int oh = (q[1] + 2 * q[8] - q[4]) / q[6] + 1, ow = (q[2] + 2 * q[9] - q[5]) / q[7] + 1;
            PoolGeometry g = new PoolGeometry(q[0], q[1], q[2], q[3], oh, ow, q[4], q[5], q[6], q[7], q[8], q[9]);
            double[] x = new double[(int) g.inputNumel()];
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextInt(7) == 0 ? Double.NaN : rnd.nextInt(4) - 1;
            }
            for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                Storage xs = upload(cpu, dt, x), y = cpu.allocate(dt, g.outputNumel());
                try {
                    cpu.maxPool2dForward(xs, y, g);
                    ByteBuffer bb = ByteBuffer.allocate((int) y.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                    cpu.download(y, bb);
                    int C = g.channels();
                    for (int b = 0; b < g.batch(); b++) {
                        for (int p = 0; p < oh; p++) {
                            for (int r = 0; r < ow; r++) {
                                for (int c = 0; c < C; c++) {
                                    double best = Double.NEGATIVE_INFINITY;
                                    boolean any = false;
                                    for (int i = 0; i < g.ph(); i++) {
                                        for (int j = 0; j < g.pw(); j++) {
                                            int ih = p * g.sh() - g.padTop() + i, iw = r * g.sw() - g.padLeft() + j;
                                            if (ih < 0 || ih >= g.inH() || iw < 0 || iw >= g.inW()) {
                                                continue;
                                            }
                                            double v = x[((b * g.inH() + ih) * g.inW() + iw) * C + c];
                                            if (!any || v > best || (Double.isNaN(v) && !Double.isNaN(best))) {
                                                best = v;
                                                any = true;
                                            }
                                        }
                                    }
                                    int at = ((b * oh + p) * ow + r) * C + c;
                                    double got = dt == DType.FLOAT32 ? bb.getFloat(4 * at) : bb.getDouble(8 * at);
                                    assertEquals(best, got, 0.0, dt + " " + g + " at " + at);
                                }
                            }
                        }
                    }
                } finally {
                    xs.release();
                    y.release();
                }
            }
        }
    }

    private static double[] runCpu(Backend cpu, DType dt, double[] x, double[] dy, PoolGeometry g) {
        Storage xs = upload(cpu, dt, x), dys = upload(cpu, dt, dy);
        Storage dx = cpu.allocate(dt, g.inputNumel());
        try {
            cpu.fill(dx, 7.0);  // the kernel must overwrite, not accumulate into, dx
            cpu.maxPool2dBackward(xs, dys, dx, g);
            ByteBuffer bb = ByteBuffer.allocate((int) dx.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            cpu.download(dx, bb);
            double[] out = new double[(int) g.inputNumel()];
            for (int i = 0; i < out.length; i++) {
                out[i] = dt == DType.FLOAT32 ? bb.getFloat(4 * i) : bb.getDouble(8 * i);
            }
            return out;
        } finally {
            xs.release();
            dys.release();
            dx.release();
        }
    }

    private static Storage upload(Backend cpu, DType dt, double[] v) {
        Storage s = cpu.allocate(dt, v.length);
        ByteBuffer bb = ByteBuffer.allocate(v.length * dt.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v) {
            if (dt == DType.FLOAT32) {
                bb.putFloat((float) d);
            } else {
                bb.putDouble(d);
            }
        }
        bb.flip();
        cpu.upload(bb, s);
        return s;
    }

    /** The scalar rule of the SPI, summing in float (f32) or double. */
    private static double[] scatter(double[] x, double[] dy, PoolGeometry g, boolean f32) {
        int H = g.inH(), W = g.inW(), C = g.channels();
        double[] dx = new double[x.length];
        for (int b = 0; b < g.batch(); b++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    for (int c = 0; c < C; c++) {
                        int arg = -1;
                        double best = 0;
                        for (int i = 0; i < g.ph(); i++) {
                            int ih = oh * g.sh() - g.padTop() + i;
                            for (int j = 0; j < g.pw(); j++) {
                                int iw = ow * g.sw() - g.padLeft() + j;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
                                    continue;
                                }
                                int at = ((b * H + ih) * W + iw) * C + c;
                                double v = x[at];
                                if (arg < 0 || v > best || (Double.isNaN(v) && !Double.isNaN(best))) {
                                    arg = at;
                                    best = v;
                                }
                            }
                        }
                        if (arg >= 0) {
                            double d = dy[((b * g.outH() + oh) * g.outW() + ow) * C + c];
                            dx[arg] = f32 ? (double) ((float) dx[arg] + (float) d) : dx[arg] + d;
                        }
                    }
                }
            }
        }
        return dx;
    }
}
