"""Makes data/keras/inbound_nodes_forms.json: how Keras 3 writes a layer call's inbound_nodes.

    TF_ENABLE_ONEDNN_OPTS=0 /work/peers/bin/python data/keras/make_inbound_nodes_case.py

The file is {"keras_version", "layers": {name: inbound_nodes}} of one functional model's
get_config(), whose calls cover the forms Lamina's writer (models/InboundNodes.write) must match:
a layer called on one tensor (Dense), a merge layer called on a list (Concatenate, Add), a non-merge
layer called on a list of several tensors (Attention([q, v])), and, for the reader only, a layer
called with several positional tensors (MultiHeadAttention(q, v)). InboundNodesWriteTest compares
Lamina's call records with these.
"""
import json
import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from keras import layers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def model():
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    q = keras.Input((2, 3), name="q")
    v = keras.Input((5, 3), name="v")
    d = layers.Dense(3, name="dense")(a)
    cat = layers.Concatenate(name="cat")([d, b])
    add = layers.Add(name="add")([d, b])
    att = layers.Attention(name="att")([q, v])          # a non-merge layer called on a list
    mha = layers.MultiHeadAttention(1, 2, name="mha")(q, v)  # several positional tensors
    return keras.Model([a, b, q, v], [cat, add, att, mha], name="inbound_forms")


def main():
    config = model().get_config()
    out = {"keras_version": keras.__version__,
           "layers": {l["name"]: l["inbound_nodes"] for l in config["layers"]}}
    with open(os.path.join(HERE, "inbound_nodes_forms.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
