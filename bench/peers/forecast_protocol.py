"""The protocol of `lamina forecast`'s default (rolling-origin folds, refit, quantiles; the
per-horizon blend with persistence of `--blend` when run with blend=True), framework-free, so that a Keras or PyTorch network can be run through it exactly as
Lamina's is. Mirrors, in java/dev/lamina/forecast/: ForecastFeatures (z = min-max scaled
ln(1 + cases)), ForecastWindows.windowInputs / residualTargets (w-week windows, the changes
z[t + j] - z[t], j = 1..4), RollingOrigin (3 folds over the last 60% of the training weeks; blend
weights 0, 0.05, ..., 1.5), CrossValidatedTraining (3 networks per fold, each fold scaled on its
own training weeks, forecasts after every 10th epoch, the epoch count with the smallest sum over
h of MAE / persistence MAE; each candidate window (10 and 20 by default) with its own folds, epoch
count and blend weights on the same pooled origins, the lowest score winning, a tie keeping the
earlier window; then the ensemble on all training windows of the chosen window for that many
epochs),
ResidualCalibration 'scaled', Baselines and QuantileScores (WIS, coverage, empirical quantiles).

A framework supplies `fit_member(x, y, epochs, seed, checkpoints, on_checkpoint)` that builds and trains one
network (x [N, w, 1] float32, y [N, H] float32) and calls on_checkpoint(epoch, predict) after the
epochs in `checkpoints`; it returns a predict function (x -> [N, H] numpy).
"""
import math

import numpy as np

import common

LEVELS = np.array([0.01, 0.025] + [round(0.05 + 0.05 * i, 3) for i in range(19)] + [0.975, 0.99])
BLEND_GRID = np.array([round(0.05 * i, 9) for i in range(31)])
SPAN = 0.6
CHECKPOINT = 10
FOLD_MEMBERS = 3


class Features:
    """z = (ln(1 + y) - min) / (max - min), min and max over rows [0, end)."""

    def __init__(self, y, end):
        g = np.log1p(y[:end])
        self.lo = float(g.min())
        rng = float(g.max()) - self.lo
        self.scale = rng if rng > 0 else 1.0

    def z(self, y):
        return (np.log1p(y) - self.lo) / self.scale

    def to_target(self, z):
        return np.maximum(0.0, np.expm1(np.asarray(z) * self.scale + self.lo))


def window_inputs(z, origins, w):
    idx = np.asarray(origins)[:, None] + np.arange(-w + 1, 1)[None, :]
    return z[idx].astype(np.float32)[:, :, None]


def residual_targets(z, origins, h):
    o = np.asarray(origins)
    return np.stack([z[o + j] - z[o] for j in range(1, h + 1)], axis=1).astype(np.float32)


def boundaries(train_end, folds, span=SPAN):
    block = int(math.floor(train_end * span / folds))
    return [train_end - (folds - k) * block for k in range(folds + 1)]


def training_origins(w, h, end):
    return np.arange(w - 1, end - h)


def block_origins(w, h, start, end):
    return np.arange(max(start - 1, w - 1), end - h)


def checkpoints(epochs):
    return list(range(CHECKPOINT, epochs, CHECKPOINT)) + [epochs]


def empirical_quantiles(values, levels):
    """Linear interpolation between order statistics at (n - 1) tau, as QuantileScores."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    out = []
    for tau in levels:
        hh = (len(v) - 1) * tau
        lo = int(math.floor(hh))
        hi = min(lo + 1, len(v) - 1)
        out.append(v[lo] + (hh - lo) * (v[hi] - v[lo]))
    return np.array(out)


def wis(q, y):
    """Mean weighted interval score of quantile rows q [N, 23] at LEVELS for observations y [N]."""
    q = np.asarray(q)
    y = np.asarray(y)
    n = len(LEVELS)
    k = n // 2
    s = 0.5 * np.abs(y - q[:, k])
    for i in range(k):
        alpha = 2 * LEVELS[i]
        lo, hi = q[:, i], q[:, n - 1 - i]
        score = (hi - lo) + 2 / alpha * np.maximum(0, lo - y) + 2 / alpha * np.maximum(0, y - hi)
        s = s + alpha / 2 * score
    return float(np.mean(s / (k + 0.5)))


def coverage(q, y, nominal):
    tau = (1 - nominal) / 2
    lo = int(np.argmin(np.abs(LEVELS - tau)))
    hi = int(np.argmin(np.abs(LEVELS - (1 - tau))))
    return float(np.mean((y >= q[:, lo]) & (y <= q[:, hi])))


def fit_scale(r, mu):
    """a, b >= 0 minimising sum (r^2 - a v - b)^2, v = 1 / (1 + mu) (ResidualCalibration.fitScale)."""
    v = 1 / (1 + np.maximum(0, mu))
    yy = r * r
    n = len(r)
    sv, svv, sy, svy = v.sum(), (v * v).sum(), yy.sum(), (v * yy).sum()
    det = n * svv - sv * sv
    a = (n * svy - sv * sy) / det if det > 0 else 0.0
    b = (sy - a * sv) / n
    if a < 0:
        a, b = 0.0, sy / n
    elif b < 0:
        b, a = 0.0, (svy / svv if svv > 0 else 0.0)
    if not a + b > 0:
        b = 1e-12
    return a, b


def persistence_quantiles(y, train_end, rows, h):
    d = y[h:train_end] - y[:train_end - h]
    q = empirical_quantiles(d, LEVELS)
    out = y[np.asarray(rows) - h][:, None] + q[None, :]
    return np.maximum(0, out) if (y[:train_end] >= 0).all() else out


def out_of_fold(y, train_end, b, blocks, w, h, cps, fold_members, fit_member, seed, final_scale, log=print):
    """Fold k (its own scaling on rows [0, b_k)) trains fold_members networks on the w-week windows
    before its block and forecasts the block's origins (the same for every window) at every
    checkpoint; returns change[c, i, j] in the final scaling's units (CrossValidatedTraining.outOfFold)."""
    pooled = []
    for k, va in enumerate(blocks):
        fk = Features(y, b[k])  # the fold's own scaling: rows before its block
        zk = fk.z(y[:train_end])
        tr = training_origins(w, h, b[k])
        x_va = window_inputs(zk, va, w)
        pred = np.zeros((len(cps), len(va), h))

        def on_checkpoint(epoch, predict, pred=pred, x_va=x_va, scale=fk.scale):
            pred[cps.index(epoch)] += predict(x_va) * scale / fold_members

        for m in range(fold_members):
            fit_member(window_inputs(zk, tr, w), residual_targets(zk, tr, h), cps[-1],
                       seed + 7919 * (k + 1) + 1000003 * m, cps, on_checkpoint)
        pooled.append(pred / final_scale)  # into the final scaling's units
        log(f"window {w}, fold {k + 1}/{len(blocks)}: {len(tr)} training windows, {len(va)} forecast")
    return np.concatenate(pooled, axis=1)


def choose(change, cps, z_last, actual, pers_mae, feat, blend=False):
    """The epoch count (strictly lowest sum over h of best-blend MAE / persistence MAE, so a tie keeps
    the earlier checkpoint) and its blend weights, as CrossValidatedTraining.choose; without the
    blend (Lamina's default since the sixth round) every weight is 1."""
    grid = BLEND_GRID if blend else np.array([1.0])
    h = len(pers_mae)
    best = None
    for c, e in enumerate(cps):
        alphas, maes = [], []
        for j in range(h):
            m = [np.mean(np.abs(actual[j] - feat.to_target(z_last + a * change[c, :, j]))) for a in grid]
            i = int(np.argmin(m))  # the first of equal MAEs, as RollingOrigin.bestBlend
            alphas.append(float(grid[i]))
            maes.append(m[i])
        score = float(np.sum(np.array(maes) / pers_mae))
        if best is None or score < best[0]:
            best = (score, c, e, alphas, maes)
    return best


def run(city, fit_member, seed, ensemble=5, folds=3, epochs=100, windows=(10, 20), horizon=4, log=print, blend=False):
    """The whole protocol on one city; returns the report dict (choices, test scores by horizon).
    With several candidate windows, each gets its own folds, epoch count and blend weights on the
    same pooled origins (those of the longest window), and the lowest score wins (a tie keeps the
    earlier candidate), as CrossValidatedTraining with ForecastSettings.windowCandidates."""
    windows = [int(w) for w in windows]
    if not windows or min(windows) < 1 or len(set(windows)) != len(windows):
        raise ValueError(f"window candidates must be distinct and >= 1, got {windows}")
    y, dates = common.load_dengue_cases(city)
    n = len(y)
    h = horizon
    w_max = max(windows)
    train_end = common.chronological_split(n, 0.8)
    feat = Features(y, train_end)
    z = feat.z(y)
    b = boundaries(train_end, folds)
    cps = checkpoints(epochs)
    fold_members = min(ensemble, FOLD_MEMBERS)
    blocks = [block_origins(w_max, h, b[k], b[k + 1]) for k in range(folds)]
    origins = np.concatenate(blocks)
    z_last = z[origins]
    actual = np.stack([y[origins + j] for j in range(1, h + 1)])
    pers_mae = np.array([np.mean(np.abs(actual[j] - y[origins])) for j in range(h)])
    chosen_w, best, per_window = None, None, {}
    for w in windows:
        change_w = out_of_fold(y, train_end, b, blocks, w, h, cps, fold_members, fit_member, seed, feat.scale, log)
        cand = choose(change_w, cps, z_last, actual, pers_mae, feat, blend)
        per_window[str(w)] = dict(cv_score=cand[0], epochs=cand[2])
        log(f"window {w}: {cand[2]} epochs, blend {cand[3]}, out-of-fold score {cand[0]:.4f}")
        if best is None or cand[0] < best[0][0]:  # a tie keeps the earlier candidate
            chosen_w, best = w, (cand, change_w)
    (score, c, chosen, alpha, cv_mae), change = best
    w = chosen_w
    log(f"chosen window {w}, {chosen} epochs, blend {alpha}, out-of-fold score {score:.4f}, MAE {np.round(cv_mae, 2)}")
    # calibration 'scaled' on the out-of-fold residuals of the blended forecasts
    cal = []
    for j in range(h):
        blended = alpha[j] * change[c, :, j]
        r = z[origins + j + 1] - z_last - blended
        mu = feat.to_target(z_last + blended)
        a_, b_ = fit_scale(r, mu)
        sig = np.sqrt(a_ / (1 + np.maximum(0, mu)) + b_)
        cal.append((a_, b_, empirical_quantiles(r / sig, LEVELS)))
    # the ensemble on every training window, then the test weeks
    all_o = training_origins(w, h, train_end)
    predicts = [fit_member(window_inputs(z, all_o, w), residual_targets(z, all_o, h), chosen,
                           seed + 1000003 * k, [], None) for k in range(ensemble)]
    first = max(w - 1, train_end - h)
    test_o = np.arange(first, n - 1)
    x_te = window_inputs(z, test_o, w)
    mean_change = np.mean([p(x_te) for p in predicts], axis=0)
    horizons = {}
    for j in range(1, h + 1):
        keep = (test_o + j >= train_end) & (test_o + j < n)
        o = test_o[keep]
        rows = o + j
        z_hat = z[o] + alpha[j - 1] * mean_change[keep, j - 1]
        point = feat.to_target(z_hat)
        a_, b_, q = cal[j - 1]
        sig = np.sqrt(a_ / (1 + np.maximum(0, point)) + b_)
        quant = feat.to_target(z_hat[:, None] + sig[:, None] * q[None, :])
        act = y[rows]
        pq = persistence_quantiles(y, train_end, rows, j)
        horizons[f"h{j}"] = dict(
            model=dict(mae=float(np.mean(np.abs(act - point))), wis=wis(quant, act),
                       coverage_50=coverage(quant, act, 0.5), coverage_95=coverage(quant, act, 0.95)),
            persistence=dict(mae=float(np.mean(np.abs(act - y[rows - j]))), wis=wis(pq, act)),
            test_weeks=int(len(rows)))
    return dict(city=city, seed=seed, ensemble=ensemble, folds=folds, fold_members=fold_members, window=w,
                window_candidates=windows, windows=per_window, horizon=h, chosen_epochs=chosen, blend=alpha, cv_score=score, cv_mae=[float(m) for m in cv_mae],
                horizons=horizons)


def print_table(report, log=print):
    log(f"{'h':>2} {'MAE':>8} {'pers MAE':>9} {'WIS':>8} {'pers WIS':>9} {'WIS ratio':>9} {'cov50':>6} {'cov95':>6}")
    for k, v in report["horizons"].items():
        m, p = v["model"], v["persistence"]
        log(f"{k[1:]:>2} {m['mae']:8.2f} {p['mae']:9.2f} {m['wis']:8.2f} {p['wis']:9.2f} {m['wis'] / p['wis']:9.3f} "
            f"{m['coverage_50']:6.3f} {m['coverage_95']:6.3f}")
