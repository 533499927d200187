"""Every way a reader refuses bad input: a FormatError naming the file and the line (or vector),
with what to do; and the options that accept such input on purpose."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import zipfile

import numpy as np
import pytest

from pretrained import FormatError, read_vectors
from pretrained.errors import FormatDecodeError, TruncatedFileError
from pretrained.formats import iter_vectors, sniff_kind


def _bin(words, vecs, header=None, line_breaks=True) -> bytes:
    n, d = vecs.shape
    out = [(header or f"{n} {d}").encode() + b"\n"]
    for w, row in zip(words, vecs):
        out.append(w.encode() + b" " + struct.pack(f"<{d}f", *row) + (b"\n" if line_breaks else b""))
    return b"".join(out)


VECS = np.arange(20, dtype=np.float32).reshape(4, 5) / 7
WORDS = ["king", "queen", "man", "woman"]

# (name, file name, bytes, message pieces, line)
CASES = [
    (
        "glove extra value",
        "v.txt",
        b"king 0.1 0.2 0.3\nqueen 0.1 0.25 0.35 0.4\nman 1 2 3\n",
        ["expected a word and 3 numbers", "found 5 fields", "'queen 0.1'", "numeric_token_parts=True"],
        2,
    ),
    ("glove two lines run together", "v.txt", b"a 1 2\nb 3 4 c 5 6\nd 7 8\n", ["'b 3 4 c'", "numbers in a row"], 2),
    (
        "glove missing value",
        "v.txt",
        b"a 1 2 3\nb 1 2 3\nc 1 2\nd 1 2 3\n",
        ["expected a word and 3 numbers", "found 3 fields"],
        3,
    ),
    (
        "glove line of 200,000 numbers",
        "v.txt",
        b"a 1 2\nb 3 4\nc " + b" ".join([b"1"] * 200_000) + b"\n",
        ["longer than max_token_bytes=1000", "found 200001 fields"],
        3,
    ),
    (
        "word2vec text, header dim too small",
        "v.vec",
        b"2 2\nking 0.1 0.2 0.3\nqueen 1 2 3\n",
        ["the header says dim 2 but this line has 3 values"],
        2,
    ),
    (
        "word2vec text, header dim too large",
        "v.vec",
        b"2 4\nking 0.1 0.2 0.3\nqueen 1 2 3\n",
        ["the header says dim 4 but this line has 3 values"],
        2,
    ),
    (
        "word2vec text, token with a space",
        "v.vec",
        b"2 2\nnew york 1 2\nparis 3 4\n",
        ["the header says dim 2 but this line has 3 values"],
        2,
    ),
    ("nan", "v.txt", b"a 1 2\nb nan 4\nc 5 6\n", ["vector of 'b'", "nan", "nonfinite='zero'", "nonfinite='keep'"], 2),
    ("inf", "v.txt", b"a 1 2\nb 3 -inf\nc 5 6\n", ["vector of 'b'", "inf", "nonfinite="], 2),
    ("beyond float32", "v.txt", b"a 1 2\nb 3 4\nc 1e999 6\n", ["vector of 'c'", "inf"], 3),
    ("value cut to a space", "v.txt", b"a 1 2\nb 3 4 \nc 5 6\n", ["ends with a space", "first line does not"], 2),
    (
        "binary header dim too small",
        "v.bin",
        _bin(WORDS, VECS, header="4 4"),
        [
            "the header says dim 4",
            "record for word 'king'",
            "does not end where a dim-4 record would",
            "look like dim 5",
        ],
        None,
    ),
    (
        "binary header dim too large",
        "v.bin",
        _bin(WORDS, VECS, header="4 6"),
        ["the header says dim 6", "record for word 'king'", "look like dim 5"],
        None,
    ),
    (
        "binary header dim too large, no line breaks",
        "v.bin",
        _bin(WORDS, VECS, header="4 6", line_breaks=False),
        ["truncated word2vec binary", "ends inside vector 3", "the header's dim (6) is wrong"],
        4,
    ),
    (
        "binary header count too small",
        "v.bin",
        _bin(WORDS, VECS, header="3 5"),
        ["goes on after the last one", "count or dim"],
        5,
    ),
    (
        "binary line break missing",
        "v.bin",
        _bin(WORDS, VECS).replace(b"\nman", b"xman"),
        ["record for word 'queen'", "does not end where a dim-5 record would"],
        None,
    ),
    (
        "fastText native model",
        "cc.en.300.bin",
        struct.pack("<ii", 793712314, 12) + bytes(64),
        ["fastText native model", ".vec file"],
        None,
    ),
    (
        "gensim pickle",
        "model.kv",
        b"\x80\x04\x95\x10\x00\x00\x00" + bytes(40),
        ["gensim pickle", "never unpickles", "KeyedVectors.load(path)", "Vectors.from_gensim(kv)"],
        None,
    ),
    (
        "numpy array",
        "model.kv.vectors.npy",
        b"\x93NUMPY\x01\x00" + bytes(40),
        ["NumPy array file", "from_gensim"],
        None,
    ),
]


@pytest.mark.parametrize("name,filename,data,pieces,line", CASES, ids=[c[0] for c in CASES])
def test_refusals_name_the_file_line_and_fix(tmp_path, name, filename, data, pieces, line):
    p = tmp_path / filename
    p.write_bytes(data)
    with pytest.raises(FormatError) as err:
        read_vectors(p)
    msg = str(err.value)
    assert msg.startswith(str(p)), msg
    assert err.value.line == line, msg
    if line is not None:
        assert f"line {line}:" in msg
    for piece in pieces:
        assert piece in msg, (piece, msg)


def test_glove_840b_tokens_with_spaces_still_load(tmp_path):
    p = tmp_path / "v.txt"
    words = [". . .", "at name@domain.com", "\u00a0x", "- -x", "e.g . this", "2nd place"]
    p.write_text("".join(f"{w} {i} 0.5\n" for i, w in enumerate(words)), encoding="utf-8")
    got, vecs, _ = read_vectors(p)
    assert got == words
    assert vecs[:, 0].tolist() == list(range(len(words)))


def test_options_accept_what_the_refusals_name(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes(b"king 0.1 0.2\nat 5 0.3 0.4\n" + b"x" * 1500 + b" 1 2\n")
    words, vecs, _ = read_vectors(p, numeric_token_parts=True, max_token_bytes=None)
    assert words == ["king", "at 5", "x" * 1500]
    assert vecs.tolist() == np.array([[0.1, 0.2], [0.3, 0.4], [1, 2]], np.float32).tolist()
    with pytest.raises(FormatError, match="longer than max_token_bytes=1000"):
        read_vectors(p, numeric_token_parts=True)


@pytest.mark.parametrize("policy,expected_row,count", [("zero", [0.0, 0.0], 1), ("keep", [np.inf, 4.0], 1)])
def test_nonfinite_zero_or_keep_are_counted(tmp_path, policy, expected_row, count, caplog):
    p = tmp_path / "v.txt"
    p.write_bytes(b"a 1 2\nb 1e999 4\nc 5 6\n")
    words, vecs, stats = read_vectors(p, nonfinite=policy)
    assert words == ["a", "b", "c"]
    assert vecs[1].tolist() == expected_row
    assert vecs[[0, 2]].tolist() == [[1, 2], [5, 6]]
    assert stats.nonfinite == count and stats.as_dict()["nonfinite"] == count
    assert stats.as_dict()["nonfinite_policy"] == policy
    assert "nan or inf" in caplog.text


def test_nonfinite_in_a_binary_names_the_vector(tmp_path):
    vecs = VECS.copy()
    vecs[2, 1] = np.nan
    p = tmp_path / "v.bin"
    p.write_bytes(_bin(WORDS, vecs))
    with pytest.raises(FormatError, match=r"vector of 'man' \(vector 3\) holds nan"):
        read_vectors(p)
    # rows a vocabulary leaves out are not checked
    assert read_vectors(p, vocabulary=["king", "woman"])[0] == ["king", "woman"]


BAD_ARGS = [
    (dict(limit=0), ValueError, "limit must be a whole number >= 1"),
    (dict(limit=-1), ValueError, "limit must be a whole number >= 1"),
    (dict(limit=2.5), ValueError, "limit must be a whole number >= 1"),
    (dict(limit=True), ValueError, "limit must be a whole number >= 1"),
    (dict(vocabulary="king"), TypeError, "pass ['king']"),
    (dict(vocabulary=b"king"), TypeError, "not a single bytes"),
    (dict(vocabulary=[1, 2]), TypeError, "must hold strings"),
    (dict(nonfinite="drop"), ValueError, "nonfinite='drop' is not one of error, zero, keep"),
    (dict(unicode_errors="loud"), ValueError, "unicode_errors='loud'"),
    (dict(max_token_bytes=0), ValueError, "max_token_bytes must be"),
]


@pytest.mark.parametrize("kwargs,exc,message", BAD_ARGS, ids=[str(a[0]) for a in BAD_ARGS])
def test_bad_arguments(tmp_path, kwargs, exc, message):
    p = tmp_path / "v.txt"
    p.write_bytes(b"king 1 2\nqueen 3 4\n")
    with pytest.raises(exc) as err:
        read_vectors(p, **kwargs)
    assert message in str(err.value)
    with pytest.raises(exc), iter_vectors(p, **kwargs):
        pass


def _compressed(kind: str, data: bytes) -> bytes:
    if kind == "gz":
        return gzip.compress(data)
    if kind == "bz2":
        return bz2.compress(data)
    if kind == "xz":
        return lzma.compress(data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("v.txt", data)
    return buf.getvalue()


TEXT = b"".join(b"w%d %d.5 %d.25\n" % (i, i % 97, i % 89) for i in range(20000))


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz"])
def test_truncated_compressed_file(tmp_path, kind):
    data = _compressed(kind, TEXT)
    p = tmp_path / f"v.txt.{kind}"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(TruncatedFileError) as err:
        read_vectors(p)
    assert str(p) in str(err.value) and "truncated" in str(err.value)
    assert isinstance(err.value, EOFError)  # code written for gensim catches it too


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zip"])
def test_corrupt_compressed_file(tmp_path, kind):
    data = bytearray(_compressed(kind, TEXT))
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    p = tmp_path / f"v.txt.{kind}" if kind != "zip" else tmp_path / "v.zip"
    p.write_bytes(bytes(data))
    with pytest.raises(FormatError) as err:
        read_vectors(p)
    assert str(p) in str(err.value)


def test_invalid_utf8_strict_is_also_a_unicode_decode_error(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes(b"ok 1 2\nb\xe9 3 4\n")
    with pytest.raises(UnicodeDecodeError) as err:
        read_vectors(p, unicode_errors="strict")
    assert isinstance(err.value, FormatDecodeError)
    assert str(p) in str(err.value) and "unicode_errors='replace'" in str(err.value)
    assert err.value.object == b"b\xe9" and err.value.reason


def test_token_with_spaces_and_invalid_utf8_is_quiet(tmp_path, capfd):
    p = tmp_path / "v.txt"
    p.write_bytes(b"a 1 2\nb\xe9 x 3 4\nc 5 6\n")
    words, _, stats = read_vectors(p)
    assert words == ["a", "b\ufffd x", "c"] and stats.invalid_unicode == 1
    err = capfd.readouterr().err
    assert "Exception ignored" not in err and "UnicodeDecodeError" not in err


def test_sniff_kind():
    assert sniff_kind(struct.pack("<i", 793712314) + b"\x0c\x00\x00\x00") == "fasttext-bin"
    for proto in (2, 3, 4, 5):
        assert sniff_kind(bytes([0x80, proto]) + b"rest") == "pickle"
    assert sniff_kind(b"\x93NUMPY\x01\x00") == "npy"
    assert sniff_kind(b"king 0.1 0.2\n") is None
    assert sniff_kind(b"3 2\nking ") is None
    assert sniff_kind(b"\x80\x01") is None


def test_unterminated_last_line_is_recorded(tmp_path, caplog):
    p = tmp_path / "v.txt"
    p.write_bytes(b"a 1 2\nb 3 4")
    words, _vecs, stats = read_vectors(p)
    assert words == ["a", "b"] and stats.unterminated and stats.as_dict()["unterminated"]
    assert "no line break" in caplog.text
    p.write_bytes(b"a 1 2\nb 3 4\n")
    assert not read_vectors(p)[2].unterminated
