package dev.lamina.tensor;

import java.util.Arrays;

/**
 * A mutable tensor for model parameters, as {@code tf.Variable}: its values change in place with
 * {@link #assign}, {@link #assignAdd} and {@link #assignSub}, keeping shape and dtype.
 *
 * <p>Variables are not owned by {@link Scope}s: they live until {@link #close()}d. Trainable
 * variables are watched by {@link dev.lamina.autograd.GradientTape}s automatically.
 */
public final class Variable extends Tensor {
    private final String name;
    private final boolean trainable;

    /** A trainable variable holding a copy of {@code initial}. */
    public Variable(Tensor initial) {
        this(initial, "Variable", true);
    }

    /** A variable holding a copy of {@code initial}. */
    public Variable(Tensor initial, String name, boolean trainable) {
        super(copyStorage(initial), initial.shape(), false);
        this.name = name;
        this.trainable = trainable;
    }

    private static dev.lamina.backend.Storage copyStorage(Tensor t) {
        t.checkOpen("Variable");
        dev.lamina.backend.Storage s = t.backend().allocate(t.dtype(), t.numel());
        copyInto(t, s);
        return s;
    }

    private static void copyInto(Tensor src, dev.lamina.backend.Storage dst) {
        long[] shape = src.shape();
        if (src.numel() > 0) {
            long[] strides = Shapes.strides(shape);
            src.backend().copyStrided(src.storage(), 0, strides, dst, 0, strides, shape);
        }
    }

    public String name() {
        return name;
    }

    public boolean trainable() {
        return trainable;
    }

    /** Overwrites the values with {@code value} (same shape, dtype and backend); returns this. */
    public Variable assign(Tensor value) {
        check("assign", this, value);
        if (value.dtype() != dtype() || !Arrays.equals(value.shape(), shape())) {
            throw new IllegalArgumentException("assign: variable '" + name + "' is " + dtype() + " " + Shapes.str(shape())
                    + ", value is " + value.dtype() + " " + Shapes.str(value.shape()));
        }
        if (value.storage() != storage()) {
            copyInto(value, storage());
        }
        return this;
    }

    /** this += delta (delta broadcast to this shape); returns this. */
    public Variable assignAdd(Tensor delta) {
        return update(delta, true);
    }

    /** this -= delta (delta broadcast to this shape); returns this. */
    public Variable assignSub(Tensor delta) {
        return update(delta, false);
    }

    private Variable update(Tensor delta, boolean add) {
        String op = add ? "assignAdd" : "assignSub";
        check(op, this, delta);
        long[] b = Shapes.broadcast(op, shape(), delta.shape());
        if (!Arrays.equals(b, shape())) {
            throw new IllegalArgumentException(op + ": delta " + Shapes.str(delta.shape()) + " does not broadcast to variable '"
                    + name + "' " + Shapes.str(shape()));
        }
        Tensor r = Tape.noGrad(() -> add ? view().add(delta) : view().sub(delta));
        copyInto(r, storage());
        r.close();
        return this;
    }

    @Override
    public String toString() {
        return "Variable '" + name + "' " + super.toString();
    }
}
