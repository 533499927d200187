"""Readers and writers on small files the tests write: every format, every error."""

from __future__ import annotations

import bz2
import gzip
import struct
import zipfile

import numpy as np
import pytest
from conftest import gensim_test_data

import pretrained
from pretrained import FormatError, read_vectors, write_vectors
from pretrained.formats import iter_vectors

WORDS = ["the", "new york", "paris", "\u00a0", "café", "London"]


def _vecs(n=len(WORDS), dim=4, seed=0):
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def _glove_text(words, vecs, sep="\n"):
    return sep.join(w + " " + " ".join(f"{x:.6g}" for x in row) for w, row in zip(words, vecs)) + sep


def _w2v_bin(words, vecs, newline=True):
    out = [f"{len(words)} {vecs.shape[1]}\n".encode()]
    for w, row in zip(words, vecs):
        out.append(w.encode() + b" " + struct.pack(f"<{len(row)}f", *row) + (b"\n" if newline else b""))
    return b"".join(out)


def _rounded(vecs):
    return np.array([[float(f"{x:.6g}") for x in row] for row in vecs], dtype=np.float32)


def test_glove_text_with_spaces_in_tokens(tmp_path):
    vecs = _vecs()
    p = tmp_path / "v.txt"
    p.write_text(_glove_text(WORDS, vecs), encoding="utf-8")
    words, got, stats = read_vectors(p)
    assert words == WORDS
    np.testing.assert_array_equal(got, _rounded(vecs))
    assert stats.format == "glove" and stats.dim == 4 and stats.kept == len(WORDS)


@pytest.mark.parametrize("variant", ["crlf", "bom", "trailing-space", "no-final-newline"])
def test_glove_text_variants(tmp_path, variant):
    vecs = _vecs()
    text = _glove_text(WORDS, vecs)
    if variant == "crlf":
        text = text.replace("\n", "\r\n")
    elif variant == "bom":
        text = "\ufeff" + text
    elif variant == "trailing-space":
        text = text.replace("\n", " \n")
    else:
        text = text.rstrip("\n")
    p = tmp_path / "v.txt"
    p.write_bytes(text.encode("utf-8"))
    words, got, _ = read_vectors(p)
    assert words == WORDS
    np.testing.assert_array_equal(got, _rounded(vecs))


def test_blocks_boundaries_and_odd_lines_keep_order(tmp_path):
    """Many small blocks, tokens with spaces scattered: order and values survive."""
    rng = np.random.default_rng(1)
    words = [f"w{i}" if i % 37 else f"two words {i}" for i in range(2000)]
    vecs = rng.standard_normal((2000, 5)).astype(np.float32)
    p = tmp_path / "v.txt"
    p.write_text(_glove_text(words, vecs), encoding="utf-8")
    got_words, parts = [], []
    # tokens such as "two words 37" end in a number: the option accepts them
    with iter_vectors(p, block_size=997, numeric_token_parts=True) as (_stats, blocks):
        for b in blocks:
            got_words += b.words
            parts.append(b.vectors)
    assert got_words == words
    np.testing.assert_array_equal(np.concatenate(parts), _rounded(vecs))


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_compressed_text(tmp_path, suffix):
    import lzma

    vecs = _vecs()
    data = _glove_text(WORDS, vecs).encode()
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
    p = tmp_path / ("v.txt" + suffix)
    with opener(p, "wb") as f:
        f.write(data)
    words, got, _ = read_vectors(p)
    assert words == WORDS
    np.testing.assert_array_equal(got, _rounded(vecs))


def test_zip_member(tmp_path):
    p = tmp_path / "glove.zip"
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("glove.4d.txt", _glove_text(WORDS, _vecs(dim=4)))
        zf.writestr("glove.3d.txt", _glove_text(WORDS, _vecs(dim=3)))
    words, got, stats = read_vectors(p, member="glove.3d.txt")
    assert words == WORDS and got.shape == (len(WORDS), 3)
    assert stats.path.endswith("!glove.3d.txt")
    with pytest.raises(FormatError, match="name one with member"):
        read_vectors(p)
    with pytest.raises(FormatError, match=r"no member 'nope.txt'"):
        read_vectors(p, member="nope.txt")


@pytest.mark.parametrize("newline", [True, False])
def test_word2vec_binary(tmp_path, newline):
    words = ["king", "queen", "new_york", "café"]
    vecs = _vecs(4, 7)
    p = tmp_path / "v.bin"
    p.write_bytes(_w2v_bin(words, vecs, newline))
    got_words, got, stats = read_vectors(p)
    assert stats.format == "word2vec" and stats.header_count == 4
    assert got_words == words
    np.testing.assert_array_equal(got, vecs)


def test_word2vec_binary_gz_and_limit(tmp_path):
    words = [f"w{i}" for i in range(50)]
    vecs = _vecs(50, 3)
    p = tmp_path / "v.bin.gz"
    with gzip.open(p, "wb") as f:
        f.write(_w2v_bin(words, vecs))
    got_words, got, _ = read_vectors(p, limit=10)
    assert got_words == words[:10]
    np.testing.assert_array_equal(got, vecs[:10])


def test_word2vec_text_and_fasttext_vec(tmp_path):
    words = ["a", "b", "c"]
    vecs = _vecs(3, 4)
    p = tmp_path / "v.vec"
    # fastText .vec files end every line with a space
    p.write_text("3 4\n" + _glove_text(words, vecs).replace("\n", " \n"), encoding="utf-8")
    got_words, got, stats = read_vectors(p)
    assert stats.format == "word2vec-text" and got_words == words
    np.testing.assert_array_equal(got, _rounded(vecs))
    assert read_vectors(p, format="fasttext")[0] == words


def test_forced_format(tmp_path):
    p = tmp_path / "v.txt"
    p.write_text("2 3\nx 1 2 3\ny 4 5 6\n")
    # detected: word2vec text with a header
    assert read_vectors(p)[0] == ["x", "y"]
    # forced glove: the header line is data with the wrong number of fields
    with pytest.raises(FormatError, match="line 1"):
        read_vectors(p, format="glove")
    with pytest.raises(FormatError, match="unknown format"):
        read_vectors(p, format="magnitude")


def test_detect_format(tmp_path):
    (tmp_path / "a.txt").write_text("x 1 2\n")
    (tmp_path / "b.bin").write_bytes(_w2v_bin(["x"], _vecs(1, 2)))
    (tmp_path / "c.vec").write_text("1 2\nx 1 2\n")
    assert pretrained.detect_format(tmp_path / "a.txt") == ("glove", None, 2)
    assert pretrained.detect_format(tmp_path / "b.bin") == ("word2vec", 1, 2)
    assert pretrained.detect_format(tmp_path / "c.vec") == ("word2vec-text", 1, 2)


def test_limit_and_vocabulary(tmp_path):
    vecs = _vecs()
    p = tmp_path / "v.txt"
    p.write_text(_glove_text(WORDS, vecs), encoding="utf-8")
    assert read_vectors(p, limit=2)[0] == WORDS[:2]
    words, got, stats = read_vectors(p, vocabulary={"paris", "London", "berlin"})
    assert words == ["paris", "London"]
    np.testing.assert_array_equal(got, _rounded(vecs)[[2, 5]])
    assert stats.not_in_vocabulary == 4


def test_duplicates_keep_first_and_are_counted(tmp_path, caplog):
    p = tmp_path / "v.txt"
    p.write_text("a 1 1\nb 2 2\na 3 3\nc 4 4\nb 5 5\n")
    words, got, stats = read_vectors(p)
    assert words == ["a", "b", "c"]
    assert got.tolist() == [[1, 1], [2, 2], [4, 4]]
    assert stats.duplicates == 2
    assert "2 duplicate" in caplog.text


def test_invalid_utf8_is_replaced_and_counted(tmp_path, caplog):
    p = tmp_path / "v.bin"
    vecs = _vecs(3, 2)
    data = _w2v_bin(["ok", "xx", "fine"], vecs).replace(b"xx ", b"b\xe9 ", 1)
    p.write_bytes(data)
    words, _got, stats = read_vectors(p)
    assert words == ["ok", "b\ufffd", "fine"]
    assert stats.invalid_unicode == 1
    assert "not valid UTF-8" in caplog.text
    with pytest.raises(FormatError, match="not valid UTF-8"):
        read_vectors(p, unicode_errors="strict")


# --------------------------------------------------------------------------- errors


def test_wrong_number_of_fields_names_file_and_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text("a 1 2 3\nb 1 2 3\nc 1 2\nd 1 2 3\n")
    with pytest.raises(FormatError) as err:
        read_vectors(p)
    assert err.value.line == 3 and str(p) in str(err.value)
    assert "expected a word and 3 numbers" in str(err.value)


def test_non_numeric_value_names_line_deep_in_file(tmp_path):
    lines = [f"w{i} 1 2 3" for i in range(5000)]
    lines[4321] = "w4321 1 oops 3"
    p = tmp_path / "bad.txt"
    p.write_text("\n".join(lines) + "\n")
    with iter_vectors(p, block_size=4096) as (_, blocks):
        with pytest.raises(FormatError, match=r"line 4322: non-numeric value 'oops'"):
            list(blocks)
    with pytest.raises(FormatError, match=r"line 4322"):
        read_vectors(p)


def test_error_line_numbers_count_the_header(tmp_path):
    p = tmp_path / "bad.vec"
    p.write_text("3 2\na 1 2\nb 1 x\nc 1 2\n")
    with pytest.raises(FormatError, match="line 3"):
        read_vectors(p)


def test_truncated_binary(tmp_path):
    p = tmp_path / "v.bin"
    p.write_bytes(_w2v_bin(["a", "b", "c"], _vecs(3, 4))[:-9])
    with pytest.raises(FormatError, match=r"truncated word2vec binary.*vector 3"):
        read_vectors(p)


def test_empty_files(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    with pytest.raises(FormatError, match="empty"):
        read_vectors(p)
    p.write_bytes(b"\n\n  \n")
    with pytest.raises(FormatError, match="empty"):
        read_vectors(p)
    gz = tmp_path / "empty.txt.gz"
    with gzip.open(gz, "wb"):
        pass
    with pytest.raises(FormatError, match="empty"):
        read_vectors(gz)


@pytest.mark.parametrize("count", [2, 4])
def test_header_count_disagrees_with_body(tmp_path, count):
    p = tmp_path / "v.vec"
    p.write_text(f"{count} 2\na 1 2\nb 3 4\nc 5 6\n")
    with pytest.raises(FormatError, match=f"promises {count} vectors"):
        read_vectors(p)


def test_binary_with_more_records_than_header(tmp_path):
    p = tmp_path / "v.bin"
    data = _w2v_bin(["a", "b", "c"], _vecs(3, 2)).replace(b"3 2\n", b"2 2\n", 1)
    p.write_bytes(data)
    with pytest.raises(FormatError, match="goes on after the last one"):
        read_vectors(p)


def test_missing_file():
    with pytest.raises(FormatError, match="no such file"):
        read_vectors("/nonexistent/vectors.txt")


def test_not_a_vector_file(tmp_path):
    p = tmp_path / "page.html"
    p.write_text("<html><body>Not found</body></html>\n")
    with pytest.raises(FormatError, match="line 1"):
        read_vectors(p)


# --------------------------------------------------------------------------- writers


@pytest.mark.parametrize(
    "fmt,name",
    [
        ("glove", "o.txt"),
        ("word2vec", "o.bin"),
        ("word2vec-text", "o.vec"),
        ("word2vec", "o.bin.gz"),
        ("glove", "o.txt.bz2"),
    ],
)
def test_writers_round_trip(tmp_path, fmt, name):
    words = ["a", "b", "c", "d"] if fmt != "glove" else ["a", "new york", "c", "d"]
    vecs = _vecs(4, 6)
    write_vectors(tmp_path / name, words, vecs, format=fmt)
    got_words, got, _stats = read_vectors(tmp_path / name)
    assert got_words == words
    # exact in every format (text writes the digits that read back as the same float32)
    np.testing.assert_array_equal(got, vecs)
    assert not list(tmp_path.glob("*.tmp-*"))


def test_writer_refuses_spaces_in_header_formats(tmp_path):
    with pytest.raises(ValueError, match="new york"):
        write_vectors(tmp_path / "o.bin", ["new york"], _vecs(1, 2), format="word2vec")


def test_word2vec_binary_loads_in_gensim(tmp_path):
    from gensim.models import KeyedVectors

    words = ["king", "queen", "café"]
    vecs = _vecs(3, 5)
    write_vectors(tmp_path / "o.bin", words, vecs, format="word2vec")
    kv = KeyedVectors.load_word2vec_format(str(tmp_path / "o.bin"), binary=True)
    assert kv.index_to_key == words
    np.testing.assert_array_equal(kv.vectors, vecs)


# --------------------------------------------------------------------------- real files


def test_gensim_test_glove_equals_gensim():
    from gensim.models import KeyedVectors

    path = gensim_test_data("test_glove.txt")
    kv = KeyedVectors.load_word2vec_format(str(path), no_header=True)
    words, vecs, _ = read_vectors(path)
    assert words == kv.index_to_key
    np.testing.assert_array_equal(vecs, kv.vectors)


def test_gensim_euclidean_vectors_bin_equals_gensim():
    from gensim.models import KeyedVectors

    path = gensim_test_data("euclidean_vectors.bin")
    kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
    words, vecs, stats = read_vectors(path)
    assert stats.format == "word2vec"
    assert words == kv.index_to_key
    np.testing.assert_array_equal(vecs, kv.vectors)


def test_gensim_fasttext_vec_equals_gensim():
    from gensim.models import KeyedVectors

    path = gensim_test_data("lee_fasttext.vec")
    kv = KeyedVectors.load_word2vec_format(str(path))
    words, vecs, _ = read_vectors(path)
    assert words == kv.index_to_key
    np.testing.assert_array_equal(vecs, kv.vectors)


def test_progress_bar_counts_the_bytes_read(tmp_path, capsys):
    p = tmp_path / "v.txt"
    p.write_text(_glove_text(WORDS, _vecs()), encoding="utf-8")
    with iter_vectors(p, progress=True) as (_, blocks):
        assert [w for b in blocks for w in b.words] == WORDS
    err = capsys.readouterr().err
    assert "reading v.txt" in err
