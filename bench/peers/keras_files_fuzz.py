"""Random Keras 3 models from the layers docs/KERAS_FILES.md says map, for Lamina's Keras reader and writer.

    TF_ENABLE_ONEDNN_OPTS=0 /work/peers/bin/python bench/peers/keras_files_fuzz.py make DIR [--count N] [--seed S]
    TF_ENABLE_ONEDNN_OPTS=0 /work/peers/bin/python bench/peers/keras_files_fuzz.py check DIR

`make` builds N models (Sequential and functional: chains over dense, image and sequence inputs,
branches, merges, several inputs and outputs), draws every weight at random (moving statistics of
BatchNormalization too), and writes for each DIR/fuzz_NNNN.keras (model.save), .weights.h5
(model.save_weights) and .json: {"inputs": [{"shape", "dtype", "data"}], "outputs": [{"shape",
"data"}], "kind": "sequential"|"functional", "layers": [...], "outputs64": Keras's prediction of the same
model in float64} (the layout of data/keras's functional
cases; a batch of 3, row-major). Keras reloads each .keras and must predict the same, or the case is
dropped. KerasFilesFuzzTest (-Dlamina.keras.fuzz.dir=DIR) loads them in Lamina.

`check` is the other way: DIR holds what KerasFilesFuzzTest wrote with -Dlamina.keras.fuzz.out=DIR
(Lamina's .keras, .weights.h5 and its prediction in the same .json layout); Keras loads each (and
the weights into a fresh model of the same config), predicts, and every element must agree within
1e-5 * max(1, |lamina|). Exit status 1 on any failure.
"""
import json
import os
import sys
import traceback

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers as L  # noqa: E402

tf.get_logger().setLevel("ERROR")
TOL = 1e-5
MASK_BIAS = int(os.environ.get("KERAS_FUZZ_MASK_BIAS", "0"))  # extra weight of integer inputs through an Embedding
# Lamina's activations (docs/KERAS_FILES.md), and a few it refuses (drawn rarely, to check the refusal)
LAMINA_ACTS = ["linear", "relu", "tanh", "sigmoid", "softmax", "elu", "softplus", "leaky_relu", "gelu"]
OTHER_ACTS = ["softsign", "hard_sigmoid", "exponential", "relu6", "silu", "selu", "mish", "log_softmax"]
SAFE_ACTS = ["linear", "relu", "tanh", "sigmoid", "elu", "softplus", "leaky_relu", "gelu"]


class Gen:
    """Random layers that fit a given KerasTensor shape; each candidate is tried on the tensor and kept if it builds."""

    def __init__(self, rng):
        self.rng = rng

    def pick(self, xs):
        return xs[int(self.rng.integers(len(xs)))]

    def coin(self, p=0.5):
        return bool(self.rng.random() < p)

    def act(self):
        if self.coin(0.03):
            return self.pick(OTHER_ACTS)
        return self.pick(LAMINA_ACTS) if self.coin(0.3) else self.pick(SAFE_ACTS)

    def bn(self, rank):
        kw = {}
        if self.coin(0.4):
            kw["axis"] = int(self.pick([a for a in range(1, rank)] + [-1]))
        if self.coin(0.4):
            kw["epsilon"] = float(self.pick([1e-5, 1e-2, 0.1, 0.5]))
        if self.coin(0.3):
            kw["center"] = False
        if self.coin(0.3):
            kw["scale"] = False
        if self.coin(0.3):
            kw["momentum"] = float(self.pick([0.9, 0.5]))
        return L.BatchNormalization(**kw)

    def extras(self):
        """Options that change no prediction but must load: initializers, L1/L2 regularizers, trainable."""
        kw = {}
        if self.coin(0.15):
            kw["kernel_initializer"] = self.pick(["he_normal", "lecun_uniform", "glorot_normal", "random_normal", "zeros",
                                                  "truncated_normal", "orthogonal", "ones"])
        if self.coin(0.1):
            kw["bias_initializer"] = self.pick(["ones", "random_uniform", "zeros"])
        if self.coin(0.1):
            kw["kernel_regularizer"] = self.pick(["l1", "l2", keras.regularizers.L1L2(1e-3, 1e-4)])
        if self.coin(0.05):
            kw["bias_regularizer"] = "l2"
        if self.coin(0.05):
            kw["trainable"] = False
        return kw

    def dense(self, units=None):
        return L.Dense(units or int(self.rng.integers(2, 7)), activation=self.act(), use_bias=self.coin(0.8), **self.extras())

    def flat(self, shape):
        """A layer for a [batch, n] tensor."""
        n = shape[-1]
        r = self.rng.random()
        if r < 0.45:
            return self.dense()
        if r < 0.6:
            return self.bn(2)
        if r < 0.7:
            return L.Dropout(0.3)
        if r < 0.8:
            return L.Activation(self.act())
        # Reshape to rank 2 or 3 then maybe back
        divs = [d for d in range(1, n + 1) if n % d == 0]
        d = self.pick(divs)
        if self.coin():
            return L.Reshape((d, n // d) if self.coin(0.7) else (-1, n // d))
        d2 = self.pick([x for x in range(1, n // d + 1) if (n // d) % x == 0])
        return L.Reshape((d, d2, n // d // d2))

    def image(self, shape):
        """A layer for a [batch, h, w, c] tensor."""
        h, w, c = shape[1], shape[2], shape[3]
        r = self.rng.random()
        pad = self.pick(["valid", "same"])
        if r < 0.22:
            groups = self.pick([g for g in (1, 2, 3) if c % g == 0]) if self.coin(0.3) else 1
            filters = groups * int(self.rng.integers(1, 4))
            dil = (1, 1)
            strides = (1, 1)
            if self.coin(0.3):
                dil = (int(self.rng.integers(1, 3)), int(self.rng.integers(1, 3)))
            elif self.coin(0.4):
                strides = (int(self.rng.integers(1, 3)), int(self.rng.integers(1, 3)))
            k = (int(self.rng.integers(1, 4)), int(self.rng.integers(1, 4)))
            return L.Conv2D(filters, k, strides=strides, padding=pad, dilation_rate=dil, groups=groups,
                            activation=self.act(), use_bias=self.coin(0.8), **self.extras())
        if r < 0.32:
            dil, strides = (1, 1), (1, 1)
            if self.coin(0.3):
                dil = (int(self.rng.integers(1, 3)), int(self.rng.integers(1, 3)))
            elif self.coin(0.4):
                strides = (int(self.rng.integers(1, 3)), int(self.rng.integers(1, 3)))
            return L.DepthwiseConv2D((int(self.rng.integers(1, 4)), int(self.rng.integers(1, 4))), strides=strides,
                                     padding=pad, depth_multiplier=int(self.rng.integers(1, 3)), dilation_rate=dil,
                                     activation=self.act(), use_bias=self.coin(0.8))
        if r < 0.42:
            strides = (int(self.rng.integers(1, 3)), int(self.rng.integers(1, 3)))
            dil = (1, 1)
            if strides == (1, 1) and self.coin(0.3):
                dil = (2, 2)
            return L.Conv2DTranspose(int(self.rng.integers(1, 4)), (int(self.rng.integers(1, 4)), int(self.rng.integers(1, 4))),
                                     strides=strides, padding=pad, dilation_rate=dil, activation=self.act(),
                                     use_bias=self.coin(0.8))
        if r < 0.54:
            cls = self.pick([L.MaxPooling2D, L.AveragePooling2D])
            ps = (int(self.rng.integers(1, 4)), int(self.rng.integers(1, 4)))
            st = None if self.coin() else (int(self.rng.integers(1, 4)), int(self.rng.integers(1, 4)))
            return cls(pool_size=ps, strides=st, padding=pad)
        if r < 0.64:
            return self.bn(4)
        if r < 0.7:
            p = self.pick([1, (1, 2), ((0, 1), (2, 1))])
            return L.ZeroPadding2D(p)
        if r < 0.76 and h * w <= 64:
            return L.UpSampling2D(self.pick([2, (1, 2), (2, 1), (3, 2)]), interpolation="nearest" if self.coin(0.85) else "bilinear")
        if r < 0.82:
            return L.Activation(self.act())
        if r < 0.86:
            return L.Dropout(0.2)
        if r < 0.9:
            return L.Dense(int(self.rng.integers(1, 5)), activation=self.act())  # Dense on the last axis of a 4-D tensor
        if r < 0.95:
            return L.Reshape((h * w, c))
        return L.TimeDistributed(L.Dense(int(self.rng.integers(1, 4)))) if self.coin() else L.TimeDistributed(L.Flatten())

    def rnn(self, sequences=None, allow_state=False, backwards=True):
        cls = self.pick([L.SimpleRNN, L.LSTM, L.GRU])
        kw = {"return_sequences": self.coin() if sequences is None else sequences,
              "go_backwards": backwards and self.coin(0.3)}
        if self.coin(0.3):
            kw["activation"] = self.pick(["tanh", "relu", "sigmoid", "elu", "linear"])
        if cls is not L.SimpleRNN and self.coin(0.3):
            kw["recurrent_activation"] = self.pick(["sigmoid", "tanh", "relu"] + (["hard_sigmoid"] if self.coin(0.1) else []))
        if self.coin(0.15):
            kw["use_bias"] = False
        if cls is L.LSTM and self.coin(0.2):
            kw["unit_forget_bias"] = False
        if cls is L.GRU and self.coin(0.03):
            kw["reset_after"] = False
        if self.coin(0.15):
            kw["dropout"] = 0.2
            kw["recurrent_dropout"] = 0.1
        if allow_state and self.coin(0.2):
            kw["return_state"] = True
        return cls(int(self.rng.integers(2, 6)), **kw)

    def sequence(self, shape):
        """A layer for a [batch, t, f] tensor."""
        t, f = shape[1], shape[2]
        r = self.rng.random()
        if r < 0.3:
            layer = self.rnn()
            return layer
        if r < 0.42:
            inner = self.rnn(sequences=self.coin(0.6), backwards=False)
            kw = {"merge_mode": self.pick(["concat", "sum", "mul", "ave"])}
            return L.Bidirectional(inner, **kw)
        if r < 0.55:
            groups = self.pick([g for g in (1, 2, 3) if f % g == 0]) if self.coin(0.3) else 1
            pad = self.pick(["valid", "same", "causal"])
            strides, dil = 1, 1
            if self.coin(0.3):
                dil = 2
            elif self.coin(0.3):
                strides = 2
            return L.Conv1D(groups * int(self.rng.integers(1, 4)), int(self.rng.integers(1, 4)), strides=strides, padding=pad,
                            dilation_rate=dil, groups=groups, activation=self.act(), use_bias=self.coin(0.8), **self.extras())
        if r < 0.65:
            inner = self.pick([lambda: self.dense(), lambda: L.Dropout(0.2), lambda: L.Activation(self.act()),
                               lambda: L.Reshape((f, 1))])()
            return L.TimeDistributed(inner)
        if r < 0.75:
            return self.dense()
        if r < 0.83:
            return self.bn(3)
        if r < 0.88:
            return L.Activation(self.act())
        if r < 0.92:
            return L.Dropout(0.2)
        if r < 0.96:
            return L.Reshape((t, f, 1))
        return L.Flatten()

    def next_layer(self, shape):
        if len(shape) == 2:
            return self.flat(shape)
        if len(shape) == 3:
            return self.sequence(shape)
        if len(shape) == 4:
            return self.image(shape)
        return L.Flatten()

    def to_flat(self, shape):
        if len(shape) == 4 and self.coin(0.6):
            cls = self.pick([L.GlobalAveragePooling2D, L.GlobalMaxPooling2D])
            return cls(keepdims=self.coin(0.2))
        if len(shape) == 3 and self.coin(0.5):
            return self.rnn(sequences=False)
        return L.Flatten()


def ok_shape(t, limit=4096):
    s = t.shape
    return all(d is None or d > 0 for d in s) and int(np.prod([5 if d is None else d for d in s[1:]])) <= limit


def try_apply(gen, x, make, tries=12):
    """Calls a fresh layer from make(shape) on x until one builds with a sensible output; (layer, y) or (None, x)."""
    for _ in range(tries):
        layer = make(tuple(x.shape))
        try:
            y = layer(x)
        except Exception:  # noqa: BLE001 -- an option that does not fit this shape: draw again
            continue
        ys = y if isinstance(y, (list, tuple)) else [y]
        if all(ok_shape(v) for v in ys):
            return layer, y
    return None, x


def input_for(gen, kind):
    if kind == "dense":
        return keras.Input((int(gen.rng.integers(2, 9)),)), "float"
    if kind == "image":
        return keras.Input((int(gen.rng.integers(3, 9)), int(gen.rng.integers(3, 9)), int(gen.rng.integers(1, 5)))), "float"
    if kind == "seq":
        # sometimes a free time axis (None), which only recurrent, Dense and TimeDistributed layers take
        t = None if gen.coin(0.15) else int(gen.rng.integers(2, 8))
        return keras.Input((t, int(gen.rng.integers(1, 5)))), "float"
    return keras.Input((int(gen.rng.integers(3, 8)),), dtype="int32"), "int"


def chain(gen, x, kind, depth):
    """depth random layers after x; an int input starts with an Embedding. Returns (y, layer names)."""
    if kind == "int":
        emb = L.Embedding(int(gen.rng.integers(5, 15)), int(gen.rng.integers(2, 6)), mask_zero=gen.coin(0.4 + 0.1 * min(MASK_BIAS, 4)))
        x = emb(x)
    for _ in range(depth):
        _, x = try_apply(gen, x, gen.next_layer)
    return x


def finish(gen, x):
    """To rank 2, then a Dense."""
    while len(x.shape) > 2:
        layer, y = try_apply(gen, x, gen.to_flat)
        if layer is None:
            y = L.Flatten()(x)
        x = y
    if gen.coin(0.7):
        x = L.Dense(int(gen.rng.integers(1, 5)), activation=gen.pick(SAFE_ACTS + ["softmax"]))(x)
    return x


def sequential_model(gen):
    kind = gen.pick(["dense", "image", "image", "seq", "seq", "int"] + ["int"] * MASK_BIAS)
    inp, _ = input_for(gen, "int" if kind == "int" else kind)
    y = chain(gen, inp, kind, int(gen.rng.integers(1, 6)))
    if gen.coin(0.7):
        y = finish(gen, y)
    fn = keras.Model(inp, y)
    # the same layers, fresh, in a Sequential (or a functional chain, which Lamina loads as Sequential)
    if gen.coin(0.75):
        fresh = [l.__class__.from_config(l.get_config()) for l in fn.layers[1:]]
        if kind != "int" and gen.coin(0.1):
            # no Input: Keras writes the built input shape only in build_config (and types the input
            # float32, so not before an Embedding: Keras would cast random floats to ids, -1 wrapping round)
            seq = keras.Sequential(fresh)
            seq.build((None,) + tuple(inp.shape[1:]))
            return seq, "sequential-built"
        batch = 3 if gen.coin(0.1) else None  # a fixed batch size, which Lamina drops
        seq = keras.Sequential([keras.Input(inp.shape[1:], dtype=inp.dtype, batch_size=batch)] + fresh)
        return seq, "sequential"
    return fn, "chain"


def merge(gen, a, b):
    """Two tensors into one: same shapes through Add/Subtract/Multiply/Average/Concatenate/Dot, else Concatenate or Dense."""
    sa, sb = tuple(a.shape), tuple(b.shape)
    if sa == sb:
        r = gen.rng.random()
        if r < 0.5:
            return gen.pick([L.Add, L.Subtract, L.Multiply, L.Average])()([a, b])
        if r < 0.75:
            axis = int(gen.pick(list(range(1, len(sa))) + [-1]))
            return L.Concatenate(axis=axis)([a, b])
        if len(sa) == 2:
            return L.Dot(axes=gen.pick([1, -1, [1, 1]]), normalize=gen.coin())([a, b])
        if len(sa) == 3:
            axes = gen.pick([[1, 1], [2, 2], [2, 1] if sa[2] == sb[1] else [1, 1], 2, -1])
            return L.Dot(axes=axes, normalize=gen.coin(0.4))([a, b])
        return L.Concatenate()([a, b])
    if len(sa) == len(sb) and sa[:-1] == sb[:-1]:
        return L.Concatenate(axis=-1)([a, b])
    fa, fb = finish(gen, a), finish(gen, b)
    if tuple(fa.shape) == tuple(fb.shape) and gen.coin():
        return gen.pick([L.Add, L.Multiply, L.Average, L.Subtract])()([fa, fb])
    return L.Concatenate()([fa, fb])


def functional_model(gen):
    kind = gen.pick(["dense", "image", "seq", "seq", "int"] + ["int"] * MASK_BIAS)
    n_in = int(gen.pick([1, 1, 2, 2, 3]))
    inputs, heads = [], []
    shape_inp, _ = input_for(gen, kind)
    for i in range(n_in):
        # several inputs of one kind, same shape or not
        inp = keras.Input(shape_inp.shape[1:], dtype=shape_inp.dtype) if gen.coin(0.6) else input_for(gen, kind)[0]
        inputs.append(inp)
        heads.append(chain(gen, inp, kind, int(gen.rng.integers(0, 3))) if kind != "int" else chain(gen, inp, kind, 1))
    # a shared layer called on two heads of one shape
    if n_in >= 2 and tuple(heads[0].shape) == tuple(heads[1].shape) and gen.coin(0.5):
        layer, y0 = try_apply(gen, heads[0], gen.next_layer)
        if layer is not None and not isinstance(y0, (list, tuple)):
            try:
                heads[1] = layer(heads[1])
                heads[0] = y0
            except Exception:  # noqa: BLE001
                pass
    # one input may branch in two
    if n_in == 1 or gen.coin(0.3):
        b = chain(gen, heads[0], "x", int(gen.rng.integers(1, 3)))
        heads.append(b)
    # an RNN with return_state: take its output, and maybe its state (which Lamina refuses)
    if len(heads[0].shape) == 3 and gen.coin(0.15):
        cell = gen.rnn(sequences=False)
        cell.return_state = True
        outs = cell(heads[0])
        heads[0] = outs[0] if gen.coin(0.7) else outs[1]
    while len(heads) > 1:
        a, b = heads.pop(0), heads.pop(0)
        try:
            m = merge(gen, a, b)
        except Exception:  # noqa: BLE001 -- e.g. Dot axes that do not fit: flatten both and concatenate
            m = L.Concatenate()([finish(gen, a), finish(gen, b)])
        heads.append(chain(gen, m, "x", int(gen.rng.integers(0, 2))))
    outputs = [finish(gen, heads[0]) if gen.coin(0.7) else heads[0]]
    if gen.coin(0.3):
        outputs.append(L.Dense(int(gen.rng.integers(1, 4)), activation=gen.pick(SAFE_ACTS))(finish(gen, heads[0])))
    return keras.Model(inputs, outputs if len(outputs) > 1 else outputs[0]), "functional"


def randomize(model, rng):
    for layer in model._flatten_layers(include_self=False, recursive=True):
        for w in layer._trainable_variables + layer._non_trainable_variables:
            shape = tuple(w.shape)
            p = w.path
            if "moving_variance" in p:
                v = rng.uniform(0.5, 1.5, shape)
            elif "moving_mean" in p:
                v = rng.normal(0, 0.5, shape)
            elif "gamma" in p:
                v = rng.normal(1, 0.3, shape)
            elif "embeddings" in p:
                v = rng.normal(0, 1, shape)
            elif len(shape) >= 2:
                fan_in = int(np.prod(shape[:-1]))
                v = rng.normal(0, 1.2 / np.sqrt(max(1, fan_in)), shape)
            else:
                v = rng.normal(0, 0.3, shape)
            w.assign(v.astype("float32"))


def as_list(ys):
    return [np.asarray(y, dtype="float32") for y in (ys if isinstance(ys, (list, tuple)) else [ys])]


def model_inputs(model, rng, batch=3):
    xs = []
    for t in model.inputs:
        shape = (batch,) + tuple(5 if d is None else d for d in t.shape[1:])  # a free time axis: 5 steps
        if "int" in str(t.dtype):
            dim = min(l.input_dim for l in model._flatten_layers(include_self=False) if isinstance(l, L.Embedding))
            x = rng.integers(0, dim, shape).astype("int32")
            x[0, -1] = 0  # a padded step in every batch (matters with mask_zero)
            if shape[1] > 2:
                x[1, :2] = 0
            xs.append(x)
        else:
            xs.append(rng.normal(0, 1, shape).astype("float32"))
    return xs


def layer_list(model):
    out = []
    for l in model.layers:
        c = type(l).__name__
        if isinstance(l, L.Bidirectional):
            c += "(" + type(l.forward_layer).__name__ + ", " + l.merge_mode + ")"
        elif hasattr(l, "layer"):
            c += "(" + type(l.layer).__name__ + ")"
        out.append(c)
    return out


def float64_outputs(path, xs):
    """The same model and weights in float64 (every DTypePolicy set to float64): the reference that tells
    float32 rounding in a badly conditioned model (Keras's own float32 far from it too) from a wrong answer."""
    import zipfile
    cfg = json.loads(zipfile.ZipFile(path + ".keras").read("config.json"))

    def to64(o):
        if isinstance(o, dict):
            if o.get("class_name") == "DTypePolicy":
                o["config"]["name"] = "float64"
            for v in o.values():
                to64(v)
        elif isinstance(o, list):
            for v in o:
                to64(v)
    to64(cfg)
    m64 = keras.saving.deserialize_keras_object(cfg)
    m64.load_weights(path + ".weights.h5")
    x64 = [x if "int" in str(x.dtype) else x.astype("float64") for x in xs]
    ys = m64.predict(x64 if len(x64) > 1 else x64[0], verbose=0, batch_size=len(xs[0]))
    return [np.asarray(y, dtype="float64") for y in (ys if isinstance(ys, (list, tuple)) else [ys])]


def write_io(path, xs, ys, extra):
    doc = {"inputs": [{"shape": list(x.shape), "dtype": str(x.dtype), "data": x.ravel().tolist()} for x in xs],
           "outputs": [{"shape": list(y.shape), "data": [float(v) for v in y.ravel()]} for y in ys]}
    doc.update(extra)
    with open(path, "w") as f:
        json.dump(doc, f)


def make(directory, count, seed):
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(seed)
    gen = Gen(rng)
    made, dropped = 0, 0
    i = 0
    while made < count:
        i += 1
        name = f"fuzz_{made:04d}"
        try:
            model, kind = functional_model(gen) if gen.coin(0.45) else sequential_model(gen)
            randomize(model, rng)
            xs = model_inputs(model, rng)
            x = xs if len(xs) > 1 else xs[0]
            ys = as_list(model.predict(x, verbose=0))
            if not all(np.all(np.isfinite(y)) for y in ys) or max(float(np.max(np.abs(y))) for y in ys) > 1e4:
                dropped += 1
                continue
            path = os.path.join(directory, name)
            model.save(path + ".keras")
            model.save_weights(path + ".weights.h5")
            again = keras.saving.load_model(path + ".keras")
            d = max(float(np.max(np.abs(a - y))) for a, y in zip(as_list(again.predict(x, verbose=0)), ys))
            if d > 0:
                print(f"{name}: Keras's own reload differs by {d:.3g}; dropped")
                os.remove(path + ".keras")
                os.remove(path + ".weights.h5")
                dropped += 1
                continue
        except Exception as e:  # noqa: BLE001 -- a random graph Keras itself does not build or save
            dropped += 1
            print(f"(draw {i} dropped: {type(e).__name__}: {str(e)[:120]})")
            continue
        extra = {"kind": kind, "layers": layer_list(model), "keras": keras.__version__}
        try:
            extra["outputs64"] = [{"shape": list(y.shape), "data": [float(v) for v in y.ravel()]} for y in float64_outputs(path, xs)]
        except Exception as e:  # noqa: BLE001 -- e.g. a layer without float64 kernels: no reference, plain tolerance
            print(f"{name}: no float64 reference ({type(e).__name__})")
        write_io(path + ".json", xs, ys, extra)
        print(f"{name}: {kind}, {model.count_params()} params, {layer_list(model)}")
        made += 1
        keras.backend.clear_session()
    print(f"made {made} models in {directory} (seed {seed}; {dropped} draws dropped)")


def check(directory):
    names = sorted(f[:-len(".keras")] for f in os.listdir(directory) if f.endswith(".keras"))
    if not names:
        sys.exit(f"no .keras files in {directory}")
    bad, worst = [], 0.0
    for name in names:
        try:
            with open(os.path.join(directory, name + ".json")) as f:
                case = json.load(f)
            xs = [np.asarray(i["data"], dtype=i["dtype"]).reshape(i["shape"]) for i in case["inputs"]]
            x = xs if len(xs) > 1 else xs[0]
            want = [np.asarray(o["data"], dtype="float32").reshape(o["shape"]) for o in case["outputs"]]
            model = keras.saving.load_model(os.path.join(directory, name + ".keras"))

            def err(m):
                got = as_list(m.predict(x, verbose=0))
                if len(got) != len(want):
                    return float("inf")
                return max(float(np.max(np.abs(g - w) / np.maximum(1.0, np.abs(w)))) if g.shape == w.shape else float("inf")
                           for g, w in zip(got, want))
            e = err(model)
            fresh = keras.Sequential.from_config(model.get_config()) if isinstance(model, keras.Sequential) \
                else keras.Model.from_config(model.get_config())
            fresh.load_weights(os.path.join(directory, name + ".weights.h5"))
            ew = err(fresh)
            worst = max(worst, e, ew)
            status = "ok" if max(e, ew) <= TOL else "FAIL"
            if status != "ok":
                bad.append(name)
            print(f"{name}: {status} .keras {e:.3g}, .weights.h5 {ew:.3g}")
        except Exception as ex:  # noqa: BLE001
            bad.append(name)
            print(f"{name}: ERROR {type(ex).__name__}: {ex}")
            traceback.print_exc(limit=2)
    print(f"Keras {keras.__version__} loaded {len(names)} Lamina saves: {len(names) - len(bad)} within {TOL} "
          f"(worst scaled error {worst:.3g}), {len(bad)} failed {bad}")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "make":
        opts = dict(zip(args[2::2], args[3::2]))
        make(args[1], int(opts.get("--count", 200)), int(opts.get("--seed", 1)))
    elif len(args) == 2 and args[0] == "check":
        check(args[1])
    else:
        sys.exit(__doc__)
