package dev.lamina.optim;

import dev.lamina.autograd.GradientTape;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;

/** Gradient clipping by value, by norm and by global norm (Keras semantics). */
public final class Clipping {
    private Clipping() {
    }

    /**
     * Returns the clipped gradients: an element is the input itself when nothing changed,
     * else a new tensor the caller closes. NaN limits mean "off". Temporaries are freed here.
     */
    public static Tensor[] clip(Tensor[] grads, double clipValue, double clipNorm, double globalClipNorm) {
        return GradientTape.noGrad(() -> {
            try (Scope scope = Scope.open()) {
                Tensor[] out = clipScoped(grads, clipValue, clipNorm, globalClipNorm);
                for (int i = 0; i < out.length; i++) {
                    if (out[i] != null && out[i] != grads[i]) {
                        scope.keep(out[i]);
                    }
                }
                return out;
            }
        });
    }

    private static Tensor[] clipScoped(Tensor[] grads, double clipValue, double clipNorm, double globalClipNorm) {
        Tensor[] out = grads.clone();
        if (!Double.isNaN(clipValue)) {
            for (int i = 0; i < out.length; i++) {
                if (out[i] != null) {
                    out[i] = replace(out[i], grads[i], out[i].clip(-clipValue, clipValue));
                }
            }
        }
        if (!Double.isNaN(clipNorm)) {
            for (int i = 0; i < out.length; i++) {
                if (out[i] != null) {
                    double norm = l2(out[i]);
                    if (norm > clipNorm) {
                        out[i] = replace(out[i], grads[i], out[i].mul(clipNorm / norm));
                    }
                }
            }
        }
        if (!Double.isNaN(globalClipNorm)) {
            double sq = 0;
            for (Tensor t : out) {
                if (t != null) {
                    double n = l2(t);
                    sq += n * n;
                }
            }
            double global = Math.sqrt(sq);
            if (global > globalClipNorm) {
                for (int i = 0; i < out.length; i++) {
                    if (out[i] != null) {
                        out[i] = replace(out[i], grads[i], out[i].mul(globalClipNorm / global));
                    }
                }
            }
        }
        return out;
    }

    private static Tensor replace(Tensor current, Tensor original, Tensor next) {
        if (current != original) {
            current.close();
        }
        return next;
    }

    /** The L2 norm of a tensor, accumulated in double. */
    public static double l2(Tensor t) {
        try (Tensor sq = t.square(); Tensor s = sq.sum()) {
            return Math.sqrt(s.item());
        }
    }
}
