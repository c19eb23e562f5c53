#!/usr/bin/env python3
"""Writes parity case files (format: FORMAT.md beside this script) with PyTorch in float64.

Inputs and upstream gradients ("seeds") are drawn in float32 and stored as F32 (ids and labels as
I32); every output and gradient is computed in float64 from those float32 values and stored as F64.
The ops follow FORMAT.md's Keras conventions: NHWC images, [kh,kw,C,K] kernels, TensorFlow's
"same" padding (the extra pad at the bottom/right), same average pooling dividing by the count of
real elements, LSTM gates ifco, GRU zrh with reset_after and bias [2,3H], Keras's binary
cross-entropy on probabilities (clip to [1e-7, 1 - 1e-7]; the gradient is zero where the clip acts).

  python make_parity_cases.py --check DIR     recompute every case in DIR from its own inputs,
                                              seeds and attrs; report the largest relative
                                              difference per case (exit 1 above --check-tol)
  python make_parity_cases.py --set NAME OUT  write the named set of cases into OUT
                                              (sets: sweep, large, fuzz, fuzz-losses, curated)

The project never runs this script: its outputs are checked in. Run it with the peers' Python
(PyTorch only; the safetensors files are written by hand, no safetensors package needed).
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

torch.set_grad_enabled(True)

# ----------------------------------------------------------------------------------------------
# safetensors reading and writing (the layout of FORMAT.md)

_DT = {"F32": np.float32, "F64": np.float64, "I32": np.int32}
_DT_NAME = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int32): "I32"}
# the safetensors library's order: larger dtypes first, then by name
_DT_RANK = {"F64": 0, "F32": 1, "I32": 2}


def read_case(path):
    """(metadata dict, {name: numpy array}) of one case file."""
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    meta = header.pop("__metadata__", {})
    arrays = {}
    for name, v in header.items():
        s, e = v["data_offsets"]
        arrays[name] = np.frombuffer(b[8 + n + s:8 + n + e], dtype=_DT[v["dtype"]]).reshape(v["shape"]).copy()
    return meta, arrays


def write_case(path, op, attrs, arrays):
    """Writes one case: metadata (op, attrs as JSON, reference, format 1) and the arrays."""
    names = sorted(arrays, key=lambda k: (_DT_RANK[_DT_NAME[arrays[k].dtype]], k))
    header = {"__metadata__": {"op": op, "attrs": json.dumps(attrs), "format": "1",
                               "reference": "torch %s float64" % torch.__version__}}
    blobs = []
    offset = 0
    for name in names:
        a = np.array(arrays[name], order="C")  # (ascontiguousarray would make a scalar 1-d)
        raw = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _DT_NAME[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for raw in blobs:
            f.write(raw)


# ----------------------------------------------------------------------------------------------
# the ops, in float64 torch; each takes {name: float64/int64 tensor} and attrs, returns {name: tensor}

def _act(z, act):
    if act == "linear":
        return z
    if act == "relu":
        return torch.relu(z)
    if act == "sigmoid":
        return torch.sigmoid(z)
    if act == "tanh":
        return torch.tanh(z)
    if act == "softmax":
        return torch.softmax(z, dim=-1)
    raise ValueError("unknown activation " + act)


def _pair(v, default):
    if v is None:
        return list(default)
    if isinstance(v, int):
        return [v, v]
    return list(v)


def _same_pads(size, k, s, d=1):
    """TensorFlow's same padding along one axis: (before, after), the extra pad after."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def op_matmul(t, a):
    return {"y": t["a"] @ t["b"]}


def _zeros_state(t, name, x, units):
    return t[name] if name in t else torch.zeros(x.shape[0], units, dtype=torch.float64)


def _bias(t, shape):
    return t["bias"] if "bias" in t else torch.zeros(shape, dtype=torch.float64)


def op_dense(t, a):
    z = t["x"] @ t["kernel"]
    return {"y": _act(z + t["bias"] if "bias" in t else z, a.get("activation", "linear"))}


def op_conv2d(t, a):
    x = t["x"].permute(0, 3, 1, 2).contiguous()        # NHWC -> NCHW
    k = t["kernel"].permute(3, 2, 0, 1).contiguous()   # [kh,kw,C/g,K] -> [K,C/g,kh,kw]
    s = _pair(a.get("strides"), [1, 1])
    d = _pair(a.get("dilation_rate"), [1, 1])
    g = a.get("groups", 1)
    if a.get("padding", "valid").lower() == "same":
        pt, pb = _same_pads(x.shape[2], k.shape[2], s[0], d[0])
        pl, pr = _same_pads(x.shape[3], k.shape[3], s[1], d[1])
        x = torch.nn.functional.pad(x, (pl, pr, pt, pb))
    y = torch.nn.functional.conv2d(x, k, stride=s, dilation=d, groups=g).permute(0, 2, 3, 1)
    if "bias" in t:
        y = y + t["bias"]
    return {"y": y}


def _pool(t, a, kind):
    x = t["x"].permute(0, 3, 1, 2)
    p = _pair(a.get("pool_size"), [2, 2])
    s = _pair(a.get("strides"), p)
    F = torch.nn.functional
    if a.get("padding", "valid").lower() == "same":
        pt, pb = _same_pads(x.shape[2], p[0], s[0])
        pl, pr = _same_pads(x.shape[3], p[1], s[1])
        pads = (pl, pr, pt, pb)
    else:
        pads = (0, 0, 0, 0)
    if kind == "max":
        y = F.max_pool2d(F.pad(x, pads, value=-math.inf), p, s)
    else:
        total = F.avg_pool2d(F.pad(x, pads), p, s, divisor_override=1)
        ones = torch.ones_like(x[:1, :1])
        count = F.avg_pool2d(F.pad(ones, pads), p, s, divisor_override=1)
        y = total / count
    return {"y": y.permute(0, 2, 3, 1)}


def op_lstm(t, a):
    assert a.get("gate_order", "ifco") == "ifco"
    x, k, rk = t["x"], t["kernel"], t["recurrent_kernel"]
    units = rk.shape[0]
    b = _bias(t, [4 * units])
    h, c = _zeros_state(t, "h0", x, units), _zeros_state(t, "c0", x, units)
    ys = []
    for step in range(x.shape[1]):
        z = x[:, step] @ k + h @ rk + b
        i, f, cc, o = z.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(cc)
        h = torch.sigmoid(o) * torch.tanh(c)
        ys.append(h)
    y = torch.stack(ys, 1) if a.get("return_sequences", False) else h
    return {"y": y, "h": h, "c": c}


def op_gru(t, a):
    assert a.get("gate_order", "zrh") == "zrh" and a.get("reset_after", True)
    x, k, rk = t["x"], t["kernel"], t["recurrent_kernel"]
    b = _bias(t, [2, 3 * rk.shape[0]])
    h = _zeros_state(t, "h0", x, rk.shape[0])
    ys = []
    for step in range(x.shape[1]):
        xz = x[:, step] @ k + b[0]
        hz = h @ rk + b[1]
        xz_z, xz_r, xz_h = xz.chunk(3, dim=-1)
        hz_z, hz_r, hz_h = hz.chunk(3, dim=-1)
        z = torch.sigmoid(xz_z + hz_z)
        r = torch.sigmoid(xz_r + hz_r)
        hh = torch.tanh(xz_h + r * hz_h)
        h = z * h + (1 - z) * hh
        ys.append(h)
    y = torch.stack(ys, 1) if a.get("return_sequences", False) else h
    return {"y": y, "h": h}


def op_simple_rnn(t, a):
    assert a.get("activation", "tanh") == "tanh"
    x, k, rk = t["x"], t["kernel"], t["recurrent_kernel"]
    b = _bias(t, [rk.shape[0]])
    h = _zeros_state(t, "h0", x, rk.shape[0])
    ys = []
    for step in range(x.shape[1]):
        h = torch.tanh(x[:, step] @ k + h @ rk + b)
        ys.append(h)
    return {"y": torch.stack(ys, 1) if a.get("return_sequences", False) else h}


def op_embedding(t, a):
    return {"y": t["embeddings"][t["ids"].long()]}


# Keras's epsilon as a float32 engine applies it: the clip bounds 1e-7 and 1 - 1e-7 rounded to float32
# (1 - 1e-7 is 0.99999988 there, so the float32 probability 0.99999994 is clipped)
EPS_LO = float(np.float32(1e-7))
EPS_HI = float(np.float32(1 - 1e-7))


def op_sparse_categorical_crossentropy(t, a):
    logits, labels = t["logits"], t["labels"].long()
    if a.get("from_logits", True):
        logp = torch.log_softmax(logits, dim=-1)
    else:  # Keras: normalise the probabilities, clip to [eps, 1 - eps], log
        p = logits / logits.sum(-1, keepdim=True)
        logp = torch.log(torch.clamp(p, EPS_LO, EPS_HI))
    return {"loss": -logp.gather(-1, labels.unsqueeze(-1)).mean()}


def op_mean_squared_error(t, a):
    return {"loss": ((t["y_pred"] - t["y_true"]) ** 2).mean()}


def op_binary_crossentropy(t, a):
    y, p = t["y_true"], t["y_pred"]
    if a.get("from_logits", False):
        z = p
        bce = torch.relu(z) - z * y + torch.log1p(torch.exp(-z.abs()))
    else:
        # Keras: clip to [eps, 1 - eps] (eps = 1e-7 in float32; the gradient is zero where the clip
        # acts, and passes at the bounds themselves), then -(y log p + (1 - y) log(1 - p));
        # torch.clamp has that gradient
        p = torch.clamp(p, EPS_LO, EPS_HI)
        bce = -(y * torch.log(p) + (1 - y) * torch.log(1 - p))
    return {"loss": bce.mean()}


OPS = {
    "matmul": op_matmul, "dense": op_dense, "conv2d": op_conv2d,
    "max_pool2d": lambda t, a: _pool(t, a, "max"), "avg_pool2d": lambda t, a: _pool(t, a, "avg"),
    "lstm": op_lstm, "gru": op_gru, "simple_rnn": op_simple_rnn, "embedding": op_embedding,
    "sparse_categorical_crossentropy": op_sparse_categorical_crossentropy,
    "mean_squared_error": op_mean_squared_error, "binary_crossentropy": op_binary_crossentropy,
}

# inputs that never get a gradient (labels, targets, ids)
NO_GRAD = {"ids", "labels", "y_true"}


def compute(op, attrs, inputs, seeds, grad_names=None):
    """Outputs and input gradients (float64 numpy) from float32/int32 numpy inputs and seeds."""
    t = {}
    for name, v in inputs.items():
        if v.dtype == np.int32:
            t[name] = torch.from_numpy(v.astype(np.int64))
        else:
            want = name not in NO_GRAD if grad_names is None else name in grad_names
            t[name] = torch.from_numpy(v.astype(np.float64)).requires_grad_(want)
    outs = OPS[op](t, attrs)
    result = {"out." + n: o.detach().numpy().astype(np.float64) for n, o in outs.items()}
    grad_inputs = [n for n in t if t[n].requires_grad]
    if not grad_inputs or not seeds:
        return result
    loss = sum((outs[n] * torch.from_numpy(seeds[n].astype(np.float64))).sum() for n in seeds)
    grads = torch.autograd.grad(loss, [t[n] for n in grad_inputs], allow_unused=True)
    for n, g in zip(grad_inputs, grads):
        result["grad." + n] = (torch.zeros_like(t[n]) if g is None else g).detach().numpy().astype(np.float64)
    return result


def make_case(path, op, attrs, inputs, seed_rng, seed_names=None):
    """Draws seeds for the outputs (all of them unless seed_names), computes and writes one case."""
    probe = compute(op, attrs, inputs, {}, grad_names=set())  # output shapes
    names = [k[4:] for k in probe if k.startswith("out.")] if seed_names is None else seed_names
    seeds = {n: seed_rng.standard_normal(probe["out." + n].shape).astype(np.float32) for n in names}
    res = compute(op, attrs, inputs, seeds)
    arrays = {"in." + k: v for k, v in inputs.items()}
    arrays.update({"seed." + k: v for k, v in seeds.items()})
    arrays.update(res)
    for k, v in arrays.items():
        if not np.all(np.isfinite(v)):
            raise ValueError("%s: %s is not finite" % (path, k))
    write_case(path, op, attrs, arrays)


# ----------------------------------------------------------------------------------------------
# --check: recompute existing cases from their own inputs

def check_dir(directory, tol):
    worst = 0.0
    bad = 0
    for f in sorted(os.listdir(directory)):
        if not f.endswith(".safetensors"):
            continue
        meta, arrays = read_case(os.path.join(directory, f))
        op, attrs = meta["op"], json.loads(meta.get("attrs", "{}"))
        inputs = {k[3:]: v for k, v in arrays.items() if k.startswith("in.")}
        seeds = {k[5:]: v for k, v in arrays.items() if k.startswith("seed.")}
        grad_names = {k[5:] for k in arrays if k.startswith("grad.")}
        res = compute(op, attrs, inputs, seeds, grad_names)
        case_worst = 0.0
        for k, ref in arrays.items():
            if not (k.startswith("out.") or k.startswith("grad.")):
                continue
            mine = res[k]
            if mine.shape != ref.shape:
                raise ValueError("%s %s: shape %s vs %s" % (f, k, mine.shape, ref.shape))
            norm = np.linalg.norm(ref)
            rel = np.linalg.norm(mine - ref) / (norm if norm > 0 else 1.0)
            case_worst = max(case_worst, rel)
        missing = set(res) - {k for k in arrays}
        status = "ok" if case_worst <= tol and not missing else "DIFFERS"
        bad += status != "ok"
        worst = max(worst, case_worst)
        print("%-56s %-34s max rel diff %.3e %s%s" % (f, op, case_worst, status,
                                                       " (extra: %s)" % sorted(missing) if missing else ""))
    print("largest relative difference %.3e; %d case(s) differ" % (worst, bad))
    return bad == 0


# ----------------------------------------------------------------------------------------------
# the case sets

# the cases of the sweeps that data/parity/cases keeps: each caught a bug or covers an edge
CURATED = [
    # dense: saturated activations (their gradients lost float32's accuracy before), sizes of 1
    "dense_softmax_B6_I9_O7_x10", "dense_tanh_B4_I8_O2_x30", "dense_sigmoid_saturated",
    "dense_softmax_pm50", "dense_softmax_O1", "dense_relu_B1_I1_O1_x1",
    # matmul: ones, primes, SIMD-width neighbours, batched
    "matmul_1x1x1", "matmul_9x15x17", "matmul_33x65x31", "matmul_batched_3x5x7x4",
    # conv2d: a bias gradient of 24 seeds that cancel to 1e-2 (the cuda sum accumulated in float32),
    # same padding with even kernels and even/odd sizes, strides 2 and (1,2)/(2,1), 1x1
    # kernels, kernels larger than the input, dilation, groups, attribute spellings
    "fuzz136_conv2d", "conv2d_B1_1x1x1_k1x1x1_s11_valid", "conv2d_B2_8x8x3_k2x2x4_s11_same", "conv2d_B2_7x7x3_k2x2x4_s11_same",
    "conv2d_B2_9x9x2_k4x4x3_s22_same", "conv2d_B2_10x9x3_k3x3x4_s12_same", "conv2d_B1_11x13x2_k5x3x3_s21_same",
    "conv2d_B2_7x7x3_k1x1x4_s22_valid", "conv2d_B1_1x1x3_k3x3x2_s11_same", "conv2d_B1_2x2x3_k3x3x2_s22_same",
    "conv2d_dil2_same", "conv2d_groups2_valid", "conv2d_nobias_int_strides",
    "conv2d_upper_SAME",
    # pooling: same padding on sizes not divisible, strides unlike the pool, default strides, ties
    "maxpool2d_B2_7x7x3_p22_s22_same", "avgpool2d_B2_7x7x3_p22_s22_same", "maxpool2d_B2_9x8x3_p33_s22_same",
    "avgpool2d_B2_9x8x3_p33_s22_same", "avgpool2d_B1_10x7x2_p23_s12_same", "maxpool2d_B1_13x13x1_p44_s33_same",
    "avgpool2d_B1_13x13x1_p44_s33_same", "maxpool2d_B1_6x6x2_p22_s33_valid", "avgpool2d_B1_5x5x2_p55_s11_same",
    "avgpool2d_B1_1x1x1_p22_s22_same", "maxpool2d_nostrides_same", "avgpool2d_nostrides_same", "maxpool2d_ties",
    # recurrent: sizes of 1, hidden sizes around SIMD widths and the persistent kernels' limit (64),
    # a longer sequence, saturated gates, optional inputs
    "lstm_B1_T1_I1_H1_last", "lstm_B2_T3_I4_H17_seq", "lstm_B2_T3_I3_H65_seq", "lstm_B2_T30_I3_H8_last", "lstm_saturated",
    "gru_B1_T1_I1_H1_seq", "gru_B2_T4_I3_H33_last", "gru_B2_T3_I3_H65_last", "gru_saturated",
    "simple_rnn_B1_T1_I1_H1_last", "simple_rnn_B2_T3_I2_H31_seq", "simple_rnn_saturated",
    "lstm_no_state", "gru_no_state", "lstm_seed_h_only",
    # embedding: V = 1, repeated ids (the gradient accumulates), rank-1 ids
    "embedding_V1_D1_B1_T1", "embedding_V5_D3_B4_T9_rep", "embedding_rank1_ids",
    # losses: confident rows (their gradient p − 1 cancelled in float32), one and two classes, extreme logits, probabilities near 0 and 1, soft labels, ranks
    "scce_B2_C3_x100", "scce_B1_C1_x1", "scce_B5_C2_x1", "scce_B4_C5_x50", "scce_pm50", "scce_probs",
    "mse_1x1_x1", "mse_2x3x4_x1", "bce_1x1", "bce_near01", "bce_clipped", "bce_soft_labels", "bce_logits",
]


class Gen:
    """Writes cases into one folder, each drawn from its own seeded generator (by its name)."""

    def __init__(self, out, keep=None):
        self.out = out
        self.names = []
        self.keep = keep
        os.makedirs(out, exist_ok=True)

    def rng(self, name):
        return np.random.default_rng(int.from_bytes(name.encode(), "little") % (2 ** 63))

    def case(self, name, op, attrs, build, seed_names=None):
        """build(rng) returns the inputs; the seeds come from the same generator afterwards."""
        if self.keep is not None and name not in self.keep:
            return
        r = self.rng(name)
        inputs = build(r)
        make_case(os.path.join(self.out, name + ".safetensors"), op, attrs, inputs, r, seed_names)
        self.names.append(name)


def f32(r, *shape, scale=1.0):
    return (r.standard_normal(shape) * scale).astype(np.float32)


def u32(r, lo, hi, *shape):
    return r.uniform(lo, hi, shape).astype(np.float32)


def rnn_inputs(kind, B, T, I, H, h0=True, wscale=None):
    g = {"lstm": 4, "gru": 3, "simple_rnn": 1}[kind]
    ws = 1.0 / math.sqrt(max(I, 1)) if wscale is None else wscale
    rs = 1.0 / math.sqrt(H) if wscale is None else wscale

    def build(r):
        d = {"x": f32(r, B, T, I), "kernel": f32(r, I, g * H, scale=ws),
             "recurrent_kernel": f32(r, H, g * H, scale=rs),
             "bias": f32(r, 2, 3 * H, scale=0.5) if kind == "gru" else f32(r, g * H, scale=0.5)}
        if kind != "simple_rnn" or h0:
            d["h0"] = f32(r, B, H, scale=0.5)
        if kind == "lstm":
            d["c0"] = f32(r, B, H, scale=0.5)
        return d
    return build


def conv_inputs(B, H, W, C, kh, kw, K, groups=1, bias=True):
    def build(r):
        d = {"x": f32(r, B, H, W, C),
             "kernel": f32(r, kh, kw, C // groups, K, scale=1.0 / math.sqrt(kh * kw * C // groups))}
        if bias:
            d["bias"] = f32(r, K, scale=0.5)
        return d
    return build


def sweep(g, curated=False):
    """Edge shapes and attributes of every op in FORMAT.md's table."""
    # matmul: ones, primes, sizes around SIMD widths and tile edges
    mm = [(1, 1, 1), (1, 7, 1), (7, 1, 9), (1, 33, 17), (13, 1, 1), (7, 13, 5), (8, 8, 8), (9, 15, 17),
          (16, 31, 33), (17, 32, 15), (33, 65, 31), (65, 33, 129), (129, 17, 65), (31, 129, 7), (2, 300, 3)]
    for m, k, n in mm:
        g.case("matmul_%dx%dx%d" % (m, k, n), "matmul", {}, lambda r, m=m, k=k, n=n: {"a": f32(r, m, k), "b": f32(r, k, n)})
    # dense: every activation at B=1, odd sizes, and large-magnitude inputs
    for act in ["linear", "relu", "sigmoid", "tanh", "softmax"]:
        for B, I, O, sc in [(1, 1, 1, 1.0), (1, 7, 9, 1.0), (13, 33, 17, 1.0), (5, 16, 65, 1.0), (6, 9, 7, 10.0),
                            (4, 8, 2, 30.0)]:
            g.case("dense_%s_B%d_I%d_O%d_x%g" % (act, B, I, O, sc), "dense", {"activation": act},
                   lambda r, B=B, I=I, O=O, sc=sc: {"x": f32(r, B, I, scale=sc), "kernel": f32(r, I, O),
                                                    "bias": f32(r, O)})
    # softmax with logits around +-50 (bias drives them)
    g.case("dense_softmax_pm50", "dense", {"activation": "softmax"},
           lambda r: {"x": f32(r, 4, 3), "kernel": f32(r, 3, 6, scale=0.1),
                      "bias": np.array([50, -50, 49, 0, -49, 50], np.float32)})
    # sigmoid saturated by the bias (z near ±20): its gradient is e^-20-small but well defined
    g.case("dense_sigmoid_saturated", "dense", {"activation": "sigmoid"},
           lambda r: {"x": f32(r, 4, 3), "kernel": f32(r, 3, 4, scale=0.1),
                      "bias": np.array([18, 22, -20, 25], np.float32)})
    g.case("dense_softmax_O1", "dense", {"activation": "softmax"},
           lambda r: {"x": f32(r, 3, 4), "kernel": f32(r, 4, 1), "bias": f32(r, 1)})
    # conv2d
    convs = [
        # B,H,W,C, kh,kw,K, strides, padding
        (1, 1, 1, 1, 1, 1, 1, [1, 1], "valid"),
        (1, 5, 5, 1, 1, 1, 3, [1, 1], "same"),
        (2, 7, 7, 3, 1, 1, 4, [2, 2], "valid"),
        (2, 8, 8, 3, 2, 2, 4, [1, 1], "same"),
        (2, 7, 7, 3, 2, 2, 4, [1, 1], "same"),
        (2, 8, 8, 3, 4, 4, 2, [2, 2], "same"),
        (2, 9, 9, 2, 4, 4, 3, [2, 2], "same"),
        (1, 9, 8, 3, 3, 3, 5, [2, 2], "same"),
        (2, 9, 9, 3, 3, 3, 5, [2, 2], "valid"),
        (2, 10, 9, 3, 3, 3, 4, [1, 2], "same"),
        (2, 10, 9, 3, 3, 3, 4, [1, 2], "valid"),
        (1, 11, 13, 2, 5, 3, 3, [2, 1], "same"),
        (1, 12, 12, 2, 5, 5, 3, [3, 3], "same"),
        (1, 13, 13, 1, 7, 7, 2, [2, 2], "valid"),
        (2, 6, 6, 16, 3, 3, 17, [1, 1], "same"),
        (1, 5, 5, 33, 3, 3, 8, [1, 1], "valid"),
        (1, 4, 4, 8, 3, 3, 33, [1, 1], "same"),
        (1, 3, 3, 2, 3, 3, 1, [1, 1], "valid"),
        (1, 1, 1, 3, 3, 3, 2, [1, 1], "same"),
        (1, 2, 2, 3, 3, 3, 2, [2, 2], "same"),
        (3, 15, 17, 3, 3, 3, 9, [1, 1], "same"),
        (1, 16, 16, 4, 3, 3, 8, [2, 2], "same"),
    ]
    for B, H, W, C, kh, kw, K, s, p in convs:
        name = "conv2d_B%d_%dx%dx%d_k%dx%dx%d_s%d%d_%s" % (B, H, W, C, kh, kw, K, s[0], s[1], p)
        g.case(name, "conv2d", {"strides": s, "padding": p}, conv_inputs(B, H, W, C, kh, kw, K))
    g.case("conv2d_dil2_same", "conv2d", {"strides": [1, 1], "padding": "same", "dilation_rate": [2, 2]},
           conv_inputs(1, 9, 8, 2, 3, 3, 3))
    g.case("conv2d_groups2_valid", "conv2d", {"strides": [1, 1], "padding": "valid", "groups": 2},
           conv_inputs(1, 6, 6, 4, 3, 3, 6, groups=2))
    # pooling
    pools = [
        # B,H,W,C, pool, strides, padding
        (1, 1, 1, 1, [1, 1], [1, 1], "valid"),
        (1, 1, 1, 1, [2, 2], [2, 2], "same"),
        (2, 7, 7, 3, [2, 2], [2, 2], "same"),
        (2, 7, 7, 3, [2, 2], [2, 2], "valid"),
        (2, 9, 8, 3, [3, 3], [2, 2], "same"),
        (2, 9, 8, 3, [3, 3], [2, 2], "valid"),
        (1, 8, 8, 2, [3, 3], [1, 1], "same"),
        (1, 10, 7, 2, [2, 3], [1, 2], "same"),
        (1, 10, 7, 2, [2, 3], [1, 2], "valid"),
        (2, 6, 6, 17, [2, 2], [1, 1], "valid"),
        (1, 5, 5, 33, [3, 3], [3, 3], "same"),
        (1, 13, 13, 1, [4, 4], [3, 3], "same"),
        (1, 6, 6, 2, [2, 2], [3, 3], "valid"),
        (1, 5, 5, 2, [5, 5], [1, 1], "same"),
        (1, 16, 16, 8, [2, 2], [2, 2], "same"),
    ]
    for kind in ["max", "avg"]:
        for B, H, W, C, p, s, pad in pools:
            name = "%spool2d_B%d_%dx%dx%d_p%d%d_s%d%d_%s" % (kind, B, H, W, C, p[0], p[1], s[0], s[1], pad)
            g.case(name, kind + "_pool2d", {"pool_size": p, "strides": s, "padding": pad},
                   lambda r, B=B, H=H, W=W, C=C: {"x": f32(r, B, H, W, C)})
    # pooling without strides (Keras: strides default to pool_size)
    g.case("maxpool2d_nostrides_same", "max_pool2d", {"pool_size": [2, 2], "padding": "same"},
           lambda r: {"x": f32(r, 1, 5, 7, 3)})
    g.case("avgpool2d_nostrides_same", "avg_pool2d", {"pool_size": [2, 2], "padding": "same"},
           lambda r: {"x": f32(r, 1, 5, 7, 3)})
    # max pooling with ties (repeated values in a window)
    g.case("maxpool2d_ties", "max_pool2d", {"pool_size": [2, 2], "strides": [1, 1], "padding": "valid"},
           lambda r: {"x": np.round(f32(r, 1, 5, 5, 2)).astype(np.float32)})
    # recurrent
    rnn_shapes = [(1, 1, 1, 1), (1, 1, 3, 8), (2, 7, 1, 5), (3, 4, 5, 16), (2, 3, 4, 17), (2, 3, 2, 31),
                  (2, 5, 3, 32), (2, 4, 3, 33), (2, 3, 4, 64), (2, 3, 3, 65), (1, 3, 4, 100), (2, 2, 3, 129),
                  (2, 30, 3, 8), (1, 64, 2, 12), (5, 13, 7, 9)]
    for kind in ["lstm", "gru", "simple_rnn"]:
        for B, T, I, H in rnn_shapes:
            for seq in [False, True]:
                attrs = {"return_sequences": seq}
                if kind == "lstm":
                    attrs["gate_order"] = "ifco"
                elif kind == "gru":
                    attrs.update(gate_order="zrh", reset_after=True)
                else:
                    attrs["activation"] = "tanh"
                name = "%s_B%d_T%d_I%d_H%d_%s" % (kind, B, T, I, H, "seq" if seq else "last")
                g.case(name, kind, attrs, rnn_inputs(kind, B, T, I, H, h0=False))
        # saturating gates: large weights
        attrs = {"return_sequences": True}
        attrs.update({"lstm": {"gate_order": "ifco"}, "gru": {"gate_order": "zrh", "reset_after": True},
                      "simple_rnn": {"activation": "tanh"}}[kind])
        g.case("%s_saturated" % kind, kind, attrs, rnn_inputs(kind, 2, 6, 3, 7, h0=False, wscale=3.0))
    # simple_rnn from a nonzero h0 (the runner accepts an optional in.h0)
    g.case("simple_rnn_h0_B3_T4_I2_H6_seq", "simple_rnn", {"return_sequences": True, "activation": "tanh"},
           rnn_inputs("simple_rnn", 3, 4, 2, 6, h0=True))
    # lstm/gru with only some outputs seeded
    g.case("lstm_seed_h_only", "lstm", {"return_sequences": False, "gate_order": "ifco"},
           rnn_inputs("lstm", 2, 3, 2, 5), seed_names=["h"])
    # embedding
    for V, D, B, T, rep in [(1, 1, 1, 1, False), (1, 4, 2, 3, False), (5, 3, 4, 9, True), (200, 7, 3, 5, False),
                            (33, 17, 2, 40, True), (3, 65, 2, 2, True)]:
        def build(r, V=V, D=D, B=B, T=T, rep=rep):
            ids = r.integers(0, min(V, 2) if rep else V, (B, T)).astype(np.int32)
            return {"ids": ids, "embeddings": f32(r, V, D)}
        g.case("embedding_V%d_D%d_B%d_T%d%s" % (V, D, B, T, "_rep" if rep else ""), "embedding", {}, build)
    # sparse categorical cross-entropy
    for B, C, sc in [(1, 1, 1.0), (1, 2, 1.0), (5, 2, 1.0), (7, 1, 3.0), (3, 7, 1.0), (9, 33, 2.0),
                     (4, 5, 50.0), (4, 129, 1.0), (2, 3, 100.0)]:
        g.case("scce_B%d_C%d_x%g" % (B, C, sc), "sparse_categorical_crossentropy", {"from_logits": True},
               lambda r, B=B, C=C, sc=sc: {"logits": f32(r, B, C, scale=sc),
                                           "labels": r.integers(0, C, B).astype(np.int32)})
    g.case("scce_pm50", "sparse_categorical_crossentropy", {"from_logits": True},
           lambda r: {"logits": np.array([[50, -50, 0], [-50, 50, 0], [50, 50, -50], [-50, -50, -50]], np.float32),
                      "labels": np.array([0, 0, 2, 1], np.int32)})
    # mean squared error
    for shape, sc in [((1, 1), 1.0), ((7,), 1.0), ((13, 5), 1.0), ((3, 33), 100.0), ((2, 3, 4), 1.0)]:
        g.case("mse_%s_x%g" % ("x".join(map(str, shape)), sc), "mean_squared_error", {},
               lambda r, shape=shape, sc=sc: {"y_pred": f32(r, *shape, scale=sc), "y_true": f32(r, *shape, scale=sc)})
    # binary cross-entropy (probabilities), near 0 and 1 but inside Keras's clip [1e-7, 1 - 1e-7]
    for shape in [(1, 1), (5, 1), (4, 3), (33, 2)]:
        g.case("bce_%s" % "x".join(map(str, shape)), "binary_crossentropy", {"from_logits": False},
               lambda r, shape=shape: {"y_pred": u32(r, 0.05, 0.95, *shape),
                                       "y_true": r.integers(0, 2, shape).astype(np.float32)})
    g.case("bce_near01", "binary_crossentropy", {"from_logits": False},
           lambda r: {"y_pred": np.array([[1e-6, 1 - 1e-4], [1e-4, 0.999], [0.5, 1e-3], [1 - 1e-5, 2e-6]], np.float32),
                      "y_true": np.array([[0, 1], [1, 0], [1, 1], [1, 0]], np.float32)})
    # probabilities of exactly 0 and 1, beyond the clip and on its bounds (Keras's convention: finite
    # loss, zero gradient where clipped; PyTorch's BCELoss would clamp the logs at -100 instead)
    g.case("bce_clipped", "binary_crossentropy", {"from_logits": False},
           lambda r: {"y_pred": np.array([[0, 1], [1, 0], [0.99999994, 1e-8], [EPS_HI, EPS_LO], [0.5, 0.25]], np.float32),
                      "y_true": np.array([[0, 1], [0, 1], [0, 1], [0, 1], [1, 0]], np.float32)})
    g.case("bce_soft_labels", "binary_crossentropy", {"from_logits": False},
           lambda r: {"y_pred": u32(r, 0.01, 0.99, 6, 2), "y_true": u32(r, 0, 1, 6, 2)})
    g.case("bce_logits", "binary_crossentropy", {"from_logits": True},
           lambda r: {"y_pred": f32(r, 6, 2, scale=20.0), "y_true": r.integers(0, 2, (6, 2)).astype(np.float32)})


def sweep_large(g):
    """Larger shapes (tiles, persistent recurrent kernels, longer sequences) and attribute spellings."""
    for m, k, n in [(128, 256, 96), (257, 63, 130), (1, 512, 257), (300, 2, 200)]:
        g.case("matmul_%dx%dx%d" % (m, k, n), "matmul", {}, lambda r, m=m, k=k, n=n: {"a": f32(r, m, k), "b": f32(r, k, n)})
    g.case("matmul_batched_3x5x7x4", "matmul", {}, lambda r: {"a": f32(r, 3, 5, 7), "b": f32(r, 3, 7, 4)})
    g.case("dense_relu_B64_I128_O100", "dense", {"activation": "relu"},
           lambda r: {"x": f32(r, 64, 128), "kernel": f32(r, 128, 100, scale=0.1), "bias": f32(r, 100)})
    g.case("dense_tanh_rank3", "dense", {"activation": "tanh"},
           lambda r: {"x": f32(r, 2, 5, 6), "kernel": f32(r, 6, 3), "bias": f32(r, 3)})
    g.case("dense_noattrs", "dense", {}, lambda r: {"x": f32(r, 3, 4), "kernel": f32(r, 4, 5), "bias": f32(r, 5)})
    for B, H, W, C, kh, kw, K, s, p in [(2, 32, 32, 16, 3, 3, 32, [1, 1], "same"), (4, 28, 28, 1, 5, 5, 8, [1, 1], "valid"),
                                         (2, 31, 29, 8, 3, 3, 16, [2, 2], "same"), (1, 64, 64, 3, 7, 7, 16, [2, 2], "same"),
                                         (3, 17, 17, 32, 1, 1, 64, [1, 1], "valid"), (2, 12, 12, 5, 3, 3, 7, [3, 2], "valid")]:
        name = "conv2d_B%d_%dx%dx%d_k%dx%dx%d_s%d%d_%s" % (B, H, W, C, kh, kw, K, s[0], s[1], p)
        g.case(name, "conv2d", {"strides": s, "padding": p}, conv_inputs(B, H, W, C, kh, kw, K))
    g.case("conv2d_nobias_int_strides", "conv2d", {"strides": 2, "padding": "same"}, conv_inputs(1, 7, 6, 3, 3, 3, 4, bias=False))
    g.case("conv2d_noattrs", "conv2d", {}, conv_inputs(1, 5, 5, 2, 3, 3, 3))
    g.case("conv2d_upper_SAME", "conv2d", {"strides": [1, 1], "padding": "SAME"}, conv_inputs(1, 6, 5, 2, 2, 2, 3))
    for kind in ["max", "avg"]:
        for B, H, W, C, pl, st, pad in [(4, 32, 32, 16, [2, 2], [2, 2], "valid"), (2, 27, 27, 8, [3, 3], [2, 2], "same"),
                                         (1, 15, 15, 4, 3, None, "same"), (2, 11, 10, 3, [2, 2], None, "valid")]:
            attrs = {"pool_size": pl, "padding": pad}
            if st is not None:
                attrs["strides"] = st
            pls = pl if isinstance(pl, list) else [pl, pl]
            name = "%spool2d_B%d_%dx%dx%d_p%d%d_%s_%s" % (kind, B, H, W, C, pls[0], pls[1],
                                                         "s%d%d" % tuple(st) if st else "sdefault", pad)
            g.case(name, kind + "_pool2d", attrs, lambda r, B=B, H=H, W=W, C=C: {"x": f32(r, B, H, W, C)})
    for kind in ["lstm", "gru", "simple_rnn"]:
        for B, T, I, H in [(8, 50, 4, 64), (4, 20, 8, 128), (16, 12, 3, 32), (1, 100, 1, 16), (3, 7, 65, 20)]:
            for seq in [False, True]:
                attrs = {"return_sequences": seq}
                attrs.update({"lstm": {"gate_order": "ifco"}, "gru": {"gate_order": "zrh", "reset_after": True},
                              "simple_rnn": {"activation": "tanh"}}[kind])
                name = "%s_B%d_T%d_I%d_H%d_%s" % (kind, B, T, I, H, "seq" if seq else "last")
                g.case(name, kind, attrs, rnn_inputs(kind, B, T, I, H, h0=False))
        g.case("%s_noattrs" % kind, kind, {}, rnn_inputs(kind, 2, 3, 2, 4, h0=False))
    # optional inputs: no bias, no initial state
    def drop(build, *names):
        def b(r):
            d = build(r)
            for n in names:
                del d[n]
            return d
        return b
    g.case("dense_nobias", "dense", {"activation": "tanh"}, lambda r: {"x": f32(r, 3, 4), "kernel": f32(r, 4, 5)})
    g.case("lstm_no_state", "lstm", {"return_sequences": True, "gate_order": "ifco"},
           drop(rnn_inputs("lstm", 2, 4, 3, 5), "h0", "c0"))
    g.case("lstm_nobias", "lstm", {"return_sequences": False, "gate_order": "ifco"},
           drop(rnn_inputs("lstm", 2, 4, 3, 5), "bias"))
    g.case("gru_no_state", "gru", {"return_sequences": True, "gate_order": "zrh", "reset_after": True},
           drop(rnn_inputs("gru", 2, 4, 3, 5), "h0"))
    g.case("simple_rnn_nobias", "simple_rnn", {"return_sequences": True, "activation": "tanh"},
           drop(rnn_inputs("simple_rnn", 2, 4, 3, 5, h0=False), "bias"))
    g.case("embedding_V1000_D64_B8_T20", "embedding", {},
           lambda r: {"ids": r.integers(0, 1000, (8, 20)).astype(np.int32), "embeddings": f32(r, 1000, 64)})
    g.case("embedding_rank1_ids", "embedding", {},
           lambda r: {"ids": r.integers(0, 6, (9,)).astype(np.int32), "embeddings": f32(r, 6, 5)})
    g.case("scce_B64_C1000", "sparse_categorical_crossentropy", {"from_logits": True},
           lambda r: {"logits": f32(r, 64, 1000, scale=3.0), "labels": r.integers(0, 1000, 64).astype(np.int32)})
    g.case("scce_probs", "sparse_categorical_crossentropy", {"from_logits": False},
           lambda r: {"logits": u32(r, 0.01, 1.0, 5, 4), "labels": r.integers(0, 4, 5).astype(np.int32)})
    g.case("scce_noattrs", "sparse_categorical_crossentropy", {},
           lambda r: {"logits": f32(r, 5, 4), "labels": r.integers(0, 4, 5).astype(np.int32)})
    g.case("mse_4096", "mean_squared_error", {}, lambda r: {"y_pred": f32(r, 64, 64), "y_true": f32(r, 64, 64)})
    g.case("bce_rank1", "binary_crossentropy", {"from_logits": False},
           lambda r: {"y_pred": u32(r, 0.05, 0.95, 7), "y_true": r.integers(0, 2, 7).astype(np.float32)})
    g.case("bce_noattrs_4096", "binary_crossentropy", {},
           lambda r: {"y_pred": u32(r, 0.001, 0.999, 64, 64), "y_true": r.integers(0, 2, (64, 64)).astype(np.float32)})


def sweep_fuzz(g, count=400, seed=2026):
    """Random shapes and attributes of the layer ops (count cases, drawn from seed)."""
    rr = np.random.default_rng(seed)
    ri = lambda lo, hi: int(rr.integers(lo, hi + 1))
    for n in range(count):
        kind = ["conv2d", "max_pool2d", "avg_pool2d", "lstm", "gru", "simple_rnn", "dense", "matmul"][n % 8]
        name = "fuzz%03d_%s" % (n, kind)
        if kind == "conv2d":
            B, H, W, C, K = ri(1, 3), ri(1, 20), ri(1, 20), ri(1, 9), ri(1, 9)
            kh, kw, sh, sw = ri(1, 6), ri(1, 6), ri(1, 4), ri(1, 4)
            pad = ["valid", "same"][ri(0, 1)]
            d = [ri(1, 2), ri(1, 2)] if sh == 1 and sw == 1 and ri(0, 3) == 0 else [1, 1]
            if pad == "valid" and ((kh - 1) * d[0] + 1 > H or (kw - 1) * d[1] + 1 > W):
                pad = "same"
            attrs = {"strides": [sh, sw], "padding": pad}
            if d != [1, 1]:
                attrs["dilation_rate"] = d
            g.case(name, kind, attrs, conv_inputs(B, H, W, C, kh, kw, K))
        elif kind.endswith("pool2d"):
            B, H, W, C = ri(1, 3), ri(1, 20), ri(1, 20), ri(1, 9)
            ph, pw, sh, sw = ri(1, 5), ri(1, 5), ri(1, 5), ri(1, 5)
            pad = ["valid", "same"][ri(0, 1)]
            if pad == "valid" and (ph > H or pw > W):
                pad = "same"
            g.case(name, kind, {"pool_size": [ph, pw], "strides": [sh, sw], "padding": pad},
                   lambda r, B=B, H=H, W=W, C=C: {"x": f32(r, B, H, W, C)})
        elif kind in ("lstm", "gru", "simple_rnn"):
            B, T, I, H = ri(1, 6), ri(1, 12), ri(1, 9), ri(1, 70)
            attrs = {"return_sequences": bool(ri(0, 1))}
            attrs.update({"lstm": {"gate_order": "ifco"}, "gru": {"gate_order": "zrh", "reset_after": True},
                          "simple_rnn": {"activation": "tanh"}}[kind])
            g.case(name, kind, attrs, rnn_inputs(kind, B, T, I, H, h0=False))
        elif kind == "dense":
            B, I, O = ri(1, 40), ri(1, 70), ri(1, 70)
            act = ["linear", "relu", "sigmoid", "tanh", "softmax"][ri(0, 4)]
            g.case(name, kind, {"activation": act},
                   lambda r, B=B, I=I, O=O: {"x": f32(r, B, I), "kernel": f32(r, I, O, scale=1 / math.sqrt(I)),
                                             "bias": f32(r, O)})
        else:
            M, K, N = ri(1, 140), ri(1, 140), ri(1, 140)
            g.case(name, kind, {}, lambda r, M=M, K=K, N=N: {"a": f32(r, M, K), "b": f32(r, K, N)})


def sweep_fuzz_losses(g, count=200, seed=2027):
    """Random shapes and scales of embedding and the losses (count cases, drawn from seed)."""
    rr = np.random.default_rng(seed)
    ri = lambda lo, hi: int(rr.integers(lo, hi + 1))
    for n in range(count):
        kind = ["embedding", "sparse_categorical_crossentropy", "mean_squared_error", "binary_crossentropy"][n % 4]
        name = "fuzzloss%03d_%s" % (n, kind)
        if kind == "embedding":
            V, D, B, T = ri(1, 300), ri(1, 70), ri(1, 8), ri(1, 40)
            g.case(name, kind, {}, lambda r, V=V, D=D, B=B, T=T: {
                "ids": r.integers(0, V, (B, T)).astype(np.int32), "embeddings": f32(r, V, D)})
        elif kind == "sparse_categorical_crossentropy":
            B, C, sc = ri(1, 70), ri(1, 300), [0.1, 1.0, 5.0, 20.0][ri(0, 3)]
            g.case(name, kind, {"from_logits": True}, lambda r, B=B, C=C, sc=sc: {
                "logits": f32(r, B, C, scale=sc), "labels": r.integers(0, C, B).astype(np.int32)})
        elif kind == "mean_squared_error":
            shape = tuple(ri(1, 40) for _ in range(ri(1, 3)))
            g.case(name, kind, {}, lambda r, shape=shape: {"y_pred": f32(r, *shape), "y_true": f32(r, *shape)})
        else:
            shape = (ri(1, 70), ri(1, 9))
            g.case(name, kind, {"from_logits": False}, lambda r, shape=shape: {
                "y_pred": u32(r, 1e-4, 1 - 1e-4, *shape), "y_true": r.integers(0, 2, shape).astype(np.float32)})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", metavar="DIR")
    ap.add_argument("--check-tol", type=float, default=1e-12)
    ap.add_argument("--set", nargs=2, metavar=("NAME", "OUT"))
    ap.add_argument("--fuzz-seed", type=int, default=2026, help="the fuzz set's seed")
    ap.add_argument("--fuzz-count", type=int, default=400, help="the fuzz set's number of cases")
    args = ap.parse_args()
    if args.check:
        sys.exit(0 if check_dir(args.check, args.check_tol) else 1)
    if args.set:
        name, out = args.set
        g = Gen(out, set(CURATED) if name == "curated" else None)
        if name == "sweep":
            sweep(g)
        elif name == "large":
            sweep_large(g)
        elif name == "fuzz":
            sweep_fuzz(g, args.fuzz_count, args.fuzz_seed)
        elif name == "fuzz-losses":
            sweep_fuzz_losses(g, args.fuzz_count // 2, args.fuzz_seed + 1)
        elif name == "curated":
            sweep(g)
            sweep_large(g)
            sweep_fuzz(g)
            missing = set(CURATED) - set(g.names)
            if missing:
                raise SystemExit("curated cases not made by any sweep: %s" % sorted(missing))
        else:
            raise SystemExit("unknown set " + name)
        print("%d cases in %s" % (len(g.names), out))
        return
    ap.print_help()


if __name__ == "__main__":
    main()
