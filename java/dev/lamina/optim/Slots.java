package dev.lamina.optim;

import dev.lamina.autograd.GradientTape;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tensor.Variable;

/** Helpers for optimizer state: slot variables and scoped, tape-free update bodies. */
final class Slots {
    private Slots() {
    }

    /** A non-trainable variable shaped like {@code v}, on v's backend, filled with {@code value}. */
    static Variable like(Variable v, String slot, double value) {
        try (Scope s = Scope.open()) {
            Tensor init = Tensor.zerosLike(v);
            Tensor filled = value == 0.0 ? init : init.add(value);
            return new Variable(filled, v.name() + "/" + slot, false);
        }
    }

    /** Runs an update body without recording on any tape, freeing its temporaries afterwards. */
    static void run(Runnable body) {
        GradientTape.noGrad(() -> {
            try (Scope s = Scope.open()) {
                body.run();
            }
            return null;
        });
    }

    static void requireNonNegative(String who, String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(who + ": " + what + " must be a finite number >= 0, got " + v);
        }
    }

    static void requirePositive(String who, String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(who + ": " + what + " must be a finite number > 0, got " + v);
        }
    }

    static void requireUnitInterval(String who, String what, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(who + ": " + what + " must be in [0, 1), got " + v);
        }
    }
}
