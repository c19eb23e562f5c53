"""Makes the Keras 3 interop cases under data/keras/ (run with the peers' Python, TensorFlow backend).

For each case: CASE.keras (the whole model), CASE.weights.h5 (weights only) and CASE.json
({"input_shape", "input_dtype", "input", "output_shape", "output"}: a fixed input and Keras's
prediction, flat in row-major order). Weights are random (seeded), not Keras's initial values,
so that biases, BatchNormalization moving statistics and every gate block matter.

    TF_ENABLE_ONEDNN_OPTS=0 /work/peers/bin/python data/keras/make_keras_cases.py
    TF_ENABLE_ONEDNN_OPTS=0 /work/peers/bin/python data/keras/make_keras_cases.py --functional
    TF_ENABLE_ONEDNN_OPTS=0 /work/peers/bin/python data/keras/make_keras_cases.py --masked
    TF_ENABLE_ONEDNN_OPTS=0 /work/peers/bin/python data/keras/make_keras_cases.py --stateful
    TF_ENABLE_ONEDNN_OPTS=0 /work/peers/bin/python data/keras/make_keras_cases.py --broadcast

The second makes only the functional_* cases (and --masked only the masked_* ones, Embedding(mask_zero):
a mask dropped by Conv1D, Bidirectional's zeroed masked steps, Keras's mask op in a functional graph) (branches, merges, shared layers, several inputs
and outputs); their CASE.json lists {"inputs": [{"shape", "dtype", "data"}], "outputs":
[{"shape", "data"}]}.

With --check DIR it instead loads every DIR/*.keras that Lamina wrote (with DIR/*.json beside
it holding Lamina's input and prediction, same layout, and DIR/*.weights.h5 when present) in
Keras and prints the largest difference between Keras's prediction and Lamina's; it fails above
1e-5. KerasFilesTest leaves such a directory with -Dlamina.keras.roundtrip.dir=DIR.
"""
import json
import os
import sys

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def cases():
    """name -> (model builder, input shape without batch, input kind)."""
    L = layers
    return {
        "dense": (lambda: keras.Sequential([
            keras.Input((6,)), L.Dense(8, activation="relu"), L.Dropout(0.3),
            L.Dense(5, activation="tanh", use_bias=False), L.Dense(3, activation="softmax")]), (6,), "float"),
        "conv2d_pool": (lambda: keras.Sequential([
            keras.Input((9, 9, 2)), L.Conv2D(4, 3, padding="same", activation="relu"),
            L.BatchNormalization(), L.MaxPooling2D(2), L.Conv2D(3, (2, 3), strides=(1, 2), dilation_rate=1),
            L.AveragePooling2D(pool_size=2, strides=1, padding="same"), L.Flatten(), L.Dense(4)]), (9, 9, 2), "float"),
        "conv1d": (lambda: keras.Sequential([
            keras.Input((12, 3)), L.Conv1D(5, 3, strides=1, padding="causal", activation="relu"),
            L.Conv1D(4, 2, dilation_rate=2, padding="valid"), L.Flatten(), L.Dense(2)]), (12, 3), "float"),
        "depthwise_transpose": (lambda: keras.Sequential([
            keras.Input((6, 6, 3)), L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
            L.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu"),
            L.Conv2DTranspose(2, (2, 3), strides=1, padding="valid"), L.ZeroPadding2D(((1, 0), (2, 1))),
            L.UpSampling2D(2), L.GlobalMaxPooling2D()]), (6, 6, 3), "float"),
        "global_avg_reshape": (lambda: keras.Sequential([
            keras.Input((5, 4, 2)), L.Conv2D(6, 1), L.Activation("sigmoid"), L.GlobalAveragePooling2D(),
            L.Reshape((3, 2)), L.Flatten(), L.BatchNormalization(momentum=0.9, epsilon=1e-2, center=False),
            L.Dense(3, activation="elu")]), (5, 4, 2), "float"),
        "embedding_lstm_gru": (lambda: keras.Sequential([
            keras.Input((7,), dtype="int32"), L.Embedding(20, 4), L.LSTM(5, return_sequences=True),
            L.GRU(4), L.Dense(2)]), (7,), "int"),
        "simple_rnn": (lambda: keras.Sequential([
            keras.Input((6, 3)), L.SimpleRNN(4, return_sequences=True, activation="tanh"),
            L.SimpleRNN(3, go_backwards=True), L.Dense(1)]), (6, 3), "float"),
        "bidirectional_time_distributed": (lambda: keras.Sequential([
            keras.Input((5, 3)), L.Bidirectional(L.LSTM(3, return_sequences=True)),
            L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="sum"),
            L.TimeDistributed(L.Dense(2, activation="relu"))]), (5, 3), "float"),
        "functional_chain": (functional_chain, (4,), "float"),
        # compiled and trained: the archive also holds the optimizer's variables (Lamina skips them)
        "compiled_trained": (lambda: keras.Sequential([
            keras.Input((4,)), L.Dense(5, activation="relu"), L.BatchNormalization(), L.Dense(1)]), (4,), "float"),
    }


def functional_chain():
    inp = keras.Input((4,), name="features")
    h = layers.Dense(6, activation="relu", name="hidden")(inp)
    h = layers.Dropout(0.1)(h)
    out = layers.Dense(2, name="out")(h)
    return keras.Model(inp, out, name="chain")


def residual_add():
    inp = keras.Input((6,), name="x")
    a = layers.Dense(8, name="proj")(inp)
    h = layers.Dense(8, activation="relu", name="h1")(a)
    h = layers.Dense(8, name="h2")(h)
    s = layers.Add(name="residual")([a, h])
    d = layers.Subtract()([s, layers.Dense(8, activation="tanh", name="gate")(inp)])
    return keras.Model(inp, layers.Dense(3, name="out")(d), name="residual")


def two_input_concat():
    a = keras.Input((5,), name="a")
    b = keras.Input((5,), name="b")
    shared = layers.Dense(4, activation="relu", name="shared")  # one layer called on both inputs
    ha, hb = shared(a), shared(b)
    c = layers.Concatenate(name="cat")([ha, hb, layers.Multiply()([ha, hb])])
    out = layers.Dense(2, name="out")(layers.Dense(6, activation="tanh")(c))
    return keras.Model([a, b], out, name="two_inputs")


def two_outputs():
    inp = keras.Input((5,), name="x")
    h = layers.Dense(6, activation="relu", name="trunk")(inp)
    left = layers.Dense(4, name="left")(h)
    right = layers.Dense(4, activation="sigmoid", name="right")(h)
    avg = layers.Average()([left, right])
    dot = layers.Dot(axes=1, normalize=True, name="cosine")([left, right])
    return keras.Model(inp, [layers.Dense(2, activation="softmax", name="probs")(avg), dot], name="two_outputs")


FUNCTIONAL = {"functional_residual": (residual_add, [(6,)]), "functional_two_inputs": (two_input_concat, [(5,), (5,)]),
              "functional_two_outputs": (two_outputs, [(5,)])}


def make_functional():
    """The functional cases; their CASE.json is {"inputs": [{"shape", "dtype", "data"}], "outputs": [{"shape", "data"}]}."""
    keras.utils.set_random_seed(4321)
    rng = np.random.default_rng(4321)
    for name, (build, shapes) in FUNCTIONAL.items():
        model = build()
        randomize(model, rng)
        xs = [rng.normal(0, 1, (3,) + s).astype("float32") for s in shapes]
        ys = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        ys = [np.asarray(y, dtype="float32") for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
        model.save(os.path.join(HERE, name + ".keras"))
        model.save_weights(os.path.join(HERE, name + ".weights.h5"))
        write_io(os.path.join(HERE, name + ".json"), xs, ys)
        again = keras.saving.load_model(os.path.join(HERE, name + ".keras"))
        ya = again.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        ya = ya if isinstance(ya, (list, tuple)) else [ya]
        d = max(float(np.max(np.abs(np.asarray(p) - y))) for p, y in zip(ya, ys))
        print(f"{name}: {model.count_params()} params, layers {[l.name for l in model.layers]}, reload max|diff| {d:.3g}")


def masked_functional():
    ids = keras.Input((6,), dtype="int32", name="ids")
    h = layers.Embedding(10, 4, mask_zero=True)(ids)
    h = layers.LSTM(3, return_sequences=True)(h)  # Keras writes a NotEqual op and mask arguments
    h = layers.GRU(2)(h)
    side = layers.Dense(2, activation="tanh")(layers.Flatten()(layers.Embedding(10, 2)(ids)))
    return keras.Model(ids, layers.Dense(2)(layers.Add()([h, side])), name="masked_functional")


MASKED = {
    # the mask passes Dense and TimeDistributed, Conv1D drops it (Keras: no masking support)
    "masked_conv": lambda: keras.Sequential([
        keras.Input((7,), dtype="int32"), layers.Embedding(10, 3, mask_zero=True), layers.Dense(4),
        layers.SimpleRNN(3, return_sequences=True), layers.Conv1D(2, 2, padding="same"), layers.LSTM(2)]),
    # Bidirectional sets zero_output_for_mask on its sequence-returning layers: masked steps are zeros
    "masked_bidirectional": lambda: keras.Sequential([
        keras.Input((6,), dtype="int32"), layers.Embedding(10, 4, mask_zero=True),
        layers.Bidirectional(layers.LSTM(3, return_sequences=True)), layers.TimeDistributed(layers.Dense(2))]),
    "masked_functional": masked_functional,
}


def make_masked():
    """Embedding(mask_zero) cases, ids with padding zeros at the end and the start; CASE.json in the functional layout."""
    keras.utils.set_random_seed(99)
    rng = np.random.default_rng(99)
    for name, build in MASKED.items():
        model = build()
        randomize(model, rng)
        x = rng.integers(1, 10, (3,) + tuple(model.inputs[0].shape[1:])).astype("int32")
        x[0, -2:] = 0
        x[1, :3] = 0
        x[2, 2] = 0
        y = np.asarray(model.predict(x, verbose=0), dtype="float32")
        model.save(os.path.join(HERE, name + ".keras"))
        model.save_weights(os.path.join(HERE, name + ".weights.h5"))
        write_io(os.path.join(HERE, name + ".json"), [x], [y])
        again = keras.saving.load_model(os.path.join(HERE, name + ".keras"))
        d = float(np.max(np.abs(np.asarray(again.predict(x, verbose=0)) - y)))
        print(f"{name}: {model.count_params()} params, layers {[l.name for l in model.layers]}, reload max|diff| {d:.3g}")


def make_stateful():
    """stateful_rnn: stateful LSTM and GRU (fixed batch 3), one predict from zero states; functional CASE.json layout."""
    keras.utils.set_random_seed(98)
    rng = np.random.default_rng(98)
    model = keras.Sequential([keras.Input((4, 2), batch_size=3), layers.LSTM(3, stateful=True, return_sequences=True),
                              layers.GRU(2, stateful=True)])
    randomize(model, rng)
    x = rng.normal(0, 1, (3, 4, 2)).astype("float32")
    y = np.asarray(model.predict(x, verbose=0, batch_size=3), dtype="float32")
    model.save(os.path.join(HERE, "stateful_rnn.keras"))
    model.save_weights(os.path.join(HERE, "stateful_rnn.weights.h5"))
    write_io(os.path.join(HERE, "stateful_rnn.json"), [x], [y])
    print(f"stateful_rnn: {model.count_params()} params, output {y.shape}")


def make_broadcast():
    """broadcast_merge: Add, Multiply and Subtract of inputs whose size-1 axes broadcast; functional CASE.json layout."""
    keras.utils.set_random_seed(97)
    rng = np.random.default_rng(97)
    a, b, c = keras.Input((3, 4), name="a"), keras.Input((1, 4), name="b"), keras.Input((3, 1), name="c")
    h = layers.Dense(4)(a)
    model = keras.Model([a, b, c], [layers.Add()([h, b]), layers.Subtract()([layers.Multiply()([h, c]), b])],
                        name="broadcast_merge")
    randomize(model, rng)
    xs = [rng.normal(0, 1, (3,) + tuple(t.shape[1:])).astype("float32") for t in model.inputs]
    ys = [np.asarray(y, dtype="float32") for y in model.predict(xs, verbose=0)]
    model.save(os.path.join(HERE, "broadcast_merge.keras"))
    model.save_weights(os.path.join(HERE, "broadcast_merge.weights.h5"))
    write_io(os.path.join(HERE, "broadcast_merge.json"), xs, ys)
    print(f"broadcast_merge: {model.count_params()} params, outputs {[y.shape for y in ys]}")


def write_io(path, xs, ys):
    with open(path, "w") as f:
        json.dump({"inputs": [{"shape": list(x.shape), "dtype": str(x.dtype), "data": x.ravel().tolist()} for x in xs],
                   "outputs": [{"shape": list(y.shape), "data": [float(v) for v in y.ravel()]} for y in ys]}, f)


def randomize(model, rng):
    for layer in model.layers:
        ws = []
        for w in layer.weights:
            shape = tuple(w.shape)
            if "moving_variance" in w.path:
                ws.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
            elif "embeddings" in w.path:
                ws.append(rng.normal(0, 1, shape).astype("float32"))
            else:
                ws.append(rng.normal(0, 0.5, shape).astype("float32"))
        if ws:
            layer.set_weights(ws)


def make():
    keras.utils.set_random_seed(1234)
    rng = np.random.default_rng(1234)
    for name, (build, shape, kind) in cases().items():
        model = build()
        randomize(model, rng)
        if name == "compiled_trained":
            model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
            xt = rng.normal(0, 1, (32,) + shape).astype("float32")
            model.fit(xt, xt.sum(axis=1, keepdims=True), epochs=2, batch_size=8, verbose=0)
        batch = 3
        if kind == "int":
            x = rng.integers(0, 20, (batch,) + shape).astype("int32")
        else:
            x = rng.normal(0, 1, (batch,) + shape).astype("float32")
        y = np.asarray(model.predict(x, verbose=0), dtype="float32")
        model.save(os.path.join(HERE, name + ".keras"))
        model.save_weights(os.path.join(HERE, name + ".weights.h5"))
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump({"input_shape": list(x.shape), "input_dtype": "int32" if kind == "int" else "float32",
                       "input": x.ravel().tolist(), "output_shape": list(y.shape),
                       "output": [float(v) for v in y.ravel()]}, f)
        # the saved files give back the same prediction in Keras
        again = keras.saving.load_model(os.path.join(HERE, name + ".keras"))
        d = float(np.max(np.abs(np.asarray(again.predict(x, verbose=0)) - y)))
        print(f"{name}: {model.count_params()} params, output {y.shape}, reload max|diff| {d:.3g}")


def check(directory):
    worst = 0.0
    names = sorted(f[:-len(".keras")] for f in os.listdir(directory) if f.endswith(".keras"))
    if not names:
        sys.exit(f"no .keras files in {directory}")
    for name in names:
        with open(os.path.join(directory, name + ".json")) as f:
            case = json.load(f)
        model = keras.saving.load_model(os.path.join(directory, name + ".keras"))
        if "inputs" in case:  # functional layout: several inputs and outputs
            xs = [np.asarray(i["data"], dtype=i["dtype"]).reshape(i["shape"]) for i in case["inputs"]]
            x = xs if len(xs) > 1 else xs[0]
            want = [np.asarray(o["data"], dtype="float32").reshape(o["shape"]) for o in case["outputs"]]
        else:
            x = np.asarray(case["input"], dtype=case["input_dtype"]).reshape(case["input_shape"])
            want = [np.asarray(case["output"], dtype="float32").reshape(case["output_shape"])]

        def diff(m):
            ys = m.predict(x, verbose=0)
            ys = ys if isinstance(ys, (list, tuple)) else [ys]
            return max(float(np.max(np.abs(np.asarray(y, dtype="float32") - w))) for y, w in zip(ys, want))
        d = diff(model)
        msg = f"{name}: Keras {keras.__version__} loaded Lamina's .keras; max|keras - lamina| = {d:.3g}"
        weights = os.path.join(directory, name + ".weights.h5")
        if os.path.exists(weights):
            # Lamina's .weights.h5 into a fresh Keras model of the same structure (weights by structure)
            fresh = keras.Model.from_config(model.get_config()) if not isinstance(model, keras.Sequential) \
                else keras.Sequential.from_config(model.get_config())
            fresh.load_weights(weights)
            dw = diff(fresh)
            d = max(d, dw)
            msg += f"; .weights.h5 {dw:.3g}"
        worst = max(worst, d)
        print(msg)
    print(f"all {len(names)}: worst {worst:.3g}")
    if worst > 1e-5:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == "--functional":
        make_functional()
    elif len(sys.argv) == 2 and sys.argv[1] == "--masked":
        make_masked()
    elif len(sys.argv) == 2 and sys.argv[1] == "--stateful":
        make_stateful()
    elif len(sys.argv) == 2 and sys.argv[1] == "--broadcast":
        make_broadcast()
    else:
        make()
