"""The workshop's CIFAR CNN in Keras: training images per second on random data.

Model (NHWC, 'valid' padding, Keras defaults): Conv2D(32, 3, relu) -> MaxPooling2D(2) ->
Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3, relu) -> Flatten -> Dense(64, relu) ->
Dense(10, softmax); Adam (lr 1e-3, eps 1e-7), categorical cross-entropy on one-hot labels.
Shapes: [B,32,32,3] -> [B,30,30,32] -> [B,15,15,32] -> [B,13,13,64] -> [B,6,6,64] -> [B,4,4,64]
-> [B,1024] -> [B,64] -> [B,10]; 122,570 parameters.

Data: random uniform [0, 1) images of shape [N, 32, 32, 3] and random one-hot labels (seeded),
N = batch * (--warmup + --steps). Speed does not depend on the values.

For each batch size (--batch-sizes, default 32 and 64) a fresh model is built and compiled,
--warmup batches are trained with model.fit (graph tracing and first-touch costs, left out),
then --steps further batches are trained with one model.fit call (no shuffling) and timed:
images_per_second = batch * steps / wall time. The last line of the output is the JSON report.
"""
import argparse
import time

import numpy as np

import common


def build(keras):
    L = keras.layers
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        L.Conv2D(32, 3, activation="relu"),
        L.MaxPooling2D(2),
        L.Conv2D(64, 3, activation="relu"),
        L.MaxPooling2D(2),
        L.Conv2D(64, 3, activation="relu"),
        L.Flatten(),
        L.Dense(64, activation="relu"),
        L.Dense(10, activation="softmax"),
    ], name="cifar_cnn")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch-sizes", default="32,64")
    ap.add_argument("--warmup", type=int, default=5, help="warm-up batches, not timed")
    ap.add_argument("--steps", type=int, default=50, help="timed batches")
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=0, help="TF intra/inter-op threads; 0 = TF default")
    a = ap.parse_args()

    tf, keras, info = common.tf_setup(a.threads, a.seed)
    rng = np.random.default_rng(a.seed)
    results = []
    params = None
    for bs in [int(b) for b in a.batch_sizes.split(",")]:
        n_warm, n_time = bs * a.warmup, bs * a.steps
        x = rng.random((n_warm + n_time, 32, 32, 3), dtype=np.float32)
        y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n_warm + n_time)]
        model = build(keras)
        params = model.count_params()
        model.compile(optimizer=keras.optimizers.Adam(a.learning_rate), loss="categorical_crossentropy")
        t0 = time.perf_counter()
        model.fit(x[:n_warm], y[:n_warm], batch_size=bs, epochs=1, shuffle=False, verbose=0)
        warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        hist = model.fit(x[n_warm:], y[n_warm:], batch_size=bs, epochs=1, shuffle=False, verbose=0)
        seconds = time.perf_counter() - t0
        r = dict(batch_size=bs, warmup_batches=a.warmup, warmup_seconds=warm, steps=a.steps, seconds=seconds,
                 steps_per_second=a.steps / seconds, images_per_second=n_time / seconds,
                 loss=float(hist.history["loss"][-1]))
        results.append(r)
        print(f"batch {bs}: {a.steps} steps in {seconds:.2f} s, {r['images_per_second']:.0f} images/s "
              f"({r['steps_per_second']:.1f} steps/s; warm-up {warm:.2f} s)")
    common.report(dict(benchmark="cifar_cnn", peer=info, machine=common.machine(), parameters=int(params),
                       layout="NHWC", results=results))


if __name__ == "__main__":
    main()
