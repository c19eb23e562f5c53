"""The peer of `lamina serve` in its load benchmark: the same dengue LSTM in Keras behind FastAPI
and uvicorn, answering TensorFlow Serving's predict request ({"instances": [...]} ->
{"predictions": [...]}) on POST /v1/models/NAME:predict.

The model is rebuilt from a Lamina saved model directory (MODEL_DIR: config.json and
model.weights.safetensors, as `lamina forecast` writes into out/forecast-CITY/forecaster/model):
Input(window, features) -> LSTM(units) -> Dense(32, relu) -> Dense(1), the weights copied from the
safetensors file (Lamina saves Keras names and layouts: kernel [in, 4H], recurrent_kernel [H, 4H],
bias [4H], gates i, f, c, o), so both servers compute the same function (`--check` prints the
largest difference from Lamina's answers to a request file).

Serving styles (--call): "predict" runs model.predict(x, verbose=0), what a workshop endpoint
usually calls; "call" runs model(x, training=False), the lighter direct call. The endpoint is a plain
`def`, so FastAPI runs it on its thread pool and requests are served concurrently.

Benchmark tool only: never run by the Lamina build or its tests.

Usage: peers/bin/python bench/peers/serve_keras_fastapi.py MODEL_DIR [--port 8601] [--call predict|call]
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

import common


def read_safetensors(path):
    """The tensors of a safetensors file, in file order: [(name, float32 array)]."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    out = []
    for name, h in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        if h["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {h['dtype']}, expected F32")
        a, b = h["data_offsets"]
        out.append((name, np.frombuffer(data[a:b], dtype="<f4").reshape(h["shape"])))
    return out


def build(keras, model_dir):
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    layers = cfg["config"]["layers"]
    kinds = [l["class_name"] for l in layers]
    if kinds[0] not in ("Input", "InputLayer") or kinds[1:] != ["LSTM", "Dense", "Dense"]:
        raise SystemExit(f"{model_dir}: expected InputLayer, LSTM, Dense, Dense; got {kinds}")
    shape = layers[0]["config"]["batch_shape"][1:]
    lstm, d1, d2 = (l["config"] for l in layers[1:])
    model = keras.Sequential([
        keras.Input(tuple(shape)),
        keras.layers.LSTM(lstm["units"]),
        keras.layers.Dense(d1["units"], activation=d1.get("activation", "linear")),
        keras.layers.Dense(d2["units"], activation=d2.get("activation", "linear")),
    ])
    weights = read_safetensors(os.path.join(model_dir, "model.weights.safetensors"))
    model.set_weights([w for _, w in weights])
    return model, tuple(shape)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--name", default="dengue")
    ap.add_argument("--port", type=int, default=8601)
    ap.add_argument("--call", choices=["predict", "call"], default="predict")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--check", help="a request JSON file: print the predictions for it and exit")
    a = ap.parse_args()

    tf, keras, info = common.tf_setup(a.threads, 0)
    model, shape = build(keras, a.model_dir)

    def run(instances):
        x = np.asarray(instances, dtype=np.float32)
        if x.ndim != len(shape) + 1 or x.shape[1:] != shape:
            raise ValueError(f"instances of shape {list(x.shape[1:])}, the model takes {list(shape)}")
        y = model.predict(x, verbose=0) if a.call == "predict" else model(x, training=False).numpy()
        return y.tolist()

    if a.check:
        print(json.dumps({"predictions": run(json.load(open(a.check))["instances"])}))
        return

    from fastapi import Body, FastAPI
    from fastapi.responses import JSONResponse
    import uvicorn

    app = FastAPI()

    @app.post(f"/v1/models/{a.name}:predict")
    def predict(body: dict = Body(...)):
        try:
            return {"predictions": run(body["instances"])}
        except (KeyError, ValueError, TypeError) as e:
            return JSONResponse({"error": str(e)}, status_code=400)

    print(json.dumps(dict(info, call=a.call, port=a.port)), file=sys.stderr, flush=True)
    uvicorn.run(app, host="127.0.0.1", port=a.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
