"""The readers' strictness options reach `pretrained.load`, each with its own cache entry."""

from __future__ import annotations

import numpy as np
import pytest

import pretrained
from pretrained import FormatError


def _glove(tmp_path, lines):
    path = tmp_path / "v.txt"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_token_ending_in_a_number_needs_the_option(tmp_path):
    path = _glove(tmp_path, ["king 0.1 0.2 0.3", "at 5 0.4 0.5 0.6", "queen 0.7 0.8 0.9"])
    with pytest.raises(FormatError) as info:
        pretrained.load(path)
    assert "numeric_token_parts=True" in str(info.value) and "v.txt" in str(info.value)
    v = pretrained.load(path, numeric_token_parts=True)
    assert v.words == ["king", "at 5", "queen"]
    np.testing.assert_array_equal(v["at 5"], np.float32([0.4, 0.5, 0.6]))
    assert pretrained.entry_path(path, numeric_token_parts=True) != pretrained.entry_path(path)


def test_a_value_too_many_is_refused_not_glued(tmp_path):
    path = _glove(tmp_path, ["king 0.1 0.2 0.3", "queen 0.1 0.25 0.35 0.4"])
    with pytest.raises(FormatError) as info:
        pretrained.load(path)
    assert "line 2" in str(info.value)


def test_nonfinite_values_refused_zeroed_or_kept(tmp_path):
    path = _glove(tmp_path, ["king 0.1 0.2 0.3", "queen nan 0.2 inf", "man 0.3 0.2 0.1"])
    with pytest.raises(FormatError) as info:
        pretrained.load(path)
    assert "queen" in str(info.value) and "line 2" in str(info.value)
    zero = pretrained.load(path, nonfinite="zero")
    assert not zero["queen"].any() and zero.meta["nonfinite"] == 1
    keep = pretrained.load(path, nonfinite="keep")
    assert np.isnan(keep["queen"][0]) and np.isinf(keep["queen"][2])
    assert zero.path != keep.path


def test_a_long_token_needs_the_option(tmp_path):
    word = "x" * 1200
    path = _glove(tmp_path, ["king 0.1 0.2 0.3", f"{word} 0.4 0.5 0.6"])
    with pytest.raises(FormatError) as info:
        pretrained.load(path)
    assert "max_token_bytes=None" in str(info.value)
    assert word in pretrained.load(path, max_token_bytes=None)


def test_export_round_trip_is_exact_and_precision_is_compact(tmp_path):
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(50)]
    v = pretrained.Vectors(words, rng.standard_normal((50, 7)).astype(np.float32))
    v.save(tmp_path / "exact.txt")
    back = pretrained.load(tmp_path / "exact.txt")
    np.testing.assert_array_equal(back.vectors, v.vectors)
    v.save(tmp_path / "short.txt", precision=3)
    short = pretrained.load(tmp_path / "short.txt")
    assert (tmp_path / "short.txt").stat().st_size < (tmp_path / "exact.txt").stat().st_size
    assert not np.array_equal(short.vectors, v.vectors)
    np.testing.assert_allclose(short.vectors, v.vectors, rtol=5e-3)


_NON_DEFAULT = {
    "format": "glove",
    "member": "m.txt",
    "limit": 7,
    "vocabulary": ["b", "a"],
    "unicode_errors": "strict",
    "nonfinite": "zero",
    "numeric_token_parts": True,
    "max_token_bytes": 50,
    "encoding": "latin-1",
}


class _Caught(Exception):
    pass


@pytest.mark.parametrize("function", ["load", "convert", "entry_path", "iter_vectors"])
def test_every_keyword_reaches_the_one_read_options(function, monkeypatch, tmp_path):
    """The public functions build their ReadOptions from their own keywords (``from_kwargs``):
    a keyword renamed or added without its field would silently fall back to the default."""
    import inspect
    from dataclasses import fields

    from pretrained import formats, loading
    from pretrained.formats import ReadOptions

    seen = []

    def catch(name_or_path, options, *rest, **kw):
        seen.append(options)
        raise _Caught

    monkeypatch.setattr(loading, "_convert", catch)
    monkeypatch.setattr(loading, "_entry_path", catch)
    monkeypatch.setattr(formats, "open_vectors", catch)
    target = getattr(formats, function) if function == "iter_vectors" else getattr(loading, function)
    names = {f.name for f in fields(ReadOptions) if f.init} - ({"encoding"} if function == "iter_vectors" else set())
    assert names <= set(inspect.signature(target).parameters)
    given = {k: v for k, v in _NON_DEFAULT.items() if k in names}
    if function == "iter_vectors":
        given["format"] = "word2vec"  # a streamed format, handed to open_vectors
    with pytest.raises(_Caught):
        if function == "iter_vectors":
            with target(tmp_path / "v.txt", **given):
                pass
        else:
            target(tmp_path / "v.txt", **given)
    assert seen == [ReadOptions(**given)]
