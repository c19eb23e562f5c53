"""The workshop's dengue forecaster in Keras, built exactly as `lamina forecast` builds it
(java/dev/lamina/forecast/Forecaster.java):

  San Juan weekly total_cases (data/dengue/san_juan_testing_data.csv), chronological split,
  first 80% of the weeks train, last 20% test; MinMaxScaler to [0, 1] fit on the training weeks;
  20-week windows, target `--horizon` weeks after the window's last week (test windows may read
  the end of the training weeks as history, their targets are the test weeks);
  LSTM(64) -> Dense(32, relu) -> Dense(1), Adam(1e-3), MSE, 100 epochs, batch 32,
  validation_split 0.2 (the last 20% of the training windows: 748 fit and 188 validation windows,
  as in Lamina), shuffle=False, seeded with
  keras.utils.set_random_seed.

Measures: fit_seconds = wall time of model.fit (graph tracing and the per-epoch validation pass
included, as Lamina's figure); steps_per_second = epochs * ceil(fit windows / batch) /
fit_seconds; steady_steps_per_second the same over epochs 2..E (first epoch, with tracing, left
out). Then test-set MSE/RMSE/MAE/R²/MAPE, in cases, of the LSTM, of persistence (last observed
week) and of the seasonal naive forecast (same week a year before). The last line of the output
is the JSON report (same keys as Lamina's metrics.json where they overlap).

Usage: OMP_NUM_THREADS unset -> TensorFlow's own thread defaults; --threads N sets TF's intra- and
inter-op pools.
"""
import argparse
import time

import numpy as np

import common


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--horizon", type=int, default=1)
    ap.add_argument("--window", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--units", type=int, default=64)
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--validation-split", type=float, default=0.2)
    ap.add_argument("--city", default="san_juan")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=0, help="TF intra/inter-op threads; 0 = TF default")
    ap.add_argument("--verbose", type=int, default=0)
    a = ap.parse_args()

    tf, keras, info = common.tf_setup(a.threads, a.seed)
    p = common.dengue_problem(a.window, a.horizon, 0.8, a.city)
    x, y = p["x_train"], p["y_train"]

    model = keras.Sequential([
        keras.Input((a.window, 1)),
        keras.layers.LSTM(a.units),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(1),
    ], name="dengue_lstm")
    model.compile(optimizer=keras.optimizers.Adam(a.learning_rate), loss="mse")

    epoch_ends = []

    class EpochClock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            epoch_ends.append(time.perf_counter())

    train_windows = common.validation_cut(len(x), a.validation_split)
    steps_per_epoch = -(-train_windows // a.batch_size)
    t0 = time.perf_counter()
    hist = model.fit(x, y, epochs=a.epochs, batch_size=a.batch_size, validation_split=a.validation_split,
                     shuffle=False, verbose=a.verbose, callbacks=[EpochClock()])
    fit_seconds = time.perf_counter() - t0
    steps = a.epochs * steps_per_epoch
    steady = None
    if len(epoch_ends) >= 2:
        steady = (len(epoch_ends) - 1) * steps_per_epoch / (epoch_ends[-1] - epoch_ends[0])

    pred_scaled = model.predict(p["x_test"], batch_size=a.batch_size, verbose=0)[:, 0]
    predicted = p["scaler"].inverse(pred_scaled)
    metrics = dict(lstm=common.regression_metrics(p["actual"], predicted),
                   persistence=common.regression_metrics(p["actual"], p["persistence"]),
                   seasonal_naive=common.regression_metrics(p["actual"], p["seasonal"]))
    print(f"keras {info['keras']} (tensorflow {info['tensorflow']}): {p['n']} weeks ({p['n_train']} train, "
          f"{len(p['actual'])} test), {len(x)} training windows ({train_windows} fit, "
          f"{len(x) - train_windows} validation)")
    print(f"fit: {fit_seconds:.1f} s for {a.epochs} epochs ({steps} steps, {steps / fit_seconds:.0f} steps/s; "
          f"epochs 2..{a.epochs}: {steady or float('nan'):.0f} steps/s)")
    for k, m in metrics.items():
        print(f"  {k:15s} MAE {m['mae']:8.2f}  RMSE {m['rmse']:8.2f}")
    common.report(dict(
        benchmark="dengue_forecast", peer=info, machine=common.machine(),
        settings=dict(city=a.city, window=a.window, horizon=a.horizon, epochs=a.epochs, batch_size=a.batch_size,
                      units=a.units, learning_rate=a.learning_rate, validation_split=a.validation_split, seed=a.seed),
        train_windows=int(train_windows), validation_windows=int(len(x) - train_windows), test_weeks=len(p["actual"]),
        fit_seconds=fit_seconds, train_steps=steps, steps_per_second=steps / fit_seconds,
        steady_steps_per_second=steady,
        final_loss=float(hist.history["loss"][-1]),
        final_val_loss=float(hist.history["val_loss"][-1]) if "val_loss" in hist.history else None,
        metrics=metrics))


if __name__ == "__main__":
    main()
