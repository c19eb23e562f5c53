package dev.lamina.backend;

/**
 * How the tensor ops call the optional fused kernels: each method asks the backend whether its
 * kernel serves this call ({@link Backend#kernel(Kernel, dev.lamina.types.DType, ConvGeometry)} and
 * its siblings) and runs it when it does; otherwise it runs the composition of primitives on the
 * same backend ({@link ComposedConv}, {@link ComposedPool}, {@link ComposedCells}, {@link
 * ComposedAdam}, {@link ComposedOptimizers}, {@link ComposedSoftmaxCrossEntropy}) and logs the
 * reason once ({@link FallbackLog}). Arguments and results are exactly
 * those of the {@link Backend} method of the same name, so no model fails because a backend lacks a
 * fused kernel (DESIGN rule 4).
 */
public final class KernelDispatch {
    private KernelDispatch() {
    }

    /** True when be's kernel k serves this call; else logs (once) why not and returns false. */
    private static boolean fused(Backend be, Kernel k, Capability c) {
        if (c.available()) {
            return true;
        }
        FallbackLog.report(be, k.method(), c.reason());
        return false;
    }

    private static boolean conv(Backend be, Kernel k, Storage x, ConvGeometry g) {
        return fused(be, k, be.kernel(k, x.dtype(), g));
    }

    private static boolean pool(Backend be, Kernel k, Storage x, PoolGeometry g) {
        return fused(be, k, be.kernel(k, x.dtype(), g));
    }

    private static boolean plain(Backend be, Kernel k, Storage x) {
        return fused(be, k, be.kernel(k, x.dtype()));
    }

    /** {@link Backend#conv2dForward}, or its composition (im2col by copyStrided, then matmul). */
    public static void conv2dForward(Backend be, Storage x, Storage kernel, Storage out, ConvGeometry g) {
        if (conv(be, Kernel.CONV2D_FORWARD, x, g)) {
            be.conv2dForward(x, kernel, out, g);
        } else {
            ComposedConv.forward(be, x, kernel, out, g);
        }
    }

    /** {@link Backend#conv2dBackwardInput}, or its composition (matmul, then col2im by scatterAdd). */
    public static void conv2dBackwardInput(Backend be, Storage dy, Storage kernel, Storage dx, ConvGeometry g) {
        if (conv(be, Kernel.CONV2D_BACKWARD_INPUT, dy, g)) {
            be.conv2dBackwardInput(dy, kernel, dx, g);
        } else {
            ComposedConv.backwardInput(be, dy, kernel, dx, g);
        }
    }

    /** {@link Backend#conv2dBackwardFilter}, or its composition (im2col, then a transposed matmul). */
    public static void conv2dBackwardFilter(Backend be, Storage x, Storage dy, Storage dkernel, ConvGeometry g) {
        if (conv(be, Kernel.CONV2D_BACKWARD_FILTER, x, g)) {
            be.conv2dBackwardFilter(x, dy, dkernel, g);
        } else {
            ComposedConv.backwardFilter(be, x, dy, dkernel, g);
        }
    }

    /** {@link Backend#conv2dForwardFused}, or the convolution (itself dispatched), a bias add and a ReLU. */
    public static void conv2dForwardFused(Backend be, Storage x, Storage kernel, Storage bias, boolean relu,
                                          Storage out, ConvGeometry g) {
        if (conv(be, Kernel.CONV2D_FORWARD_FUSED, x, g)) {
            be.conv2dForwardFused(x, kernel, bias, relu, out, g);
        } else {
            ComposedConv.forwardFused(be, x, kernel, bias, relu, out, g);
        }
    }

    /** {@link Backend#conv2dBackwardFused}, or the ReLU mask, a bias sum and the two (dispatched) gradients. */
    public static void conv2dBackwardFused(Backend be, Storage x, Storage kernel, Storage y, Storage dy, boolean relu,
                                           Storage dx, Storage dkernel, Storage dbias, ConvGeometry g) {
        if (conv(be, Kernel.CONV2D_BACKWARD_FUSED, x, g)) {
            be.conv2dBackwardFused(x, kernel, y, dy, relu, dx, dkernel, dbias, g);
        } else {
            ComposedConv.backwardFused(be, x, kernel, y, dy, relu, dx, dkernel, dbias, g);
        }
    }

    /** {@link Backend#maxPool2dForward}, or its composition (window copy, then a MAX reduction). */
    public static void maxPool2dForward(Backend be, Storage x, Storage out, PoolGeometry g) {
        if (pool(be, Kernel.MAX_POOL2D_FORWARD, x, g)) {
            be.maxPool2dForward(x, out, g);
        } else {
            ComposedPool.maxForward(be, x, out, g);
        }
    }

    /** {@link Backend#maxPool2dBackward}, or its composition (first maximum by ARGMAX, scatterAdd). */
    public static void maxPool2dBackward(Backend be, Storage x, Storage dy, Storage dx, PoolGeometry g) {
        if (pool(be, Kernel.MAX_POOL2D_BACKWARD, x, g)) {
            be.maxPool2dBackward(x, dy, dx, g);
        } else {
            ComposedPool.maxBackward(be, x, dy, dx, g);
        }
    }

    /** {@link Backend#avgPool2dForward}, or its composition (window copy, SUM, division by the count). */
    public static void avgPool2dForward(Backend be, Storage x, Storage out, PoolGeometry g) {
        if (pool(be, Kernel.AVG_POOL2D_FORWARD, x, g)) {
            be.avgPool2dForward(x, out, g);
        } else {
            ComposedPool.avgForward(be, x, out, g);
        }
    }

    /** {@link Backend#avgPool2dBackward}, or its composition (share per window, scatterAdd). */
    public static void avgPool2dBackward(Backend be, Storage dy, Storage dx, PoolGeometry g) {
        if (pool(be, Kernel.AVG_POOL2D_BACKWARD, dy, g)) {
            be.avgPool2dBackward(dy, dx, g);
        } else {
            ComposedPool.avgBackward(be, dy, dx, g);
        }
    }

    /** {@link Backend#lstmCellForward}, or its element-wise composition. */
    public static void lstmCellForward(Backend be, Storage z, Storage cPrev, Storage h, Storage c, Storage gates,
                                       long batch, long hidden) {
        if (plain(be, Kernel.LSTM_CELL_FORWARD, z)) {
            be.lstmCellForward(z, cPrev, h, c, gates, batch, hidden);
        } else {
            ComposedCells.lstmForward(be, z, cPrev, h, c, gates, batch, hidden);
        }
    }

    /** {@link Backend#lstmCellBackward}, or its element-wise composition. */
    public static void lstmCellBackward(Backend be, Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc,
                                        Storage dz, Storage dcPrev, long batch, long hidden) {
        if (plain(be, Kernel.LSTM_CELL_BACKWARD, gates)) {
            be.lstmCellBackward(gates, cPrev, c, dh, dc, dz, dcPrev, batch, hidden);
        } else {
            ComposedCells.lstmBackward(be, gates, cPrev, c, dh, dc, dz, dcPrev, batch, hidden);
        }
    }

    /** {@link Backend#gruCellForward}, or its element-wise composition. */
    public static void gruCellForward(Backend be, Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates,
                                      long batch, long hidden) {
        if (plain(be, Kernel.GRU_CELL_FORWARD, xz)) {
            be.gruCellForward(xz, hz, hPrev, h, gates, batch, hidden);
        } else {
            ComposedCells.gruForward(be, xz, hz, hPrev, h, gates, batch, hidden);
        }
    }

    /** {@link Backend#gruCellBackward}, or its element-wise composition. */
    public static void gruCellBackward(Backend be, Storage gates, Storage hz, Storage hPrev, Storage dh, Storage dxz,
                                       Storage dhz, Storage dhPrev, long batch, long hidden) {
        if (plain(be, Kernel.GRU_CELL_BACKWARD, gates)) {
            be.gruCellBackward(gates, hz, hPrev, dh, dxz, dhz, dhPrev, batch, hidden);
        } else {
            ComposedCells.gruBackward(be, gates, hz, hPrev, dh, dxz, dhz, dhPrev, batch, hidden);
        }
    }

    /** {@link Backend#adamUpdate}, or its element-wise composition (bitwise the same arithmetic). */
    public static void adamUpdate(Backend be, Storage w, Storage g, Storage m, Storage v, double alpha, double beta1,
                                  double beta2, double epsilon) {
        if (plain(be, Kernel.ADAM_UPDATE, w)) {
            be.adamUpdate(w, g, m, v, alpha, beta1, beta2, epsilon);
        } else {
            ComposedAdam.update(be, w, g, m, v, alpha, beta1, beta2, epsilon);
        }
    }

    /** {@link Backend#rmspropUpdate}, or its element-wise composition (bitwise the tensor-level RMSprop). */
    public static void rmspropUpdate(Backend be, Storage w, Storage g, Storage vel, Storage mom, Storage avg, double lr,
                                     double rho, double momentum, double epsilon) {
        if (plain(be, Kernel.RMSPROP_UPDATE, w)) {
            be.rmspropUpdate(w, g, vel, mom, avg, lr, rho, momentum, epsilon);
        } else {
            ComposedOptimizers.rmsprop(be, w, g, vel, mom, avg, lr, rho, momentum, epsilon);
        }
    }

    /** {@link Backend#sgdUpdate}, or its element-wise composition (bitwise the tensor-level SGD). */
    public static void sgdUpdate(Backend be, Storage w, Storage g, Storage m, double lr, double momentum,
                                 boolean nesterov) {
        if (plain(be, Kernel.SGD_UPDATE, w)) {
            be.sgdUpdate(w, g, m, lr, momentum, nesterov);
        } else {
            ComposedOptimizers.sgd(be, w, g, m, lr, momentum, nesterov);
        }
    }

    /**
     * Whether be's fused {@link Backend#softmaxCrossEntropy} serves logits of this dtype; when it
     * does not, the reason is logged once and the caller runs its tensor-level composition (which
     * has the tape's gradient, not a precomputed one).
     *
     * @param be the backend
     * @param dtype the logits' dtype
     * @return true when the fused kernel serves
     */
    public static boolean softmaxCrossEntropyFused(Backend be, dev.lamina.types.DType dtype) {
        return fused(be, Kernel.SOFTMAX_CROSS_ENTROPY, be.kernel(Kernel.SOFTMAX_CROSS_ENTROPY, dtype));
    }

    /** {@link Backend#softmaxCrossEntropy}, or its composition (bitwise the tensor-level one). */
    public static void softmaxCrossEntropy(Backend be, Storage logits, Storage labels, Storage loss, Storage dlogits,
                                           long rows, long classes) {
        if (plain(be, Kernel.SOFTMAX_CROSS_ENTROPY, logits)) {
            be.softmaxCrossEntropy(logits, labels, loss, dlogits, rows, classes);
        } else {
            ComposedSoftmaxCrossEntropy.run(be, logits, labels, loss, dlogits, rows, classes);
        }
    }

    /**
     * Whether be's {@link Backend#lstmSequenceForward} serves a sequence of these sizes; when it
     * does not, the reason is logged once and the caller runs its per-step loop.
     *
     * @param be the backend
     * @param dtype the dtype
     * @param geom the batch, step and hidden sizes
     * @return true when the sequence kernel serves
     */
    public static boolean lstmSequenceFused(Backend be, dev.lamina.types.DType dtype, SequenceGeometry geom) {
        return fused(be, Kernel.LSTM_SEQUENCE_FORWARD, be.kernel(Kernel.LSTM_SEQUENCE_FORWARD, dtype, geom));
    }

    /**
     * Whether an LSTM at inference (no tape records) runs through be's {@link
     * Backend#lstmSequenceForward} rather than {@link Backend#lstmInference}: where the sequence kernel
     * serves ({@link #lstmSequenceFused}), unless the backend declares an inference kernel of its own
     * ({@link Backend#lstmInferenceKernel}: the cpu backend, whose sequence kernel is the training one,
     * every step's gates saved, while its lstmInference is a native kernel for inference).
     *
     * @param be the backend (a graph recorder answers as the backend it records on)
     * @param dtype the dtype
     * @param geom the batch, step and hidden sizes
     * @return true when inference runs the sequence kernel
     */
    public static boolean lstmSequenceAtInference(Backend be, dev.lamina.types.DType dtype, SequenceGeometry geom) {
        return !be.lstmInferenceKernel(dtype, geom).available() && lstmSequenceFused(be, dtype, geom);
    }

    /** {@link Backend#lstmSequenceForward}, or its per-step composition. */
    public static void lstmSequenceForward(Backend be, Storage xp, Storage rk, Storage h0, Storage c0, Storage packed,
                                           Storage hPrev, Storage gates, Storage cs, long batch, long steps,
                                           long hidden) {
        if (lstmSequenceFused(be, xp.dtype(), new SequenceGeometry(batch, steps, hidden))) {
            be.lstmSequenceForward(xp, rk, h0, c0, packed, hPrev, gates, cs, batch, steps, hidden);
        } else {
            ComposedLstmSequence.forward(be, xp, rk, h0, c0, packed, hPrev, gates, cs, batch, steps, hidden);
        }
    }

    /**
     * Whether be's {@link Backend#lstmSequenceBackward} serves a sequence of these sizes; when it
     * does not, the reason is logged once and {@link #lstmSequenceBackward} runs the per-step
     * composition.
     *
     * @param be the backend
     * @param dtype the dtype
     * @param geom the batch, step and hidden sizes
     * @return true when the sequence kernel serves
     */
    public static boolean lstmSequenceBackwardFused(Backend be, dev.lamina.types.DType dtype, SequenceGeometry geom) {
        return fused(be, Kernel.LSTM_SEQUENCE_BACKWARD, be.kernel(Kernel.LSTM_SEQUENCE_BACKWARD, dtype, geom));
    }

    /**
     * {@link Backend#lstmSequenceBackward}, or its per-step composition.
     *
     * @param be the backend
     * @param gates the forward's gates, [T, B, 4H]
     * @param cs the forward's cell states c_1 .. c_T, [T, B, H]
     * @param c0 the initial c, [B, H]
     * @param rk the recurrent kernel, [H, 4H]
     * @param dP the gradient of packed, [B, T+1, H]
     * @param dXp out: [B·T, 4H]
     * @param dh0 out: [B, H]
     * @param dc0 out: [B, H]
     * @param batch B
     * @param steps T
     * @param hidden H
     */
    public static void lstmSequenceBackward(Backend be, Storage gates, Storage cs, Storage c0, Storage rk, Storage dP,
                                            Storage dXp, Storage dh0, Storage dc0, long batch, long steps,
                                            long hidden) {
        if (lstmSequenceBackwardFused(be, gates.dtype(), new SequenceGeometry(batch, steps, hidden))) {
            be.lstmSequenceBackward(gates, cs, c0, rk, dP, dXp, dh0, dc0, batch, steps, hidden);
        } else {
            ComposedLstmSequence.backward(be, gates, cs, c0, rk, dP, dXp, dh0, dc0, batch, steps, hidden);
        }
    }

    /**
     * Whether be's {@link Backend#gruSequenceForward} (or, with {@code backward}, {@link
     * Backend#gruSequenceBackward}) serves a sequence of these sizes; when it does not, the reason
     * is logged once.
     *
     * @param be the backend
     * @param dtype the dtype
     * @param geom the batch, step and hidden sizes
     * @param backward true to ask about the backward kernel
     * @return true when the sequence kernel serves
     */
    public static boolean gruSequenceFused(Backend be, dev.lamina.types.DType dtype, SequenceGeometry geom,
                                           boolean backward) {
        Kernel k = backward ? Kernel.GRU_SEQUENCE_BACKWARD : Kernel.GRU_SEQUENCE_FORWARD;
        return fused(be, k, be.kernel(k, dtype, geom));
    }

    /**
     * {@link Backend#gruSequenceForward}, or its per-step composition.
     *
     * @param be the backend
     * @param xp the input projection, [B·T, 3H]
     * @param rk the recurrent kernel, [H, 3H]
     * @param rb the recurrent bias, [3H]
     * @param h0 the initial h, [B, H]
     * @param packed out: [B, T, H]
     * @param hPrev out: [B, T, H]
     * @param gates out: [T, B, 3H]
     * @param hz out: [T, B, 3H]
     * @param batch B
     * @param steps T
     * @param hidden H
     */
    public static void gruSequenceForward(Backend be, Storage xp, Storage rk, Storage rb, Storage h0, Storage packed,
                                          Storage hPrev, Storage gates, Storage hz, long batch, long steps,
                                          long hidden) {
        if (gruSequenceFused(be, xp.dtype(), new SequenceGeometry(batch, steps, hidden), false)) {
            be.gruSequenceForward(xp, rk, rb, h0, packed, hPrev, gates, hz, batch, steps, hidden);
        } else {
            ComposedGruSequence.forward(be, xp, rk, rb, h0, packed, hPrev, gates, hz, batch, steps, hidden);
        }
    }

    /**
     * {@link Backend#gruSequenceBackward}, or its per-step composition.
     *
     * @param be the backend
     * @param gates the forward's gates, [T, B, 3H]
     * @param hz the forward's hz, [T, B, 3H]
     * @param hPrev h_0 .. h_{T−1}, [B, T, H]
     * @param rk the recurrent kernel, [H, 3H]
     * @param dP the gradient of packed, [B, T, H]
     * @param dXp out: [B·T, 3H]
     * @param dHz out: [B·T, 3H]
     * @param dh0 out: [B, H]
     * @param batch B
     * @param steps T
     * @param hidden H
     */
    public static void gruSequenceBackward(Backend be, Storage gates, Storage hz, Storage hPrev, Storage rk, Storage dP,
                                           Storage dXp, Storage dHz, Storage dh0, long batch, long steps,
                                           long hidden) {
        if (gruSequenceFused(be, gates.dtype(), new SequenceGeometry(batch, steps, hidden), true)) {
            be.gruSequenceBackward(gates, hz, hPrev, rk, dP, dXp, dHz, dh0, batch, steps, hidden);
        } else {
            ComposedGruSequence.backward(be, gates, hz, hPrev, rk, dP, dXp, dHz, dh0, batch, steps, hidden);
        }
    }
}
