"""Prints the Keras results that TokenizerTest and UtilsTest hard-code (run once by hand:
/work/peers/bin/python tests/dev/lamina/data/keras/text_expected.py; the tests never run Python).
Keras 3's legacy Tokenizer is the one tf.keras.preprocessing.text.Tokenizer had."""
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import json
import numpy as np
import keras
from keras.src.legacy.preprocessing.text import Tokenizer, text_to_word_sequence

TEXTS = [
    "The cat sat on the mat.",
    "The dog ate my homework!",
    "Dogs and cats: friends? Not the CAT, not the dog...",
    "",
    "   spaces\tand\ttabs\nand newlines  ",
]
TEST = ["the cat ate the unknown bird", "Mat, dog; homework"]

def show(name, value):
    print(name, "=", json.dumps(value))

print("keras", keras.__version__)
show("text_to_word_sequence", text_to_word_sequence(TEXTS[2]))
t = Tokenizer()
t.fit_on_texts(TEXTS)
show("word_index", t.word_index)
show("word_counts", dict(t.word_counts))
show("word_docs", dict(sorted(t.word_docs.items())))
show("document_count", t.document_count)
show("seq_default", t.texts_to_sequences(TEST))
t5 = Tokenizer(num_words=5, oov_token="<OOV>")
t5.fit_on_texts(TEXTS)
show("word_index_oov", t5.word_index)
show("seq_num5_oov", t5.texts_to_sequences(TEST))
show("texts_num5_oov", t5.sequences_to_texts(t5.texts_to_sequences(TEST)))
t5n = Tokenizer(num_words=5)
t5n.fit_on_texts(TEXTS)
show("seq_num5", t5n.texts_to_sequences(TEST))
tk = Tokenizer(lower=False, filters="", split=",")
tk.fit_on_texts(["a,B,a", "b,,c"])
show("word_index_custom", tk.word_index)
tc = Tokenizer(char_level=True)
tc.fit_on_texts(["abca", "Bd!"])
show("word_index_char", tc.word_index)
show("seq_char", tc.texts_to_sequences(["dab?"]))
for mode in ["binary", "count", "freq", "tfidf"]:
    show("matrix_" + mode, t5.texts_to_matrix(TEST, mode=mode).round(7).tolist())

seqs = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], []]
from keras.utils import pad_sequences, to_categorical
show("pad_default", pad_sequences(seqs).tolist())
show("pad_4", pad_sequences(seqs, maxlen=4).tolist())
show("pad_4_post_post", pad_sequences(seqs, maxlen=4, padding="post", truncating="post").tolist())
show("pad_2_pre_post_value9", pad_sequences(seqs, maxlen=2, padding="pre", truncating="post", value=9).tolist())
show("to_categorical", to_categorical([0, 2, 1, 2], 3).tolist())
show("to_categorical_infer", to_categorical([1, 3]).tolist())
col = to_categorical(np.array([[1], [0]]), 2)
show("to_categorical_column_shape", list(col.shape))
show("to_categorical_2d_shape", list(to_categorical(np.array([[1, 0, 2], [2, 2, 0]]), 3).shape))
