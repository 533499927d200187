"""Benchmark the neighbour indexes (Annoy, HNSW and Milvus) against gensim's exact search and the raw
libraries, side by side in one run (the machine is shared, so only ratios measured together mean
anything).

    python scripts/bench_index.py                       # real glove.6B.50d: queries, tune, analogies, build
    python scripts/bench_index.py --large 1000000       # + a synthetic 1M x 300 set (GloVe structure)
    python scripts/bench_index.py --skip-analogy --out results.json
    python scripts/bench_index.py --tables results.json  # the README tables of a saved run
    python scripts/bench_index.py --quick               # glove's first 100k words, 1 build round, few rows
    python scripts/bench_index.py --hnsw-build-only     # only raw hnswlib against build_index(backend="hnsw")

What is timed
-------------
queries   one thread, one query at a time, ``topn=10``: gensim ``KeyedVectors.most_similar(word)``
          (exact), raw ``AnnoyIndex.get_nns_by_item(i, 11, search_k, include_distances=True)``
          on an index built by raw Annoy (and on the very file our wrapper uses, which isolates
          the wrapper's overhead), and ``NeighbourIndex.most_similar(word)``. Recall@10 of
          both indexes is against gensim's own answers. Rounds alternate the three; the median
          round is reported.
tune      ``index.tune(recall=0.95)``: the search_k it picks, then the query table at that value.
analogy   Google's questions-words.txt with restrict_vocab=300000: gensim
          ``evaluate_word_analogies`` (exact) against ``index.analogy_batch(..., n_jobs=-1)`` (both
          cores), accuracy counted the same way.
build     raw Annoy (add_item loop, build, save) and ``build_index`` with the same n_trees / seed /
          n_jobs, each in a fresh process, with that process's peak RSS.
hnsw      ``build_index(backend="hnsw", M, ef_construction)`` and raw hnswlib (``init_index``,
          ``add_items`` of the unit rows on the same threads, ``save_index``), each in a fresh
          process, alternating (``--build-rounds``; time, the share of hnswlib's ``add_items``,
          peak RSS, file size), then per ``ef``: recall@10 against gensim, raw ``hnswlib.Index.knn_query``
          on the same file (unit vectors prepared outside the timing) and
          ``NeighbourIndex.most_similar(word)``; the ratio of HNSW's queries a second to Annoy's
          at recall >= 0.95; Google's analogies through HNSW against exact.
milvus    ``build_index(backend="milvus")`` into an embedded Milvus Lite database in a fresh
          process: insert rate (rows upserted a second), index build time, peak RSS of the whole
          process (Lite runs inside it); then per ``ef``: recall@10 against gensim, milliseconds
          per query one at a time (``most_similar(word)``, one round trip each) and queries a
          second batched (``most_similar_batch`` of every sampled word: one search call), and the
          ratio to Annoy and HNSW at recall >= 0.95.
growth    ``--growth N ...``: synthetic N x 100 sets (GloVe structure); each backend built in a
          fresh process (Annoy, HNSW, Milvus Lite HNSW): seconds and peak RSS per size, to see
          how each grows with rows and extrapolate beyond what this machine allows.

    python scripts/bench_index.py --skip-glove --growth 100000 250000 500000 --out growth.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import pretrained
from pretrained.cache import entries as store
from pretrained.core.entry import open_entry
from pretrained.formats import Block
from pretrained.index import DEFAULT_SEED, DEFAULT_TREES

# ---------------------------------------------------------------------------- data sets


def glove_entry(cache: Path) -> Path:
    return pretrained.convert("glove.6B.50d", cache_dir=cache)


def large_entry(cache: Path, n: int, dim: int = 300, seed: int = 0) -> Path:
    """Real GloVe rows projected to ``dim`` by a fixed random matrix, replicated with small noise
    up to ``n`` rows, written as a normal cache entry."""
    dest = cache / "vectors" / f"synthetic-glove-{n}x{dim}-s{seed}"
    if store.is_entry(dest):
        return dest
    g = open_entry(glove_entry(cache))
    rng = np.random.default_rng(seed)
    proj = rng.standard_normal((g.dim, dim)).astype(np.float32) / np.sqrt(g.dim)
    base = np.asarray(g.vectors) @ proj
    scale = 0.1 * float(base.std())
    m = base.shape[0]

    def blocks():
        for s in range(0, n, 65536):
            rows = np.arange(s, min(n, s + 65536))
            block = base[rows % m]
            rep = rows // m
            noisy = rep > 0
            block[noisy] += rng.standard_normal((int(noisy.sum()), dim)).astype(np.float32) * scale
            yield Block(
                [
                    f"{g.index_to_key[i % m]}#{r}" if r else g.index_to_key[i % m]
                    for i, r in zip(rows.tolist(), rep.tolist())
                ],
                block,
            )

    return store.write_entry(dest, blocks(), dim, {"name": dest.name, "source": {"synthetic": True}})


# ---------------------------------------------------------------------------- builds (child processes)


def limited_entry(cache: Path, source: Path, n: int) -> Path:
    """The first ``n`` rows of the entry at ``source`` as an entry of their own (``--quick``)."""
    dest = cache / "vectors" / f"{source.name}-first{n}"
    if store.is_entry(dest):
        return dest
    g = open_entry(source)
    n = min(n, len(g))
    blocks = (
        Block(list(g.index_to_key[s : min(n, s + 65536)]), np.asarray(g.vectors[s : min(n, s + 65536)]))
        for s in range(0, n, 65536)
    )
    return store.write_entry(dest, blocks, g.dim, {"name": dest.name, "source": {"first": n, "of": g.name}})


def child_build(kind: str, entry: str, dest: str, params: dict, n_jobs: int) -> dict:
    v = open_entry(Path(entry))
    v.norms  # the cache stores them; make sure neither side pays for them
    started = time.perf_counter()
    if kind in ("hnsw", "milvus"):
        index = pretrained.build_index(v, dest, backend=kind, n_jobs=n_jobs, progress=False, force=True, **params)
        split = {k: index.sidecar["build"][k] for k in ("add_seconds", "build_seconds")}
        index.unload()
    elif kind == "hnsw-raw":
        import hnswlib

        unit = np.ascontiguousarray(v.unit_rows(np.arange(len(v))), dtype=np.float32)  # prepared outside the timing
        started = time.perf_counter()
        raw = hnswlib.Index(space="ip", dim=v.dim)
        raw.init_index(
            max_elements=len(v), M=params["M"], ef_construction=params["ef_construction"], random_seed=params["seed"]
        )
        raw.add_items(unit, np.arange(len(v)), num_threads=n_jobs if n_jobs > 0 else (os.cpu_count() or 1))
        added = time.perf_counter()
        raw.save_index(dest)
        split = {"add_seconds": added - started, "build_seconds": 0.0}
    elif kind == "raw":
        n_trees, seed = params["n_trees"], params["seed"]
        from annoy import AnnoyIndex

        a = AnnoyIndex(v.dim, "angular")
        a.set_seed(seed)
        arr = v.vectors
        for s in range(0, len(v), 65536):
            for i, row in enumerate(np.asarray(arr[s : s + 65536]).tolist(), s):
                a.add_item(i, row)
        added = time.perf_counter()
        a.build(n_trees, n_jobs=n_jobs)
        split = {"add_seconds": added - started, "build_seconds": time.perf_counter() - added}
        a.save(dest)
        a.unload()
    else:
        index = pretrained.build_index(v, dest, n_jobs=n_jobs, progress=False, force=True, **params)
        split = {k: index.sidecar["build"][k] for k in ("add_seconds", "build_seconds")}
        index.unload()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, **split, "peak_rss_mib": peak_rss_mib()}


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's peak,
    which Linux carries across fork and exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_build(kind: str, entry: Path, dest: Path, params: dict, n_jobs: int) -> dict:
    cmd = [sys.executable, __file__, "--_build", kind, str(entry), str(dest), json.dumps(params), str(n_jobs)]
    out = subprocess.run(
        cmd, check=True, capture_output=True, text=True, env={**os.environ, "PRETRAINED_PROGRESS": "0"}
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- queries


def time_queries(fn, items) -> float:
    started = time.perf_counter()
    for x in items:
        fn(x)
    return (time.perf_counter() - started) / len(items) * 1e3


def query_table(v, kv, raw, same, index, sample_ids, search_ks, rounds: int) -> list:
    words = v.index_to_key
    qwords = [words[i] for i in sample_ids]
    truth = [set(w for w, _ in kv.most_similar(w, topn=10)) for w in qwords]
    rows = []
    for sk in search_ks:
        raw_hits = ours_hits = 0
        for i, w, t in zip(sample_ids, qwords, truth):
            got = [j for j in raw.get_nns_by_item(int(i), 11, sk) if j != i][:10]
            raw_hits += len({words[j] for j in got} & t)
            ours_hits += len(set(index.most_similar(w, 10, search_k=sk).words) & t)
        times = {"gensim": [], "raw": [], "same": [], "ours": []}
        for _ in range(rounds):
            times["gensim"].append(time_queries(lambda w: kv.most_similar(w, topn=10), qwords))
            times["raw"].append(time_queries(lambda i: raw.get_nns_by_item(int(i), 11, sk, True), sample_ids))
            times["same"].append(time_queries(lambda i: same.get_nns_by_item(int(i), 11, sk, True), sample_ids))
            times["ours"].append(time_queries(lambda w: index.most_similar(w, 10, search_k=sk), qwords))
        med = {k: statistics.median(x) for k, x in times.items()}
        rows.append(
            {
                "n_trees": index.n_trees,
                "search_k": sk,
                "queries": len(qwords),
                "recall_raw": raw_hits / (10 * len(qwords)),
                "recall_ours": ours_hits / (10 * len(qwords)),
                "ms_gensim": med["gensim"],
                "ms_raw": med["raw"],
                "ms_raw_same_file": med["same"],
                "ms_ours": med["ours"],
                "speedup_vs_gensim": med["gensim"] / med["ours"],
                "ours_vs_raw_rate": med["raw"] / med["ours"],
                "ours_vs_raw_same_file_rate": med["same"] / med["ours"],
            }
        )
        r = rows[-1]
        print(
            f"  trees {r['n_trees']:>3} search_k {sk:>6}: recall@10 raw {r['recall_raw']:.3f} ours {r['recall_ours']:.3f} | "
            f"ms/query gensim {r['ms_gensim']:.2f} raw {r['ms_raw']:.3f} raw-on-our-file {r['ms_raw_same_file']:.3f} "
            f"ours {r['ms_ours']:.3f} | ours {r['speedup_vs_gensim']:.2f}x gensim, {r['ours_vs_raw_rate']:.2f}x raw rate, "
            f"{r['ours_vs_raw_same_file_rate']:.2f}x raw-on-our-file rate",
            flush=True,
        )
    return rows


# ---------------------------------------------------------------------------- HNSW


def hnsw_table(v, kv, path: Path, sample_ids, efs, rounds: int) -> list:
    """Per ef: recall@10 against gensim, raw hnswlib on the same file, and our wrapper."""
    import hnswlib

    index = pretrained.load_index(path, vectors=v)
    raw = hnswlib.Index(space="ip", dim=v.dim)
    raw.load_index(str(path))
    words = v.index_to_key
    qwords = [words[i] for i in sample_ids]
    truth = [set(w for w, _ in kv.most_similar(w, topn=10)) for w in qwords]
    units = [np.ascontiguousarray(v.unit_rows(np.array([i]))[0], dtype=np.float32) for i in sample_ids]
    rows = []
    for ef in efs:
        raw.set_ef(max(ef, 11))
        hits = sum(len(set(index.most_similar(w, 10, search_k=ef).words) & t) for w, t in zip(qwords, truth))
        times = {"raw": [], "ours": []}
        for _ in range(rounds):
            times["raw"].append(time_queries(lambda u: raw.knn_query(u, k=11, num_threads=1), units))
            times["ours"].append(time_queries(lambda w: index.most_similar(w, 10, search_k=ef), qwords))
        med = {k: statistics.median(x) for k, x in times.items()}
        rows.append(
            {
                "M": index.params["M"],
                "ef": ef,
                "queries": len(qwords),
                "recall_ours": hits / (10 * len(qwords)),
                "ms_raw": med["raw"],
                "ms_ours": med["ours"],
                "qps_ours": 1e3 / med["ours"],
                "wrapper_us": 1e3 * (med["ours"] - med["raw"]),
                "ours_vs_raw_rate": med["raw"] / med["ours"],
            }
        )
        r = rows[-1]
        print(
            f"  hnsw M {r['M']} ef {ef:>4}: recall@10 {r['recall_ours']:.3f} | ms/query raw {r['ms_raw']:.3f} ours {r['ms_ours']:.3f} "
            f"({r['qps_ours']:,.0f} q/s; wrapper {r['wrapper_us']:+.0f} us, {r['ours_vs_raw_rate']:.2f}x raw rate)",
            flush=True,
        )
    index.unload()
    return rows


def best_qps(rows: list, recall: float, key: str) -> float | None:
    """The most queries a second among rows reaching ``recall``."""
    ok = [1e3 / r["ms_ours"] for r in rows if r[key] >= recall]
    return max(ok) if ok else None


def hnsw_builds(label: str, entry: Path, work: Path, args) -> tuple:
    """The HNSW build comparison: (the path of our index, {"build": ...})."""
    path = work / f"{label}-hnsw-m{args.m}.ann"
    raw_path = work / f"{label}-hnsw-raw-m{args.m}.bin"
    params = {"M": args.m, "ef_construction": args.ef_construction, "seed": args.seed}
    # raw hnswlib (init, add_items of the unit rows on the same threads, save) and build_index, in
    # fresh processes, alternating; where our build's time goes: hnswlib's add_items, the rest
    # (normalising, saving, reading back, hashing, the vocabulary and the sidecar)
    builds: dict = {"raw": [], "ours": []}
    for r in range(max(1, args.build_rounds)):
        for kind in ("hnsw-raw", "hnsw") if r % 2 == 0 else ("hnsw", "hnsw-raw"):
            res = run_build(kind, entry, raw_path if kind == "hnsw-raw" else path, params, args.jobs)
            builds["raw" if kind == "hnsw-raw" else "ours"].append(res)
            print(
                f"  build {kind:<8} round {r + 1}: {res['seconds']:.1f} s (load {os.getloadavg()[0]:.1f})", flush=True
            )
    b = min(builds["ours"], key=lambda x: x["seconds"])
    raw_b = min(builds["raw"], key=lambda x: x["seconds"])
    b["index_mib"] = path.stat().st_size / 2**20
    b["raw_seconds"], b["raw_add_seconds"] = raw_b["seconds"], raw_b["add_seconds"]
    b["rest_seconds"] = b["seconds"] - b["add_seconds"]
    print(
        f"  build hnsw M {args.m} ef_construction {args.ef_construction} (best of {len(builds['ours'])}): "
        f"raw hnswlib {raw_b['seconds']:.1f} s (add_items {raw_b['add_seconds']:.1f} s), ours {b['seconds']:.1f} s "
        f"= {b['seconds'] / raw_b['seconds']:.3f}x raw (add_items {b['add_seconds']:.1f} s = "
        f"{100 * b['add_seconds'] / b['seconds']:.1f} %, the rest {b['rest_seconds']:.1f} s), "
        f"peak RSS {b['peak_rss_mib']:.0f} MiB (raw {raw_b['peak_rss_mib']:.0f} MiB), file {b['index_mib']:.0f} MiB",
        flush=True,
    )
    raw_path.unlink(missing_ok=True)
    out = {"build": {"M": args.m, "ef_construction": args.ef_construction, **b}}
    return path, out


def hnsw_bench(label: str, entry: Path, work: Path, args, v, kv, sample_ids, annoy_rows, analogies: bool) -> dict:
    path, out = hnsw_builds(label, entry, work, args)
    out["queries"] = hnsw_table(v, kv, path, sample_ids, args.ef, args.rounds)
    h, a = best_qps(out["queries"], 0.95, "recall_ours"), best_qps(annoy_rows, 0.95, "recall_ours")
    out["ratio_at_095"] = h / a if h and a else None
    print(
        f"  at recall@10 >= 0.95: hnsw {h or 0:,.0f} q/s, annoy {a or 0:,.0f} q/s"
        + (f" = {out['ratio_at_095']:.1f}x" if out["ratio_at_095"] else " (one of them does not reach it)"),
        flush=True,
    )
    if analogies:
        index = pretrained.load_index(path, vectors=v)
        out["analogy"] = analogy_bench(v, kv, index, args.analogy_ef)
        index.unload()
    return out


# ---------------------------------------------------------------------------- Milvus


def milvus_table(v, kv, path: Path, sample_ids, efs, rounds: int) -> list:
    """Per ef: recall@10 against gensim, ms per query one at a time, queries a second batched."""
    index = pretrained.load_index(path, vectors=v)
    words = v.index_to_key
    qwords = [words[i] for i in sample_ids]
    truth = [set(w for w, _ in kv.most_similar(w, topn=10)) for w in qwords]
    one_at_a_time = qwords[: max(20, len(qwords) // 5)]  # a round trip each: fewer
    rows = []
    for ef in efs:
        got = index.most_similar_batch(qwords, 10, search_k=ef)
        hits = sum(len(set(g.words) & t) for g, t in zip(got, truth))
        single, batched = [], []
        for _ in range(rounds):
            single.append(time_queries(lambda w: index.most_similar(w, 10, search_k=ef), one_at_a_time))
            started = time.perf_counter()
            index.most_similar_batch(qwords, 10, search_k=ef)
            batched.append((time.perf_counter() - started) / len(qwords) * 1e3)
        ms, mb = statistics.median(single), statistics.median(batched)
        rows.append(
            {
                "ef": ef,
                "queries": len(qwords),
                "recall_ours": hits / (10 * len(qwords)),
                "ms_ours": ms,
                "qps_one_at_a_time": 1e3 / ms,
                "qps_batched": 1e3 / mb,
                "batch_size": len(qwords),
            }
        )
        r = rows[-1]
        print(
            f"  milvus ef {ef:>4}: recall@10 {r['recall_ours']:.3f} | one at a time {ms:.2f} ms ({r['qps_one_at_a_time']:,.0f} q/s), "
            f"batched ({len(qwords)} per call) {r['qps_batched']:,.0f} q/s",
            flush=True,
        )
    index.unload()
    return rows


def milvus_bench(label: str, entry: Path, work: Path, args, v, kv, sample_ids, others: dict) -> dict:
    path = work / f"{label}-milvus.milvus"
    b = run_build("milvus", entry, path, {"M": args.m, "ef_construction": args.ef_construction}, args.jobs)
    b["insert_rows_per_s"] = len(v) / b["add_seconds"]
    b["db_mib"] = sum(f.stat().st_size for f in path.with_suffix(".db").rglob("*") if f.is_file()) / 2**20
    print(
        f"  build milvus (Lite, HNSW M {args.m} ef_construction {args.ef_construction}): {b['seconds']:.1f} s "
        f"(insert {b['add_seconds']:.1f} s = {b['insert_rows_per_s']:,.0f} rows/s, index {b['build_seconds']:.1f} s), "
        f"peak RSS {b['peak_rss_mib']:.0f} MiB, database {b['db_mib']:.0f} MiB",
        flush=True,
    )
    out = {"build": {"M": args.m, "ef_construction": args.ef_construction, **b}}
    out["queries"] = milvus_table(v, kv, path, sample_ids, args.milvus_ef, args.rounds)
    one = best_qps(out["queries"], 0.95, "recall_ours")
    ok = [r["qps_batched"] for r in out["queries"] if r["recall_ours"] >= 0.95]
    out["at_095"] = {"milvus_one_at_a_time": one, "milvus_batched": max(ok) if ok else None, **others}
    print(f"  at recall@10 >= 0.95 (q/s): {out['at_095']}", flush=True)
    return out


def growth_bench(cache: Path, work: Path, sizes, args) -> list:
    """Build time and peak memory of each backend per size (synthetic N x 100, fresh processes)."""
    rows = []
    for n in sizes:
        entry = large_entry(cache, n, dim=100)
        for kind, params in (
            ("ours", {"n_trees": args.trees, "seed": args.seed}),
            ("hnsw", {"M": args.m, "ef_construction": args.ef_construction, "seed": args.seed}),
            ("milvus", {"M": args.m, "ef_construction": args.ef_construction}),
        ):
            dest = work / f"growth-{n}-{kind}{'.milvus' if kind == 'milvus' else '.ann'}"
            b = run_build(kind, entry, dest, params, args.jobs)
            name = {"ours": "annoy"}.get(kind, kind)
            rows.append({"rows": n, "dim": 100, "backend": name, **b})
            print(
                f"  growth {n:>9,} x 100 {name:<6}: {b['seconds']:.1f} s (add {b['add_seconds']:.1f} s, build {b['build_seconds']:.1f} s), "
                f"peak RSS {b['peak_rss_mib']:.0f} MiB",
                flush=True,
            )
            if kind == "milvus":
                import shutil

                shutil.rmtree(dest.with_suffix(".db"), ignore_errors=True)
            dest.unlink(missing_ok=True)
    return rows


def growth_markdown(rows: list) -> str:
    out = ["| rows x 100 | backend | build s (add + index) | peak RSS MiB |", "|---:|---|---:|---:|"]
    for r in rows:
        out.append(
            f"| {r['rows']:,} | {r['backend']} | {r['seconds']:.1f} ({r['add_seconds']:.1f} + {r['build_seconds']:.1f}) | {r['peak_rss_mib']:.0f} |"
        )
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- analogies


def read_questions(path: Path, ok: dict) -> tuple:
    """Google's analogy file as gensim reads it (case-insensitive): questions whose four words are
    all among the first restrict_vocab words, and how many were skipped."""
    kept, skipped = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(":"):
                continue
            q = line.lower().split()
            if len(q) != 4:
                continue
            if all(w in ok for w in q):
                kept.append(q)
            else:
                skipped += 1
    return kept, skipped


def analogy_bench(v, kv, index, search_ks, restrict_vocab: int = 300000) -> dict:
    from gensim.test.utils import datapath

    path = Path(datapath("questions-words.txt"))
    started = time.perf_counter()
    score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict_vocab)
    gensim_s = time.perf_counter() - started
    total = sections[-1]
    n_gensim = len(total["correct"]) + len(total["incorrect"])
    print(
        f"  gensim evaluate_word_analogies: accuracy {score:.4f} on {n_gensim} questions in {gensim_s:.1f} s",
        flush=True,
    )
    out = {"gensim": {"accuracy": score, "questions": n_gensim, "seconds": gensim_s}, "ours": []}
    for sk in search_ks:
        started = time.perf_counter()
        ok = {w: i for i, w in enumerate(v.index_to_key[:restrict_vocab])}
        questions, _skipped = read_questions(path, ok)
        answers = index.analogy_batch(
            [q[:3] for q in questions], topn=1, search_k=sk, n_jobs=-1, restrict_vocab=restrict_vocab
        )
        correct = sum(1 for q, a in zip(questions, answers) if a and a[0][0] == q[3])
        seconds = time.perf_counter() - started
        acc = correct / len(questions)
        row = {
            "search_k": sk,
            "accuracy": acc,
            "questions": len(questions),
            "seconds": seconds,
            "points_vs_exact": 100 * (acc - score),
            "time_fraction_of_gensim": seconds / gensim_s,
        }
        out["ours"].append(row)
        print(
            f"  index search_k {sk:>6}: accuracy {acc:.4f} on {len(questions)} questions in {seconds:.2f} s "
            f"({row['points_vs_exact']:+.2f} points, {row['time_fraction_of_gensim']:.3f} of gensim's time)",
            flush=True,
        )
    return out


# ---------------------------------------------------------------------------- report


def markdown(results: dict) -> str:
    """The README tables for a results file."""
    out = []
    for st in results["sets"]:
        b, t = st["build"], st["tune"]
        out.append(
            f"**{st['set']}** ({st['count']:,} x {st['dim']}), {b['n_trees']} trees, seed {b['seed']}, "
            f"`tune(recall={t['target']})` picked `search_k` {t['search_k']} (recall {t['recall']:.3f} on its {t['sample']}-word sample)\n"
        )
        out.append(
            "| search_k | recall@10 raw | recall@10 ours | gensim exact ms | raw ms | raw, our file ms | ours ms | ours vs gensim | ours / raw rate | ours / raw-our-file rate |"
        )
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in st["queries"]:
            same = r.get("ms_raw_same_file")
            out.append(
                f"| {r['search_k']} | {r['recall_raw']:.3f} | {r['recall_ours']:.3f} | {r['ms_gensim']:.2f} | {r['ms_raw']:.3f} | "
                f"{f'{same:.3f}' if same else '-'} | {r['ms_ours']:.3f} | {r['speedup_vs_gensim']:.1f}x | {r['ours_vs_raw_rate']:.2f} | "
                f"{'{:.2f}'.format(r['ours_vs_raw_same_file_rate']) if same else '-'} |"
            )
        out.append("")
        out.append(
            f"Build ({b['n_trees']} trees, all cores, best of {len(b['runs']['raw'])} alternating runs, each in a fresh process): "
            f"raw Annoy {b['raw_seconds']:.1f} s, `build_index` {b['ours_seconds']:.1f} s = **{b['ours_over_raw']:.3f}x**; "
            f"peak RSS raw {b['raw_peak_rss_mib']:.0f} MiB, ours {b['ours_peak_rss_mib']:.0f} MiB; index file {b['index_mib']:.0f} MiB.\n"
        )
        if "analogy" in st:
            a = st["analogy"]
            g = a["gensim"]
            out.append(
                f"Google analogies (questions-words.txt, restrict_vocab=300000, {g['questions']} questions): gensim "
                f"`evaluate_word_analogies` {100 * g['accuracy']:.2f} % in {g['seconds']:.1f} s; through the index with "
                "`analogy_batch(n_jobs=-1)` (both cores):\n"
            )
            out.append("| search_k | accuracy | vs exact (points) | seconds | fraction of gensim's time |")
            out.append("|---:|---:|---:|---:|---:|")
            for r in a["ours"]:
                out.append(
                    f"| {r['search_k']} | {100 * r['accuracy']:.2f} % | {r['points_vs_exact']:+.2f} | {r['seconds']:.2f} | {r['time_fraction_of_gensim']:.3f} |"
                )
            out.append("")
        if "hnsw" in st:
            out.append(hnsw_markdown(st))
        if "milvus" in st:
            out.append(milvus_markdown(st))
    if results.get("growth"):
        out.append(growth_markdown(results["growth"]))
    return "\n".join(out)


def milvus_markdown(st: dict) -> str:
    m, b = st["milvus"], st["milvus"]["build"]
    out = [
        f"Milvus Lite (HNSW M {b['M']}, ef_construction {b['ef_construction']}): insert {b['add_seconds']:.1f} s "
        f"({b['insert_rows_per_s']:,.0f} rows/s), index build {b['build_seconds']:.1f} s, peak RSS {b['peak_rss_mib']:.0f} MiB "
        f"(the engine runs in the process), database {b['db_mib']:.0f} MiB.\n",
        "| ef | recall@10 | one at a time q/s | batched q/s |",
        "|---:|---:|---:|---:|",
    ]
    for r in m["queries"]:
        out.append(f"| {r['ef']} | {r['recall_ours']:.3f} | {r['qps_one_at_a_time']:,.0f} | {r['qps_batched']:,.0f} |")
    out.append(f"\nAt recall@10 >= 0.95 (queries a second): {m['at_095']}")
    return "\n".join(out) + "\n"


def hnsw_markdown(st: dict) -> str:
    h, b = st["hnsw"], st["hnsw"]["build"]
    best = {r["search_k"]: r for r in st["queries"]}
    out = [
        f"HNSW (M {b['M']}, ef_construction {b['ef_construction']}): build {b['seconds']:.1f} s, peak RSS "
        f"{b['peak_rss_mib']:.0f} MiB, file {b['index_mib']:.0f} MiB; Annoy ({st['build']['n_trees']} trees): build "
        f"{st['build']['ours_seconds']:.1f} s, peak RSS {st['build']['ours_peak_rss_mib']:.0f} MiB, file {st['build']['index_mib']:.0f} MiB.\n",
        "| index | effort | recall@10 | queries/s (one thread) | raw library ms | ours ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for sk, r in sorted(best.items()):
        out.append(
            f"| annoy | search_k {sk} | {r['recall_ours']:.3f} | {1e3 / r['ms_ours']:,.0f} | {r['ms_raw_same_file']:.3f} | {r['ms_ours']:.3f} |"
        )
    for r in h["queries"]:
        out.append(
            f"| hnsw | ef {r['ef']} | {r['recall_ours']:.3f} | {r['qps_ours']:,.0f} | {r['ms_raw']:.3f} | {r['ms_ours']:.3f} |"
        )
    if st["queries"]:
        out.append(f"| exact (gensim) | - | 1.000 | {1e3 / st['queries'][0]['ms_gensim']:,.0f} | - | - |")
    if h.get("ratio_at_095"):
        out.append(
            f"\nAt recall@10 >= 0.95, HNSW answers **{h['ratio_at_095']:.1f}x** Annoy's queries a second through our wrapper."
        )
    if "analogy" in h:
        g = h["analogy"]["gensim"]
        rows = ", ".join(
            f"ef {r['search_k']}: {100 * r['accuracy']:.2f} % ({r['points_vs_exact']:+.2f} points)"
            for r in h["analogy"]["ours"]
        )
        out.append(f"\nGoogle analogies through HNSW: exact {100 * g['accuracy']:.2f} %; {rows}.")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- main


def bench_set(label: str, entry: Path, work: Path, args, *, analogies: bool) -> dict:
    print(f"\n== {label} ==", flush=True)
    v = open_entry(entry)
    print(f"  {v!r}", flush=True)
    result: dict = {"set": label, "count": len(v), "dim": v.dim}

    if args.hnsw_build_only:
        result["hnsw"] = hnsw_builds(label, entry, work, args)[1]
        return result
    builds = {"raw": [], "ours": []}
    raw_path, ours_path = work / f"{label}-raw.ann", work / f"{label}-ours.ann"
    for r in range(args.build_rounds):
        order = (("raw", raw_path), ("ours", ours_path))
        for kind, dest in order if r % 2 == 0 else order[::-1]:  # alternate who goes first
            builds[kind].append(run_build(kind, entry, dest, {"n_trees": args.trees, "seed": args.seed}, args.jobs))
            b = builds[kind][-1]
            print(
                f"  build {kind:<4} round {r + 1}: {b['seconds']:.1f} s (add {b['add_seconds']:.1f} s, trees {b['build_seconds']:.1f} s), "
                f"peak RSS {b['peak_rss_mib']:.0f} MiB",
                flush=True,
            )
    raw_s = min(b["seconds"] for b in builds["raw"])
    ours_s = min(b["seconds"] for b in builds["ours"])
    result["build"] = {
        "n_trees": args.trees,
        "seed": args.seed,
        "n_jobs": args.jobs,
        "runs": builds,
        "raw_seconds": raw_s,
        "ours_seconds": ours_s,
        "ours_over_raw": ours_s / raw_s,
        "raw_peak_rss_mib": max(b["peak_rss_mib"] for b in builds["raw"]),
        "ours_peak_rss_mib": max(b["peak_rss_mib"] for b in builds["ours"]),
        "index_mib": ours_path.stat().st_size / 2**20,
    }
    print(
        f"  build (best of {args.build_rounds}): raw {raw_s:.1f} s, ours {ours_s:.1f} s = {ours_s / raw_s:.3f}x raw; "
        f"index file {result['build']['index_mib']:.0f} MiB",
        flush=True,
    )

    if args.build_only:
        return result
    from annoy import AnnoyIndex

    raw = AnnoyIndex(v.dim, "angular")
    raw.load(str(raw_path))
    same = AnnoyIndex(v.dim, "angular")  # raw Annoy on the very file our wrapper uses: wrapper overhead alone
    same.load(str(ours_path))
    index = pretrained.load_index(ours_path, vectors=v)
    kv = v.to_gensim()
    kv.fill_norms()

    started = time.perf_counter()
    tuned = index.tune(recall=args.recall, sample=args.tune_sample if len(v) < 500_000 else min(args.tune_sample, 300))
    print(
        f"  tune(recall={args.recall}) in {time.perf_counter() - started:.1f} s -> search_k {tuned.search_k}: {tuned}",
        flush=True,
    )
    result["tune"] = {**tuned.as_dict(), "target": args.recall}

    rng = np.random.default_rng(1)
    queries = args.queries if len(v) < 500_000 else args.large_queries
    sample_ids = rng.choice(len(v), size=queries, replace=False).tolist()
    search_ks = sorted({tuned.search_k, *args.search_k})
    result["queries"] = query_table(v, kv, raw, same, index, sample_ids, search_ks, args.rounds)
    if analogies:
        result["analogy"] = analogy_bench(v, kv, index, sorted({tuned.search_k, *args.analogy_search_k}))
    if args.ef:
        result["hnsw"] = hnsw_bench(label, entry, work, args, v, kv, sample_ids, result["queries"], analogies)
    if args.milvus_ef:
        others = {
            "annoy": best_qps(result["queries"], 0.95, "recall_ours"),
            "hnsw": best_qps(result["hnsw"]["queries"], 0.95, "recall_ours") if "hnsw" in result else None,
            "exact": 1e3 / result["queries"][0]["ms_gensim"] if result["queries"] else None,
        }
        result["milvus"] = milvus_bench(label, entry, work, args, v, kv, sample_ids, others)
    raw.unload()
    same.unload()
    index.unload()
    del kv
    return result


def main(argv=None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--_build":
        kind, entry, dest, params, jobs = sys.argv[2:7]
        print(json.dumps(child_build(kind, entry, dest, json.loads(params), int(jobs))))
        return 0
    if argv is None and len(sys.argv) > 2 and sys.argv[1] == "--tables":
        for name in sys.argv[2:]:
            print(markdown(json.loads(Path(name).read_text())))
        return 0
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trees", type=int, default=DEFAULT_TREES)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--jobs", type=int, default=-1, help="build threads")
    p.add_argument("--recall", type=float, default=0.95, help="tune target")
    p.add_argument("--tune-sample", type=int, default=1000)
    p.add_argument("--queries", type=int, default=300, help="sampled query words (glove)")
    p.add_argument("--large-queries", type=int, default=60, help="sampled query words (large set)")
    p.add_argument("--rounds", type=int, default=3, help="timing rounds (median reported)")
    p.add_argument("--build-rounds", type=int, default=2)
    p.add_argument("--search-k", type=int, nargs="*", default=[5000, 10000, 15000, 20000], help="extra search_k rows")
    p.add_argument("--analogy-search-k", type=int, nargs="*", default=[2000, 5000])
    p.add_argument("--m", type=int, default=16, help="HNSW links per node")
    p.add_argument("--ef-construction", type=int, default=200)
    p.add_argument("--ef", type=int, nargs="*", default=[20, 40, 80, 160, 320], help="HNSW ef rows (none: skip HNSW)")
    p.add_argument("--analogy-ef", type=int, nargs="*", default=[80, 160])
    p.add_argument(
        "--milvus-ef", type=int, nargs="*", default=[20, 40, 80, 160], help="Milvus ef rows (none: skip Milvus)"
    )
    p.add_argument(
        "--growth", type=int, nargs="*", default=[], help="synthetic N x 100 sizes: build time and memory per backend"
    )
    p.add_argument("--limit", type=int, default=0, help="only the first N words of glove.6B.50d")
    p.add_argument(
        "--quick", action="store_true", help="a run of a few minutes: --limit 100000, one build round, fewer rows"
    )
    p.add_argument("--build-only", action="store_true", help="only the build comparison")
    p.add_argument(
        "--hnsw-build-only", action="store_true", help="only the HNSW build comparison (raw hnswlib vs ours)"
    )
    p.add_argument("--skip-glove", action="store_true")
    p.add_argument("--skip-analogy", action="store_true")
    p.add_argument("--large", type=int, default=0, help="also bench a synthetic set of N x 300 vectors")
    p.add_argument("--cache-dir", help="where the data sets are cached (default: a temporary folder)")
    p.add_argument("--out", help="write the results as JSON here")
    args = p.parse_args(argv)
    if args.quick:
        args.limit = args.limit or 100000
        args.build_rounds, args.rounds, args.tune_sample, args.queries = 1, 2, 300, 200
        args.search_k, args.analogy_search_k = [5000, 10000], [5000]

    from importlib.metadata import version

    import annoy  # noqa: F401  (fail early)

    machine = {
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "annoy": version("annoy"),
        "hnswlib": version("hnswlib"),
        "gensim": version("gensim"),
        "numpy": np.__version__,
        "pymilvus": version("pymilvus"),
        "milvus_lite": version("milvus-lite"),
        "processor": platform.processor() or "",
        "load_avg": os.getloadavg(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            machine["cpu_model"] = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        pass
    print(f"machine: {machine}", flush=True)
    results = {"machine": machine, "sets": []}
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        work = Path(tmp)
        cache = Path(args.cache_dir) if args.cache_dir else work / "cache"
        if not args.skip_glove:
            entry = glove_entry(cache)
            label = "glove.6B.50d"
            if args.limit:
                entry, label = limited_entry(cache, entry, args.limit), f"glove.6B.50d-first{args.limit}"
            results["sets"].append(bench_set(label, entry, work, args, analogies=not args.skip_analogy))
        if args.large:
            entry = large_entry(cache, args.large)
            results["sets"].append(bench_set(f"synthetic-{args.large}x300", entry, work, args, analogies=False))
        if args.growth:
            results["growth"] = growth_bench(cache, work, args.growth, args)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    if not args.hnsw_build_only:  # the tables need the Annoy rows
        print("\n" + markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
