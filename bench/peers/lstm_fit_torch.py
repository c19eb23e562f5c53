"""PyTorch peer of `lamina bench fit --workload seed-lstm|stacked-lstm` (bench/java/.../Workloads.java).

x [700, 20, 1], y [700, 1] uniform in [0, 1); seed-lstm: LSTM(64) -> Dense(32, relu) -> Dense(1);
stacked-lstm: LSTM(64, return_sequences) -> LSTM(64) -> Dense(32, relu) -> Dense(1). Adam(1e-3, eps
1e-7), MSE, batch 32, batches in order, 10 epochs per fit: one untimed fit, then --repeats timed ones.
A plain Python training loop (how PyTorch is used). Prints `name: value` lines and a JSON last line.
"""
import argparse
import statistics
import time

import numpy as np

from common import machine, report, torch_setup


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", default="seed-lstm", choices=["seed-lstm", "stacked-lstm"])
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=10)
    a = ap.parse_args()
    torch, info = torch_setup(a.threads, 42)
    nn = torch.nn
    rng = np.random.default_rng(7)
    x = torch.from_numpy(rng.random((700, 20, 1), dtype=np.float32))
    y = torch.from_numpy(rng.random((700, 1), dtype=np.float32))

    class Net(nn.Module):
        def __init__(self, stacked):
            super().__init__()
            self.l1 = nn.LSTM(1, 64, batch_first=True)
            self.l2 = nn.LSTM(64, 64, batch_first=True) if stacked else None
            self.d1 = nn.Linear(64, 32)
            self.d2 = nn.Linear(32, 1)

        def forward(self, v):
            s, _ = self.l1(v)
            if self.l2 is not None:
                s, _ = self.l2(s)
            return self.d2(torch.relu(self.d1(s[:, -1])))

    model = Net(a.workload == "stacked-lstm")
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.MSELoss()
    batches = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 700, 32)]

    def fit():
        for _ in range(a.epochs):
            for xb, yb in batches:
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()

    fit()  # warm-up
    sec = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        fit()
        sec.append(time.perf_counter() - t0)
    steps = a.epochs * len(batches)
    res = dict(workload=a.workload, framework="torch", threads=info["threads"], epochs=a.epochs,
               fit_seconds_min=min(sec), fit_seconds_median=statistics.median(sec), steps_per_fit=steps,
               steps_per_second_median=steps / statistics.median(sec), fit_seconds=sec, info=info,
               machine=machine())
    for k in ("workload", "framework", "threads", "fit_seconds_min", "fit_seconds_median", "steps_per_second_median"):
        print(f"{k}: {res[k]}")
    report(res)


if __name__ == "__main__":
    main()
