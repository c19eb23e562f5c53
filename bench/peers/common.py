"""Shared helpers of the peer benchmarks: data preparation that mirrors Lamina's Java code,
forecast metrics, and the JSON report printed on the last line of every script.

Only numpy and pandas here, so the PyTorch scripts do not import TensorFlow and the other way
round. Nothing in the Lamina build depends on this directory.
"""
import json
import math
import os
import platform
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"


# ---- dengue: mirrors java/dev/lamina/forecast/Forecaster.trainAndEvaluate ----------------------

def load_dengue_cases(city="san_juan", data_dir=DATA):
    """Weekly total_cases of data/dengue/<city>_testing_data.csv, sorted by week_start_date
    (as dev.lamina.data.DengueData)."""
    import pandas as pd
    df = pd.read_csv(Path(data_dir) / "dengue" / f"{city}_testing_data.csv", parse_dates=["week_start_date"])
    df = df.sort_values("week_start_date", kind="stable")
    cases = df["total_cases"].to_numpy(dtype=np.float64)
    if np.isnan(cases).any():
        raise ValueError(f"{city}: total_cases has missing values")
    return cases, df["week_start_date"].dt.date.astype(str).tolist()


def chronological_split(n, train_fraction):
    """nTrain = floor(n * trainFraction + 1e-9), as dev.lamina.data.TimeSeriesSplit.chronological."""
    return int(math.floor(n * train_fraction + 1e-9))


class MinMax:
    """dev.lamina.data.MinMaxScaler for one column, range [0, 1]: y = (x - min) / (max - min),
    min and max of the training part only; a constant column's range is taken as 1."""

    def __init__(self, train):
        self.lo = float(np.min(train))
        self.hi = float(np.max(train))
        rng = self.hi - self.lo
        self.scale = 1.0 / (rng if rng != 0.0 else 1.0)
        self.offset = -self.lo * self.scale

    def transform(self, x):
        return np.asarray(x, dtype=np.float64) * self.scale + self.offset

    def inverse(self, y):
        return (np.asarray(y, dtype=np.float64) - self.offset) / self.scale


def windows(series, window, horizon):
    """dev.lamina.data.Windows.make with stride 1, one feature, one target: X [N, window, 1] and
    Y [N, 1] as float32, N = len - window - horizon + 1; window i reads rows i..i+window-1 and
    its target is row i + window - 1 + horizon. Also returns the target rows."""
    n = len(series) - window - horizon + 1
    if n < 1:
        raise ValueError(f"windows: {len(series)} rows are too few for window {window}, horizon {horizon}")
    idx = np.arange(window)[None, :] + np.arange(n)[:, None]
    x = series[idx].astype(np.float32)[:, :, None]
    rows = np.arange(n) + window - 1 + horizon
    y = series[rows].astype(np.float32)[:, None]
    return x, y, rows


def dengue_problem(window=20, horizon=1, train_fraction=0.8, city="san_juan"):
    """Everything the forecaster trains and is tested on, exactly as Lamina builds it.

    Returns a dict with x_train, y_train (scaled, float32), x_test (scaled windows whose targets
    are the test weeks), actual (test targets in cases), persistence (target[row - horizon]),
    seasonal (target[row - 52], or persistence when that is before the start), scaler, n,
    n_train."""
    cases, dates = load_dengue_cases(city)
    n = len(cases)
    if n < 2 * (window + horizon):
        raise ValueError(f"{city}: {n} rows are too few")
    n_train = chronological_split(n, train_fraction)
    scaler = MinMax(cases[:n_train])
    scaled = scaler.transform(cases)
    x_train, y_train, _ = windows(scaled[:n_train], window, horizon)
    hist_start = max(0, n_train - (window + horizon - 1))
    x_test, _, rows = windows(scaled[hist_start:], window, horizon)
    rows = rows + hist_start
    actual = cases[rows]
    persistence = cases[rows - horizon]
    seasonal = np.where(rows - 52 >= 0, cases[np.maximum(rows - 52, 0)], cases[rows - horizon])
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, actual=actual, persistence=persistence,
                seasonal=seasonal, scaler=scaler, n=n, n_train=n_train, test_dates=[dates[r] for r in rows])


def validation_cut(count, validation_split):
    """Training windows kept under validation_split, by Keras 3's rule
    (keras/src/trainers/data_adapters/array_slicing.py), which dev.lamina.models.Model.fit
    follows too: the first floor(count * (1 - split)) train, the rest validate
    (936 windows, split 0.2: 748 train, 188 validate)."""
    return int(math.floor(count * (1.0 - validation_split)))


def regression_metrics(actual, predicted):
    """MSE, RMSE, MAE, R² and MAPE (percent, zero targets skipped), as
    dev.lamina.metrics.RegressionMetrics."""
    a = np.asarray(actual, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    err = a - p
    mse = float(np.mean(err ** 2))
    ss_tot = float(np.sum((a - a.mean()) ** 2))
    ss_res = float(np.sum(err ** 2))
    r2 = (1.0 - ss_res / ss_tot) if ss_tot > 0 else (1.0 if ss_res == 0 else 0.0)
    nz = np.abs(a) >= sys.float_info.min
    mape = float(100.0 * np.mean(np.abs(err[nz] / a[nz]))) if nz.any() else float("nan")
    return dict(mse=mse, rmse=math.sqrt(mse), mae=float(np.mean(np.abs(err))), r2=r2, mape=mape)


# ---- digits: mirrors dev.lamina.data.Digits -------------------------------------------------------

def load_digits(data_dir=DATA):
    """data/digits/digits.csv.gz: 1,797 rows of 64 pixels (0..16) and a label (0..9).
    Returns pixels / 16 as float32 [N, 64] and int labels [N]."""
    raw = np.loadtxt(Path(data_dir) / "digits" / "digits.csv.gz", delimiter=",", dtype=np.int64)
    if raw.ndim != 2 or raw.shape[1] != 65:
        raise ValueError(f"digits: expected 65 columns, got shape {raw.shape}")
    return (raw[:, :64] / 16.0).astype(np.float32), raw[:, 64].astype(np.int64)


# ---- reporting ---------------------------------------------------------------------------------

def machine():
    """What the figures were measured on."""
    info = dict(python=platform.python_version(), platform=platform.platform(), cpu_count=os.cpu_count(),
                omp_num_threads=os.environ.get("OMP_NUM_THREADS"))
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def tf_setup(threads, seed):
    """Imports TensorFlow/Keras quietly, applies --threads (0 keeps TF's defaults) and seeds
    Python, NumPy and TF through keras.utils.set_random_seed. Returns (tf, keras, info)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import keras
    if threads > 0:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras.utils.set_random_seed(seed)
    info = dict(framework="keras", tensorflow=tf.__version__, keras=keras.__version__,
                keras_backend=keras.backend.backend(),
                intra_op_threads=tf.config.threading.get_intra_op_parallelism_threads(),
                inter_op_threads=tf.config.threading.get_inter_op_parallelism_threads(),
                onednn=os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default"))
    return tf, keras, info


def torch_setup(threads, seed):
    """Imports PyTorch, applies --threads (0 keeps torch's default) and seeds it. Returns (torch, info)."""
    import torch
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    np.random.seed(seed)
    info = dict(framework="torch", torch=torch.__version__, threads=torch.get_num_threads(),
                interop_threads=torch.get_num_interop_threads())
    return torch, info


def report(result):
    """Prints the result as one JSON line, the last line of the output."""
    sys.stdout.flush()
    print(json.dumps(result, sort_keys=False))
    sys.stdout.flush()
