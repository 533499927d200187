"""Issue 17 B, D and E: a user's own inputs are refused with a clear error, never misread.

One table of refusals (each row: what the user does, the error type, what the message must name),
then the behaviours that were fixed rather than refused (counts kept, compressed corpora read,
one text a line, zero drift), each checked against an independent expectation.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pretrained
from pretrained.errors import (
    ArgumentError,
    ArgumentTypeError,
    FormatDecodeError,
    FormatError,
    PretrainedError,
    TruncatedFileError,
)
from pretrained.interop.matrix import VocabularyError
from pretrained.interop.texts import sif_weights
from tests.conftest import require

WORDS = ["the", "cat", "sat", "on", "mat", "dog"]


def _vectors(words=WORDS, seed: int = 0) -> pretrained.Vectors:
    rng = np.random.default_rng(seed)
    return pretrained.Vectors(list(words), rng.normal(size=(len(words), 4)).astype(np.float32))


def _corpus_lines(n: int = 60) -> list:
    rng = np.random.default_rng(1)
    return [" ".join(rng.choice([*WORDS, "café", "naïve"], size=8)) for _ in range(n)]


def _train(corpus, **options):
    options = {"dim": 5, "min_count": 1, "epochs": 1, "workers": 1, "progress": False, **options}
    return pretrained.train(corpus, None, **options)


# ---------------------------------------------------------------------------- the refusals


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def ragged_projector(tmp: Path):
    pretrained.from_projector(_write(tmp / "vectors.tsv", "1\t2\n3\t4\t5\n6\n"))


def projector_extra_label(tmp: Path):
    vecs = _write(tmp / "vectors.tsv", "1\t2\n3\t4\n5\t6\n")
    pretrained.from_projector(vecs, _write(tmp / "metadata.tsv", "word\na\nb\nc\n"))


def projector_nan(tmp: Path):
    pretrained.from_projector(_write(tmp / "vectors.tsv", "1\t2\n3\tnan\n"))


def projector_overflow(tmp: Path):
    pretrained.from_projector(_write(tmp / "vectors.tsv", "1\t2\n3\t1e39\n"))


def csv_word_in_numbers(tmp: Path):
    pretrained.read_table(_write(tmp / "t.csv", "label,a,b,c\nx,1,2,3\ny,4,two,6\nz,7,8,9\n"))


def csv_typo_in_numbers(tmp: Path):
    pretrained.read_table(_write(tmp / "t.csv", "label,a,b,c\nx,1,2,3\ny,4,5,6\nz,7,8,9o\n"))


def csv_empty_label(tmp: Path):
    pretrained.read_table(_write(tmp / "t.csv", "label,a,b\nx,1,2\n,3,4\n"))


def table_folder(tmp: Path):
    pretrained.read_table(tmp)


def corpus_latin1(tmp: Path):
    path = tmp / "corpus.txt"
    path.write_bytes("the cat sat\nthe café sat\n".encode("latin-1"))
    _train(path)


def corpus_truncated_gz(tmp: Path):
    path = tmp / "corpus.txt.gz"
    path.write_bytes(gzip.compress("\n".join(_corpus_lines(400)).encode())[:-40])
    _train(path)


def corpus_truncated_bz2(tmp: Path):
    path = tmp / "corpus.txt.bz2"
    path.write_bytes(bz2.compress("\n".join(_corpus_lines(400)).encode())[:-40])
    _train(path)


def corpus_unknown_encoding(tmp: Path):
    _train(_write(tmp / "c.txt", "the cat\n"), encoding="klingon")


def vectors_nan(tmp: Path):
    pretrained.Vectors(["a", "b"], np.array([[1.0, 0.0], [np.nan, 1.0]]))


def vectors_inf(tmp: Path):
    pretrained.Vectors(["a", "b"], np.array([[1.0, np.inf], [0.0, 1.0]], dtype=np.float32))


def vectors_overflow(tmp: Path):
    pretrained.Vectors(["a", "b"], np.array([[1.0, 0.0], [0.0, 1e39]]))


def vectors_set_words(tmp: Path):
    pretrained.Vectors({"a", "b"}, np.eye(2))


def save_kept_nan(tmp: Path):
    v = pretrained.Vectors(["a", "b"], np.array([[1.0, 0.0], [np.nan, 1.0]]), nonfinite="keep")
    pretrained.save(v, "kept-nan")


def matrix_set_vocabulary(tmp: Path):
    pretrained.embedding_matrix(_vectors(), set(WORDS))


def matrix_frozenset_vocabulary(tmp: Path):
    pretrained.embedding_matrix(_vectors(), frozenset(WORDS))


def embed_none_weight(tmp: Path):
    pretrained.embed(_vectors(), ["the cat"], weights={"the": None})


def embed_nan_weight(tmp: Path):
    pretrained.embed(_vectors(), ["the cat"], weights={"cat": float("nan")})


def embed_str_tokenizer(tmp: Path):
    pretrained.embed(_vectors(), ["the cat"], tokenizer=lambda s: s)


def embed_sif_without_counts(tmp: Path):
    pretrained.embed(_vectors(), ["the cat"], weights="sif")


def embed_other_string_weights(tmp: Path):
    pretrained.embed(_vectors(), ["the cat"], weights="idf")


def sif_negative(tmp: Path):
    sif_weights({"the": 10, "cat": -3})


def sif_none(tmp: Path):
    sif_weights({"the": 10, "cat": None})


def export_empty_label(tmp: Path, label: str = ""):
    pretrained.export_projector(_vectors(["a", label, "b"]), tmp / "out", words=None)


def float_key(tmp: Path):
    _vectors()[1.5]


def movers_float(tmp: Path):
    pretrained.compare(_vectors(), _vectors(seed=1)).movers(2.5)


def movers_negative(tmp: Path):
    pretrained.compare(_vectors(), _vectors(seed=1)).movers(-1)


def given_empty(tmp: Path):
    _vectors().most_similar_to_given("the", [])


def train_float_dim(tmp: Path):
    _train([["the", "cat"]], dim=5.0)


REFUSALS = [
    # (action, error type, the message must match) -- B: own inputs
    pytest.param(matrix_set_vocabulary, VocabularyError, "unordered set.*pass a list", id="embedding_matrix-set"),
    pytest.param(matrix_frozenset_vocabulary, VocabularyError, "unordered frozenset", id="embedding_matrix-frozenset"),
    pytest.param(vectors_set_words, ArgumentTypeError, "unordered set", id="Vectors-set-words"),
    pytest.param(ragged_projector, FormatError, r"vectors\.tsv, line 2: 3 values", id="projector-ragged"),
    pytest.param(
        projector_extra_label,
        FormatError,
        r"metadata\.tsv, line 4: 4 labels for 3 vectors",
        id="projector-single-column-extra-line",
    ),
    pytest.param(csv_word_in_numbers, FormatError, r"t\.csv: row 2, column 'b': 'two' is not a number", id="csv-two"),
    pytest.param(csv_typo_in_numbers, FormatError, r"t\.csv: row 3, column 'c': '9o' is not a number", id="csv-9o"),
    pytest.param(csv_empty_label, FormatError, r"t\.csv: row 2: the label .* is empty", id="csv-empty-label"),
    pytest.param(
        corpus_latin1, FormatDecodeError, r"corpus\.txt, line 2: not valid utf-8.*encoding=", id="corpus-latin1"
    ),
    pytest.param(
        corpus_truncated_gz, TruncatedFileError, r"corpus\.txt\.gz: the gzip data ends early", id="corpus-truncated-gz"
    ),
    pytest.param(
        corpus_truncated_bz2,
        TruncatedFileError,
        r"corpus\.txt\.bz2: the bzip2 data ends early",
        id="corpus-truncated-bz2",
    ),
    pytest.param(corpus_unknown_encoding, ArgumentError, "encoding='klingon'", id="corpus-unknown-encoding"),
    pytest.param(vectors_nan, ArgumentError, r"'b' \(row 1\) holds nan.*nonfinite='zero'", id="Vectors-nan"),
    pytest.param(vectors_inf, ArgumentError, r"'a' \(row 0\) holds inf", id="Vectors-inf"),
    pytest.param(
        vectors_overflow, ArgumentError, r"'b' \(row 1\) holds 1e\+39 .*beyond float32", id="Vectors-float64-overflow"
    ),
    pytest.param(save_kept_nan, ArgumentError, r"'b' \(row 1\) holds nan", id="save-nan"),
    pytest.param(
        projector_nan, FormatError, r"vectors\.tsv, line 2: the vector of '1' \(row 1\) holds nan", id="projector-nan"
    ),
    pytest.param(
        projector_overflow, FormatError, r"vectors\.tsv, line 2: .*1e\+39 .*beyond float32", id="projector-overflow"
    ),
    pytest.param(embed_none_weight, ArgumentError, "the weight of 'the' is None", id="embed-weight-None"),
    pytest.param(embed_nan_weight, ArgumentError, "the weight of 'cat' is nan", id="embed-weight-nan"),
    pytest.param(embed_str_tokenizer, ArgumentTypeError, "tokenizer returned a str", id="embed-tokenizer-str"),
    pytest.param(sif_negative, ArgumentError, "the count of 'cat' is -3", id="sif-negative"),
    pytest.param(sif_none, ArgumentError, "the count of 'cat' is None", id="sif-None"),
    # D: what the Projector would misalign
    pytest.param(export_empty_label, ArgumentError, r"'' \(row 1\) is empty or only whitespace", id="export-empty"),
    pytest.param(
        lambda t: export_empty_label(t, "\u00a0"),
        ArgumentError,
        r"\(row 1\) is empty or only whitespace",
        id="export-nbsp",
    ),
    pytest.param(
        lambda t: export_empty_label(t, "\u3000"),
        ArgumentError,
        r"\(row 1\) is empty or only whitespace",
        id="export-ideographic-space",
    ),
    pytest.param(
        lambda t: export_empty_label(t, "\ufeff "),
        ArgumentError,
        r"\(row 1\) is empty or only whitespace",
        id="export-bom-space",
    ),
    # E: low-level messages become ours
    pytest.param(embed_sif_without_counts, ArgumentError, "weights='sif' needs word counts", id="embed-sif-no-counts"),
    pytest.param(embed_other_string_weights, ArgumentError, "dict or 'sif', got 'idf'", id="embed-weights-str"),
    pytest.param(float_key, ArgumentTypeError, "got float: 1.5", id="getitem-float"),
    pytest.param(movers_float, ArgumentTypeError, "whole number of words, got float: 2.5", id="movers-float"),
    pytest.param(movers_negative, ArgumentError, "n must be >= 0", id="movers-negative"),
    pytest.param(given_empty, ArgumentError, "keys_list is empty", id="most_similar_to_given-empty"),
    pytest.param(table_folder, FormatError, "is a folder, not a table file", id="read_table-folder"),
    pytest.param(train_float_dim, ArgumentError, "dim must be a whole number", id="train-float-dim"),
]


@pytest.mark.parametrize("action, error, match", REFUSALS)
def test_refused_with_a_clear_error(tmp_path, action, error, match):
    with pytest.raises(error, match=match) as info:
        action(tmp_path)
    assert isinstance(info.value, PretrainedError)
    assert isinstance(info.value, (ValueError, TypeError))


def test_keras_refusals_and_plain_str_tokens():
    keras = require("keras", "keras")
    layer = keras.layers.Embedding(4, 3, name="emb")
    layer.build((None,))
    with pytest.raises(VocabularyError, match="unordered set"):
        pretrained.from_keras(layer, {"", "a", "b", "c"})
    vocab = np.array(["", "officers", "b", "c"])  # a vocabulary kept as a numpy array holds np.str_
    v = pretrained.from_keras(layer, vocab)
    assert v.words == ["officers", "b", "c"] and all(type(w) is str for w in v.words)
    assert "np.str_" not in repr(v.most_similar("officers", topn=1))
    assert all(type(w) is str for w in v.most_similar("officers", topn=2).words)
    weights = layer.get_weights()[0]
    weights[2, 1] = np.nan
    layer.set_weights([weights])
    with pytest.raises(ArgumentError, match=r"'b' \(row 1\) holds nan"):
        pretrained.from_keras(layer, vocab)
    zeroed = pretrained.from_keras(layer, vocab, nonfinite="zero")
    assert not zeroed["b"].any() and zeroed["c"].tolist() == weights[3].tolist()
    assert np.isnan(pretrained.from_keras(layer, vocab, nonfinite="keep")["b"][1])


def test_torch_nonfinite():
    torch = require("torch", "torch")
    emb = torch.nn.Embedding(3, 2)
    with torch.no_grad():
        emb.weight[2, 0] = float("inf")
    with pytest.raises(ArgumentError, match=r"'c' \(row 1\) holds inf"):
        pretrained.from_torch(emb, ["", "b", "c"])


# ---------------------------------------------------------------------------- fixed, not refused


@pytest.mark.parametrize("kind", ["plain", "gz", "bz2", "xz", "zip"])
def test_compressed_corpus_is_read_as_text(tmp_path, kind):
    text = "\n".join(_corpus_lines()) + "\n"
    data = text.encode("utf-8")
    path = tmp_path / {"plain": "c.txt", "gz": "c.txt.gz", "bz2": "c.txt.bz2", "xz": "c.txt.xz", "zip": "c.zip"}[kind]
    if kind == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("corpus.txt", data)
    else:
        path.write_bytes({"plain": bytes, "gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[kind](data))
    v = _train(path, seed=3)
    expected = {t for line in text.splitlines() for t in pretrained.tokenize(line)}
    assert set(v.words) == expected  # the words of the text, not of the compressed bytes
    plain = tmp_path / "plain.txt"
    plain.write_bytes(data)
    np.testing.assert_array_equal(v.vectors, _train(plain, seed=3).vectors)


def test_corpus_encoding_option(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes("\n".join(_corpus_lines()).encode("latin-1"))
    v = _train(path, encoding="latin-1")
    assert "café" in v and "naïve" in v and not any("\ufffd" in w for w in v.words)


def test_cli_truncated_corpus_is_one_line(tmp_path, capsys):
    from pretrained.cli import main

    path = tmp_path / "corpus.txt.gz"
    path.write_bytes(gzip.compress("\n".join(_corpus_lines(400)).encode())[:-40])
    code = main(["train", str(path), "--name", "mine", "--min-count", "1", "--epochs", "1", "--workers", "1"])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    assert str(path) in err and "ends early" in err


def test_cli_train_encoding(tmp_path, capsys):
    from pretrained.cli import main

    path = tmp_path / "corpus.txt"
    path.write_bytes("\n".join(_corpus_lines()).encode("cp1252"))
    assert (
        main(
            [
                "train",
                str(path),
                "--name",
                "cp",
                "--min-count",
                "1",
                "--epochs",
                "1",
                "--workers",
                "1",
                "--dim",
                "4",
                "--encoding",
                "cp1252",
            ]
        )
        == 0
    )
    assert "café" in pretrained.load("cp")
    assert main(["train", str(path), "--name", "cp2", "--min-count", "1", "--epochs", "1", "--workers", "1"]) != 0
    assert "line 1" in capsys.readouterr().err


def test_train_accepts_numpy_integers_and_keeps_counts(tmp_path):
    gensim_models = require("gensim.models", "gensim")
    sentences = [line.split() for line in _corpus_lines()]
    v = pretrained.train(
        sentences,
        "counted",
        dim=np.int64(5),
        window=np.int32(3),
        min_count=np.int64(1),
        epochs=np.int64(1),
        workers=np.int64(1),
        seed=np.int64(2),
        progress=False,
    )
    assert v.dim == 5 and v.meta["source"]["parameters"]["dim"] == 5
    model = gensim_models.Word2Vec(sentences, vector_size=5, min_count=1, epochs=1, workers=1)
    for w in v.words:  # gensim's real counts, not the made-up len - row
        assert v.get_vecattr(w, "count") == model.wv.get_vecattr(w, "count")
    again = pretrained.load("counted")
    np.testing.assert_array_equal(again.counts, v.counts)
    assert sorted(v.counts.tolist(), reverse=True) != list(range(len(v), 0, -1))  # real, not invented
    real = {w: model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key}
    np.testing.assert_allclose(
        pretrained.embed(again, ["the cat café"], weights="sif"),
        pretrained.embed(again, ["the cat café"], weights=sif_weights(real)),
    )


def test_from_gensim_keeps_counts():
    gensim_models = require("gensim.models", "gensim")
    sentences = [line.split() for line in _corpus_lines()]
    model = gensim_models.Word2Vec(sentences, vector_size=4, min_count=1, epochs=1, workers=1)
    v = pretrained.Vectors.from_gensim(model)
    assert [v.get_vecattr(w, "count") for w in v.words] == [model.wv.get_vecattr(w, "count") for w in v.words]
    copied = pretrained.load(pretrained.save(v, "from-gensim").name)
    assert copied.counts.tolist() == v.counts.tolist()


def test_nonfinite_options_agree_with_the_readers(tmp_path):
    nan = np.array([[1.0, 0.0], [np.nan, 1.0], [0.5, 0.5]])
    zeroed = pretrained.Vectors(["a", "b", "c"], nan, nonfinite="zero")
    assert zeroed["b"].tolist() == [0.0, 0.0] and zeroed["c"].tolist() == [0.5, 0.5]
    kept = pretrained.Vectors(["a", "b", "c"], nan, nonfinite="keep")
    assert np.isnan(kept["b"][0])
    path = pretrained.save(kept, "zeroed-on-save", nonfinite="zero")
    assert pretrained.load(path.name)["b"].tolist() == [0.0, 0.0]
    vec = tmp_path / "v.txt"
    vec.write_text("a 1 0\nb nan 1\nc 0.5 0.5\n", encoding="utf-8")
    assert pretrained.load(vec, nonfinite="zero")["b"].tolist() == zeroed["b"].tolist()
    tsv = _write(tmp_path / "vectors.tsv", "1\t0\nnan\t1\n0.5\t0.5\n")
    assert pretrained.from_projector(tsv, nonfinite="zero")["1"].tolist() == [0.0, 0.0]
    with pytest.raises(ArgumentError, match="nonfinite='maybe'"):
        pretrained.Vectors(["a"], np.ones((1, 2)), nonfinite="maybe")


def test_projector_multi_column_header_still_read(tmp_path):
    vecs = _write(tmp_path / "vectors.tsv", "1\t2\n3\t4\n")
    v = pretrained.from_projector(vecs, _write(tmp_path / "metadata.tsv", "word\tcount\na\t1\nb\t2\n"))
    assert v.words == ["a", "b"]
    assert pretrained.from_projector(vecs, _write(tmp_path / "m1.tsv", "a\nb\n")).words == ["a", "b"]


def test_csv_text_column_is_still_ignored(tmp_path):
    v = pretrained.read_table(_write(tmp_path / "t.csv", "label,colour,a,b\nx,red,1,2\ny,blue,3,4\n"))
    assert v.dim == 2 and v["y"].tolist() == [3.0, 4.0]


def test_compare_zero_in_both_is_no_drift():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(30, 5)).astype(np.float32)
    m[7] = 0.0
    words = [f"w{i}" for i in range(30)]
    a = pretrained.Vectors(words, m)
    r = pretrained.compare(a, a)
    assert r.drift("w7") == 0.0
    assert "w7" not in [w for w, _ in r.movers(3)]
    assert max(d for _, d in r.movers(30)) < 1e-5
    b_m = m.copy()
    b_m[8] = 0.0  # zero on one side only: no direction to compare, the largest drift
    r2 = pretrained.compare(a, pretrained.Vectors(words, b_m), align=False)
    assert r2.movers(1) == [("w8", 1.0)]
    assert r.movers(np.int64(2)) == r.movers(2)


_BREAKS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\r"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet=st.sampled_from(list("ab ") + _BREAKS), max_size=12), min_size=1, max_size=8),
    st.sampled_from(["\n", "\r\n"]),
)
def test_embed_texts_are_lines_ended_by_newline_only(tmp_path_factory, texts, ending):
    from pretrained.cli.own import read_texts

    texts = [t.rstrip("\r") for t in texts]  # a text's own trailing \r would merge with \r\n's
    path = tmp_path_factory.mktemp("texts") / "texts.txt"
    path.write_bytes("".join(t + ending for t in texts).encode("utf-8"))
    assert read_texts(str(path)) == texts


def test_cli_embed_one_row_per_line(tmp_path):
    from pretrained.cli import main

    vec = tmp_path / "v.txt"
    vec.write_text("a 1 0\nb 0 1\n", encoding="utf-8")
    texts = tmp_path / "texts.txt"
    texts.write_bytes("a\u2028b\r\nb\x85a\nb\x0bb\x1cb\ra\n".encode("utf-8"))
    out = tmp_path / "out.npy"
    assert main(["embed", str(vec), str(texts), "--out", str(out)]) == 0
    m = np.load(out)
    assert m.shape == (3, 2)
    np.testing.assert_allclose(m, [[0.5, 0.5], [0.5, 0.5], [0.25, 0.75]])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=8))
def test_projector_rows_of_other_lengths_name_the_first(tmp_path_factory, lengths):
    lines = ["\t".join(str(float(i + j)) for j in range(n)) for i, n in enumerate(lengths)]
    path = tmp_path_factory.mktemp("proj") / "vectors.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    differ = [i for i, n in enumerate(lengths) if n != lengths[0]]
    if not differ:
        v = pretrained.from_projector(path)
        assert v.vectors.shape == (len(lengths), lengths[0])
        assert v.vectors[-1, -1] == float(len(lengths) - 1 + lengths[0] - 1)
        return
    with pytest.raises(FormatError, match=rf"line {differ[0] + 1}: {lengths[differ[0]]} values"):
        pretrained.from_projector(path)
