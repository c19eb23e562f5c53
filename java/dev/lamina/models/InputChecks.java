package dev.lamina.models;

import dev.lamina.autograd.GradientTape;
import dev.lamina.losses.Loss;
import dev.lamina.nn.Layer;
import dev.lamina.types.DType;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Shapes;
import dev.lamina.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * The checks {@link Model#fit}, {@link Model#evaluate} and {@link Model#predict} run before any
 * batch: input count, sample counts, backends, NaN, and one sample through the model so that a
 * shape error names the model and the shapes before training starts.
 */
final class InputChecks {
    private InputChecks() {
    }

    /** Checks the inputs of {@code model}; returns the sample count. */
    static int checkInputs(Model model, String op, Tensor[] x) {
        String name = model.name();
        if (x == null || x.length != model.inputCount()) {
            throw new IllegalArgumentException(op + ": model " + name + " takes " + model.inputCount() + " input(s), got "
                    + (x == null ? 0 : x.length));
        }
        long n = -1;
        for (int i = 0; i < x.length; i++) {
            Tensor t = x[i];
            if (t == null) {
                throw new IllegalArgumentException(op + ": input " + i + " is null");
            }
            if (t.rank() < 1) {
                throw new IllegalArgumentException(op + ": input " + i + " must have a sample axis, got a scalar");
            }
            if (n >= 0 && t.dim(0) != n) {
                throw new IllegalArgumentException(op + ": inputs have different sample counts (" + n + " and " + t.dim(0) + ")");
            }
            n = t.dim(0);
            if (t.backend() != x[0].backend()) {
                throw new IllegalArgumentException(op + ": inputs on different backends");
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException(op + ": no samples (input has shape " + Shapes.str(x[0].shape()) + ")");
        }
        for (int i = 0; i < x.length; i++) {
            checkFinite(op, "x" + (x.length > 1 ? "[" + i + "]" : ""), x[i]);
        }
        // one sample through the model in inference mode: builds it and surfaces shape errors now;
        // skipped when these per-sample shapes already passed on this model (a batch-1 predict would
        // otherwise run the model twice)
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": too many samples: " + n);
        }
        String signature = probeSignature(model, x);
        if (signature.equals(PROBED.get(model))) {
            return (int) n;
        }
        if (stateful(model)) {
            // a one-sample call would advance a stateful layer's states and fix its batch size at 1;
            // recorded, so that the layers' configs are walked once per signature, not on every call
            PROBED.put(model, signature);
            return (int) n;
        }
        try (Scope s = Scope.open()) {
            Tensor[] first = firstSample(x);
            GradientTape.noGrad(() -> model.callOutputs(first, false));
        } catch (IllegalArgumentException e) {
            StringBuilder shapes = new StringBuilder();
            for (int i = 0; i < x.length; i++) {
                shapes.append(i == 0 ? "" : ", ").append(Shapes.str(x[i].shape()));
            }
            throw new IllegalArgumentException(op + ": input" + (x.length > 1 ? "s " : " ") + shapes + " do"
                    + (x.length > 1 ? "" : "es") + " not fit model " + name + ": " + e.getMessage(), e);
        }
        PROBED.put(model, signature);
        return (int) n;
    }

    /** Whether a layer of the model (or one it wraps) keeps states between calls (config "stateful": true). */
    private static boolean stateful(Model model) {
        for (dev.lamina.nn.Layer l : model.layers()) {
            if (hasStateful(l.config())) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasStateful(Object config) {
        if (config instanceof java.util.Map<?, ?> m) {
            if (Boolean.TRUE.equals(m.get("stateful"))) {
                return true;
            }
            for (Object v : m.values()) {
                if (hasStateful(v)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The per-sample input shapes, dtypes and backend last cleared on each model: a probe that passed,
     * or a stateful model (never probed).
     */
    private static final java.util.Map<Model, String> PROBED =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** Per-sample shapes, dtypes and backend of x, and the model's layer count (a Sequential can grow). */
    private static String probeSignature(Model model, Tensor[] x) {
        StringBuilder b = new StringBuilder().append(model.layers().size()).append(x[0].backend().name());
        for (Tensor t : x) {
            b.append('|').append(t.dtype());
            for (int d = 1; d < t.rank(); d++) {
                b.append(',').append(t.dim(d));
            }
        }
        return b.toString();
    }

    /**
     * Checks inputs and targets of {@code model} (one target per output, null only where the
     * output has no loss) and, when compiled, each target against its loss; returns the sample count.
     */
    static int checkData(Model model, String op, Tensor[] x, Tensor[] ys) {
        int n = checkInputs(model, op, x);
        int outs = model.outputCount();
        if (ys == null || (outs == 1 && ys.length == 1 && ys[0] == null)) {
            throw new IllegalArgumentException(op + ": targets y are required");
        }
        if (ys.length != outs) {
            throw new IllegalArgumentException(op + ": model " + model.name() + " has " + outs + " output(s) "
                    + model.outputNames() + ", got " + ys.length + " target(s)");
        }
        try (Scope s = Scope.open()) {
            Tensor[] preds = null;
            for (int k = 0; k < outs; k++) {
                Tensor y = ys[k];
                String yName = outs == 1 ? "y" : "y[" + model.outputNames().get(k) + "]";
                boolean hasLoss = model.isCompiled() && model.lossOf(k) != null;
                if (y == null) {
                    if (hasLoss || !model.isCompiled()) {
                        throw new IllegalArgumentException(op + ": targets " + yName + " are required");
                    }
                    continue;
                }
                if (y.rank() < 1 || y.dim(0) != n) {
                    throw new IllegalArgumentException(op + ": x has " + n + " samples but " + yName + " has "
                            + (y.rank() < 1 ? "none (a scalar)" : y.dim(0)) + " (" + yName + " shape " + Shapes.str(y.shape()) + ")");
                }
                if (y.backend() != x[0].backend()) {
                    throw new IllegalArgumentException(op + ": x is on backend " + x[0].backend().name() + " but " + yName + " on "
                            + y.backend().name());
                }
                checkFinite(op, yName, y);
                Loss loss = hasLoss ? model.lossOf(k) : null;
                if (loss == null) {
                    continue;
                }
                if (preds == null) {
                    Tensor[] first = firstSample(x);
                    preds = GradientTape.noGrad(() -> model.callOutputs(first, false));
                }
                Tensor pred = preds[k];
                Tensor y1 = y.slice(0, 0, 1);
                try {
                    GradientTape.noGrad(() -> loss.compute(y1, pred));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(op + ": targets " + (outs == 1 ? "" : yName + " ") + "of shape "
                            + Shapes.str(y.shape()) + " do not fit the model's output " + Layer.shapeStr(withBatch(pred.shape()))
                            + " for loss " + loss.name() + ": " + e.getMessage(), e);
                }
            }
        }
        return n;
    }

    private static Tensor[] firstSample(Tensor[] x) {
        Tensor[] first = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            first[i] = x[i].slice(0, 0, 1);
        }
        return first;
    }

    static long[] withBatch(long[] s) {
        long[] r = s.clone();
        if (r.length > 0) {
            r[0] = -1;
        }
        return r;
    }

    /** A NaN in a floating tensor is an IllegalArgumentException naming the count and the first sample. */
    static void checkFinite(String op, String what, Tensor t) {
        if (!t.dtype().isFloating()) {
            return;
        }
        try (Scope s = Scope.open()) {
            // one pass first: a NaN makes the sum NaN (so can inf − inf, which the count then clears)
            if (t.numel() == 0 || !Double.isNaN(t.sum().item())) {
                return;
            }
            Tensor nan = t.ne(t);
            long count = nan.cast(DType.INT64).sum().toLongArray()[0];
            if (count > 0) {
                boolean[] flags = nan.reshape(t.dim(0), -1).toBooleanArray();
                long perSample = t.numel() / t.dim(0);
                long first = 0;
                for (int i = 0; i < flags.length; i++) {
                    if (flags[i]) {
                        first = i / perSample;
                        break;
                    }
                }
                throw new IllegalArgumentException(op + ": " + what + " contains " + count + " NaN value(s), the first in sample "
                        + first);
            }
        }
    }

    /** The values of {@code m} in {@code names} order; an unknown key is an error, a missing one null. */
    static Tensor[] byName(Model model, String op, String what, Map<String, Tensor> m, List<String> names) {
        if (m == null) {
            throw new IllegalArgumentException(op + ": the " + what + " map is null");
        }
        for (String k : m.keySet()) {
            if (!names.contains(k)) {
                throw new IllegalArgumentException(op + ": model " + model.name() + " has no " + what + " named '" + k + "' ("
                        + what + "s: " + names + ")");
            }
        }
        Tensor[] out = new Tensor[names.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = m.get(names.get(i));
        }
        return out;
    }
}
