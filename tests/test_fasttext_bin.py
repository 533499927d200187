"""Facebook's native fastText ``.bin``: our pickle-free reader against fastText itself (the
``fasttext`` package: bit-exact on models trained here, known and unknown words and ``</s>``, UTF-8
and other encodings) and against gensim's ``load_facebook_vectors`` on every unsupervised ``.bin``
that gensim ships in its test data (within one ulp: gensim divides where fastText multiplies by
``float32(1/n)``, and gives ``</s>`` n-grams)."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import numpy as np
import pytest
from conftest import gensim_test_data, require

import pretrained
from pretrained.core import fasttext
from pretrained.errors import FormatError, PretrainedError

gensim_fasttext = require("gensim.models.fasttext", "gensim")
require("hypothesis", "test")
from hypothesis import given, settings
from hypothesis import strategies as st

# every fastText .bin in gensim/test/test_data holding word vectors (the old and the new format)
BINS = [
    "lee_fasttext.bin",
    "lee_fasttext_new.bin",
    "crime-and-punishment.bin",
    "non_ascii_fasttext.bin",
    "toy-model.bin",
    "toy-model-pretrained.bin",
]
UNKNOWN = ["nonexistentword", "steamtrain", "héllo", "Привет", "x", "", "日本語のテキスト", "a b", "<>", "nights"]


@pytest.fixture(scope="module", params=BINS)
def pair(request, tmp_path_factory):
    """(gensim's FastTextKeyedVectors, our Vectors) of one .bin."""
    path = gensim_test_data(request.param)
    kv = gensim_fasttext.load_facebook_vectors(str(path))
    v = pretrained.load(path, cache_dir=tmp_path_factory.mktemp("ft"))
    return kv, v


@pytest.fixture(autouse=True)
def _quiet(caplog):
    caplog.set_level(logging.ERROR)  # "could not extract any ngrams" warnings of both libraries


def as_gensim(v, kv):
    """Our known-word vectors against gensim's: within one ulp (the division), ``</s>`` apart."""
    rows = [i for i, w in enumerate(kv.index_to_key) if w != fasttext.EOS]
    np.testing.assert_array_max_ulp(v.vectors[rows], kv.vectors[rows], maxulp=1)


def test_known_words_exact(pair):
    kv, v = pair
    assert isinstance(v, fasttext.FastTextVectors) and v.has_subwords
    assert v.index_to_key == kv.index_to_key
    as_gensim(v, kv)
    assert (v.subwords.minn, v.subwords.maxn, v.subwords.bucket) == (kv.min_n, kv.max_n, kv.bucket)
    np.testing.assert_array_equal(v.subwords.ngrams, kv.vectors_ngrams)
    for w in kv.index_to_key[:: max(1, len(kv) // 20)]:
        assert v.get_vecattr(w, "count") == kv.get_vecattr(w, "count")


def test_unknown_words_as_gensim(pair):
    kv, v = pair
    for w in UNKNOWN:
        if w in kv.key_to_index:
            continue
        assert w not in v and not v.has_index_for(w)  # as gensim's key_to_index, not its `in`
        np.testing.assert_allclose(v[w], kv.get_vector(w), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(v.get_vector(w), kv.get_vector(w), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(v.subword_vector(w), kv[w], rtol=1e-6, atol=1e-7)
        if np.any(kv.get_vector(w)):
            np.testing.assert_allclose(v.get_vector(w, norm=True), kv.get_vector(w, norm=True), rtol=1e-5, atol=1e-6)
        assert not v[w].flags.writeable


@settings(max_examples=60, deadline=None)
@given(
    word=st.text(min_size=0, max_size=12),
    minn=st.integers(1, 4),
    extra=st.integers(0, 4),
    bucket=st.integers(1, 2_000_000),
)
def test_ngram_hashes_as_gensim(word, minn, extra, bucket):
    maxn = minn + extra
    assert fasttext.ngram_hashes(word, minn, maxn, bucket) == gensim_fasttext.ft_ngram_hashes(word, minn, maxn, bucket)
    assert fasttext.ngrams(word, minn, maxn) == list(gensim_fasttext.compute_ngrams_bytes(word, minn, maxn))


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(st.text(max_size=10), min_size=1, max_size=6),
    minn=st.integers(1, 4),
    extra=st.integers(0, 3),
    bucket=st.integers(1, 2_000_000),
)
def test_vectorised_hash_table_as_gensim(words, minn, extra, bucket):
    flat, lengths = fasttext.ngram_hash_table(words, minn, minn + extra, bucket)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    got = [flat[offsets[i] : offsets[i + 1]].tolist() for i in range(len(words))]
    assert got == [gensim_fasttext.ft_ngram_hashes(w, minn, minn + extra, bucket) for w in words]


@settings(max_examples=40, deadline=None)
@given(word=st.text(min_size=1, max_size=15))
def test_any_unknown_word_as_gensim(word):
    kv, v = _lee()
    if word in kv.key_to_index:
        np.testing.assert_array_max_ulp(v[word], kv[word], maxulp=1)
    else:
        np.testing.assert_allclose(v[word], kv.get_vector(word), rtol=1e-6, atol=1e-7)


_LEE: list = []


def _lee():
    if not _LEE:
        path = gensim_test_data("lee_fasttext_new.bin")
        _LEE.append((gensim_fasttext.load_facebook_vectors(str(path)), pretrained.load(path)))
    return _LEE[0]


def test_queries_with_unknown_words_as_gensim(pair):
    kv, v = pair
    w, known = "steamtrainx", kv.index_to_key[3]
    ours, theirs = v.most_similar(w, topn=5), kv.most_similar(w, topn=5)
    assert [x for x, _ in ours] == [x for x, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    assert v.similarity(w, known) == pytest.approx(float(kv.similarity(w, known)), abs=1e-5)
    assert v.n_similarity([w, known], [known]) == pytest.approx(float(kv.n_similarity([w, known], [known])), abs=1e-5)
    np.testing.assert_allclose(v.get_mean_vector([w, known]), kv.get_mean_vector([w, known]), atol=1e-6)
    words = [known, w, kv.index_to_key[0], "anotherunseen"]
    assert v.doesnt_match(words) == kv.doesnt_match(words)
    sub, theirs_sub = v.vectors_for_all(words), kv.vectors_for_all(words)
    assert sub.index_to_key == theirs_sub.index_to_key
    np.testing.assert_allclose(sub.vectors, theirs_sub.vectors, atol=1e-7)
    assert (
        v.vectors_for_all(words, allow_inference=False).index_to_key
        == kv.vectors_for_all(words, allow_inference=False).index_to_key
    )


def test_cache_round_trip_memory_maps_ngrams(tmp_path):
    path = gensim_test_data("lee_fasttext_new.bin")
    first = pretrained.load(path, cache_dir=tmp_path)
    entry = Path(first.path)
    assert {p.name for p in entry.iterdir()} >= {
        "vectors.npy",
        "norms.npy",
        "vocab.txt",
        "meta.json",
        "ngrams.npy",
        "counts.npy",
    }
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["subwords"] == {"minn": 3, "maxn": 6, "bucket": 1000} and meta["format"] == "fasttext-bin"
    assert np.load(entry / "ngrams.npy", allow_pickle=False).dtype == np.float32
    again = pretrained.load(path, cache_dir=tmp_path)
    assert isinstance(again.subwords.ngrams, np.memmap)
    np.testing.assert_array_equal(again.vectors, first.vectors)
    np.testing.assert_array_equal(again["unseenword"], first["unseenword"])
    assert not list(tmp_path.rglob("*scratch*"))  # the scratch copy is gone


def test_compressed_bin_limit_and_vocabulary(tmp_path):
    path = gensim_test_data("lee_fasttext_new.bin")
    gz = tmp_path / "lee.bin.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    plain, packed = pretrained.load(path), pretrained.load(gz)
    np.testing.assert_array_equal(plain.vectors, packed.vectors)
    np.testing.assert_array_equal(plain["unseenword"], packed["unseenword"])
    few = pretrained.load(path, limit=10)
    assert few.index_to_key == plain.index_to_key[:10]
    np.testing.assert_array_equal(few.vectors, plain.vectors[:10])
    np.testing.assert_array_equal(few["unseenword"], plain["unseenword"])
    chosen = pretrained.load(path, vocabulary=[plain.index_to_key[5], plain.index_to_key[2], "notthere"])
    assert chosen.index_to_key == [plain.index_to_key[2], plain.index_to_key[5]]
    assert chosen.get_vecattr(plain.index_to_key[5], "count") == plain.get_vecattr(plain.index_to_key[5], "count")


def test_embedding_matrix_subword_rows():
    kv, v = _lee()
    vocab = ["", "[UNK]", kv.index_to_key[0], "unseenword", "steamtrains"]
    m = pretrained.embedding_matrix(v, vocab, oov="subword")
    np.testing.assert_array_equal(m[2], v[kv.index_to_key[0]])
    np.testing.assert_allclose(m[3], kv.get_vector("unseenword"), atol=1e-7)
    np.testing.assert_allclose(m[4], kv.get_vector("steamtrains"), atol=1e-7)
    assert not m[0].any()


def test_subwords_absent_on_other_sets(toy_vectors):
    assert not toy_vectors.has_subwords
    with pytest.raises(PretrainedError, match=r"fastText .bin"):
        toy_vectors.subword_vector("anything")
    with pytest.raises(ValueError, match="subword"):
        pretrained.embedding_matrix(toy_vectors, ["man", "unknown"], oov="subword")
    with pytest.raises(KeyError):
        toy_vectors["unknown"]


@pytest.mark.parametrize("cut", [6, 30, 80, 700, -500, -4])
def test_truncated_bin_names_the_file(tmp_path, cut):
    data = gensim_test_data("lee_fasttext_new.bin").read_bytes()
    bad = tmp_path / "truncated.bin"
    bad.write_bytes(data[:cut] if cut > 0 else data[: len(data) + cut])
    with pytest.raises(FormatError, match=r"truncated.bin") as err:
        pretrained.load(bad)
    if cut >= 6:
        assert "truncated fastText .bin" in str(err.value)
    assert not list(tmp_path.rglob("*scratch*"))


def test_supervised_model_is_refused():
    with pytest.raises(FormatError, match="supervised"):
        pretrained.load(gensim_test_data("pang_lee_polarity_fasttext.bin"))


def test_gensim_compiled_and_pure_hashes_agree():
    words = ["night", "héllo", "日本", ""]
    pure = [fasttext.ngram_hashes(w, 3, 6, 2_000_000) for w in words]
    assert [gensim_fasttext.ft_ngram_hashes(w, 3, 6, 2_000_000) for w in words] == pure
    assert fasttext.ft_hash(b"\xff\x80abc") == int(gensim_fasttext.ft_hash_bytes(b"\xff\x80abc"))


def test_catalogue_bin_downloaded_and_converted(tmp_path, monkeypatch):
    import hashlib

    from loopback import Loopback

    monkeypatch.setenv("PRETRAINED_PROGRESS", "0")
    monkeypatch.delenv("PRETRAINED_MIRROR", raising=False)
    data = gzip.compress(gensim_test_data("lee_fasttext_new.bin").read_bytes())
    local = pretrained.load(gensim_test_data("lee_fasttext_new.bin"))
    with Loopback() as server:
        url = server.add("/ft/lee.bin.gz", data)
        pretrained.register(
            "ft-lee", url, sha256=hashlib.sha256(data).hexdigest(), size=len(data), format="fasttext", dim=10
        )
        try:
            v = pretrained.load("ft-lee", cache_dir=tmp_path)
        finally:
            pretrained.remote.catalog.unregister("ft-lee")
    assert isinstance(v, fasttext.FastTextVectors) and v.name == "ft-lee"
    np.testing.assert_array_equal(v.vectors, local.vectors)
    np.testing.assert_array_equal(v["unseenword"], local["unseenword"])
    assert v.meta["source"]["urls"] == [url]


def test_builtin_fasttext_entries():
    for name, fmt in [
        ("fasttext.wiki-news.300d", "word2vec-text"),
        ("fasttext.crawl.300d", "word2vec-text"),
        ("fasttext.cc.en.300", "fasttext-bin"),
    ]:
        e = pretrained.remote.catalog.get(name)
        assert e.format == fmt and e.dim == 300 and e.size > 0
        assert e.sha256 is None and "unverified" in e.description  # size-pinned only


def test_from_gensim_keeps_subwords():
    kv, v = _lee()
    w = fasttext.FastTextVectors.from_gensim(kv, name="lee")
    assert isinstance(w, fasttext.FastTextVectors) and w.has_subwords
    as_gensim(v, kv)
    np.testing.assert_allclose(w["unseenword"], kv.get_vector("unseenword"), atol=1e-7)
    plain = fasttext.FastTextVectors.from_gensim(pretrained.Vectors(["a"], np.ones((1, 2), np.float32)).to_gensim())
    assert not plain.has_subwords


def test_verify_flags_a_flipped_byte_in_the_ngrams(tmp_path):
    """Extra files of an entry (ngrams.npy) are hashed in meta.json and checked like the rest."""
    from pretrained.cache import entries as store
    from pretrained.cache import folder as cachedir

    v = pretrained.load(gensim_test_data("lee_fasttext.bin"), cache_dir=tmp_path)
    store.check_entry(Path(v.path))
    ngrams = Path(v.path) / "ngrams.npy"
    data = bytearray(ngrams.read_bytes())
    data[-7] ^= 0xFF
    ngrams.write_bytes(bytes(data))
    with pytest.raises(pretrained.CacheError, match=r"ngrams.npy"):
        store.check_entry(Path(v.path))
    assert [r["ok"] for r in cachedir.verify(tmp_path) if r["kind"] == "vectors"] == [False]


# ---------------------------------------------------------------------------- fastText itself

SYLLABLES = ["ka", "fe", "ré", "lo", "mu", "tí", "sa", "né", "po", "çu", "ü"]
# corpus encoding, words that must stay distinct (they differ only in a non-ASCII letter)
ENCODINGS = [
    pytest.param("utf-8", id="utf-8"),
    pytest.param("latin-1", id="latin-1"),
    pytest.param("cp852", id="cp852"),  # é is byte 0x82, a "continuation byte" to fastText's n-grams
]
UNSEEN = ["kafé", "zzz", "ré", "x", "", "títítítítí", "</S>", "<s>", "a b", "mukaré"]


def _train(folder: Path, encoding: str, syllables=SYLLABLES) -> Path:
    """A tiny fastText skipgram model trained here on a generated corpus written in ``encoding``."""
    ft = require("fasttext", "test")
    rng = np.random.default_rng(7)
    words = ["".join(rng.choice(syllables, size=rng.integers(1, 4))) for _ in range(60)] + ["café", "cafë"]
    lines = [" ".join(rng.choice(words, size=10)) for _ in range(300)]
    corpus = folder / f"corpus-{encoding}.txt"
    corpus.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    model = ft.train_unsupervised(
        str(corpus),
        model="skipgram",
        dim=8,
        epoch=1,
        minCount=1,
        minn=2,
        maxn=4,
        bucket=997,
        thread=1,
        verbose=0,
    )
    path = folder / f"model-{encoding}.bin"
    model.save_model(str(path))
    return path


@pytest.fixture(scope="module", params=ENCODINGS)
def trained(request, tmp_path_factory):
    """(encoding, fastText's own model, the .bin) of a model trained in that encoding."""
    ft = require("fasttext", "test")
    encoding = request.param
    path = _train(tmp_path_factory.mktemp("ft-train"), encoding)
    return encoding, ft.load_model(str(path)), path


def test_every_word_bit_exact_as_fasttext(trained, tmp_path):
    encoding, model, path = trained
    v = pretrained.load(path, cache_dir=tmp_path, encoding=None if encoding == "utf-8" else encoding)
    theirs = model.get_words(on_unicode_error="replace")
    assert len(v) == len(theirs) and v.index_to_key[0] == fasttext.EOS
    assert "café" in v and "cafë" in v  # distinct words stay distinct
    for word in v.index_to_key:  # every known word, </s> included: get_word_vector takes the file's bytes
        np.testing.assert_array_equal(v[word], model.get_word_vector(word.encode(encoding)), err_msg=word)
    for word in UNSEEN:
        if word not in v:
            np.testing.assert_array_equal(v[word], model.get_word_vector(word.encode(encoding)), err_msg=word)


def test_eos_is_its_own_row_as_fasttext(tmp_path):
    path = _train(tmp_path, "utf-8")
    model = require("fasttext", "test").load_model(str(path))
    v = pretrained.load(path, cache_dir=tmp_path)
    row = model.get_input_matrix()[model.get_word_id(fasttext.EOS)]
    np.testing.assert_array_equal(v[fasttext.EOS], row)
    np.testing.assert_array_equal(v[fasttext.EOS], model.get_word_vector(fasttext.EOS))
    few = pretrained.load(path, cache_dir=tmp_path, vocabulary=["café"])  # </s> not kept: unknown
    assert fasttext.EOS not in few and not few[fasttext.EOS].any()


@pytest.mark.parametrize("encoding", ["latin-1", "cp852"])
def test_a_bin_that_is_not_utf8_is_refused_naming_the_words(tmp_path, encoding):
    path = _train(tmp_path, encoding, syllables=["ka", "fe", "lo"])  # café and cafë the only non-ASCII words
    with pytest.raises(FormatError) as err:
        pretrained.load(path, cache_dir=tmp_path / "cache")
    message = str(err.value)
    assert str(path) in message and "encoding=" in message and "not valid utf-8" in message
    assert (
        "2 word(s)" in message and repr("café".encode(encoding)) in message and repr("cafë".encode(encoding)) in message
    )
    assert not (tmp_path / "cache" / "vectors").exists() or not any(
        p.is_dir() and (p / "meta.json").exists() for p in (tmp_path / "cache" / "vectors").iterdir()
    )
    v = pretrained.load(path, cache_dir=tmp_path / "cache", encoding=encoding)
    assert v.meta["subwords"]["encoding"] and not np.array_equal(v["café"], v["cafë"])
    again = pretrained.load(path, cache_dir=tmp_path / "cache", encoding=encoding)  # the encoding is kept on reload
    np.testing.assert_array_equal(again["kafé"], v["kafé"])


def test_encoding_applies_to_fasttext_bins_only(tmp_path):
    text = tmp_path / "v.txt"
    text.write_text("a 1 2\nb 3 4\n")
    with pytest.raises(ValueError, match=r"fastText .bin"):
        pretrained.load(text, encoding="latin-1")


def test_an_index_loaded_for_a_fasttext_set_keeps_its_subwords_and_counts(tmp_path):
    require("annoy", "annoy")
    from pretrained.index import build_index, load_index

    v = pretrained.load(gensim_test_data("lee_fasttext_new.bin"), cache_dir=tmp_path)
    built = build_index(v, backend="annoy", progress=False, n_trees=2)
    index = load_index(built.path, backend="annoy")  # no vectors= given: opened from the cache entry
    assert isinstance(index.vectors, fasttext.FastTextVectors) and index.vectors.subwords is not None
    np.testing.assert_array_equal(index.vectors["unseenword"], v["unseenword"])
    np.testing.assert_array_equal(index.vectors.counts, v.counts)


def test_a_saved_set_keeps_its_counts(tmp_path):
    v = pretrained.load(gensim_test_data("lee_fasttext_new.bin"), cache_dir=tmp_path / "cache")
    assert v.counts is not None
    pretrained.save(v, "lee-ft", data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    back = pretrained.load("lee-ft", data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(back.counts, v.counts)
    np.testing.assert_array_equal(back.vectors, v.vectors)
