package dev.lamina.metrics;

import java.util.Locale;

/**
 * Metrics by their Keras names, for {@code compile}. The metric's {@link Metric#name()} — its key
 * in logs and History — is the identifier given, as in Keras ({@code get("mae")} logs as
 * {@code mae}, {@code get("mean_absolute_error")} as {@code mean_absolute_error}).
 *
 * <table>
 * <caption>Identifiers</caption>
 * <tr><th>identifier</th><th>metric</th></tr>
 * <tr><td>binary_accuracy</td><td>{@link BinaryAccuracy} (threshold 0.5)</td></tr>
 * <tr><td>categorical_accuracy</td><td>{@link CategoricalAccuracy}</td></tr>
 * <tr><td>sparse_categorical_accuracy</td><td>{@link SparseCategoricalAccuracy}</td></tr>
 * <tr><td>precision, recall, f1_score</td><td>{@link Precision}, {@link Recall}, {@link F1Score}</td></tr>
 * <tr><td>auc</td><td>{@link AUC} (exact ROC AUC)</td></tr>
 * <tr><td>mse, mean_squared_error</td><td>{@link MeanSquaredError}</td></tr>
 * <tr><td>rmse, root_mean_squared_error</td><td>{@link RootMeanSquaredError}</td></tr>
 * <tr><td>mae, mean_absolute_error</td><td>{@link MeanAbsoluteError}</td></tr>
 * <tr><td>r2, r2_score</td><td>{@link R2Score}</td></tr>
 * <tr><td>mape, mean_absolute_percentage_error</td><td>{@link MeanAbsolutePercentageError}</td></tr>
 * </table>
 * Keras class names (BinaryAccuracy, MeanSquaredError, ...) are accepted too. {@code accuracy}
 * (or {@code acc}) depends on the loss: use {@link #accuracyFor(String)}.
 */
public final class Metrics {
    private Metrics() {
    }

    /** A new metric for a Keras identifier, named by that identifier. */
    public static Metric get(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("Metrics.get: metric name must be a non-empty string");
        }
        switch (key(name)) {
            case "binaryaccuracy":
                return new BinaryAccuracy(name);
            case "categoricalaccuracy":
                return new CategoricalAccuracy(name);
            case "sparsecategoricalaccuracy":
                return new SparseCategoricalAccuracy(name);
            case "precision":
                return new Precision(name);
            case "recall":
                return new Recall(name);
            case "f1score":
                return new F1Score(name);
            case "auc":
                return new AUC(name);
            case "mse":
            case "meansquarederror":
                return new MeanSquaredError(name);
            case "rmse":
            case "rootmeansquarederror":
                return new RootMeanSquaredError(name);
            case "mae":
            case "meanabsoluteerror":
                return new MeanAbsoluteError(name);
            case "r2":
            case "r2score":
                return new R2Score(name);
            case "mape":
            case "meanabsolutepercentageerror":
                return new MeanAbsolutePercentageError(name);
            case "accuracy":
            case "acc":
                throw new IllegalArgumentException("Metrics.get: '" + name + "' depends on the loss (binary, categorical or "
                        + "sparse categorical); use Metrics.accuracyFor(lossName) or name the accuracy explicitly");
            default:
                throw new IllegalArgumentException("Metrics.get: unknown metric '" + name + "'; known: binary_accuracy, "
                        + "categorical_accuracy, sparse_categorical_accuracy, precision, recall, f1_score, auc, "
                        + "mse/mean_squared_error, rmse/root_mean_squared_error, mae/mean_absolute_error, r2/r2_score, "
                        + "mape/mean_absolute_percentage_error (accuracy: Metrics.accuracyFor(lossName))");
        }
    }

    /**
     * The metric Keras compiles for {@code "accuracy"} with a given loss, named {@code accuracy}:
     * binary_crossentropy (and binary_focal_crossentropy, hinge, squared_hinge) → {@link BinaryAccuracy};
     * categorical_crossentropy (and categorical_focal_crossentropy, categorical_hinge,
     * kl_divergence) → {@link CategoricalAccuracy}; sparse_categorical_crossentropy →
     * {@link SparseCategoricalAccuracy}. Keras class names of the losses work too. Other losses
     * (e.g. mse) are ambiguous without the output shape: an IllegalArgumentException says so.
     */
    public static Metric accuracyFor(String lossName) {
        if (lossName == null || lossName.isEmpty()) {
            throw new IllegalArgumentException("Metrics.accuracyFor: loss name must be a non-empty string");
        }
        switch (key(lossName)) {
            case "binarycrossentropy":
            case "binaryfocalcrossentropy":
            case "hinge":
            case "squaredhinge":
                return new BinaryAccuracy("accuracy");
            case "categoricalcrossentropy":
            case "categoricalfocalcrossentropy":
            case "categoricalhinge":
            case "kldivergence":
            case "kld":
            case "kullbackleiblerdivergence":
                return new CategoricalAccuracy("accuracy");
            case "sparsecategoricalcrossentropy":
                return new SparseCategoricalAccuracy("accuracy");
            default:
                throw new IllegalArgumentException("Metrics.accuracyFor: cannot tell which accuracy fits loss '" + lossName
                        + "' (known: binary_crossentropy → binary_accuracy, categorical_crossentropy → categorical_accuracy, "
                        + "sparse_categorical_crossentropy → sparse_categorical_accuracy); name the accuracy explicitly");
        }
    }

    /** Case- and underscore-insensitive key, so snake_case and Keras class names meet. */
    private static String key(String name) {
        return name.replace("_", "").toLowerCase(Locale.ROOT);
    }
}
