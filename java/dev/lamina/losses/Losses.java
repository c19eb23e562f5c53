package dev.lamina.losses;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Factories for the built-in losses and lookup by Keras name.
 *
 * <p>Names ({@link #get}): {@code mean_squared_error} (alias {@code mse}),
 * {@code mean_absolute_error} ({@code mae}), {@code huber} ({@code huber_loss}),
 * {@code binary_crossentropy}, {@code categorical_crossentropy},
 * {@code sparse_categorical_crossentropy}; each with Keras's defaults (probabilities, not logits;
 * Huber delta 1.0).
 */
public final class Losses {
    /** The canonical names {@link #get} knows, aliases aside. */
    public static final List<String> NAMES = List.of("mean_squared_error", "mean_absolute_error", "huber",
            "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy");

    private Losses() {
    }

    public static MeanSquaredError meanSquaredError() {
        return new MeanSquaredError();
    }

    public static MeanAbsoluteError meanAbsoluteError() {
        return new MeanAbsoluteError();
    }

    public static Huber huber(double delta) {
        return new Huber(delta);
    }

    public static BinaryCrossentropy binaryCrossentropy(boolean fromLogits) {
        return new BinaryCrossentropy(fromLogits);
    }

    public static CategoricalCrossentropy categoricalCrossentropy(boolean fromLogits) {
        return new CategoricalCrossentropy(fromLogits);
    }

    public static SparseCategoricalCrossentropy sparseCategoricalCrossentropy(boolean fromLogits) {
        return new SparseCategoricalCrossentropy(fromLogits);
    }

    /** A loss by Keras name or alias, with Keras's default arguments (case-insensitive). */
    public static Loss get(String name) {
        if (name == null) {
            throw new IllegalArgumentException("Losses.get: name is null; known losses: " + known());
        }
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "mean_squared_error":
            case "mse":
                return new MeanSquaredError();
            case "mean_absolute_error":
            case "mae":
                return new MeanAbsoluteError();
            case "huber":
            case "huber_loss":
                return new Huber();
            case "binary_crossentropy":
                return new BinaryCrossentropy();
            case "categorical_crossentropy":
                return new CategoricalCrossentropy();
            case "sparse_categorical_crossentropy":
                return new SparseCategoricalCrossentropy();
            default:
                throw new IllegalArgumentException("Losses.get: unknown loss '" + name + "'; known losses: " + known());
        }
    }

    /**
     * A loss from its name and {@link Loss#config()} (as saved): {@code from_logits} and
     * {@code delta} are read where the loss has them; other keys are ignored.
     */
    public static Loss fromConfig(String name, Map<String, Object> config) {
        Loss base = get(name);
        if (base instanceof Huber) {
            Object d = config.get("delta");
            return d == null ? base : new Huber(number("delta", d));
        }
        Object fl = config.get("from_logits");
        if (fl == null) {
            return base;
        }
        if (!(fl instanceof Boolean)) {
            throw new IllegalArgumentException("Losses.fromConfig(" + name + "): from_logits must be a boolean, got " + fl);
        }
        boolean logits = (Boolean) fl;
        if (base instanceof BinaryCrossentropy) {
            return new BinaryCrossentropy(logits);
        }
        if (base instanceof CategoricalCrossentropy) {
            return new CategoricalCrossentropy(logits);
        }
        if (base instanceof SparseCategoricalCrossentropy) {
            return new SparseCategoricalCrossentropy(logits);
        }
        return base;
    }

    private static double number(String key, Object v) {
        if (!(v instanceof Number)) {
            throw new IllegalArgumentException("Losses.fromConfig: " + key + " must be a number, got " + v);
        }
        return ((Number) v).doubleValue();
    }

    private static String known() {
        return "mean_squared_error (mse), mean_absolute_error (mae), huber (huber_loss), binary_crossentropy, "
                + "categorical_crossentropy, sparse_categorical_crossentropy";
    }
}
