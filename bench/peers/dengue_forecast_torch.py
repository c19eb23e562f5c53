"""`lamina forecast`'s default protocol with PyTorch networks (see forecast_protocol.py): rolling-origin
folds choose the epoch count and per-horizon blend weights, the ensemble is refit on all training
weeks, quantiles come from the folds' residuals; MAE, WIS and coverage by horizon on the test weeks
beside persistence and probabilistic persistence.

Network per member, as Lamina's buildModel: LSTM(64) -> Linear(64, 32) + ReLU -> Linear(32, 4) on
w-week windows (w chosen among --windows 10,20 on the folds, or fixed by --window) of the scaled ln(1 + cases), predicting the changes 1..4 weeks ahead; Keras's
initialisation (as dengue_torch.py), Adam(1e-3, eps 1e-7), MSE, batch 32, windows shuffled each
epoch. The last line of the output is the JSON report.
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
    torch, info = common.torch_setup(a.threads, a.seed)
    nn = torch.nn
    units, horizon, bs = 64, 4, 32

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(1, units, batch_first=True)
            self.d1 = nn.Linear(units, 32)
            self.d2 = nn.Linear(32, horizon)
            with torch.no_grad():
                bound = float(np.sqrt(6.0 / (1 + 4 * units)))
                self.lstm.weight_ih_l0.uniform_(-bound, bound)
                nn.init.orthogonal_(self.lstm.weight_hh_l0)
                self.lstm.bias_ih_l0.zero_()
                self.lstm.bias_ih_l0[units:2 * units] = 1.0
                self.lstm.bias_hh_l0.zero_()
                for d in (self.d1, self.d2):
                    nn.init.xavier_uniform_(d.weight)
                    d.bias.zero_()

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.d2(torch.relu(self.d1(h[-1])))

    def fit_member(x, y, epochs, seed, checkpoints, on_checkpoint):
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        model = Net()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        loss_fn = nn.MSELoss()
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def predict(xs):
            model.eval()
            with torch.no_grad():
                return model(torch.from_numpy(xs)).numpy().astype(np.float64)

        for e in range(1, epochs + 1):
            model.train()
            order = torch.from_numpy(rng.permutation(len(x)))
            for i in range(0, len(x), bs):
                idx = order[i:i + bs]
                opt.zero_grad(set_to_none=True)
                loss_fn(model(xt[idx]), yt[idx]).backward()
                opt.step()
            if e in checkpoints:
                on_checkpoint(e, predict)
        return predict

    t0 = time.perf_counter()
    rep = fp.run(a.city, fit_member, a.seed, ensemble=a.ensemble, epochs=a.epochs,
                windows=[a.window] if a.window else [int(w) for w in a.windows.split(",")], blend=a.blend)
    rep["seconds"] = time.perf_counter() - t0
    rep["peer"] = info
    print(f"torch {info['torch']} ({info['threads']} thread(s)), {a.city}, seed {a.seed}, window {rep['window']}: {rep['seconds']:.0f} s")
    fp.print_table(rep)
    common.report(rep)


if __name__ == "__main__":
    main()
