package dev.lamina.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Metric look-up by Keras names; the metric is named by the identifier given. */
class MetricsTest {
    @Test
    void namesAndAliases() {
        Object[][] cases = {
            {"binary_accuracy", BinaryAccuracy.class}, {"categorical_accuracy", CategoricalAccuracy.class},
            {"sparse_categorical_accuracy", SparseCategoricalAccuracy.class}, {"precision", Precision.class},
            {"recall", Recall.class}, {"f1_score", F1Score.class}, {"auc", AUC.class},
            {"mse", MeanSquaredError.class}, {"mean_squared_error", MeanSquaredError.class},
            {"rmse", RootMeanSquaredError.class}, {"root_mean_squared_error", RootMeanSquaredError.class},
            {"mae", MeanAbsoluteError.class}, {"mean_absolute_error", MeanAbsoluteError.class},
            {"r2", R2Score.class}, {"r2_score", R2Score.class},
            {"mape", MeanAbsolutePercentageError.class}, {"mean_absolute_percentage_error", MeanAbsolutePercentageError.class},
            {"MeanSquaredError", MeanSquaredError.class}, {"AUC", AUC.class},
        };
        for (Object[] c : cases) {
            Metric m = Metrics.get((String) c[0]);
            assertInstanceOf((Class<?>) c[1], m, (String) c[0]);
            assertEquals(c[0], m.name());
        }
        // each call is a fresh metric
        Metric a = Metrics.get("mae");
        a.update(new double[] {1}, new long[] {1}, new double[] {3}, new long[] {1});
        assertTrue(Double.isNaN(Metrics.get("mae").result()));
        assertEquals(2.0, a.result(), 0.0);
    }

    @Test
    void accuracyDependsOnTheLoss() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Metrics.get("accuracy"));
        assertTrue(e.getMessage().contains("accuracyFor"), e.getMessage());
        Metric b = Metrics.accuracyFor("binary_crossentropy");
        assertInstanceOf(BinaryAccuracy.class, b);
        assertEquals("accuracy", b.name());
        assertInstanceOf(CategoricalAccuracy.class, Metrics.accuracyFor("categorical_crossentropy"));
        assertInstanceOf(SparseCategoricalAccuracy.class, Metrics.accuracyFor("sparse_categorical_crossentropy"));
        assertInstanceOf(SparseCategoricalAccuracy.class, Metrics.accuracyFor("SparseCategoricalCrossentropy"));
        assertEquals("accuracy", Metrics.accuracyFor("categorical_crossentropy").name());
        IllegalArgumentException mse = assertThrows(IllegalArgumentException.class, () -> Metrics.accuracyFor("mean_squared_error"));
        assertTrue(mse.getMessage().contains("mean_squared_error"), mse.getMessage());
    }

    @Test
    void unknownNameListsKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Metrics.get("msle"));
        assertTrue(e.getMessage().contains("'msle'") && e.getMessage().contains("rmse"), e.getMessage());
    }
}
