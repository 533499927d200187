"""Item embeddings from Parquet, Arrow and CSV tables: labels kept as strings."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pretrained
from pretrained.errors import FormatError


def _list_table(labels, vecs, name="sku"):
    return pa.table(
        {name: labels, "embedding": pa.array([list(map(float, r)) for r in vecs], type=pa.list_(pa.float32()))}
    )


def test_parquet_with_a_list_column(tmp_path):
    vecs = np.arange(12, dtype=np.float32).reshape(4, 3)
    path = tmp_path / "items.parquet"
    pq.write_table(
        _list_table(["sku-001", "sku-002", "007", "1e3"], vecs).append_column("price", pa.array([1.0] * 4)), path
    )
    v = pretrained.load(path)
    assert v.words == ["sku-001", "sku-002", "007", "1e3"]
    np.testing.assert_array_equal(v.vectors, vecs)
    assert (
        v.meta["source"]["kind"] == "table"
        and v.meta["source"]["label"] == "sku"
        and v.meta["source"]["ignored"] == ["price"]
    )
    assert v.path and pretrained.load(path).path == v.path  # converted once, memory-mapped after


def test_csv_with_numeric_columns_keeps_labels_as_written(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("code,d0,d1\n007,1,2\n1001,3.5,4\nE11.9,5,6\n", encoding="utf-8")
    v = pretrained.load(path)
    assert v.words == ["007", "1001", "E11.9"]
    np.testing.assert_array_equal(v.vectors, [[1, 2], [3.5, 4], [5, 6]])


def test_numeric_labels_of_parquet_become_strings_and_tsv_and_arrow(tmp_path):
    p = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"id": pa.array([10, 20], pa.int64()), "x": [0.5, 1.5], "y": [2.0, 3.0]}), p)
    assert pretrained.load(p).words == ["10", "20"]
    t = tmp_path / "items.tsv"
    t.write_text("item\tv1\tv2\nb-1\t1\t2\n", encoding="utf-8")
    assert pretrained.load(t).words == ["b-1"]
    f = tmp_path / "items.bin"  # a Feather (Arrow IPC) file without a telling suffix
    feather.write_feather(_list_table(["x", "y"], np.eye(2), name="label"), f)
    v = pretrained.load(f, format="table")
    assert v.words == ["x", "y"] and v.vectors.tolist() == [[1, 0], [0, 1]]
    assert pretrained.read_table(f, format="arrow").words == ["x", "y"]


def test_streams_in_blocks(tmp_path, monkeypatch):
    import pretrained.formats.table_reader as tables

    monkeypatch.setattr(tables, "_ROWS", 7)
    n = 50
    vecs = np.random.default_rng(0).normal(size=(n, 4)).astype(np.float32)
    path = tmp_path / "many.parquet"
    pq.write_table(_list_table([f"i{k}" for k in range(n)], vecs), path, row_group_size=9)
    v = pretrained.load(path)
    np.testing.assert_array_equal(v.vectors, vecs)
    assert pretrained.load(path, limit=10).words == [f"i{k}" for k in range(10)]
    assert pretrained.load(path, vocabulary=["i3", "i40", "zz"]).words == ["i3", "i40"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    labels=st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), min_size=1, max_size=8),
        min_size=1,
        max_size=20,
        unique=True,
    ),
    seed=st.integers(0, 2**16),
)
def test_round_trip_parquet_and_csv(tmp_path_factory, labels, seed):
    folder = tmp_path_factory.mktemp("t")
    vecs = np.random.default_rng(seed).normal(size=(len(labels), 3)).astype(np.float32)
    pq.write_table(_list_table(labels, vecs), folder / "a.parquet")
    v = pretrained.read_table(folder / "a.parquet")
    assert v.words == labels
    np.testing.assert_array_equal(v.vectors, vecs)
    import pyarrow.csv as pacsv

    pacsv.write_csv(
        pa.table({"label": labels, **{f"d{i}": vecs[:, i].astype(np.float64) for i in range(3)}}), folder / "a.csv"
    )
    c = pretrained.read_table(folder / "a.csv")
    assert c.words == labels
    np.testing.assert_allclose(c.vectors, vecs, rtol=1e-6)


@pytest.mark.parametrize(
    "content, match",
    [
        ("label,d0\na,1\nb,\n", "row 2: no value"),
        ("label,d0\na,1\na,2\n", "appears again"),
        ("label,d0\na,1\nb,inf\n", "row 2: a value is not a finite number"),
        ("label,d0\na,1\nb,nan\n", "row 2: no value"),  # pyarrow reads nan as missing
        ("label,other\na,x\n", "no list column and no numeric column"),
        ("label,d0\n", "no rows"),
    ],
)
def test_bad_csv(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match=match) as info:
        pretrained.load(path)
    assert str(path) in str(info.value)


def test_bad_lists(tmp_path):
    path = tmp_path / "ragged.parquet"
    pq.write_table(pa.table({"label": ["a", "b"], "v": pa.array([[1.0, 2.0], [3.0]])}), path)
    with pytest.raises(FormatError, match="row 2: a list of 1 values"):
        pretrained.load(path)
    two = tmp_path / "two.parquet"
    pq.write_table(pa.table({"label": ["a"], "v": [[1.0]], "w": [[2.0]]}), two)
    with pytest.raises(FormatError, match="several list columns"):
        pretrained.load(two)
    assert pretrained.read_table(two, vector="w").vectors.tolist() == [[2.0]]
    with pytest.raises(FormatError, match="no column 'nope'"):
        pretrained.read_table(two, label="nope")
    text = tmp_path / "plain.txt"
    text.write_text("hello\n", encoding="utf-8")
    with pytest.raises(FormatError, match="neither Parquet"):
        pretrained.load(text, format="table")
