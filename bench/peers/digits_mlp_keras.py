"""The digits MLP in Keras: training steps per second.

Data: data/digits/digits.csv.gz (1,797 8x8 images, pixels 0..16 divided by 16 -> 64 features in
[0, 1], labels 0..9); the first 80% of the rows train, the last 20% test (file order, no
shuffling of the split). Model: Dense(64, relu) -> Dense(10, softmax), Adam (lr 1e-3, eps 1e-7),
sparse categorical cross-entropy, batch 32, Keras's default per-epoch shuffling of the training
rows (--no-shuffle turns it off).

Measures: one warm-up epoch first (graph tracing, left out), then the wall time of
model.fit for --epochs epochs; steps_per_second = epochs * ceil(train rows / batch) / that time;
samples_per_second likewise. Reports the test accuracy after training as a sanity check. The
last line of the output is the JSON report.
"""
import argparse
import time

import common


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=20, help="timed epochs (after one warm-up epoch)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--no-shuffle", action="store_true")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=0, help="TF intra/inter-op threads; 0 = TF default")
    a = ap.parse_args()

    tf, keras, info = common.tf_setup(a.threads, a.seed)
    x, y = common.load_digits()
    n_train = common.chronological_split(len(x), 0.8)
    x_tr, y_tr, x_te, y_te = x[:n_train], y[:n_train], x[n_train:], y[n_train:]

    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ], name="digits_mlp")
    model.compile(optimizer=keras.optimizers.Adam(a.learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    shuffle = not a.no_shuffle
    t0 = time.perf_counter()
    model.fit(x_tr, y_tr, epochs=1, batch_size=a.batch_size, shuffle=shuffle, verbose=0)
    warmup_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    hist = model.fit(x_tr, y_tr, epochs=a.epochs, batch_size=a.batch_size, shuffle=shuffle, verbose=0)
    seconds = time.perf_counter() - t0
    steps = a.epochs * (-(-n_train // a.batch_size))
    test_loss, test_acc = model.evaluate(x_te, y_te, batch_size=256, verbose=0)
    print(f"keras {info['keras']} (tensorflow {info['tensorflow']}): digits MLP, {n_train} train / {len(x_te)} test rows")
    print(f"fit: {seconds:.2f} s for {a.epochs} epochs ({steps} steps, {steps / seconds:.0f} steps/s, "
          f"{a.epochs * n_train / seconds:.0f} samples/s); warm-up epoch {warmup_seconds:.2f} s; "
          f"test accuracy {test_acc:.4f}")
    common.report(dict(
        benchmark="digits_mlp", peer=info, machine=common.machine(),
        settings=dict(epochs=a.epochs, batch_size=a.batch_size, learning_rate=a.learning_rate, shuffle=shuffle,
                      seed=a.seed),
        train_rows=n_train, test_rows=len(x_te), warmup_seconds=warmup_seconds, fit_seconds=seconds,
        train_steps=steps, steps_per_second=steps / seconds, samples_per_second=a.epochs * n_train / seconds,
        final_loss=float(hist.history["loss"][-1]), test_loss=float(test_loss), test_accuracy=float(test_acc)))


if __name__ == "__main__":
    main()
