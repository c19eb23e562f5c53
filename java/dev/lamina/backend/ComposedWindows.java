package dev.lamina.backend;

/**
 * The window arithmetic shared by the composed convolution and pooling ({@link ComposedConv},
 * {@link ComposedPool}): a padded copy of an NHWC image, the crop back, the batch chunking that
 * bounds the scratch memory, and the row indices that send each window element back to its pixel
 * (col2im as one deterministic scatterAdd).
 *
 * <p>A window of output (oh, ow) reads padded rows {@code oh·sh + i·dh} and columns {@code ow·sw +
 * j·dw}; the padded image is {@code [B, Hp, Wp, C]} with the real image at (padTop, padLeft) and
 * Hp, Wp large enough for every window and for the whole image.
 */
final class ComposedWindows {
    /** Default of {@link #chunkElements}. */
    static final long CHUNK_ELEMENTS = 1L << 21;

    /**
     * Scratch elements per chunk of images (window copies and index arrays stay near this bound);
     * package-private and settable so that tests can run several chunks on small inputs.
     */
    static volatile long chunkElements = CHUNK_ELEMENTS;

    private ComposedWindows() {
    }

    /** Row-major strides of a contiguous array of this shape. */
    static long[] dense(long... shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc = Math.multiplyExact(acc, shape[d]);
        }
        return s;
    }

    /** The padded extent along one axis: room for the image after padBefore and for the last window. */
    static int padded(int in, int padBefore, int out, int stride, int window, int dilation) {
        long last = (long) (out - 1) * stride + (long) (window - 1) * dilation + 1;
        return Math.toIntExact(Math.max((long) padBefore + in, last));
    }

    /** Images per chunk so that a chunk holds about {@link #chunkElements} scratch elements (at least one). */
    static int imagesPerChunk(long elementsPerImage, int batch) {
        long n = Math.max(1, chunkElements / Math.max(1, elementsPerImage));
        return (int) Math.min(n, Math.max(batch, 1));
    }

    /**
     * x [B,H,W,C] copied into a new [B,Hp,Wp,C] storage filled with {@code fill} elsewhere; x itself
     * when no padding is needed.
     */
    static Storage pad(Composer k, Storage x, int b, int h, int w, int c, int hp, int wp, int padTop, int padLeft,
                       double fill) {
        if (hp == h && wp == w && padTop == 0 && padLeft == 0) {
            return x;
        }
        Storage xp = fill == 0 ? k.zeros(x.dtype(), (long) b * hp * wp * c) : k.temp((long) b * hp * wp * c);
        if (fill != 0) {
            k.be.fill(xp, fill);
        }
        k.be.copyStrided(x, 0, dense(b, h, w, c), xp, ((long) padTop * wp + padLeft) * c,
                dense(b, hp, wp, c), new long[] {b, h, w, c});
        return xp;
    }

    /** The real [B,H,W,C] part of a padded xp copied into x (nothing when xp is x). */
    static void crop(Backend be, Storage xp, Storage x, int b, int h, int w, int c, int hp, int wp, int padTop,
                     int padLeft) {
        if (xp == x) {
            return;
        }
        be.copyStrided(xp, ((long) padTop * wp + padLeft) * c, dense(b, hp, wp, c), x, 0, dense(b, h, w, c),
                new long[] {b, h, w, c});
    }

    /**
     * For every element of the window layout [G, nb, outH, outW, kh, kw] (images b0 .. b0+nb−1), the
     * row of the padded image viewed as [B·Hp·Wp·G, C/G] that it came from:
     * {@code ((b·Hp + oh·sh + i·dh)·Wp + ow·sw + j·dw)·G + g}.
     */
    static long[] windowRows(int groups, int b0, int nb, int outH, int outW, int kh, int kw, int sh, int sw, int dh,
                             int dw, int hp, int wp) {
        long[] rows = new long[Math.toIntExact((long) groups * nb * outH * outW * kh * kw)];
        int q = 0;
        for (int g = 0; g < groups; g++) {
            for (int bi = 0; bi < nb; bi++) {
                long img = (long) (b0 + bi) * hp;
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        for (int i = 0; i < kh; i++) {
                            long row = (img + (long) oh * sh + (long) i * dh) * wp;
                            for (int j = 0; j < kw; j++) {
                                rows[q++] = (row + (long) ow * sw + (long) j * dw) * groups + g;
                            }
                        }
                    }
                }
            }
        }
        return rows;
    }
}
