"""Bring your own: real Keras and PyTorch layers, trained gensim models, Projector files.

TensorFlow takes seconds to import: every Keras test is in this module and shares one fixture.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pretrained
from pretrained.errors import FormatError
from pretrained.interop.matrix import VocabularyError
from tests.conftest import require


@pytest.fixture(scope="module")
def keras():
    return require("keras", "keras")


@pytest.fixture(scope="module")
def vectorizer(keras):
    layer = keras.layers.TextVectorization(max_tokens=50)
    layer.adapt(["the cat sat on the mat", "the dog ate the cat food", "a bird"])
    return layer


def test_keras_layer_equals_its_weights(keras, vectorizer):
    vocab = vectorizer.get_vocabulary()
    assert vocab[:2] == ["", "[UNK]"]
    layer = keras.layers.Embedding(len(vocab), 6, name="emb")
    layer.build((None,))
    v = pretrained.from_keras(layer, vocab)
    weights = layer.get_weights()[0]
    assert v.words == vocab[2:] and v.name == "emb"
    np.testing.assert_array_equal(v.vectors, weights[2:])
    assert v.meta["source"] == {
        "kind": "keras",
        "layer": "emb",
        "rows": len(vocab),
        "dim": 6,
        "left_out": ["", "[UNK]"],
    }
    kept = pretrained.from_keras(layer, vocab, padding_token=None, oov_token=None)
    np.testing.assert_array_equal(kept.vectors, weights)
    model = keras.Sequential(
        [keras.Input((3,), dtype="int32"), layer, keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)]
    )
    assert pretrained.from_keras(model, vocab).words == v.words


def test_keras_word_index_and_bad_vocabularies(keras):
    word_index = {"the": 1, "cat": 2, "sat": 3, "rare": 4}
    layer = keras.layers.Embedding(4, 3)  # Tokenizer(num_words=4): indices 1..3, row 0 reserved
    layer.build((None,))
    v = pretrained.from_keras(layer, word_index, num_words=4)
    assert v.words == ["the", "cat", "sat"]
    np.testing.assert_array_equal(v.vectors, layer.get_weights()[0][1:])
    with pytest.raises(VocabularyError, match=r"has 5 tokens .* 4 rows"):
        pretrained.from_keras(layer, ["", "[UNK]", "a", "b", "c"])
    with pytest.raises(VocabularyError, match=r"has 3 tokens .* 4 rows"):
        pretrained.from_keras(layer, ["", "a", "b"])
    with pytest.raises(VocabularyError, match="has 5 tokens"):
        pretrained.from_keras(layer, word_index)  # index 4 is beyond the layer
    two = keras.Sequential(
        [keras.Input((2,), dtype="int32"), keras.layers.Embedding(4, 3), keras.layers.Embedding(4, 3)]
    )
    with pytest.raises(ValueError, match="2 Embedding layers"):
        pretrained.from_keras(two, ["a", "b", "c", "d"])
    with pytest.raises(TypeError):
        pretrained.from_keras(object(), ["a"])


def test_glove_seeded_layer_after_fine_tuning_shows_moved_words(keras, glove50):
    vocab = ["", "[UNK]", *glove50.words[100:400]]
    trained = set(vocab[2:22])  # the only tokens the task uses
    layer = pretrained.keras_embedding(glove50, vocab, trainable=True)
    model = keras.Sequential(
        [
            keras.Input((4,), dtype="int32"),
            layer,
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.2), loss="binary_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.integers(2, 22, size=(256, 4)).astype("int32")
    y = (x[:, 0] % 2).astype("float32")
    keras.utils.set_random_seed(0)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    tuned = pretrained.from_keras(model, vocab, name="fine-tuned")
    r = pretrained.compare(glove50, tuned)
    assert r.shared == 300
    assert {w for w, _ in r.movers(20)} == trained
    still = max(d for w, d in r.movers(300) if w not in trained)  # untouched words: only the fit's noise
    assert r.movers(20)[-1][1] > 3 * still and r.drift(vocab[300]) < 0.01


def test_torch_embedding(tmp_path):
    torch = require("torch", "torch")
    torch.manual_seed(0)
    emb = torch.nn.Embedding(5, 4, padding_idx=0)
    vocab = ["<pad>", "[UNK]", "cat", "dog", "bird"]
    v = pretrained.from_torch(emb, vocab)
    assert v.words == ["cat", "dog", "bird"]  # the padding_idx row and [UNK] left out
    np.testing.assert_array_equal(v.vectors, emb.weight.detach().numpy()[2:])
    model = torch.nn.Sequential(emb, torch.nn.Linear(4, 1))
    assert pretrained.from_torch(model, vocab).words == v.words
    with pytest.raises(VocabularyError, match=r"has 4 tokens .* 5 rows"):
        pretrained.from_torch(emb, vocab[:4])
    with pytest.raises(TypeError, match="exactly one"):
        pretrained.from_torch(torch.nn.Linear(2, 2), vocab)


def test_gensim_models():
    from gensim.models import Doc2Vec, Word2Vec
    from gensim.models.doc2vec import TaggedDocument

    sentences = [["the", "cat", "sat"], ["the", "dog", "sat"]] * 5
    w2v = Word2Vec(sentences, vector_size=5, min_count=1, workers=1, seed=1, epochs=1)
    v = pretrained.Vectors.from_gensim(w2v, name="w2v")
    assert v.words == list(w2v.wv.index_to_key) and v.meta["source"]["model"] == "Word2Vec"
    np.testing.assert_array_equal(v.vectors, w2v.wv.vectors)
    docs = [TaggedDocument(s, [i]) for i, s in enumerate(sentences)] + [TaggedDocument(["a", "b"], ["doc-x"])]
    d2v = Doc2Vec(docs, vector_size=4, min_count=1, workers=1, seed=1, epochs=1)
    dv = pretrained.Vectors.from_gensim(d2v)
    assert len(dv) == 11 and "doc-x" in dv and "0" in dv and dv.meta["source"]["items"] == "documents"
    np.testing.assert_array_equal(dv["doc-x"], d2v.dv["doc-x"])
    with pytest.raises(TypeError):
        pretrained.Vectors.from_gensim(object())


def _assert_round_trip(v, folder):
    out = pretrained.export_projector(v, folder, words=None)
    back = pretrained.from_projector(out.vectors, out.metadata)
    assert back.words == v.words
    np.testing.assert_allclose(back.vectors, v.vectors, rtol=1e-5, atol=1e-6)


def test_projector_round_trip_real_words(glove50, tmp_path):
    v = pretrained.Vectors(glove50.words[:500], glove50.vectors[:500])
    _assert_round_trip(v, tmp_path)
    no_meta = pretrained.from_projector(tmp_path / "vectors.tsv")
    assert no_meta.words[:3] == ["0", "1", "2"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(  # blank labels are refused by export_projector (tests/test_own_inputs.py)
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\t\n\r\ufeff"), max_size=6).filter(
            str.strip
        ),
        min_size=1,
        max_size=12,
        unique=True,
    ),
    seed=st.integers(0, 1000),
)
def test_projector_round_trip(tmp_path_factory, words, seed):
    vecs = np.random.default_rng(seed).normal(size=(len(words), 3)).astype(np.float32)
    _assert_round_trip(pretrained.Vectors(words, vecs), tmp_path_factory.mktemp("p"))


def test_projector_tensorflow_metadata_layouts(tmp_path):
    vecs = tmp_path / "vectors.tsv"
    vecs.write_text("0.1\t0.2\n0.3\t0.4\n0.5\t0.6\n", encoding="utf-8")
    single = tmp_path / "metadata.tsv"
    single.write_text("cat\ndog\nbird\n", encoding="utf-8")
    assert pretrained.from_projector(vecs, single).words == ["cat", "dog", "bird"]
    several = tmp_path / "meta2.tsv"
    several.write_text("Word\tFrequency\ncat\t10\ndog\t7\nbird\t1\n", encoding="utf-8")
    v = pretrained.from_projector(vecs, several)
    assert v.words == ["cat", "dog", "bird"] and v.meta["source"]["columns"] == ["Word", "Frequency"]
    assert pretrained.from_projector(vecs, several, label="Frequency").words == ["10", "7", "1"]
    with pytest.raises(FormatError, match="no column 'nope'"):
        pretrained.from_projector(vecs, several, label="nope")
    short = tmp_path / "short.tsv"
    short.write_text("cat\n", encoding="utf-8")
    with pytest.raises(FormatError, match="1 lines for 3 vectors"):
        pretrained.from_projector(vecs, short)
    bad = tmp_path / "bad.tsv"
    bad.write_text("0.1\t0.2\n0.3\tx\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 2"):
        pretrained.from_projector(bad)
    ragged = tmp_path / "ragged.tsv"
    ragged.write_text("0.1\t0.2\n0.3\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 2: 1 values"):
        pretrained.from_projector(ragged)
    dup = tmp_path / "dup.tsv"
    dup.write_text("cat\ncat\nbird\n", encoding="utf-8")
    with pytest.raises(FormatError, match="rows 1 and 2"):
        pretrained.from_projector(vecs, dup)


def test_brought_vectors_save_with_their_source(tmp_path):
    v = pretrained.from_projector(*_files(tmp_path))
    pretrained.save(v, "projected")
    assert pretrained.load("projected").meta["source"]["kind"] == "projector"


def _files(folder):
    (folder / "v.tsv").write_text("1\t2\n", encoding="utf-8")
    (folder / "m.tsv").write_text("only\n", encoding="utf-8")
    return folder / "v.tsv", folder / "m.tsv"
