package dev.lamina.tuner;

import java.util.Locale;

/**
 * What a search optimises: a metric name as Keras logs it ({@code val_loss}, {@code val_accuracy},
 * {@code mae}, any metric) and a direction. {@link #of(String)} infers the direction as KerasTuner
 * does: accuracies, AUC, precision, recall and R² are maximised; losses and errors minimised; any
 * other name must be given with its direction.
 *
 * @param name the metric
 * @param direction "min" or "max"
 */
public record Objective(String name, String direction) {

    public Objective {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("objective: the metric name is empty");
        }
        if (!"min".equals(direction) && !"max".equals(direction)) {
            throw new IllegalArgumentException("objective '" + name + "': direction must be \"min\" or \"max\", got "
                    + (direction == null ? "null" : "\"" + direction + "\""));
        }
    }

    /** An objective whose direction is inferred from its name (see the class comment). */
    public static Objective of(String name) {
        String d = inferDirection(name);
        if (d == null) {
            throw new IllegalArgumentException("objective '" + name + "': cannot infer whether to minimise or maximise it; "
                    + "give the direction (new Objective(\"" + name + "\", \"min\") or \"max\")");
        }
        return new Objective(name, d);
    }

    /** "min", "max", or null when the name says nothing. */
    static String inferDirection(String name) {
        if (name == null) {
            return null;
        }
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("val_")) {
            n = n.substring(4);
        }
        if (n.contains("acc") || n.equals("auc") || n.contains("precision") || n.contains("recall") || n.equals("r2")
                || n.contains("f1")) {
            return "max";
        }
        if (n.contains("loss") || n.contains("error") || n.equals("mae") || n.equals("mse") || n.equals("rmse")
                || n.equals("mape") || n.contains("crossentropy") || n.equals("huber") || n.equals("score")) {
            return "min";
        }
        return null;
    }

    /** True when larger is better. */
    public boolean maximize() {
        return "max".equals(direction);
    }

    /** True when {@code a} is strictly better than {@code b} (NaN is never better). */
    public boolean better(double a, double b) {
        if (Double.isNaN(a)) {
            return false;
        }
        if (Double.isNaN(b)) {
            return true;
        }
        return maximize() ? a > b : a < b;
    }

    /** The value to minimise: v, or −v when maximising. */
    public double toMinimize(double v) {
        return maximize() ? -v : v;
    }
}
