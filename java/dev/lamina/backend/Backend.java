package dev.lamina.backend;

import dev.lamina.types.DType;
import java.nio.ByteBuffer;

/**
 * The kernel-level operations the tensor layer calls. Three implementations: {@code reference}
 * (plain Java, float64 accumulation, the oracle), {@code cpu} (OpenBLAS + cpu-kernels C++) and
 * {@code cuda}.
 *
 * <p>Contract for every kernel: all storages belong to this backend, are contiguous row-major,
 * not freed, and large enough; the output is allocated by the caller with the documented dtype;
 * shapes, dtypes and indices were validated by the caller (the tensor layer). A backend may
 * re-check cheaply but never reads or writes outside the storages it was given. Outputs never
 * alias inputs unless stated.
 *
 * <p>The fused kernels (convolution, pooling, LSTM/GRU cells, the optimizer steps, softmax
 * cross-entropy; see {@link Kernel}) are
 * optional: a backend declares which it has, per call if need be, with {@link #kernel(Kernel)} and
 * its overloads, and the default method of each is its composition of the primitives above
 * ({@link ComposedConv}, {@link ComposedPool}, {@link ComposedCells}, {@link ComposedAdam}). The
 * tensor ops reach them through {@link KernelDispatch}, which runs the composition (and logs why,
 * once) whenever the backend's kernel cannot serve a call.
 */
public interface Backend {

    /** "reference", "cpu" or "cuda". */
    String name();

    /** True when the backend can run (the cuda backend needs a driver and a device). */
    default boolean isAvailable() {
        return true;
    }

    // ---- capabilities (DESIGN rule 4) ---------------------------------------------------------

    /**
     * Whether this backend has its own kernel for {@code k} (see {@link Kernel}). The default
     * answers from the class: a backend that overrides the kernel's method has it; one that
     * inherits the method from this interface runs the composition of primitives (the interface's
     * default body) and so answers unavailable with that reason. Backends override this to say
     * more (an unusable device, a kernel that is compiled out).
     */
    default Capability kernel(Kernel k) {
        if (k.isOverriddenBy(getClass())) {
            return Capability.AVAILABLE;
        }
        return Capability.unavailable(name() + " backend has no fused " + k.method() + " kernel");
    }

    /**
     * Whether this backend's kernel {@code k} serves a call on {@code dtype}; the default is
     * {@link #kernel(Kernel)}. A backend whose kernel handles float32 only says so here.
     */
    default Capability kernel(Kernel k, DType dtype) {
        return kernel(k);
    }

    /**
     * Whether this backend's sequence kernel {@code k} serves a call of these sizes and dtype; the
     * default is {@link #kernel(Kernel, DType)}.
     *
     * @param k the kernel
     * @param dtype the dtype of the call
     * @param geom the batch, step and hidden sizes of the call
     * @return available, or unavailable with the reason
     */
    default Capability kernel(Kernel k, DType dtype, SequenceGeometry geom) {
        return kernel(k, dtype);
    }

    /** Whether this backend's convolution kernel {@code k} serves a call of this geometry and dtype. */
    default Capability kernel(Kernel k, DType dtype, ConvGeometry geom) {
        return kernel(k, dtype);
    }

    /** Whether this backend's pooling kernel {@code k} serves a call of this geometry and dtype. */
    default Capability kernel(Kernel k, DType dtype, PoolGeometry geom) {
        return kernel(k, dtype);
    }

    // ---- memory ----------------------------------------------------------------------------

    /** A new storage of {@code numel} elements, filled with zeros. */
    Storage allocate(DType dtype, long numel);

    /**
     * A new storage of {@code numel} elements whose contents are unspecified (not necessarily
     * zero), for callers that overwrite every element before reading any: op outputs and scratch
     * buffers. The default is {@link #allocate}; host backends skip the zeroing.
     */
    default Storage allocateUninitialized(DType dtype, long numel) {
        return allocate(dtype, numel);
    }

    /** Returns a storage's memory; called by {@link Storage#release()} for the last reference. */
    void free(Storage storage);

    /** Bytes currently held in live storages of this backend. */
    long bytesInUse();

    /** Copies {@code dst.bytes()} bytes from {@code src} (position to limit, little-endian) into dst. */
    void upload(ByteBuffer src, Storage dst);

    /** Copies all of src's bytes into {@code dst} (little-endian), from dst's position. */
    void download(Storage src, ByteBuffer dst);

    // ---- kernels -----------------------------------------------------------------------------

    /** out[i] = value, converted to out's dtype. */
    void fill(Storage out, double value);

    /** out[i] = (out.dtype) x[i]; bool from numbers is x != 0; float to int truncates toward zero. */
    void cast(Storage x, Storage out);

    /**
     * Strided copy of one dtype: for every index vector {@code idx} of {@code shape},
     * {@code dst[dstOffset + Σ idx[d]·dstStrides[d]] = src[srcOffset + Σ idx[d]·srcStrides[d]]}.
     * Strides are in elements; a source stride of 0 broadcasts. Serves transpose, slice, concat,
     * stack, pad and broadcast. Rank 0 copies one element.
     */
    void copyStrided(Storage src, long srcOffset, long[] srcStrides,
                     Storage dst, long dstOffset, long[] dstStrides, long[] shape);

    /** out[i] = op(x[i]); out has x's dtype and numel. May be called with out == x (in place). */
    void unary(UnaryOp op, Storage x, Storage out);

    /**
     * out[idx] = op(a[Σ idx·aStrides], b[Σ idx·bStrides]) for every index of {@code outShape}
     * (strides in elements, 0 where an operand is broadcast). a and b have the same dtype; out has
     * that dtype, or BOOL for comparisons. out is contiguous with {@code outShape}.
     */
    void binary(BinaryOp op, Storage a, long[] aStrides, Storage b, long[] bStrides,
                Storage out, long[] outShape);

    /**
     * Reduces the middle axis of x viewed as [outer, n, inner] into out viewed as [outer, inner].
     * SUM/MAX/MIN keep x's dtype; ARGMAX/ARGMIN write INT64 indices (first occurrence wins).
     * n ≥ 1. Sums of float32 accumulate in at least float32 in a fixed order (deterministic).
     */
    void reduce(ReduceOp op, Storage x, long outer, long n, long inner, Storage out);

    /**
     * Batched matrix product, float32 or float64: for each batch index p,
     * {@code out[p] (m×n) = op(a[p]) · op(b[p])} where op transposes when the flag is set.
     * a[p] starts at element {@code p·strideA} and is stored [m,k] (or [k,m] when transA);
     * b[p] starts at {@code p·strideB}, stored [k,n] (or [n,k] when transB). A stride of 0
     * broadcasts one matrix over the batch. out is contiguous [batch, m, n]. k may be 0 (zeros).
     */
    void matmul(Storage a, Storage b, Storage out, long batch, long m, long n, long k,
                boolean transA, boolean transB, long strideA, long strideB);

    /**
     * Softmax (or log-softmax) of float x viewed as [outer, n, inner] along the middle axis,
     * computed stably (max subtracted). out has x's dtype and size.
     */
    void softmax(Storage x, Storage out, long outer, long n, long inner, boolean log);

    /**
     * Row gather: out[i, :] = table[ids[i], :] for i &lt; ids.numel(), rows of {@code rowSize}
     * elements. ids is INT32 or INT64, already checked to lie in [0, table rows).
     */
    void gather(Storage table, long rowSize, Storage ids, Storage out);

    /**
     * Row scatter-add, the gradient of gather: out[ids[i], :] += src[i, :], in increasing i
     * (deterministic). out is not cleared first. ids checked as for gather.
     */
    void scatterAdd(Storage src, long rowSize, Storage ids, Storage out);

    /** out[i, ids[i]] = 1, other entries 0 (out is [ids.numel(), depth], any numeric dtype). */
    void oneHot(Storage ids, long depth, Storage out);

    // ---- convolution and pooling (NHWC; float32 and float64) --------------------------------

    /**
     * 2-D convolution: {@code out[b,oh,ow,k] = Σ_{i,j,c} x[b, oh·sh−padTop+i·dh, ow·sw−padLeft+j·dw, g·Cg+c]
     * · kernel[i,j,c,k]} with g = k / (outC/groups), Cg = inC/groups and zeros outside the input
     * (see {@link ConvGeometry}). x [B,H,W,C], kernel [kh,kw,C/groups,K], out [B,H',W',K] (overwritten),
     * all of one float dtype.
     */
    default void conv2dForward(Storage x, Storage kernel, Storage out, ConvGeometry geom) {
        ComposedConv.forward(this, x, kernel, out, geom);
    }

    /**
     * Gradient of {@link #conv2dForward} with respect to x: {@code dx[b,h,w,g·Cg+c] = Σ dy[b,oh,ow,k] ·
     * kernel[i,j,c,k]} over all (oh, ow, i, j, k in group g) with h = oh·sh−padTop+i·dh and
     * w = ow·sw−padLeft+j·dw. dx [B,H,W,C] is overwritten. Deterministic (fixed summation order).
     */
    default void conv2dBackwardInput(Storage dy, Storage kernel, Storage dx, ConvGeometry geom) {
        ComposedConv.backwardInput(this, dy, kernel, dx, geom);
    }

    /**
     * Gradient of {@link #conv2dForward} with respect to the kernel: {@code dkernel[i,j,c,k] =
     * Σ_{b,oh,ow} x[b, oh·sh−padTop+i·dh, ow·sw−padLeft+j·dw, g·Cg+c] · dy[b,oh,ow,k]}. dkernel
     * [kh,kw,C/groups,K] is overwritten. Deterministic (fixed summation order).
     */
    default void conv2dBackwardFilter(Storage x, Storage dy, Storage dkernel, ConvGeometry geom) {
        ComposedConv.backwardFilter(this, x, dy, dkernel, geom);
    }

    /**
     * Convolution with the bias and activation of a Conv2D layer in one call:
     * {@code out = act(conv2d(x, kernel) + bias)} with act the identity or, when {@code relu},
     * max(·, 0); {@code bias} [K] may be null (no bias). The default runs {@link #conv2dForward},
     * a broadcast {@link #binary} ADD and an in-place {@link #unary} RELU; backends override it to
     * apply bias and activation while the output rows are still in cache.
     */
    default void conv2dForwardFused(Storage x, Storage kernel, Storage bias, boolean relu, Storage out,
                                    ConvGeometry geom) {
        ComposedConv.forwardFused(this, x, kernel, bias, relu, out, geom);
    }

    /**
     * Gradients of {@link #conv2dForwardFused} given its output y and the upstream gradient dy:
     * with {@code dz = dy ⊙ step(y)} when {@code relu} (step(v) = 1 for v &gt; 0, else 0; y &gt; 0
     * exactly where the pre-activation is) or {@code dz = dy}, writes {@code dbias[k] = Σ_{b,oh,ow}
     * dz[b,oh,ow,k]}, {@code dkernel} as {@link #conv2dBackwardFilter} of dz and {@code dx} as
     * {@link #conv2dBackwardInput} of dz. Each of dx, dkernel and dbias may be null: that gradient is
     * not computed (the first layer of a network needs no dx). y may be null when not {@code relu}.
     */
    default void conv2dBackwardFused(Storage x, Storage kernel, Storage y, Storage dy, boolean relu, Storage dx,
                                     Storage dkernel, Storage dbias, ConvGeometry geom) {
        ComposedConv.backwardFused(this, x, kernel, y, dy, relu, dx, dkernel, dbias, geom);
    }

    // ---- optimizer steps --------------------------------------------------------------------

    /**
     * One Adam step in place on a parameter w with gradient g and moments m, v (all of w's float
     * dtype and size), as Keras 3 computes it, each operation rounded to the dtype:
     * <pre>
     *   m ← m + (g − m)·(1 − β1)
     *   v ← v + (g·g − v)·(1 − β2)
     *   w ← w − (m·α) / (√v + ε)
     * </pre>
     * with the scalars (1 − β1), (1 − β2), α and ε first rounded to the dtype. The default runs
     * the element-wise primitives one by one; backends override it with one pass over memory.
     */
    default void adamUpdate(Storage w, Storage g, Storage m, Storage v, double alpha, double beta1, double beta2,
                            double epsilon) {
        ComposedAdam.update(this, w, g, m, v, alpha, beta1, beta2, epsilon);
    }

    /**
     * One RMSprop step in place on a parameter w with gradient g (Keras 3's arithmetic, as the
     * tensor-level {@code optim.RMSprop}), every operation rounded to w's float dtype and the
     * scalars rounded to it first:
     * <pre>
     *   vel ← vel·ρ + (g·g)·(1 − ρ)
     *   centered (avg not null):  avg ← avg·ρ + g·(1 − ρ);   d = (vel − avg·avg) + ε
     *   else:                     d = vel + ε
     *   inc = (g·lr) / √d
     *   mom not null:  mom ← mom·momentum + inc;   w ← w − mom
     *   else:          w ← w − inc
     * </pre>
     * mom and avg are null when unused; every non-null storage has w's dtype and size. The default
     * runs the element-wise primitives one by one ({@link ComposedOptimizers}); backends override
     * it with one pass over memory.
     *
     * @param w the parameter, updated in place
     * @param g the gradient
     * @param vel the velocity slot (mean square), updated in place
     * @param mom the momentum slot, or null when momentum is 0
     * @param avg the average-gradient slot, or null when not centered
     * @param lr the learning rate
     * @param rho the decay ρ
     * @param momentum the momentum (used only when mom is not null)
     * @param epsilon ε
     */
    default void rmspropUpdate(Storage w, Storage g, Storage vel, Storage mom, Storage avg, double lr, double rho,
                               double momentum, double epsilon) {
        ComposedOptimizers.rmsprop(this, w, g, vel, mom, avg, lr, rho, momentum, epsilon);
    }

    /**
     * One SGD step in place on a parameter w with gradient g (Keras 3's arithmetic, as the
     * tensor-level {@code optim.SGD}), every operation rounded to w's float dtype and the scalars
     * rounded to it first:
     * <pre>
     *   m null (momentum 0):  w ← w − g·lr
     *   else:                 m ← m·momentum − g·lr
     *                         w ← w + m                           (plain)
     *                         w ← w + (m·momentum − g·lr)         (nesterov, with the new m)
     * </pre>
     * The default runs the element-wise primitives ({@link ComposedOptimizers}); backends
     * override it with one pass over memory.
     *
     * @param w the parameter, updated in place
     * @param g the gradient (w's dtype and size)
     * @param m the momentum slot (w's dtype and size), updated in place, or null when momentum is 0
     * @param lr the learning rate
     * @param momentum the momentum (used only when m is not null)
     * @param nesterov Nesterov momentum (used only when m is not null)
     */
    default void sgdUpdate(Storage w, Storage g, Storage m, double lr, double momentum, boolean nesterov) {
        ComposedOptimizers.sgd(this, w, g, m, lr, momentum, nesterov);
    }

    /**
     * The forward of a whole LSTM sequence (Keras gates i, f, c, o), everything {@code RecurrentOps}
     * saves for the backward: for each batch row b and step t, {@code z = xp[b·T + t] + h_t·rk}, the
     * cell of {@link #lstmCellForward}, {@code h_{t+1}}, {@code c_{t+1}}. xp [B·T, 4H] (batch-major
     * rows: the input projection with its bias), rk [H, 4H], h0 and c0 [B, H]; writes packed
     * [B, T+1, H] (h_1 .. h_T, then c_T), hPrev [B, T, H] (h_0 .. h_{T−1}), gates [T, B, 4H] (the
     * activated gates of each step) and cs [T, B, H] (c_1 .. c_T). The default
     * ({@link ComposedLstmSequence}) runs the per-step primitives (bitwise {@code RecurrentOps}'
     * own loop); the cuda backend overrides it with a persistent kernel for small hidden sizes.
     *
     * @param xp the input projection, [B·T, 4H]
     * @param rk the recurrent kernel, [H, 4H]
     * @param h0 the initial h, [B, H]
     * @param c0 the initial c, [B, H]
     * @param packed out: [B, T+1, H]
     * @param hPrev out: [B, T, H]
     * @param gates out: [T, B, 4H]
     * @param cs out: [T, B, H]
     * @param batch B
     * @param steps T
     * @param hidden H
     */
    default void lstmSequenceForward(Storage xp, Storage rk, Storage h0, Storage c0, Storage packed, Storage hPrev,
                                     Storage gates, Storage cs, long batch, long steps, long hidden) {
        ComposedLstmSequence.forward(this, xp, rk, h0, c0, packed, hPrev, gates, cs, batch, steps, hidden);
    }

    /**
     * The backward through time of a whole LSTM sequence, from what {@link #lstmSequenceForward}
     * saved: for s = T−1 .. 0, {@code dh = dP[:, s] + dh_next}, the cell backward of {@link
     * #lstmCellBackward} with {@code dc_next} (giving dz_s and the next dc_next), {@code dh_next =
     * dz_s·rkᵀ}. gates [T, B, 4H], cs [T, B, H] (c_1 .. c_T), c0 [B, H], rk [H, 4H], dP [B, T+1, H]
     * (the gradient of packed: dh of each step's output, then dc_T); writes dXp [B·T, 4H] (dz of every
     * step, batch-major rows b·T + s), dh0 and dc0 [B, H] (the last dh_next and dc_next). The
     * recurrent kernel's gradient {@code hPrevᵀ·dXp} is left to the caller (one matmul). The default
     * ({@link ComposedLstmSequence}) runs the per-step primitives (bitwise {@code RecurrentOps}' own
     * loop); the cuda backend overrides it with a persistent kernel for small hidden sizes.
     *
     * @param gates the activated gates of every step, [T, B, 4H]
     * @param cs the cell states c_1 .. c_T, [T, B, H]
     * @param c0 the initial c, [B, H]
     * @param rk the recurrent kernel, [H, 4H]
     * @param dP the gradient of packed, [B, T+1, H]
     * @param dXp out: the gradient of the input projection, [B·T, 4H]
     * @param dh0 out: the gradient of the initial h, [B, H]
     * @param dc0 out: the gradient of the initial c, [B, H]
     * @param batch B
     * @param steps T
     * @param hidden H
     */
    default void lstmSequenceBackward(Storage gates, Storage cs, Storage c0, Storage rk, Storage dP, Storage dXp,
                                      Storage dh0, Storage dc0, long batch, long steps, long hidden) {
        ComposedLstmSequence.backward(this, gates, cs, c0, rk, dP, dXp, dh0, dc0, batch, steps, hidden);
    }

    /**
     * A whole LSTM sequence at inference, from the layer's input, keeping nothing for a backward
     * pass: for each batch row and step, {@code z = x_t·kernel + bias + h_{t−1}·rk} (Keras gates i, f,
     * c, o), then the cell of {@link #lstmCellForward}. The default ({@link ComposedLstmInference})
     * runs the per-step primitives of this backend in the order of the recorded path (the projection
     * of all steps as one product, then per step {@code (x_t·kernel + bias) + h·rk}); the cpu backend
     * overrides it with one native call for all steps, equal to the default up to rounding (the
     * summation order differs).
     *
     * @param x the input, [B, T, I] (batch-major)
     * @param kernel the input kernel, [I, 4H]
     * @param rk the recurrent kernel, [H, 4H]
     * @param bias the bias, [4H] (zeros for a layer without one)
     * @param h0 the initial h, [B, H]
     * @param c0 the initial c, [B, H]
     * @param y out: [B, T, H] (every h_t) when returnSequences, else [B, H] (h_T)
     * @param hT out: h_T, [B, H]
     * @param cT out: c_T, [B, H]
     * @param batch B
     * @param steps T, at least 1
     * @param input I
     * @param hidden H, at least 1
     * @param returnSequences whether y holds every step or only the last
     */
    default void lstmInference(Storage x, Storage kernel, Storage rk, Storage bias, Storage h0, Storage c0, Storage y,
                               Storage hT, Storage cT, long batch, long steps, long input, long hidden,
                               boolean returnSequences) {
        ComposedLstmInference.run(this, x, kernel, rk, bias, h0, c0, y, hT, cT, batch, steps, input, hidden,
                returnSequences);
    }

    /**
     * Whether this backend's {@link #lstmInference} is an inference kernel of its own, which an LSTM at
     * inference (no tape recording) runs even where the sequence kernel ({@link
     * Kernel#LSTM_SEQUENCE_FORWARD}) serves: that one is a training kernel, saving every step's gates for
     * the backward. The default is unavailable: {@link #lstmInference} is then the composition of
     * primitives, and the sequence kernel runs instead where it serves ({@link
     * KernelDispatch#lstmSequenceAtInference}).
     *
     * @param dtype the dtype of the call
     * @param geom the batch, step and hidden sizes of the call
     * @return available, or unavailable with the reason
     */
    default Capability lstmInferenceKernel(DType dtype, SequenceGeometry geom) {
        return Capability.unavailable(name() + " backend has no lstmInference kernel of its own");
    }

    /**
     * The forward of a whole GRU sequence (Keras reset_after, gates z, r, h): for each batch row b and
     * step t, {@code hz = h_t·rk + rb}, the cell of {@link #gruCellForward} with {@code xz = xp[b·T + t]},
     * {@code h_{t+1}}. xp [B·T, 3H] (batch-major rows: the input projection with the input bias), rk
     * [H, 3H], rb [3H] (the recurrent bias), h0 [B, H]; writes packed [B, T, H] (h_1 .. h_T), hPrev
     * [B, T, H] (h_0 .. h_{T−1}), gates [T, B, 3H] and hz [T, B, 3H] (what the backward needs). The
     * default ({@link ComposedGruSequence}) runs the per-step primitives (bitwise {@code RecurrentOps}'
     * own loop); the cuda backend overrides it with a persistent kernel for small hidden sizes.
     *
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
    default void gruSequenceForward(Storage xp, Storage rk, Storage rb, Storage h0, Storage packed, Storage hPrev,
                                    Storage gates, Storage hz, long batch, long steps, long hidden) {
        ComposedGruSequence.forward(this, xp, rk, rb, h0, packed, hPrev, gates, hz, batch, steps, hidden);
    }

    /**
     * The backward through time of a whole GRU sequence, from what {@link #gruSequenceForward} saved:
     * for s = T−1 .. 0, {@code dh = dP[:, s] + dh_next}, the cell backward of {@link
     * #gruCellBackward} (dxz_s, dhz_s, dhPrev), {@code dh_next = dhz_s·rkᵀ + dhPrev}. Writes dXp and
     * dHz [B·T, 3H] (batch-major rows b·T + s) and dh0 [B, H]; the recurrent kernel's and bias's
     * gradients ({@code hPrevᵀ·dHz}, column sums of dHz) are left to the caller. The default ({@link
     * ComposedGruSequence}) runs the per-step primitives; the cuda backend overrides it with a
     * persistent kernel for small hidden sizes.
     *
     * @param gates the forward's gates, [T, B, 3H]
     * @param hz the forward's recurrent pre-activations, [T, B, 3H]
     * @param hPrev h_0 .. h_{T−1}, [B, T, H]
     * @param rk the recurrent kernel, [H, 3H]
     * @param dP the gradient of packed, [B, T, H]
     * @param dXp out: the gradient of the input projection, [B·T, 3H]
     * @param dHz out: the gradient of hz, [B·T, 3H]
     * @param dh0 out: the gradient of the initial h, [B, H]
     * @param batch B
     * @param steps T
     * @param hidden H
     */
    default void gruSequenceBackward(Storage gates, Storage hz, Storage hPrev, Storage rk, Storage dP, Storage dXp,
                                     Storage dHz, Storage dh0, long batch, long steps, long hidden) {
        ComposedGruSequence.backward(this, gates, hz, hPrev, rk, dP, dXp, dHz, dh0, batch, steps, hidden);
    }

    // ---- losses --------------------------------------------------------------------------------

    /**
     * Softmax cross-entropy with its gradient, over rows of float logits z [rows, classes] and
     * targets y [rows, classes] (probabilities, one-hot or soft; same dtype):
     * <pre>
     *   loss[r]       = −Σ_c y[r,c]·logSoftmax(z[r])_c
     *   dlogits[r,c]  = ∂loss[r]/∂z[r,c] = softmax(z[r])_c·Σ_c' y[r,c'] − y[r,c]
     * </pre>
     * loss [rows] and dlogits [rows, classes] (the logits' dtype) are overwritten; dlogits may be
     * null when only the loss is wanted. The default ({@link ComposedSoftmaxCrossEntropy}) runs
     * the primitives the tensor-level {@code −Σ y·logSoftmax(z)} and its tape gradient (for a unit
     * upstream gradient) run, so it is bitwise that composition; backends override it with one
     * pass over each row.
     *
     * @param logits z, [rows, classes]
     * @param labels y, [rows, classes]
     * @param loss the per-row loss, [rows]
     * @param dlogits the gradient of each row's loss, [rows, classes], or null
     * @param rows the number of rows
     * @param classes the number of classes (at least 1)
     */
    default void softmaxCrossEntropy(Storage logits, Storage labels, Storage loss, Storage dlogits, long rows,
                                     long classes) {
        ComposedSoftmaxCrossEntropy.run(this, logits, labels, loss, dlogits, rows, classes);
    }

    /**
     * Max pooling: {@code out[b,oh,ow,c] = max} over the real (non-padding) elements of the window
     * (see {@link PoolGeometry}); NaN propagates. out [B,H',W',C] is overwritten.
     */
    default void maxPool2dForward(Storage x, Storage out, PoolGeometry geom) {
        ComposedPool.maxForward(this, x, out, geom);
    }

    /**
     * Gradient of max pooling: each dy[b,oh,ow,c] is added to dx at the position of its window's
     * maximum, recomputed from x (the first maximum in row-major window order on ties; the first
     * NaN if any). dx [B,H,W,C] is overwritten. Deterministic.
     */
    default void maxPool2dBackward(Storage x, Storage dy, Storage dx, PoolGeometry geom) {
        ComposedPool.maxBackward(this, x, dy, dx, geom);
    }

    /**
     * Average pooling: {@code out[b,oh,ow,c] = (Σ real window elements) / (count of real window
     * elements)} (padding is excluded from the count, as TensorFlow's "same"). out is overwritten.
     */
    default void avgPool2dForward(Storage x, Storage out, PoolGeometry geom) {
        ComposedPool.avgForward(this, x, out, geom);
    }

    /**
     * Gradient of average pooling: every real element of the window of (b,oh,ow,c) receives
     * dy[b,oh,ow,c] / count. dx [B,H,W,C] is overwritten. Deterministic.
     */
    default void avgPool2dBackward(Storage dy, Storage dx, PoolGeometry geom) {
        ComposedPool.avgBackward(this, dy, dx, geom);
    }

    // ---- recurrent cells (fused; float32 and float64) ------------------------------------------

    /**
     * Fused LSTM cell, Keras gate order i, f, c, o. Per row b &lt; batch and unit j &lt; hidden, with
     * {@code z} [batch, 4·hidden] holding the pre-activations (columns [0,H) input gate, [H,2H)
     * forget gate, [2H,3H) cell candidate, [3H,4H) output gate):
     * <pre>
     * i = σ(z_i), f = σ(z_f), g = tanh(z_c), o = σ(z_o)
     * c = f ⊙ cPrev + i ⊙ g          (c, cPrev [batch, hidden])
     * h = o ⊙ tanh(c)               (h [batch, hidden])
     * gates = [i, f, g, o]          ([batch, 4·hidden], the activated gates, saved for backward)
     * </pre>
     * σ is computed without overflow for any |z|. All storages share one float dtype; h, c and
     * gates are outputs and alias nothing.
     */
    default void lstmCellForward(Storage z, Storage cPrev, Storage h, Storage c, Storage gates,
                                 long batch, long hidden) {
        ComposedCells.lstmForward(this, z, cPrev, h, c, gates, batch, hidden);
    }

    /**
     * Backward of {@link #lstmCellForward}: given the saved {@code gates} [batch, 4H] (i, f, g, o),
     * {@code cPrev} and {@code c} [batch, H], the upstream gradients {@code dh} = dL/dh and
     * {@code dc} = dL/dc [batch, H] (dc is the gradient reaching c from elsewhere, e.g. the next
     * step; zeros when none), writes with tc = tanh(c):
     * <pre>
     * dcTotal = dc + dh ⊙ o ⊙ (1 − tc²)
     * dz_i = dcTotal ⊙ g ⊙ i(1 − i)      dz_f = dcTotal ⊙ cPrev ⊙ f(1 − f)
     * dz_c = dcTotal ⊙ i ⊙ (1 − g²)      dz_o = dh ⊙ tc ⊙ o(1 − o)
     * dcPrev = dcTotal ⊙ f
     * </pre>
     * into {@code dz} [batch, 4H] (same gate layout as z) and {@code dcPrev} [batch, H].
     */
    default void lstmCellBackward(Storage gates, Storage cPrev, Storage c, Storage dh, Storage dc,
                                  Storage dz, Storage dcPrev, long batch, long hidden) {
        ComposedCells.lstmBackward(this, gates, cPrev, c, dh, dc, dz, dcPrev, batch, hidden);
    }

    /**
     * Fused GRU cell, Keras reset_after=true, gate order z, r, h. With {@code xz} = x·kernel + b_in
     * and {@code hz} = hPrev·recurrent_kernel + b_rec, both [batch, 3H] (columns [0,H) update gate,
     * [H,2H) reset gate, [2H,3H) candidate):
     * <pre>
     * z = σ(xz_z + hz_z), r = σ(xz_r + hz_r), ĥ = tanh(xz_h + r ⊙ hz_h)
     * h = z ⊙ hPrev + (1 − z) ⊙ ĥ        (h, hPrev [batch, H])
     * gates = [z, r, ĥ]                  ([batch, 3H], saved for backward)
     * </pre>
     */
    default void gruCellForward(Storage xz, Storage hz, Storage hPrev, Storage h, Storage gates,
                                long batch, long hidden) {
        ComposedCells.gruForward(this, xz, hz, hPrev, h, gates, batch, hidden);
    }

    /**
     * Backward of {@link #gruCellForward}: given the saved {@code gates} (z, r, ĥ), {@code hz},
     * {@code hPrev} and {@code dh} = dL/dh, writes
     * <pre>
     * da = dh ⊙ (1 − z) ⊙ (1 − ĥ²)               (gradient at the candidate's pre-activation)
     * dzz = dh ⊙ (hPrev − ĥ) ⊙ z(1 − z)
     * dzr = da ⊙ hz_h ⊙ r(1 − r)
     * dxz = [dzz, dzr, da]        dhz = [dzz, dzr, da ⊙ r]        dhPrev = dh ⊙ z
     * </pre>
     * into {@code dxz}, {@code dhz} [batch, 3H] and {@code dhPrev} [batch, H].
     */
    default void gruCellBackward(Storage gates, Storage hz, Storage hPrev, Storage dh,
                                 Storage dxz, Storage dhz, Storage dhPrev, long batch, long hidden) {
        ComposedCells.gruBackward(this, gates, hz, hPrev, dh, dxz, dhz, dhPrev, batch, hidden);
    }
}
