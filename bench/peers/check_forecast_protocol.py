"""Self-checks of forecast_protocol.py's window choice with a deterministic stand-in for a network
(least squares on the window; no framework, seconds to run):

  1. with one candidate window the protocol gives the same report as the fixed-window protocol of
     the commit named on the command line (git show COMMIT:bench/peers/forecast_protocol.py > old.py);
  2. a member that ignores its training data and reads only the last week of its window scores
     every window the same, so the tie
     keeps the earlier candidate, whichever order the candidates come in;
  3. the chosen window's score is the lowest of the candidates' scores.

    python check_forecast_protocol.py [path/to/old_forecast_protocol.py]
"""
import importlib.util
import sys

import numpy as np

import forecast_protocol as fp


def fixed_member(x, y, epochs, seed, checkpoints, on_checkpoint):
    """Ignores its training windows: a fixed function of the last week, the seed and the epochs."""
    def make(e):
        g = np.random.default_rng(seed + e).normal(0, 0.1, y.shape[1])
        return lambda xs: xs[:, -1, :1] * g[None, :]
    for e in checkpoints:
        on_checkpoint(e, make(e))
    return make(epochs)


def least_squares_member():
    def fit_member(x, y, epochs, seed, checkpoints, on_checkpoint):
        rng = np.random.default_rng(seed)
        feats = lambda xs: np.c_[xs[:, :, 0], np.ones(len(xs))]
        a = feats(x)
        # the ridge penalty depends on the epoch count and the seed, so the checkpoints differ
        def solve(e):
            lam = 1.0 / e + 1e-3 * rng.random()
            coef = np.linalg.solve(a.T @ a + lam * np.eye(a.shape[1]), a.T @ y)
            return lambda xs: feats(xs) @ coef
        for e in checkpoints:
            on_checkpoint(e, solve(e))
        return solve(epochs)
    return fit_member


def quiet(*_):
    pass


def main():
    ok = True
    if len(sys.argv) > 1:
        spec = importlib.util.spec_from_file_location("old_fp", sys.argv[1])
        old = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(old)
        for w in (10, 20):
            a = old.run("san_juan", least_squares_member(), 1, epochs=30, window=w, log=quiet)
            b = fp.run("san_juan", least_squares_member(), 1, epochs=30, windows=[w], log=quiet, blend=True)
            same = all(a[k] == b[k] for k in ("window", "chosen_epochs", "blend", "cv_score", "horizons"))
            print(f"1. window {w} alone equals the fixed-window protocol: {same}")
            ok &= same
    for order in ((10, 20), (20, 10)):
        r = fp.run("iquitos", fixed_member, 3, epochs=30, windows=order, log=quiet)
        scores = {w: v["cv_score"] for w, v in r["windows"].items()}
        tie = r["window"] == order[0] and len(set(scores.values())) == 1
        print(f"2. candidates {order}: scores {scores}, chosen {r['window']} (the earlier on a tie): {tie}")
        ok &= tie
    r = fp.run("san_juan", least_squares_member(), 2, epochs=30, log=quiet)
    scores = {int(w): v["cv_score"] for w, v in r["windows"].items()}
    low = r["window"] == min(scores, key=scores.get) and r["cv_score"] == min(scores.values())
    print(f"3. scores {scores}, chosen {r['window']}: {low}")
    ok &= low
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
