package dev.lamina.backend.reference;

import dev.lamina.backend.ConvGeometry;
import dev.lamina.backend.HostStorage;
import dev.lamina.backend.PoolGeometry;
import dev.lamina.backend.Storage;
import dev.lamina.types.DType;
import java.nio.ByteBuffer;

/**
 * Convolution and pooling for the reference backend: direct loops over every output and window
 * element, in float64, reading float32 as float64 and rounding once at the store. Sums run in a
 * fixed order (the loop order written here), so results are deterministic. The formulas are those
 * of {@link dev.lamina.backend.Backend#conv2dForward} and the pooling kernels there.
 */
final class ReferenceConv {
    private ReferenceConv() {
    }

    // ---- float64 views of host storages ------------------------------------------------------

    static double[] read(HostStorage s) {
        ByteBuffer b = s.buffer();
        int n = Math.toIntExact(s.numel());
        double[] out = new double[n];
        if (s.dtype() == DType.FLOAT32) {
            for (int i = 0; i < n; i++) {
                out[i] = b.getFloat(i * 4);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = b.getDouble(i * 8);
            }
        }
        return out;
    }

    static void write(HostStorage s, double[] v) {
        ByteBuffer b = s.buffer();
        if (s.dtype() == DType.FLOAT32) {
            for (int i = 0; i < v.length; i++) {
                b.putFloat(i * 4, (float) v[i]);
            }
        } else {
            for (int i = 0; i < v.length; i++) {
                b.putDouble(i * 8, v[i]);
            }
        }
    }

    // ---- convolution ---------------------------------------------------------------------------

    /** y[b,oh,ow,k] = Σ_{i,j,c} x[b,ih,iw,g·Cg+c]·w[i,j,c,k]. */
    static double[] conv2dForward(double[] x, double[] w, ConvGeometry g) {
        int cg = g.inCPerGroup(), kg = g.outCPerGroup();
        double[] y = new double[Math.toIntExact(g.outputNumel())];
        for (int b = 0; b < g.batch(); b++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    for (int k = 0; k < g.outC(); k++) {
                        int grp = k / kg;
                        double acc = 0;
                        for (int i = 0; i < g.kh(); i++) {
                            int ih = oh * g.sh() - g.padTop() + i * g.dh();
                            for (int j = 0; j < g.kw(); j++) {
                                int iw = ow * g.sw() - g.padLeft() + j * g.dw();
                                int wBase = (i * g.kw() + j) * cg * g.outC() + k;
                                if (ih < 0 || ih >= g.inH() || iw < 0 || iw >= g.inW()) {
                                    // the padding is zeros that take part (as in TensorFlow and PyTorch):
                                    // 0 · w is 0, except that a NaN or infinite weight makes it NaN
                                    for (int c = 0; c < cg; c++) {
                                        acc += 0.0 * w[wBase + c * g.outC()];
                                    }
                                    continue;
                                }
                                int xBase = ((b * g.inH() + ih) * g.inW() + iw) * g.inC() + grp * cg;
                                for (int c = 0; c < cg; c++) {
                                    acc += x[xBase + c] * w[wBase + c * g.outC()];
                                }
                            }
                        }
                        y[((b * g.outH() + oh) * g.outW() + ow) * g.outC() + k] = acc;
                    }
                }
            }
        }
        return y;
    }

    /** dx[b,ih,iw,g·Cg+c] = Σ dy[b,oh,ow,k]·w[i,j,c,k] (scatter in output order). */
    static double[] conv2dBackwardInput(double[] dy, double[] w, ConvGeometry g) {
        int cg = g.inCPerGroup(), kg = g.outCPerGroup();
        double[] dx = new double[Math.toIntExact(g.inputNumel())];
        for (int b = 0; b < g.batch(); b++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    for (int k = 0; k < g.outC(); k++) {
                        int grp = k / kg;
                        double d = dy[((b * g.outH() + oh) * g.outW() + ow) * g.outC() + k];
                        for (int i = 0; i < g.kh(); i++) {
                            int ih = oh * g.sh() - g.padTop() + i * g.dh();
                            if (ih < 0 || ih >= g.inH()) {
                                continue;
                            }
                            for (int j = 0; j < g.kw(); j++) {
                                int iw = ow * g.sw() - g.padLeft() + j * g.dw();
                                if (iw < 0 || iw >= g.inW()) {
                                    continue;
                                }
                                int xBase = ((b * g.inH() + ih) * g.inW() + iw) * g.inC() + grp * cg;
                                int wBase = (i * g.kw() + j) * cg * g.outC() + k;
                                for (int c = 0; c < cg; c++) {
                                    dx[xBase + c] += d * w[wBase + c * g.outC()];
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx;
    }

    /** dw[i,j,c,k] = Σ_{b,oh,ow} x[b,ih,iw,g·Cg+c]·dy[b,oh,ow,k]. */
    static double[] conv2dBackwardFilter(double[] x, double[] dy, ConvGeometry g) {
        int cg = g.inCPerGroup(), kg = g.outCPerGroup();
        double[] dw = new double[Math.toIntExact(g.kernelNumel())];
        for (int i = 0; i < g.kh(); i++) {
            for (int j = 0; j < g.kw(); j++) {
                for (int c = 0; c < cg; c++) {
                    for (int k = 0; k < g.outC(); k++) {
                        int grp = k / kg;
                        double acc = 0;
                        for (int b = 0; b < g.batch(); b++) {
                            for (int oh = 0; oh < g.outH(); oh++) {
                                int ih = oh * g.sh() - g.padTop() + i * g.dh();
                                if (ih < 0 || ih >= g.inH()) {
                                    continue;
                                }
                                for (int ow = 0; ow < g.outW(); ow++) {
                                    int iw = ow * g.sw() - g.padLeft() + j * g.dw();
                                    if (iw < 0 || iw >= g.inW()) {
                                        continue;
                                    }
                                    acc += x[((b * g.inH() + ih) * g.inW() + iw) * g.inC() + grp * cg + c]
                                            * dy[((b * g.outH() + oh) * g.outW() + ow) * g.outC() + k];
                                }
                            }
                        }
                        dw[((i * g.kw() + j) * cg + c) * g.outC() + k] = acc;
                    }
                }
            }
        }
        return dw;
    }

    // ---- pooling -------------------------------------------------------------------------------

    /**
     * Index into x of the maximum of the window of (b, oh, ow, c): the first NaN if any, else the
     * first maximum in row-major window order; -1 for a window without real elements.
     */
    private static int argmaxWindow(double[] x, PoolGeometry g, int b, int oh, int ow, int c) {
        int best = -1;
        double bestV = 0;
        for (int i = 0; i < g.ph(); i++) {
            int ih = oh * g.sh() - g.padTop() + i;
            if (ih < 0 || ih >= g.inH()) {
                continue;
            }
            for (int j = 0; j < g.pw(); j++) {
                int iw = ow * g.sw() - g.padLeft() + j;
                if (iw < 0 || iw >= g.inW()) {
                    continue;
                }
                int idx = ((b * g.inH() + ih) * g.inW() + iw) * g.channels() + c;
                double v = x[idx];
                if (best < 0 || v > bestV || (Double.isNaN(v) && !Double.isNaN(bestV))) {
                    best = idx;
                    bestV = v;
                }
            }
        }
        return best;
    }

    static double[] maxPool2dForward(double[] x, PoolGeometry g) {
        double[] y = new double[Math.toIntExact(g.outputNumel())];
        int o = 0;
        for (int b = 0; b < g.batch(); b++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    for (int c = 0; c < g.channels(); c++) {
                        int idx = argmaxWindow(x, g, b, oh, ow, c);
                        y[o++] = idx < 0 ? Double.NaN : x[idx];
                    }
                }
            }
        }
        return y;
    }

    static double[] maxPool2dBackward(double[] x, double[] dy, PoolGeometry g) {
        double[] dx = new double[Math.toIntExact(g.inputNumel())];
        int o = 0;
        for (int b = 0; b < g.batch(); b++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    for (int c = 0; c < g.channels(); c++) {
                        int idx = argmaxWindow(x, g, b, oh, ow, c);
                        if (idx >= 0) {
                            dx[idx] += dy[o];
                        }
                        o++;
                    }
                }
            }
        }
        return dx;
    }

    /** Count of real (non-padding) elements in the window of (oh, ow). */
    private static int windowCount(PoolGeometry g, int oh, int ow) {
        int h0 = Math.max(oh * g.sh() - g.padTop(), 0), h1 = Math.min(oh * g.sh() - g.padTop() + g.ph(), g.inH());
        int w0 = Math.max(ow * g.sw() - g.padLeft(), 0), w1 = Math.min(ow * g.sw() - g.padLeft() + g.pw(), g.inW());
        return Math.max(h1 - h0, 0) * Math.max(w1 - w0, 0);
    }

    static double[] avgPool2d(double[] x, double[] dy, PoolGeometry g, boolean backward) {
        double[] out = new double[Math.toIntExact(backward ? g.inputNumel() : g.outputNumel())];
        int o = 0;
        for (int b = 0; b < g.batch(); b++) {
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    int count = windowCount(g, oh, ow);
                    for (int c = 0; c < g.channels(); c++) {
                        double sum = 0;
                        double share = backward ? dy[o] / count : 0;
                        for (int i = 0; i < g.ph(); i++) {
                            int ih = oh * g.sh() - g.padTop() + i;
                            if (ih < 0 || ih >= g.inH()) {
                                continue;
                            }
                            for (int j = 0; j < g.pw(); j++) {
                                int iw = ow * g.sw() - g.padLeft() + j;
                                if (iw < 0 || iw >= g.inW()) {
                                    continue;
                                }
                                int idx = ((b * g.inH() + ih) * g.inW() + iw) * g.channels() + c;
                                if (backward) {
                                    out[idx] += share;
                                } else {
                                    sum += x[idx];
                                }
                            }
                        }
                        if (!backward) {
                            out[o] = sum / count;
                        }
                        o++;
                    }
                }
            }
        }
        return out;
    }
}
