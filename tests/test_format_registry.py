"""The format registry and ReadOptions: a format added by one module and one registration line
(a toy JSON-lines format defined here), every built-in format found by its sniff or its name,
one checked options object, and cache keys that stay what they were."""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
import xxhash
from conftest import gensim_test_data
from hypothesis import given, settings
from hypothesis import strategies as st

import pretrained
from pretrained import FormatError
from pretrained.cli import main
from pretrained.formats import ReadOptions, ReadStats, VectorFormat, check_arguments, registry, select
from pretrained.formats.sources import open_source

# --------------------------------------------------------------------------- a toy format, whole


def _sniff_toy(head: registry.Head) -> bool:
    return head.text.lstrip().startswith(b'{"word"')


@contextlib.contextmanager
def _open_toy(path, options, *, hash=False, progress=False):
    """One JSON object per line: {"word": ..., "vector": [...]}, read two lines per block."""
    OPENED.append(str(path))
    with open_source(path, options.member, hash=hash) as src:
        rows = (json.loads(line) for line in src.stream.read().splitlines() if line.strip())  # a toy: whole
        first = next(rows)
        stats = ReadStats(path=src.path, format="toy", dim=len(first["vector"]))

        def raw():
            block = [first]
            for row in rows:
                block.append(row)
                if len(block) == 2:
                    yield [r["word"] for r in block], np.array([r["vector"] for r in block], np.float32)
                    block = []
            if block:
                yield [r["word"] for r in block], np.array([r["vector"] for r in block], np.float32)

        def blocks():
            yield from select(
                raw(),
                stats,
                limit=options.limit,
                vocabulary=options.words,
                unicode_errors=options.unicode_errors,
                nonfinite=options.nonfinite,
            )
            stats.source_sha256 = src.digest() if hash else None

        yield stats, blocks()


def _write_toy(path, words, vectors, precision=None):
    with open(path, "w", encoding="utf-8") as f:
        for w, row in zip(words, np.asarray(vectors, np.float32).tolist()):
            f.write(json.dumps({"word": w, "vector": row}) + "\n")


OPENED: list = []
TOY = VectorFormat(
    name="toy", summary="JSON lines", aliases=("jsonl",), sniff=_sniff_toy, open=_open_toy, write=_write_toy
)


@pytest.fixture
def toy():
    OPENED.clear()
    registry.register(TOY)  # the one registration line
    yield TOY
    registry.unregister("toy")


def _toy_file(path: Path, n=7, dim=3, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n)]
    vecs = rng.standard_normal((n, dim)).astype(np.float32)
    _write_toy(path, words, vecs)
    return words, vecs


def test_a_registered_toy_format_is_sniffed_converted_cached_reloaded_and_written(toy, tmp_path):
    src = tmp_path / "items.jsonl"
    words, vecs = _toy_file(src)
    v = pretrained.load(src, cache_dir=tmp_path / "c")
    assert v.words == words
    np.testing.assert_array_equal(v.vectors, vecs)
    assert v.meta["format"] == "toy" and v.meta["kept"] == 7
    assert v.meta["source"]["sha256"] == "xxh3-128:" + xxhash.xxh3_128(src.read_bytes()).hexdigest()
    assert [str(src)] == OPENED

    again = pretrained.load(src, cache_dir=tmp_path / "c")  # from the cache: the reader is not called
    assert [str(src)] == OPENED and again.path == v.path
    np.testing.assert_array_equal(again.vectors, vecs)

    out = tmp_path / "out.jsonl"
    v.save(out, format="toy")
    assert [json.loads(line)["word"] for line in out.read_text().splitlines()] == words
    back = pretrained.load(out, cache_dir=tmp_path / "c")
    np.testing.assert_array_equal(back.vectors, vecs)


def test_the_toy_format_takes_the_options_and_compression(toy, tmp_path):
    plain = tmp_path / "a.jsonl"
    words, vecs = _toy_file(plain, n=9)
    packed = tmp_path / "a.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    some = pretrained.load(packed, cache_dir=tmp_path / "c", vocabulary=["w8", "w2", "nope"])
    assert some.words == ["w2", "w8"] and some.meta["not_in_vocabulary"] == 7
    first = pretrained.load(plain, cache_dir=tmp_path / "c", limit=4, format="JSONL")
    assert first.words == words[:4]
    np.testing.assert_array_equal(first.vectors, vecs[:4])
    words2, _vecs2, stats = pretrained.formats.read_vectors(plain, format="toy", limit=2)
    assert words2 == words[:2] and stats.format == "toy"


def test_the_cli_offers_the_registered_format(toy, tmp_path, capsys):
    src = tmp_path / "v.txt"
    pretrained.write_vectors(src, ["a", "b"], np.eye(2, dtype=np.float32))
    out = tmp_path / "v.jsonl"
    assert main(["export", str(src), "--format", "toy", "--out", str(out), "--cache-dir", str(tmp_path / "c")]) == 0
    assert [json.loads(line)["vector"] for line in out.read_text().splitlines()] == [[1.0, 0.0], [0.0, 1.0]]
    assert main(["info", str(out), "--format", "toy", "--cache-dir", str(tmp_path / "c")]) == 0


def test_without_its_registration_the_toy_file_is_refused(tmp_path):
    src = tmp_path / "items.jsonl"
    _toy_file(src)
    with pytest.raises(FormatError, match=r"items.jsonl"):
        pretrained.load(src, cache_dir=tmp_path / "c")
    with pytest.raises(FormatError, match="unknown format 'toy'"):
        pretrained.load(src, cache_dir=tmp_path / "c", format="toy")
    assert main(["export", str(src), "--format", "toy", "--out", str(tmp_path / "o")]) == 2  # not a choice


# --------------------------------------------------------------------------- the registry


@pytest.mark.parametrize(
    "spelling, name",
    [
        ("glove", "glove"),
        ("GloVe", "glove"),
        ("word2vec", "word2vec"),
        ("bin", "word2vec"),
        ("word2vec-binary", "word2vec"),
        ("word2vec-text", "word2vec-text"),
        ("fasttext", "word2vec-text"),
        ("vec", "word2vec-text"),
        (" fasttext-bin ", "fasttext-bin"),
        ("parquet", "table"),
        ("Feather", "table"),
        ("tsv", "table"),
    ],
)
def test_spellings_name_their_format(spelling, name):
    assert registry.get(spelling).name == name
    assert pretrained.formats.detection.normalize_format(spelling) == name


def test_unknown_names_and_taken_names_are_refused():
    with pytest.raises(FormatError, match="unknown format 'xml'; choose one of glove, word2vec"):
        registry.get("xml")
    clash = VectorFormat(name="mine", summary="", aliases=("vec",), open=_open_toy)
    with pytest.raises(ValueError, match="'vec' is already taken by the format 'word2vec-text'"):
        registry.register(clash)
    assert "mine" not in registry.names()
    with pytest.raises(ValueError, match=r"exactly one of open= .* or convert="):
        VectorFormat(name="neither", summary="")


def test_only_writable_formats_are_written(tmp_path):
    assert registry.writable() == ["glove", "word2vec", "word2vec-text"]
    with pytest.raises(FormatError, match="'table' cannot be written; choose one of glove, word2vec, word2vec-text"):
        pretrained.write_vectors(tmp_path / "x", ["a"], np.ones((1, 2)), format="parquet")


@pytest.mark.parametrize(
    "fmt, suffix", [("glove", ".txt"), ("word2vec", ".bin"), ("word2vec-text", ".vec"), ("word2vec", ".bin.gz")]
)
def test_each_written_format_is_sniffed_back(tmp_path, fmt, suffix):
    path = tmp_path / f"v{suffix}"
    pretrained.write_vectors(path, ["a", "b", "c"], np.arange(6, dtype=np.float32).reshape(3, 2), format=fmt)
    assert registry.resolve(path).name == fmt
    others = [f for f in registry.names() if registry.get(f).sniff is not None and f != fmt]
    assert not any(registry.get(f).sniff(registry.read_head(path)) for f in others)


def test_fasttext_bin_overrides_a_named_text_format_and_tables_go_by_name(tmp_path):
    ft = gensim_test_data("lee_fasttext_new.bin")
    assert registry.resolve(ft).name == "fasttext-bin"
    assert registry.resolve(ft, format="glove").name == "fasttext-bin"
    assert registry.get("fasttext-bin").extra_files == (
        pretrained.core.fasttext.NGRAMS,
        pretrained.core.fasttext.COUNTS,
    )
    table = tmp_path / "items.parquet"
    table.write_bytes(b"not read: the name decides")
    assert registry.resolve(table).name == "table"
    assert registry.resolve(tmp_path / "nothing-here.txt") is None  # the text reader then says why


def test_cli_format_choices_come_from_the_registry():
    from pretrained.cli.options import FORMATS, WRITABLE_FORMATS

    assert list(FORMATS) == registry.spellings(streamed_only=True)
    assert set(FORMATS) == {"glove", "word2vec", "word2vec-binary", "bin", "word2vec-text", "fasttext", "vec"}
    assert "parquet" not in FORMATS and "parquet" in registry.spellings()  # a table goes by its name
    assert list(WRITABLE_FORMATS) == registry.writable()


# --------------------------------------------------------------------------- ReadOptions


def test_read_options_are_frozen_checked_and_say_what_they_record():
    o = ReadOptions(limit=3, vocabulary=["b", "a", "b"], nonfinite="zero", max_token_bytes=None)
    assert o.vocabulary == ("a", "b") and o.words == frozenset({"a", "b"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.limit = 4
    assert o.meta() == {"limit": 3, "vocabulary_size": 2, "nonfinite": "zero", "max_token_bytes": None}
    assert o.meta(reader=False) == {"limit": 3, "vocabulary_size": 2}
    assert o.reader_kwargs()["vocabulary"] == {"a", "b"}
    assert ReadOptions().meta() == {"limit": None, "vocabulary_size": None}
    assert o.replace(limit=None).limit is None and o.limit == 3
    with pytest.raises(ValueError, match="vocabulary is empty"):
        ReadOptions(vocabulary=[]).require_words()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"limit": 0}, ValueError, "limit must be a whole number >= 1"),
        ({"limit": True}, ValueError, "limit must be"),
        ({"max_token_bytes": 0}, ValueError, "max_token_bytes must be"),
        ({"unicode_errors": "lenient"}, ValueError, "unicode_errors='lenient' is not one of"),
        ({"nonfinite": "drop"}, ValueError, "nonfinite='drop' is not one of error, zero, keep"),
        ({"vocabulary": "king"}, TypeError, r"pass \['king'\] for that one word"),
        ({"vocabulary": ["a", 1]}, TypeError, "must hold strings"),
        ({"limit": 0, "nonfinite": "drop"}, ValueError, "limit"),  # the first check wins, as before
    ],
)
def test_read_options_refuse_what_the_readers_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        ReadOptions(**kwargs)
    with pytest.raises(error, match=match):
        check_arguments(**kwargs)
    with pytest.raises(error, match=match):
        pretrained.load("glove.6B.50d", **kwargs)  # before anything is looked up


# --------------------------------------------------------------------------- cache keys as before


def _old_subset_key(limit, vocabulary, nonfinite, numeric_token_parts, max_token_bytes):
    """The key spelled as api._subset_key spelled it before ReadOptions (copied on purpose)."""
    parts = []
    if limit is not None:
        parts.append(f"limit{int(limit)}")
    if vocabulary is not None:
        vocabulary = sorted(set(vocabulary))
        digest = hashlib.sha256("\n".join(vocabulary).encode("utf-8")).hexdigest()[:12]
        parts.append(f"vocab{len(vocabulary)}-{digest}")
    if nonfinite != "error":
        parts.append(f"nonfinite-{nonfinite}")
    if numeric_token_parts:
        parts.append("numericparts")
    if max_token_bytes != 1000:
        parts.append(f"maxtoken-{max_token_bytes}")
    return ("-" + "-".join(parts)) if parts else ""


def _old_path_key(path: Path, member, fmt, unicode_errors):
    st = path.stat()
    text = "|".join([str(path.resolve()), str(st.st_size), str(st.st_mtime_ns), str(member), str(fmt), unicode_errors])
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", (member or path.name))[:60]
    return f"{stem}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"


@settings(max_examples=60, deadline=None)
@given(
    limit=st.none() | st.integers(1, 10**9),
    vocabulary=st.none() | st.lists(st.text(min_size=1, max_size=6), max_size=8),
    nonfinite=st.sampled_from(["error", "zero", "keep"]),
    numeric=st.booleans(),
    max_token=st.none() | st.integers(1, 5000),
)
def test_subset_keys_are_spelled_as_before(limit, vocabulary, nonfinite, numeric, max_token):
    o = ReadOptions(
        limit=limit, vocabulary=vocabulary, nonfinite=nonfinite, numeric_token_parts=numeric, max_token_bytes=max_token
    )
    assert o.subset_key() == _old_subset_key(limit, vocabulary, nonfinite, numeric, max_token)


@pytest.mark.parametrize(
    "options, key_format",
    [
        ({}, None),
        ({"format": "fasttext"}, "word2vec-text"),
        ({"format": "GLOVE", "unicode_errors": "strict"}, "glove"),
        ({"limit": 2, "vocabulary": ["w1", "w0"], "nonfinite": "keep"}, None),
        ({"numeric_token_parts": True, "max_token_bytes": 50}, None),
    ],
)
def test_an_existing_cache_entry_keeps_its_name(tmp_path, options, key_format):
    src = tmp_path / "v.txt"
    pretrained.write_vectors(src, ["w0", "w1", "w2"], np.eye(3, dtype=np.float32), format=key_format or "glove")
    v = pretrained.load(src, cache_dir=tmp_path / "c", **options)
    old = _old_path_key(src, None, key_format, options.get("unicode_errors", "replace")) + _old_subset_key(
        options.get("limit"),
        options.get("vocabulary"),
        options.get("nonfinite", "error"),
        options.get("numeric_token_parts", False),
        options.get("max_token_bytes", 1000),
    )
    assert Path(v.path) == tmp_path / "c" / "vectors" / old


def test_a_table_entry_keeps_the_format_as_spelled(tmp_path):
    src = tmp_path / "items.csv"
    src.write_text("label,a,b\nx,1,2\ny,3,4\n")
    for fmt in (None, "CSV"):
        entry = pretrained.entry_path(src, format=fmt, cache_dir=tmp_path / "c")
        assert entry.name == _old_path_key(src, None, fmt, "replace")
    assert pretrained.load(src, format="CSV", cache_dir=tmp_path / "c").words == ["x", "y"]


# --------------------------------------------------------------------------- sniffs agree with the reader

_PIECES = [
    b"a",
    b"king",
    b"1",
    b"0.5",
    b"-2e3",
    b"nan",
    b" ",
    b"  ",
    b"\n",
    b"\r\n",
    b"3 2\n",
    b"0 5\n",
    b"2 0\n",
    b"\x00",
    b"\x80\x04",
    b"\xff\xfe",
    b"\x93NUMPY",
    b"\xba\x16\x4f\x2f",
]


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=30), cut=st.booleans())
def test_the_text_sniffs_claim_exactly_what_the_reader_detects(pieces, cut):
    """On a whole file a text format's sniff says yes exactly when the reader's own detection
    picks that format; on a cut head (``whole=False``) it may decline, never disagree."""
    head = b"".join(pieces)
    full = head + b"x" * registry.HEAD_BYTES if cut else head  # a file longer than the sniffers' head
    try:
        detected = pretrained.formats.detection.sniff(full[: pretrained.formats.detection.SNIFF_BYTES], "f", None)[0]
    except FormatError:
        detected = None
    sniffed = registry.Head(full[: registry.HEAD_BYTES], "f")
    assert sniffed.whole is not cut
    claims = [name for name in ("glove", "word2vec", "word2vec-text") if registry.get(name).sniff(sniffed)]
    if cut:
        assert claims in ([], [detected])
    else:
        assert claims == ([detected] if detected else [])
