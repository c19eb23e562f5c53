"""`lamina forecast`'s default protocol with Keras networks (see forecast_protocol.py and
dengue_forecast_torch.py): folds, refit, per-horizon blend, quantiles; MAE, WIS and coverage by
horizon on the test weeks beside the baselines.

Network per member, as Lamina's buildModel: LSTM(64) -> Dense(32, relu) -> Dense(4), Adam(1e-3),
MSE, batch 32, shuffled each epoch. The last line of the output is the JSON report.
"""
import argparse
import time

import numpy as np

import common
import forecast_protocol as fp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--city", default="san_juan")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--ensemble", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--windows", default="10,20",
                    help="candidate windows the folds choose among, comma-separated (lamina forecast --windows)")
    ap.add_argument("--window", type=int, default=None, help="fix the window (lamina forecast --window N)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--blend", action="store_true",
                    help="blend each horizon's change with persistence (lamina forecast --blend; the default before the sixth round)")
    a = ap.parse_args()
    tf, keras, info = common.tf_setup(a.threads, a.seed)

    def fit_member(x, y, epochs, seed, checkpoints, on_checkpoint):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.LSTM(64),
                                  keras.layers.Dense(32, activation="relu"), keras.layers.Dense(y.shape[1])])
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")

        def predict(xs):
            return np.asarray(model(xs, training=False), dtype=np.float64)

        class Checkpoints(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch + 1 in checkpoints:
                    on_checkpoint(epoch + 1, predict)

        model.fit(x, y, epochs=epochs, batch_size=32, shuffle=True, verbose=0, callbacks=[Checkpoints()])
        return predict

    t0 = time.perf_counter()
    rep = fp.run(a.city, fit_member, a.seed, ensemble=a.ensemble, epochs=a.epochs,
                windows=[a.window] if a.window else [int(w) for w in a.windows.split(",")], blend=a.blend)
    rep["seconds"] = time.perf_counter() - t0
    rep["peer"] = info
    print(f"keras {info['keras']} / tensorflow {info['tensorflow']}, {a.city}, seed {a.seed}, window {rep['window']}: {rep['seconds']:.0f} s")
    fp.print_table(rep)
    common.report(rep)


if __name__ == "__main__":
    main()
