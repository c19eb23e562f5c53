package example;

import dev.lamina.metrics.AUC;
import dev.lamina.metrics.BinaryAccuracy;
import dev.lamina.metrics.ClassificationMetrics;
import dev.lamina.metrics.Metric;
import dev.lamina.metrics.Metrics;
import dev.lamina.metrics.RegressionMetrics;

/**
 * Workshop snippet 7: classification and regression metrics, one-shot on arrays and streaming
 * (Keras's {@code update_state}/{@code result}), on values small enough to check by hand.
 */
public final class MetricsExample {
    private MetricsExample() {
    }

    public static void main(String[] args) {
        double[] yTrue = {1, 0, 1, 1, 0, 0, 1, 0};
        double[] yPred = {0.9, 0.2, 0.4, 0.8, 0.6, 0.1, 0.7, 0.3};
        // at 0.5: TP 3 (0.9, 0.8, 0.7), FP 1 (0.6), FN 1 (0.4), TN 3
        double acc = ClassificationMetrics.binaryAccuracy(yTrue, yPred);
        double precision = ClassificationMetrics.precision(yTrue, yPred);
        double recall = ClassificationMetrics.recall(yTrue, yPred);
        double f1 = ClassificationMetrics.f1(yTrue, yPred);
        double auc = ClassificationMetrics.auc(yTrue, yPred);
        System.out.printf("accuracy %.4f precision %.4f recall %.4f f1 %.4f auc %.4f%n", acc, precision, recall, f1, auc);
        Check.that(Math.abs(acc - 0.75) < 1e-12, "accuracy 6/8");
        Check.that(Math.abs(precision - 0.75) < 1e-12 && Math.abs(recall - 0.75) < 1e-12, "precision 3/4, recall 3/4");
        Check.that(Math.abs(f1 - 0.75) < 1e-12, "f1 0.75");
        Check.that(Math.abs(auc - 15.0 / 16) < 1e-2, "AUC 15/16 (15 of 16 positive-negative pairs ordered)");

        // streaming: the same accuracy from two batches
        Metric streaming = new BinaryAccuracy();
        streaming.update(new double[] {1, 0, 1, 1}, new long[] {4, 1}, new double[] {0.9, 0.2, 0.4, 0.8}, new long[] {4, 1});
        streaming.update(new double[] {0, 0, 1, 0}, new long[] {4, 1}, new double[] {0.6, 0.1, 0.7, 0.3}, new long[] {4, 1});
        Check.that(Math.abs(streaming.result() - 0.75) < 1e-12, "streaming binary accuracy over two batches 0.75");
        Metric auc2 = new AUC();
        auc2.update(yTrue, new long[] {8, 1}, yPred, new long[] {8, 1});
        Check.that(Math.abs(auc2.result() - 15.0 / 16) < 1e-2, "streaming AUC 15/16");

        // regression (scikit-learn's doc example)
        double[] t = {3, -0.5, 2, 7};
        double[] p = {2.5, 0.0, 2, 8};
        double mse = RegressionMetrics.mse(t, p);
        double mae = RegressionMetrics.mae(t, p);
        double r2 = RegressionMetrics.r2(t, p);
        System.out.printf("mse %.4f mae %.4f r2 %.4f%n", mse, mae, r2);
        Check.that(Math.abs(mse - 0.375) < 1e-12 && Math.abs(mae - 0.5) < 1e-12, "MSE 0.375, MAE 0.5");
        Check.that(Math.abs(r2 - 0.9486081370449679) < 1e-9, "R2 0.94861");
        Metric rmse = Metrics.get("rmse");
        rmse.update(t, new long[] {4}, p, new long[] {4});
        Check.that(Math.abs(rmse.result() - Math.sqrt(0.375)) < 1e-9, "Metrics.get(\"rmse\") = sqrt(0.375)");
    }
}
