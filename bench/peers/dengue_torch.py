"""The workshop's dengue forecaster in PyTorch, a second reference point for dengue_keras.py.

Same data, split, scaling, windows and training as dengue_keras.py (see there and
java/dev/lamina/forecast/Forecaster.java): nn.LSTM(1, 64) whose last hidden state feeds
Linear(64, 32) + ReLU -> Linear(32, 1); Adam(1e-3, eps=1e-7 as Keras), MSE, 100 epochs, batch 32;
the first floor(80%) of the training windows fit and the rest validate, as Keras and Lamina do
(748 fit, 188 validation; evaluated after every epoch, as Keras's validation_split) and batches
are taken in order (no shuffling).

Weights are initialised as Keras does (glorot-uniform input kernels, orthogonal recurrent
kernels, zero biases with the forget-gate bias 1; torch's gate order i, f, g, o is Keras's
i, f, c, o); nn.LSTM has two bias vectors, the second is kept at zero.

Measures fit_seconds (wall time of the training loop with the per-epoch validation pass),
steps_per_second, steady_steps_per_second (epochs 2..E), and the test metrics of the LSTM and of
the baselines. The last line of the output is the JSON report.
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
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads; 0 = torch default")
    a = ap.parse_args()

    torch, info = common.torch_setup(a.threads, a.seed)
    nn = torch.nn
    p = common.dengue_problem(a.window, a.horizon, 0.8, a.city)
    cut = common.validation_cut(len(p["x_train"]), a.validation_split)
    x_fit = torch.from_numpy(p["x_train"][:cut])
    y_fit = torch.from_numpy(p["y_train"][:cut])
    x_val = torch.from_numpy(p["x_train"][cut:])
    y_val = torch.from_numpy(p["y_train"][cut:])

    class Net(nn.Module):
        def __init__(self, units):
            super().__init__()
            self.lstm = nn.LSTM(1, units, batch_first=True)
            self.d1 = nn.Linear(units, 32)
            self.d2 = nn.Linear(32, 1)
            u = units
            with torch.no_grad():
                # Keras: one glorot-uniform [in, 4u] kernel, fan_in 1, fan_out 4u
                bound = float(np.sqrt(6.0 / (1 + 4 * u)))
                self.lstm.weight_ih_l0.uniform_(-bound, bound)
                # Keras: orthogonal [u, 4u] recurrent kernel; torch stores its transpose [4u, u]
                nn.init.orthogonal_(self.lstm.weight_hh_l0)
                self.lstm.bias_ih_l0.zero_()
                self.lstm.bias_ih_l0[u:2 * u] = 1.0
                self.lstm.bias_hh_l0.zero_()
                for d in (self.d1, self.d2):
                    nn.init.xavier_uniform_(d.weight)
                    d.bias.zero_()

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.d2(torch.relu(self.d1(h[-1])))

    model = Net(a.units)
    opt = torch.optim.Adam(model.parameters(), lr=a.learning_rate, eps=1e-7)
    loss_fn = nn.MSELoss()
    bs = a.batch_size
    steps_per_epoch = -(-cut // bs)
    epoch_ends = []
    loss = val_loss = float("nan")
    t0 = time.perf_counter()
    for _ in range(a.epochs):
        model.train()
        total = 0.0
        for i in range(0, cut, bs):
            xb, yb = x_fit[i:i + bs], y_fit[i:i + bs]
            opt.zero_grad(set_to_none=True)
            l = loss_fn(model(xb), yb)
            l.backward()
            opt.step()
            total += l.item() * len(xb)
        loss = total / cut
        model.eval()
        with torch.no_grad():
            val_loss = float(loss_fn(model(x_val), y_val)) if len(x_val) else float("nan")
        epoch_ends.append(time.perf_counter())
    fit_seconds = time.perf_counter() - t0
    steps = a.epochs * steps_per_epoch
    steady = None
    if len(epoch_ends) >= 2:
        steady = (len(epoch_ends) - 1) * steps_per_epoch / (epoch_ends[-1] - epoch_ends[0])

    with torch.no_grad():
        pred_scaled = model(torch.from_numpy(p["x_test"])).numpy()[:, 0]
    predicted = p["scaler"].inverse(pred_scaled)
    metrics = dict(lstm=common.regression_metrics(p["actual"], predicted),
                   persistence=common.regression_metrics(p["actual"], p["persistence"]),
                   seasonal_naive=common.regression_metrics(p["actual"], p["seasonal"]))
    print(f"torch {info['torch']} ({info['threads']} threads): {p['n']} weeks ({p['n_train']} train, "
          f"{len(p['actual'])} test), {len(p['x_train'])} training windows ({cut} fit, {len(x_val)} validation)")
    print(f"fit: {fit_seconds:.1f} s for {a.epochs} epochs ({steps} steps, {steps / fit_seconds:.0f} steps/s; "
          f"epochs 2..{a.epochs}: {steady or float('nan'):.0f} steps/s)")
    for k, m in metrics.items():
        print(f"  {k:15s} MAE {m['mae']:8.2f}  RMSE {m['rmse']:8.2f}")
    common.report(dict(
        benchmark="dengue_forecast", peer=info, machine=common.machine(),
        settings=dict(city=a.city, window=a.window, horizon=a.horizon, epochs=a.epochs, batch_size=bs,
                      units=a.units, learning_rate=a.learning_rate, validation_split=a.validation_split, seed=a.seed),
        train_windows=cut, validation_windows=len(x_val), test_weeks=len(p["actual"]),
        fit_seconds=fit_seconds, train_steps=steps, steps_per_second=steps / fit_seconds,
        steady_steps_per_second=steady, final_loss=loss, final_val_loss=val_loss, metrics=metrics))


if __name__ == "__main__":
    main()
