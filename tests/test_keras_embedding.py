"""Proof with real Keras: TextVectorization adapted on a real text, real GloVe 50d vectors, an
Embedding layer from ``keras_embedding`` that outputs the matrix rows, stays frozen (or not) through
training, and survives a ``.keras`` save and reload."""

from __future__ import annotations

import zipfile
from collections import Counter

import numpy as np
import pytest
from conftest import gensim_test_data, require

from pretrained import VocabularyError, embedding_matrix, keras_embedding

SEQ_LEN = 40
NUM_WORDS = 2000


@pytest.fixture(scope="module")
def keras():
    require("tensorflow", "keras")
    return require("keras", "keras")


@pytest.fixture(scope="module")
def lee_texts():
    """The 300 documents of gensim's Lee background corpus, one a line."""
    lines = gensim_test_data("lee_background.cor").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


@pytest.fixture(scope="module")
def samples(lee_texts):
    """The corpus' first 600 sentences: the model inputs (short ones get padding)."""
    sentences = [s.strip() for doc in lee_texts for s in doc.split(". ") if s.strip()]
    return sentences[:600]


@pytest.fixture(scope="module")
def vectorizer(keras, lee_texts):
    tv = keras.layers.TextVectorization(max_tokens=5000, output_sequence_length=SEQ_LEN)
    tv.adapt(lee_texts)
    return tv


@pytest.fixture(scope="module")
def tv_ids(vectorizer, samples):
    ids = np.asarray(vectorizer(samples))
    assert (ids == 0).any() and (ids == 1).any()  # padding and OOV both occur
    return ids


def tokenizer_word_index(texts):
    """Keras' legacy ``Tokenizer().fit_on_texts`` word_index (gone from Keras 3): lowercase, the
    default filters become spaces, split on spaces; indices from 1 by descending count, ties in
    first-seen order."""
    filters = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
    table = str.maketrans(filters, " " * len(filters))
    docs = [[w for w in t.lower().translate(table).split(" ") if w] for t in texts]
    counts = Counter()
    for doc in docs:
        counts.update(doc)
    ordered = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)  # stable: ties keep first-seen order
    word_index = {w: i + 1 for i, (w, _) in enumerate(ordered)}
    return word_index, counts, docs


@pytest.fixture(scope="module")
def legacy(lee_texts, samples):
    """(word_index, counts, padded sequences) exactly as fit_on_texts(corpus), then
    texts_to_sequences(samples) + pad_sequences(padding="post") with num_words=NUM_WORDS would
    give: indices >= num_words are dropped."""
    word_index, counts, _ = tokenizer_word_index(lee_texts)
    _, _, docs = tokenizer_word_index(samples)
    seqs = np.zeros((len(docs), SEQ_LEN), dtype=np.int64)
    for r, doc in enumerate(docs):
        ids = [word_index[w] for w in doc if word_index[w] < NUM_WORDS][:SEQ_LEN]
        seqs[r, : len(ids)] = ids  # post-padding with 0
    return word_index, counts, seqs


def weights(layer) -> np.ndarray:
    return np.array(layer.get_weights()[0])


# ---------------------------------------------------------------------------- outputs = matrix rows


def test_textvectorization_layer_outputs_the_matrix_rows(keras, glove50, vectorizer, tv_ids):
    vocab = vectorizer.get_vocabulary()
    assert vocab[:2] == ["", "[UNK]"]
    matrix, report = embedding_matrix(glove50, vocab, return_report=True)
    layer = keras_embedding(glove50, vocab)
    assert isinstance(layer, keras.layers.Embedding)
    assert (layer.input_dim, layer.output_dim) == (len(vocab), 50) and not layer.trainable

    out = np.asarray(layer(tv_ids))
    np.testing.assert_array_equal(out, matrix[tv_ids])
    assert not out[tv_ids == 0].any()  # padding positions are zero vectors
    for word in ("the", "government", "australia", "police"):
        (row,) = [i for i, t in enumerate(vocab) if t == word]
        np.testing.assert_array_equal(np.asarray(layer(np.array([[row]])))[0, 0], glove50[word])
    assert report.fraction > 0.95 and report.padding_rows == (0,) and report.oov_token_rows == (1,)


def test_legacy_word_index_with_num_words(keras, glove50, legacy):
    word_index, _, seqs = legacy
    layer = keras_embedding(glove50, word_index, num_words=NUM_WORDS)
    assert layer.input_dim == NUM_WORDS and seqs.max() == NUM_WORDS - 1
    out = np.asarray(layer(seqs))
    assert not out[seqs == 0].any()
    inverse = {i: w for w, i in word_index.items()}
    for r, c in zip(*np.nonzero(seqs)):
        word = inverse[int(seqs[r, c])]
        expected = glove50.get(word, np.zeros(50, np.float32))
        np.testing.assert_array_equal(out[r, c], expected)


def _train_one_epoch(keras, layer, ids, y):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(ids.shape[1],), dtype="int32"),
            layer,
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="binary_crossentropy")
    dense = model.layers[-1]
    dense_before = np.array(dense.get_weights()[0])
    model.fit(ids, y, epochs=1, batch_size=64, verbose=0)
    assert not np.array_equal(dense.get_weights()[0], dense_before), "the model did not train"
    return model


@pytest.mark.parametrize("kind", ["textvectorization", "word_index"])
def test_frozen_layer_does_not_move_and_trainable_does(keras, glove50, vectorizer, tv_ids, legacy, kind):
    if kind == "textvectorization":
        vocab, ids, options = vectorizer.get_vocabulary(), tv_ids, {}
    else:
        vocab, _, ids = legacy
        options = {"num_words": NUM_WORDS}
    y = (np.arange(len(ids)) % 2).astype("float32")
    matrix = embedding_matrix(glove50, vocab, **options)

    frozen = keras_embedding(glove50, vocab, **options)
    _train_one_epoch(keras, frozen, ids, y)
    np.testing.assert_array_equal(weights(frozen), matrix)

    trainable = keras_embedding(glove50, vocab, trainable=True, **options)
    _train_one_epoch(keras, trainable, ids, y)
    moved = np.any(weights(trainable) != matrix, axis=1)
    used = np.unique(ids[ids > 0])
    assert moved[used].mean() > 0.9  # the rows the data uses moved
    unused = np.setdiff1d(np.arange(1, len(matrix)), np.unique(ids))
    assert not moved[unused].any()  # rows no input touches did not


def test_mask_zero_masks_padding_and_keeps_its_row_zero_in_training(keras, glove50, vectorizer, tv_ids):
    vocab = vectorizer.get_vocabulary()
    layer = keras_embedding(glove50, vocab, trainable=True, mask_zero=True)
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(tv_ids)), tv_ids != 0)
    y = (np.arange(len(tv_ids)) % 2).astype("float32")
    _train_one_epoch(keras, layer, tv_ids, y)
    assert not weights(layer)[0].any()  # masked positions send no gradient to the padding row


def test_mask_zero_refuses_a_vocabulary_whose_row_zero_is_a_token(keras, glove50):
    with pytest.raises(VocabularyError, match="row 0"):
        keras_embedding(glove50, ["the", "cat"], mask_zero=True)


# ---------------------------------------------------------------------------- save and reload


def test_save_and_reload_keras_model(keras, glove50, vectorizer, tv_ids, tmp_path):
    vocab = vectorizer.get_vocabulary()
    layer = keras_embedding(glove50, vocab, name="glove")
    model = keras.Sequential(
        [
            keras.Input(shape=(SEQ_LEN,), dtype="int32"),
            layer,
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(3),
        ]
    )
    expected = np.asarray(model(tv_ids[:16]))
    path = tmp_path / "model.keras"
    model.save(path)

    reloaded = keras.models.load_model(path)
    np.testing.assert_array_equal(np.asarray(reloaded(tv_ids[:16])), expected)
    emb = reloaded.get_layer("glove")
    assert not emb.trainable
    np.testing.assert_array_equal(weights(emb), embedding_matrix(glove50, vocab))
    with zipfile.ZipFile(path) as z:  # the matrix is saved as weights, not copied into the JSON config
        assert z.getinfo("config.json").file_size < 50_000


# ---------------------------------------------------------------------------- other entry points


def test_vectors_method_and_ready_matrix(keras, glove50, vectorizer, tv_ids):
    vocab = vectorizer.get_vocabulary()
    matrix = embedding_matrix(glove50, vocab, oov="random", seed=3)
    from_method = glove50.keras_embedding(vocab, oov="random", seed=3)
    from_matrix = keras_embedding(matrix)
    np.testing.assert_array_equal(weights(from_method), matrix)
    np.testing.assert_array_equal(weights(from_matrix), matrix)
    matrix[2] = 42.0  # the layer holds its own copy
    assert not (weights(from_matrix)[2] == 42.0).any()
    with pytest.raises(TypeError):
        keras_embedding(matrix, vocab)
