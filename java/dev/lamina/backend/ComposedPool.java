package dev.lamina.backend;

import static dev.lamina.backend.ComposedWindows.dense;

import dev.lamina.types.DType;

/**
 * The pooling kernels of the {@link Backend} SPI as compositions of primitives, for a backend
 * without its own (see {@link KernelDispatch}). The windows of a chunk of images are copied by ONE
 * copyStrided into {@code win [rows, ph·pw, C]} (rows = images·outH·outW) from a padded copy of x,
 * then:
 * <ul>
 *   <li>max forward: padding is −∞ (it never wins; NaN still propagates) and y = MAX over the middle
 *       axis;</li>
 *   <li>max backward: the window's maximum m, a score {@code (win == m) + isNaN(win)} masked to the
 *       real (non-padding) elements, ARGMAX of the score (first occurrence: the first maximum in
 *       row-major window order, or the first NaN, as the reference), then each dy is added at that
 *       element by one gather of its pixel and one scatterAdd (no 0·dy products, so an infinite dy
 *       stays where it belongs);</li>
 *   <li>average forward: padding is 0, y = SUM / count of the real elements of the window;</li>
 *   <li>average backward: dy / count broadcast over the window and added to its pixels by one
 *       scatterAdd.</li>
 * </ul>
 * The scatterAdds run in increasing row order, so the results are deterministic.
 */
final class ComposedPool {
    private ComposedPool() {
    }

    /** The shape numbers of one geometry, with the padded extents. */
    private record Dims(PoolGeometry g, int hp, int wp) {
        static Dims of(PoolGeometry g) {
            return new Dims(g, ComposedWindows.padded(g.inH(), g.padTop(), g.outH(), g.sh(), g.ph(), 1),
                    ComposedWindows.padded(g.inW(), g.padLeft(), g.outW(), g.sw(), g.pw(), 1));
        }

        boolean padded() {
            return hp != g.inH() || wp != g.inW() || g.padTop() != 0 || g.padLeft() != 0;
        }

        long windowsPerImage() {
            return (long) g.outH() * g.outW();
        }

        long window() {
            return (long) g.ph() * g.pw();
        }

        int imagesPerChunk() {
            return ComposedWindows.imagesPerChunk(windowsPerImage() * window() * g.channels(), g.batch());
        }

        Storage pad(Composer k, Storage x, double fill) {
            return ComposedWindows.pad(k, x, g.batch(), g.inH(), g.inW(), g.channels(), hp, wp, g.padTop(),
                    g.padLeft(), fill);
        }

        /** win [nb·outH·outW, ph·pw, C] of images b0 .. b0+nb−1 of the padded xp. */
        Storage windows(Composer k, Storage xp, int b0, int nb) {
            long c = g.channels();
            long[] shape = {nb, g.outH(), g.outW(), g.ph(), g.pw(), c};
            long[] src = {(long) hp * wp * c, (long) g.sh() * wp * c, (long) g.sw() * c, (long) wp * c, c, 1};
            Storage win = k.temp(nb * windowsPerImage() * window() * c);
            k.be.copyStrided(xp, (long) b0 * hp * wp * c, src, win, 0, dense(shape), shape);
            return win;
        }

        /** The rows [nb·outH·outW, C] of images b0 .. b0+nb−1 of an output-shaped storage (itself when whole). */
        Storage outRows(Composer k, Storage y, int b0, int nb) {
            if (b0 == 0 && nb == g.batch()) {
                return y;
            }
            long n = nb * windowsPerImage() * g.channels();
            Storage part = k.temp(n);
            k.be.copyStrided(y, b0 * windowsPerImage() * g.channels(), new long[] {1}, part, 0, new long[] {1},
                    new long[] {n});
            return part;
        }

        /** Writes rows of images b0 .. into y (nothing when part is y). */
        void putRows(Backend be, Storage part, Storage y, int b0) {
            if (part != y) {
                be.copyStrided(part, 0, new long[] {1}, y, b0 * windowsPerImage() * g.channels(), new long[] {1},
                        new long[] {part.numel()});
            }
        }

        /** The padded pixel rows of every window element of images b0 .. b0+nb−1. */
        long[] pixelRows(int b0, int nb) {
            return ComposedWindows.windowRows(1, b0, nb, g.outH(), g.outW(), g.ph(), g.pw(), g.sh(), g.sw(), 1, 1, hp,
                    wp);
        }

        /** For every window: the number of its real (non-padding) elements. */
        double[] counts() {
            double[] n = new double[Math.toIntExact(windowsPerImage())];
            int q = 0;
            for (int oh = 0; oh < g.outH(); oh++) {
                int h0 = Math.max(oh * g.sh() - g.padTop(), 0);
                int h1 = Math.min(oh * g.sh() - g.padTop() + g.ph(), g.inH());
                for (int ow = 0; ow < g.outW(); ow++) {
                    int w0 = Math.max(ow * g.sw() - g.padLeft(), 0);
                    int w1 = Math.min(ow * g.sw() - g.padLeft() + g.pw(), g.inW());
                    n[q++] = Math.max(h1 - h0, 0) * Math.max(w1 - w0, 0);
                }
            }
            return n;
        }

        /** [outH·outW, ph·pw]: 1 where the window element is a real pixel, 0 on padding. */
        double[] realMask() {
            double[] m = new double[Math.toIntExact(windowsPerImage() * window())];
            int q = 0;
            for (int oh = 0; oh < g.outH(); oh++) {
                for (int ow = 0; ow < g.outW(); ow++) {
                    for (int i = 0; i < g.ph(); i++) {
                        int ih = oh * g.sh() - g.padTop() + i;
                        for (int j = 0; j < g.pw(); j++) {
                            int iw = ow * g.sw() - g.padLeft() + j;
                            m[q++] = ih >= 0 && ih < g.inH() && iw >= 0 && iw < g.inW() ? 1 : 0;
                        }
                    }
                }
            }
            return m;
        }

        /** dxp: the zeroed padded gradient image, or dx itself zeroed when there is no padding. */
        Storage gradientImage(Composer k, Storage dx) {
            if (padded()) {
                return k.zeros(dx.dtype(), (long) g.batch() * hp * wp * g.channels());
            }
            k.be.fill(dx, 0);
            return dx;
        }

        void crop(Backend be, Storage dxp, Storage dx) {
            ComposedWindows.crop(be, dxp, dx, g.batch(), g.inH(), g.inW(), g.channels(), hp, wp, g.padTop(),
                    g.padLeft());
        }
    }

    private static long[] iota(long n) {
        long[] v = new long[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        return v;
    }

    /** See {@link Backend#maxPool2dForward}. */
    static void maxForward(Backend be, Storage x, Storage out, PoolGeometry g) {
        g.checkStorages("composed maxPool2dForward", x, out);
        if (g.batch() == 0) {
            return;
        }
        Dims d = Dims.of(g);
        try (Composer k = new Composer(be, x.dtype())) {
            Storage xp = d.pad(k, x, Double.NEGATIVE_INFINITY);
            int step = d.imagesPerChunk();
            for (int b0 = 0; b0 < g.batch(); b0 += step) {
                int nb = Math.min(step, g.batch() - b0);
                try (Composer c = new Composer(be, x.dtype())) {
                    Storage win = d.windows(c, xp, b0, nb);
                    Storage y = b0 == 0 && nb == g.batch() ? out : c.temp(nb * d.windowsPerImage() * g.channels());
                    be.reduce(ReduceOp.MAX, win, nb * d.windowsPerImage(), d.window(), g.channels(), y);
                    d.putRows(be, y, out, b0);
                }
            }
        }
    }

    /** See {@link Backend#maxPool2dBackward}. */
    static void maxBackward(Backend be, Storage x, Storage dy, Storage dx, PoolGeometry g) {
        g.checkStorages("composed maxPool2dBackward", x, dy);
        g.checkStorages("composed maxPool2dBackward", dx, dy);
        if (g.batch() == 0) {
            return;
        }
        Dims d = Dims.of(g);
        DType dt = x.dtype();
        long n = d.window(), ch = g.channels();
        try (Composer k = new Composer(be, dt)) {
            Storage dxp = d.gradientImage(k, dx);
            Storage xp = d.pad(k, x, Double.NEGATIVE_INFINITY);
            Storage mask = d.padded() ? k.values(d.realMask()) : null;
            Storage channelIota = k.longs(iota(ch));
            Storage channels = k.longs(new long[] {ch});
            int step = d.imagesPerChunk();
            for (int b0 = 0; b0 < g.batch(); b0 += step) {
                int nb = Math.min(step, g.batch() - b0);
                long rows = nb * d.windowsPerImage();
                long[] cube = {rows, n, ch};
                try (Composer c = new Composer(be, dt)) {
                    Storage win = d.windows(c, xp, b0, nb);
                    Storage max = c.temp(rows * ch);
                    be.reduce(ReduceOp.MAX, win, rows, n, ch, max);
                    // score: 1 where the element equals the maximum or is NaN (then the maximum is NaN too)
                    Storage eq = c.zeros(DType.BOOL, rows * n * ch);
                    be.binary(BinaryOp.EQ, win, dense(cube), max, new long[] {ch, 0, 1}, eq, cube);
                    Storage nan = c.zeros(DType.BOOL, rows * n * ch);
                    be.binary(BinaryOp.NE, win, dense(cube), win, dense(cube), nan, cube);
                    Storage eqf = c.temp(rows * n * ch), nanf = c.temp(rows * n * ch);
                    be.cast(eq, eqf);
                    be.cast(nan, nanf);
                    Storage score = c.bin(BinaryOp.MAXIMUM, eqf, nanf);
                    if (mask != null) {
                        long[] shape = {nb, d.windowsPerImage(), n, ch};
                        Storage real = c.temp(rows * n * ch);
                        be.binary(BinaryOp.MUL, score, dense(shape), mask, new long[] {0, n, 1, 0}, real, shape);
                        score = real;
                    }
                    Storage arg = c.zeros(DType.INT64, rows * ch);
                    be.reduce(ReduceOp.ARGMAX, score, rows, n, ch, arg);
                    // the chosen element's index into pixelRows: r·n + arg[r, c]
                    long[] base = new long[Math.toIntExact(rows)];
                    for (int r = 0; r < base.length; r++) {
                        base[r] = r * n;
                    }
                    Storage flat = c.zeros(DType.INT64, rows * ch);
                    be.binary(BinaryOp.ADD, arg, new long[] {ch, 1}, c.longs(base), new long[] {1, 0}, flat,
                            new long[] {rows, ch});
                    Storage pixel = c.zeros(DType.INT64, rows * ch);
                    be.gather(c.longs(d.pixelRows(b0, nb)), 1, flat, pixel);
                    // element of dxp: pixel·C + channel
                    Storage scaled = c.zeros(DType.INT64, rows * ch);
                    be.binary(BinaryOp.MUL, pixel, new long[] {1}, channels, new long[] {0}, scaled,
                            new long[] {rows * ch});
                    Storage target = c.zeros(DType.INT64, rows * ch);
                    be.binary(BinaryOp.ADD, scaled, new long[] {ch, 1}, channelIota, new long[] {0, 1}, target,
                            new long[] {rows, ch});
                    be.scatterAdd(d.outRows(c, dy, b0, nb), 1, target, dxp);
                }
            }
            d.crop(be, dxp, dx);
        }
    }

    /** See {@link Backend#avgPool2dForward}. */
    static void avgForward(Backend be, Storage x, Storage out, PoolGeometry g) {
        g.checkStorages("composed avgPool2dForward", x, out);
        if (g.batch() == 0) {
            return;
        }
        Dims d = Dims.of(g);
        long ch = g.channels();
        try (Composer k = new Composer(be, x.dtype())) {
            Storage xp = d.pad(k, x, 0);
            Storage counts = k.values(d.counts());
            int step = d.imagesPerChunk();
            for (int b0 = 0; b0 < g.batch(); b0 += step) {
                int nb = Math.min(step, g.batch() - b0);
                long rows = nb * d.windowsPerImage();
                try (Composer c = new Composer(be, x.dtype())) {
                    Storage sum = c.temp(rows * ch);
                    be.reduce(ReduceOp.SUM, d.windows(c, xp, b0, nb), rows, d.window(), ch, sum);
                    Storage y = b0 == 0 && nb == g.batch() ? out : c.temp(rows * ch);
                    long[] shape = {nb, d.windowsPerImage(), ch};
                    be.binary(BinaryOp.DIV, sum, dense(shape), counts, new long[] {0, 1, 0}, y, shape);
                    d.putRows(be, y, out, b0);
                }
            }
        }
    }

    /** See {@link Backend#avgPool2dBackward}. */
    static void avgBackward(Backend be, Storage dy, Storage dx, PoolGeometry g) {
        g.checkStorages("composed avgPool2dBackward", dx, dy);
        if (g.batch() == 0) {
            return;
        }
        Dims d = Dims.of(g);
        long n = d.window(), ch = g.channels();
        try (Composer k = new Composer(be, dy.dtype())) {
            Storage dxp = d.gradientImage(k, dx);
            Storage counts = k.values(d.counts());
            int step = d.imagesPerChunk();
            for (int b0 = 0; b0 < g.batch(); b0 += step) {
                int nb = Math.min(step, g.batch() - b0);
                long rows = nb * d.windowsPerImage();
                try (Composer c = new Composer(be, dy.dtype())) {
                    long[] shape = {nb, d.windowsPerImage(), ch};
                    Storage share = c.temp(rows * ch);
                    be.binary(BinaryOp.DIV, d.outRows(c, dy, b0, nb), dense(shape), counts, new long[] {0, 1, 0}, share,
                            shape);
                    long[] cube = {rows, n, ch};
                    Storage spread = c.temp(rows * n * ch);
                    be.copyStrided(share, 0, new long[] {ch, 0, 1}, spread, 0, dense(cube), cube);
                    be.scatterAdd(spread, ch, c.longs(d.pixelRows(b0, nb)), dxp);
                }
            }
            d.crop(be, dxp, dx);
        }
    }
}
