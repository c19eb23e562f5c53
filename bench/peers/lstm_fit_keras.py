"""Keras 3 (TensorFlow) peer of `lamina bench fit --workload seed-lstm|stacked-lstm`: the models
and settings of lstm_fit_torch.py with model.fit (batch 32, shuffle=False, verbose 0), one untimed
fit (tracing), then --repeats timed fits of --epochs. Prints `name: value` lines and a JSON last line.
"""
import argparse
import statistics
import time

import numpy as np

from common import machine, report, tf_setup


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", default="seed-lstm", choices=["seed-lstm", "stacked-lstm"])
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=10)
    a = ap.parse_args()
    tf, keras, info = tf_setup(a.threads, 42)
    rng = np.random.default_rng(7)
    x = rng.random((700, 20, 1), dtype=np.float32)
    y = rng.random((700, 1), dtype=np.float32)
    layers = [keras.Input((20, 1))]
    if a.workload == "stacked-lstm":
        layers.append(keras.layers.LSTM(64, return_sequences=True))
    layers += [keras.layers.LSTM(64), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)]
    model = keras.Sequential(layers)
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    model.fit(x, y, batch_size=32, epochs=a.epochs, shuffle=False, verbose=0)  # warm-up, tracing
    sec = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        model.fit(x, y, batch_size=32, epochs=a.epochs, shuffle=False, verbose=0)
        sec.append(time.perf_counter() - t0)
    steps = a.epochs * ((700 + 31) // 32)
    res = dict(workload=a.workload, framework="keras", threads=info["intra_op_threads"], epochs=a.epochs,
               fit_seconds_min=min(sec), fit_seconds_median=statistics.median(sec), steps_per_fit=steps,
               steps_per_second_median=steps / statistics.median(sec), fit_seconds=sec, info=info,
               machine=machine())
    for k in ("workload", "framework", "threads", "fit_seconds_min", "fit_seconds_median", "steps_per_second_median"):
        print(f"{k}: {res[k]}")
    report(res)


if __name__ == "__main__":
    main()
