package dev.lamina.backend;

import static dev.lamina.backend.ComposedWindows.dense;

import dev.lamina.types.DType;

/**
 * The convolution kernels of the {@link Backend} SPI as compositions of primitives, for a backend
 * without its own (see {@link KernelDispatch}). With the padded image xp (zeros around x), the
 * window matrix ("im2col") of a group g is {@code cols_g[(b,oh,ow), (i,j,c)] = xp[b, oh·sh + i·dh,
 * ow·sw + j·dw, g·Cg + c]}, built by ONE copyStrided (rank 7) per chunk of images; then
 * <pre>
 *   y_g       = cols_g · K_g                      (forward; K_g [kh·kw·Cg, Kg] the group's kernel)
 *   dK_g      = cols_gᵀ · dy_g                    (filter gradient, summed over the chunks)
 *   dcols_g   = dy_g · K_gᵀ,  dx = col2im(dcols)  (input gradient)
 * </pre>
 * as batched matmuls over the groups, and col2im is one scatterAdd of the rows of dcols onto the
 * pixels they came from (deterministic, in increasing row order). Every stride, "same"/"valid"
 * padding, dilation and group count of {@link ConvGeometry} is served; scratch memory is bounded by
 * processing the batch in chunks ({@link ComposedWindows#chunkElements}).
 */
final class ComposedConv {
    private ComposedConv() {
    }

    /** The shape numbers of one geometry, with the padded extents. */
    private record Dims(ConvGeometry g, int hp, int wp, int cg, int kg, long kr) {
        static Dims of(ConvGeometry g) {
            int hp = ComposedWindows.padded(g.inH(), g.padTop(), g.outH(), g.sh(), g.kh(), g.dh());
            int wp = ComposedWindows.padded(g.inW(), g.padLeft(), g.outW(), g.sw(), g.kw(), g.dw());
            return new Dims(g, hp, wp, g.inCPerGroup(), g.outCPerGroup(), (long) g.kh() * g.kw() * g.inCPerGroup());
        }

        long rowsPerImage() {
            return (long) g.outH() * g.outW();
        }

        int imagesPerChunk() {
            return ComposedWindows.imagesPerChunk(rowsPerImage() * kr * g.groups(), g.batch());
        }

        Storage pad(Composer k, Storage x) {
            return ComposedWindows.pad(k, x, g.batch(), g.inH(), g.inW(), g.inC(), hp, wp, g.padTop(), g.padLeft(), 0);
        }

        /** cols [G, nb·outH·outW, kh·kw·Cg] of images b0 .. b0+nb−1 of the padded xp. */
        Storage im2col(Composer k, Storage xp, int b0, int nb) {
            long c = g.inC();
            long[] shape = {g.groups(), nb, g.outH(), g.outW(), g.kh(), g.kw(), cg};
            long[] src = {cg, (long) hp * wp * c, (long) g.sh() * wp * c, (long) g.sw() * c, (long) g.dh() * wp * c,
                (long) g.dw() * c, 1};
            Storage cols = k.temp((long) g.groups() * nb * rowsPerImage() * kr);
            k.be.copyStrided(xp, (long) b0 * hp * wp * c, src, cols, 0, dense(shape), shape);
            return cols;
        }

        /** The kernel [kh·kw·Cg, K] as [G, kh·kw·Cg, Kg] (the kernel itself for one group). */
        Storage groupedKernel(Composer k, Storage kernel) {
            if (g.groups() == 1) {
                return kernel;
            }
            long[] shape = {g.groups(), kr, kg};
            Storage kgs = k.temp(kernel.numel());
            k.be.copyStrided(kernel, 0, new long[] {kg, g.outC(), 1}, kgs, 0, dense(shape), shape);
            return kgs;
        }

        /** dy rows of images b0 .. b0+nb−1 as [G, rows, Kg] (dy itself when that is its layout). */
        Storage groupedRows(Composer k, Storage dy, int b0, int nb) {
            long rows = nb * rowsPerImage();
            if (g.groups() == 1 && b0 == 0 && nb == g.batch()) {
                return dy;
            }
            long[] shape = {g.groups(), rows, kg};
            Storage out = k.temp(dy.numel() / g.batch() * nb);
            k.be.copyStrided(dy, b0 * rowsPerImage() * g.outC(), new long[] {kg, g.outC(), 1}, out, 0, dense(shape),
                    shape);
            return out;
        }
    }

    private static void check(String op, Storage x, Storage kernel, Storage y, ConvGeometry g) {
        g.checkStorages("composed " + op, x, kernel, y);
    }

    /** See {@link Backend#conv2dForward}. */
    static void forward(Backend be, Storage x, Storage kernel, Storage out, ConvGeometry g) {
        check("conv2dForward", x, kernel, out, g);
        if (g.batch() == 0) {
            return;
        }
        Dims d = Dims.of(g);
        try (Composer k = new Composer(be, x.dtype())) {
            Storage xp = d.pad(k, x);
            Storage kgs = d.groupedKernel(k, kernel);
            int step = d.imagesPerChunk();
            for (int b0 = 0; b0 < g.batch(); b0 += step) {
                int nb = Math.min(step, g.batch() - b0);
                long rows = nb * d.rowsPerImage();
                try (Composer c = new Composer(be, x.dtype())) {
                    Storage cols = d.im2col(c, xp, b0, nb);
                    Storage yc = c.temp(g.groups() * rows * d.kg());
                    be.matmul(cols, kgs, yc, g.groups(), rows, d.kg(), d.kr(), false, false, rows * d.kr(),
                            d.kr() * d.kg());
                    long[] shape = {g.groups(), rows, d.kg()};
                    be.copyStrided(yc, 0, dense(shape), out, b0 * d.rowsPerImage() * g.outC(),
                            new long[] {d.kg(), g.outC(), 1}, shape);
                }
            }
        }
    }

    /** See {@link Backend#conv2dBackwardFilter}. */
    static void backwardFilter(Backend be, Storage x, Storage dy, Storage dkernel, ConvGeometry g) {
        check("conv2dBackwardFilter", x, dkernel, dy, g);
        if (g.batch() == 0) {
            be.fill(dkernel, 0);
            return;
        }
        Dims d = Dims.of(g);
        long[] shape = {g.groups(), d.kr(), d.kg()};
        try (Composer k = new Composer(be, x.dtype())) {
            Storage xp = d.pad(k, x);
            Storage acc = k.temp(dkernel.numel());
            int step = d.imagesPerChunk();
            for (int b0 = 0; b0 < g.batch(); b0 += step) {
                int nb = Math.min(step, g.batch() - b0);
                long rows = nb * d.rowsPerImage();
                try (Composer c = new Composer(be, x.dtype())) {
                    Storage cols = d.im2col(c, xp, b0, nb);
                    Storage dyg = d.groupedRows(c, dy, b0, nb);
                    Storage part = b0 == 0 ? acc : c.temp(acc.numel());
                    be.matmul(cols, dyg, part, g.groups(), d.kr(), d.kg(), rows, true, false, rows * d.kr(),
                            rows * d.kg());
                    if (part != acc) {
                        c.binInto(BinaryOp.ADD, acc, part, acc);
                    }
                }
            }
            be.copyStrided(acc, 0, dense(shape), dkernel, 0, new long[] {d.kg(), g.outC(), 1}, shape);
        }
    }

    /** See {@link Backend#conv2dBackwardInput}. */
    static void backwardInput(Backend be, Storage dy, Storage kernel, Storage dx, ConvGeometry g) {
        check("conv2dBackwardInput", dx, kernel, dy, g);
        if (g.batch() == 0) {
            return;
        }
        Dims d = Dims.of(g);
        try (Composer k = new Composer(be, dy.dtype())) {
            boolean padded = d.hp() != g.inH() || d.wp() != g.inW() || g.padTop() != 0 || g.padLeft() != 0;
            Storage dxp;
            if (padded) {
                dxp = k.zeros(dy.dtype(), (long) g.batch() * d.hp() * d.wp() * g.inC());
            } else {
                dxp = dx;
                be.fill(dx, 0);
            }
            Storage kgs = d.groupedKernel(k, kernel);
            int step = d.imagesPerChunk();
            for (int b0 = 0; b0 < g.batch(); b0 += step) {
                int nb = Math.min(step, g.batch() - b0);
                long rows = nb * d.rowsPerImage();
                try (Composer c = new Composer(be, dy.dtype())) {
                    Storage dyg = d.groupedRows(c, dy, b0, nb);
                    Storage dcols = c.temp(g.groups() * rows * d.kr());
                    be.matmul(dyg, kgs, dcols, g.groups(), rows, d.kr(), d.kg(), false, true, rows * d.kg(),
                            d.kr() * d.kg());
                    Storage ids = c.longs(ComposedWindows.windowRows(g.groups(), b0, nb, g.outH(), g.outW(), g.kh(),
                            g.kw(), g.sh(), g.sw(), g.dh(), g.dw(), d.hp(), d.wp()));
                    be.scatterAdd(dcols, d.cg(), ids, dxp);
                }
            }
            ComposedWindows.crop(be, dxp, dx, g.batch(), g.inH(), g.inW(), g.inC(), d.hp(), d.wp(), g.padTop(),
                    g.padLeft());
        }
    }

    /**
     * See {@link Backend#conv2dForwardFused}: the convolution (the backend's kernel when it has one,
     * through {@link KernelDispatch}), a broadcast bias add and an in-place ReLU.
     */
    static void forwardFused(Backend be, Storage x, Storage kernel, Storage bias, boolean relu, Storage out,
                             ConvGeometry g) {
        if (bias == null) {
            KernelDispatch.conv2dForward(be, x, kernel, out, g);
        } else {
            if (bias.dtype() != out.dtype() || bias.numel() != g.outC()) {
                throw new IllegalArgumentException("composed conv2dForwardFused: bias must be " + out.dtype() + " ["
                        + g.outC() + "], got " + bias.dtype() + " of " + bias.numel() + " elements");
            }
            long rows = out.numel() / g.outC();
            Storage z = be.allocateUninitialized(out.dtype(), out.numel());
            try {
                KernelDispatch.conv2dForward(be, x, kernel, z, g);
                be.binary(BinaryOp.ADD, z, new long[] {g.outC(), 1}, bias, new long[] {0, 1}, out,
                        new long[] {rows, g.outC()});
            } finally {
                z.release();
            }
        }
        if (relu) {
            be.unary(UnaryOp.RELU, out, out);
        }
    }

    /**
     * See {@link Backend#conv2dBackwardFused}: dz = dy ⊙ step(y) when relu, the bias gradient as a
     * SUM over rows, and the two convolution gradients (through {@link KernelDispatch}).
     */
    static void backwardFused(Backend be, Storage x, Storage kernel, Storage y, Storage dy, boolean relu, Storage dx,
                              Storage dkernel, Storage dbias, ConvGeometry g) {
        DType dt = dy.dtype();
        Storage dz = dy;
        if (relu) {
            long[] shape = {dy.numel()}, strides = {1};
            Storage step = be.allocateUninitialized(dt, dy.numel());
            dz = be.allocateUninitialized(dt, dy.numel());
            try {
                be.unary(UnaryOp.STEP, y, step);
                be.binary(BinaryOp.MUL, step, strides, dy, strides, dz, shape);
            } finally {
                step.release();
            }
        }
        try {
            if (dbias != null && dz.numel() == 0) {
                be.fill(dbias, 0);
            } else if (dbias != null) {
                be.reduce(ReduceOp.SUM, dz, 1, dz.numel() / g.outC(), g.outC(), dbias);
            }
            if (dx != null) {
                KernelDispatch.conv2dBackwardInput(be, dz, kernel, dx, g);
            }
            if (dkernel != null) {
                KernelDispatch.conv2dBackwardFilter(be, x, dz, dkernel, g);
            }
        } finally {
            if (dz != dy) {
                dz.release();
            }
        }
    }
}
