package dev.lamina.tensor;

import dev.lamina.backend.Backend;
import dev.lamina.backend.KernelDispatch;
import dev.lamina.types.DType;
import java.util.Arrays;

/**
 * Fused loss ops: softmax cross-entropy with its gradient computed in the same pass (the
 * backend's optional {@link Backend#softmaxCrossEntropy} kernel). Where the backend has no such
 * kernel the op is the tensor-level composition {@code −Σ_c y·logSoftmax(z)} with the tape's own
 * gradient, exactly as the losses computed it before the kernel existed (so those backends'
 * results are bitwise unchanged), and the reason is logged once.
 */
public final class LossOps {
    private LossOps() {
    }

    /**
     * {@code ids.oneHot(classes, outType)} for a loss's integer targets, every argument error's
     * message (an id outside [0, classes) among them) prefixed by {@code context}. The range check
     * of the ids stays in a traced step as a host check that every replay reruns, so the error a
     * replay raises is the eager one, prefix included.
     *
     * @param ids int32 or int64 class ids
     * @param classes the number of classes (the one-hot depth)
     * @param outType the dtype of the one-hot tensor
     * @param context the start of every error message (e.g. the loss and the shapes it got)
     * @return the one-hot tensor of shape {@code ids.shape + [classes]}
     */
    public static Tensor oneHotTargets(Tensor ids, long classes, DType outType, String context) {
        return ShapeOps.oneHot(ids, classes, outType, java.util.Objects.requireNonNull(context, "context"));
    }

    /**
     * Softmax cross-entropy over the last axis: {@code loss = −Σ_c labels_c·logSoftmax(logits)_c},
     * of shape {@code logits.shape[:-1]}. Differentiable with respect to both inputs: {@code
     * ∂/∂logits = g·(softmax(logits)·Σ_c labels_c − labels)} (precomputed by the fused kernel) and
     * {@code ∂/∂labels = −g·logSoftmax(logits)}.
     *
     * @param logits float logits z, rank at least 1, last axis the classes (at least one)
     * @param labels targets y (probabilities: one-hot or soft) of the logits' shape, dtype and backend
     * @return the per-row losses
     */
    public static Tensor softmaxCrossEntropy(Tensor logits, Tensor labels) {
        String op = "softmaxCrossEntropy";
        Tensor.check(op, logits, labels);
        DType dt = logits.dtype();
        if (!dt.isFloating() || labels.dtype() != dt) {
            throw new IllegalArgumentException(op + ": needs float logits and labels of one dtype, got " + dt + " and "
                    + labels.dtype());
        }
        long[] shape = logits.shape();
        if (shape.length == 0 || shape[shape.length - 1] < 1 || !Arrays.equals(shape, labels.shape())) {
            throw new IllegalArgumentException(op + ": needs logits and labels of one shape [..., C] with C >= 1, got "
                    + Shapes.str(shape) + " and " + Shapes.str(labels.shape()));
        }
        Backend be = logits.backend();
        if (!KernelDispatch.softmaxCrossEntropyFused(be, dt)) {
            return labels.mul(logits.logSoftmax(-1)).sum(-1).neg();
        }
        long classes = shape[shape.length - 1];
        long rows = logits.numel() / classes;
        long[] rowShape = Arrays.copyOf(shape, shape.length - 1);
        boolean grad = Tape.isRecording();
        Tensor loss = Tensor.uninitialized(op, be, dt, rowShape);
        Tensor dlogits = grad ? Tensor.uninitialized(op, be, dt, shape) : null;
        try {
            KernelDispatch.softmaxCrossEntropy(be, logits.storage(), labels.storage(), loss.storage(),
                    dlogits == null ? null : dlogits.storage(), rows, classes);
        } catch (RuntimeException | Error e) {
            loss.close();
            if (dlogits != null) {
                dlogits.close();
            }
            throw e;
        }
        if (grad) {
            long[] kept = Arrays.copyOf(shape, shape.length);
            kept[shape.length - 1] = 1;
            Tape.record(op, loss, Gradients.softmaxCrossEntropy(logits, labels, dlogits, kept), logits, labels);
        }
        return loss;
    }
}
