package dev.lamina.examples;

import dev.lamina.data.DengueData;
import dev.lamina.data.MinMaxScaler;
import dev.lamina.data.TimeSeriesSplit;
import dev.lamina.data.Windows;
import dev.lamina.models.Model;
import dev.lamina.models.Sequential;
import dev.lamina.nn.Dense;
import dev.lamina.nn.Input;
import dev.lamina.nn.LSTM;
import dev.lamina.tensor.Scope;
import dev.lamina.tensor.Tensor;
import dev.lamina.tuner.BayesianOptimization;
import dev.lamina.tuner.GridSearch;
import dev.lamina.tuner.HyperParameters;
import dev.lamina.tuner.RandomSearch;
import dev.lamina.tuner.SearchOptions;
import dev.lamina.tuner.Tuner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The workshop's last chapter: tuning the dengue LSTM with KerasTuner, in Java. The Python reads
 *
 * <pre>
 *   def build_model(hp):
 *       model = keras.Sequential()
 *       model.add(keras.Input(shape=(window, 1)))
 *       model.add(layers.LSTM(units=hp.Int("units", min_value=32, max_value=128, step=32)))
 *       model.add(layers.Dense(1))
 *       model.compile(optimizer=hp.Choice("optimizer", ["adam", "rmsprop"]), loss="mse")
 *       return model
 *
 *   tuner = keras_tuner.GridSearch(build_model, objective="val_loss", max_trials=8,
 *                                  directory="tuning", project_name="dengue_lstm")
 *   tuner.search(X_train, y_train, epochs=10, validation_data=(X_val, y_val))
 *   tuner.results_summary()
 *   best_hps = tuner.get_best_hyperparameters(1)[0]
 *   best_model = tuner.get_best_models(num_models=1)[0]
 * </pre>
 *
 * and {@code keras_tuner.RandomSearch(...)} / {@code keras_tuner.BayesianOptimization(...)} in place of
 * GridSearch for the chapter's other two searches. The data: San Juan's weekly cases scaled to
 * [0, 1] on the training weeks, 20-week windows; the first 80 % of the weeks train (their last
 * fifth validates), the test weeks are not used here.
 */
public final class KerasTunerLstm {
    /** Weeks of history per window. */
    public static final int WINDOW = 20;

    private KerasTunerLstm() {
    }

    /** KerasTuner's build_model(hp). */
    static Model buildModel(HyperParameters hp) {
        Sequential model = new Sequential();
        model.add(new Input(WINDOW, 1));
        model.add(new LSTM(hp.Int("units", 32, 128, 32)));
        model.add(new Dense(1));
        model.compile(hp.Choice("optimizer", List.of("adam", "rmsprop")), "mse");
        return model;
    }

    /** The search's outcome: the best hyperparameters, their val_loss, and the summary table. */
    public record Result(Map<String, Object> bestValues, double bestValLoss, int trials, String summary) {
    }

    /**
     * Runs one of the chapter's searches.
     *
     * @param kind "grid", "random" or "bayesian"
     * @param dataDir the folder holding dengue/
     * @param directory where the tuner directory goes
     */
    public static Result run(String kind, Path dataDir, Path directory, int maxTrials, int epochs) {
        try (Scope scope = Scope.open()) {
            double[] cases = DengueData.load(dataDir.resolve("dengue"), "san_juan").totalCases();
            TimeSeriesSplit.Range train = TimeSeriesSplit.chronological(cases.length, 0.8, 0).train();
            TimeSeriesSplit.Range fit = TimeSeriesSplit.chronological(train.size(), 0.8, 0).train();
            double[] scaled = new MinMaxScaler().fit(fit.slice(cases)).transform(train.slice(cases));
            Windows.Batch trainW = Windows.make(fit.slice(scaled), WINDOW, 1);
            Windows.Batch valW = Windows.make(new TimeSeriesSplit.Range(fit.end() - WINDOW, train.size()).slice(scaled), WINDOW, 1);
            Tensor xTrain = trainW.xTensor();
            Tensor yTrain = trainW.yTensor();
            Tensor xVal = valW.xTensor();
            Tensor yVal = valW.yTensor();

            Tuner tuner = switch (kind) {
                case "grid" -> new GridSearch(KerasTunerLstm::buildModel, "val_loss", maxTrials);
                case "random" -> new RandomSearch(KerasTunerLstm::buildModel, "val_loss", maxTrials);
                case "bayesian" -> new BayesianOptimization(KerasTunerLstm::buildModel, "val_loss", maxTrials);
                default -> throw new IllegalArgumentException("kind must be grid, random or bayesian, got '" + kind + "'");
            };
            tuner.directory(directory, "dengue_lstm").overwrite(true);
            tuner.search(xTrain, yTrain, new SearchOptions().epochs(epochs).validationData(xVal, yVal));
            String summary = tuner.resultsSummary(maxTrials);
            HyperParameters bestHps = tuner.bestHyperparameters(1).get(0);
            double bestValLoss;
            try (Model bestModel = tuner.bestModels(1).get(0)) {
                bestValLoss = bestModel.evaluate(xVal, yVal).get("loss");
            }
            return new Result(bestHps.values(), bestValLoss, tuner.trials().size(), summary);
        }
    }

    public static void main(String[] args) {
        Result r = run(args.length > 0 ? args[0] : "grid", Path.of("data"), Path.of("out/tuning"), 8, 10);
        System.out.print(r.summary());
        System.out.println("best: " + r.bestValues() + ", val_loss " + r.bestValLoss());
    }
}
