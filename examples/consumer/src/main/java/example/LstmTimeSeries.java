package example;

import dev.lamina.data.Windows;
import dev.lamina.models.FitOptions;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.optim.Adam;
import dev.lamina.losses.Losses;
import dev.lamina.metrics.RegressionMetrics;
import dev.lamina.tensor.Rng;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;

import java.util.Random;

/**
 * Workshop snippets 5 and 6: a single and a stacked LSTM forecasting the next step of a noisy
 * seasonal series from windows of 12 steps; each must beat persistence (next = last) on the last
 * 20 % of the windows.
 */
public final class LstmTimeSeries {
    static final int WINDOW = 12;

    private LstmTimeSeries() {
    }

    static double[] series(int n, long seed) {
        Random r = new Random(seed);
        double[] s = new double[n];
        for (int t = 0; t < n; t++) {
            s[t] = 0.5 + 0.4 * Math.sin(2 * Math.PI * t / 16) + 0.02 * r.nextGaussian();
        }
        return s;
    }

    static double run(String label, Sequential model) {
        Windows.Batch w = Windows.make(series(400, 5), WINDOW, 1);
        int nTrain = (int) (w.count() * 0.8);
        try (Scope scope = Scope.open()) {
            Tensor x = w.xTensor();
            Tensor y = w.yTensor();
            Tensor xTrain = x.slice(0, 0, nTrain);
            Tensor yTrain = y.slice(0, 0, nTrain);
            Tensor xTest = x.slice(0, nTrain, w.count());
            double[] yTest = y.slice(0, nTrain, w.count()).toDoubleArray();
            model.compile(new Adam(1e-2), Losses.meanSquaredError());
            model.fit(xTrain, yTrain, new FitOptions().epochs(15).batchSize(32).verbose(0).seed(5).shuffle(false));
            double[] pred = model.predict(xTest).toDoubleArray();
            double[] xt = xTest.toDoubleArray();
            double[] last = new double[yTest.length];
            for (int i = 0; i < last.length; i++) {
                last[i] = xt[i * WINDOW + WINDOW - 1];
            }
            double mse = RegressionMetrics.mse(yTest, pred);
            double persistence = RegressionMetrics.mse(yTest, last);
            System.out.printf("%s: test MSE %.5f, persistence %.5f%n", label, mse, persistence);
            Check.that(mse < persistence, label + " beats persistence");
            return mse;
        }
    }

    public static void main(String[] args) {
        Rng.setGlobalSeed(5);
        try (Sequential single = new Sequential(new Input(WINDOW, 1), new LSTM(16), new Dense(1))) {
            run("single LSTM", single);
        }
        Rng.setGlobalSeed(5);
        try (Sequential stacked = new Sequential(
                new Input(WINDOW, 1), new LSTM(16, true), new LSTM(8), new Dense(1))) {
            run("stacked LSTM", stacked);
        }
    }
}
