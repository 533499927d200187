"""The ``pretrained`` command: argparse subcommands. The library logs; this module prints."""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import Dict, List, Optional

from . import api
from .errors import PretrainedError
from .results import Neighbours

__all__ = ["main", "build_parser"]


def _vector_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help="catalogue name (see `pretrained list`) or path to a vector file")
    p.add_argument("--format", help="glove, word2vec, word2vec-text or fasttext (detected when omitted)")
    p.add_argument("--member", help="file inside a .zip archive, e.g. glove.6B.300d.txt")
    p.add_argument("--limit", type=int, help="keep only the first N vectors")
    p.add_argument("--cache-dir", help="cache folder (default: $PRETRAINED_CACHE or the user cache)")


def _load(args: argparse.Namespace):
    return api.load(args.source, format=args.format, member=args.member, limit=args.limit, cache_dir=args.cache_dir)


def _emit(args: argparse.Namespace, data, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(text)


def _table(pairs) -> str:
    return repr(Neighbours(pairs)) if pairs else "  (nothing)"


def cmd_convert(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    dest = api.convert(args.source, format=args.format, member=args.member, limit=args.limit, cache_dir=args.cache_dir, force=args.force)
    v = api.load(args.source, format=args.format, member=args.member, limit=args.limit, cache_dir=args.cache_dir)
    seconds = time.perf_counter() - started
    data = {"entry": str(dest), "count": len(v), "dim": v.dim, "seconds": round(seconds, 3), "meta": v.meta}
    _emit(args, data, f"{v!r}\ncached at {dest} ({seconds:.2f} s)")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from . import catalog, embedded, store

    if catalog.has(args.source):
        entry = catalog.get(args.source)
        dest = api.entry_path(args.source, limit=args.limit, cache_dir=args.cache_dir)
        if not store.is_entry(dest) and not embedded.available(entry):  # describe, download nothing
            rows = catalog.describe(entry) + [("cached", f"no (pretrained download {entry.name})")]
            _emit(args, {**entry.as_dict(), "cached": False}, _rows(rows))
            return 0
    v = _load(args)
    meta = v.meta
    lines = [repr(v), f"cache entry: {v.path}"]
    for key in ("format", "count", "dim", "duplicates", "invalid_unicode", "not_in_vocabulary", "limit"):
        if meta.get(key) is not None:
            lines.append(f"{key}: {meta[key]}")
    for key, value in (meta.get("source") or {}).items():
        if value is not None:
            lines.append(f"source {key}: {value}")
    lines += _catalogue_lines(args.source)
    _emit(args, {"name": v.name, "count": len(v), "dim": v.dim, "entry": v.path, "meta": meta}, "\n".join(lines))
    return 0


def cmd_neighbours(args: argparse.Namespace) -> int:
    v = _load(args)
    index = _index_for(args, v)
    data: Dict[str, List] = {}
    text = []
    for word in args.words:
        if index is not None:
            result = index.most_similar(word, topn=args.topn, search_k=args.search_k)
        else:
            result = v.most_similar(word, topn=args.topn)
        data[word] = [[w, s] for w, s in result]
        text.append(f"{word}:\n{_table(result)}")
    _emit(args, data, "\n".join(text))
    return 0


def cmd_analogy(args: argparse.Namespace) -> int:
    v = _load(args)
    index = _index_for(args, v)
    if index is not None:
        result = index.analogy(args.a, args.b, args.c, topn=args.topn, method=args.method, search_k=args.search_k)
    else:
        result = v.analogy(args.a, args.b, args.c, topn=args.topn, method=args.method)
    data = {"question": [args.a, args.b, args.c], "method": args.method, "answers": [[w, s] for w, s in result]}
    _emit(args, data, f"{args.a} : {args.b} :: {args.c} : ?\n{_table(result)}")
    return 0


def _rows(rows) -> str:
    width = max((len(label) for label, _ in rows), default=0)
    return "\n".join(f"{label:<{width}}  {text}" for label, text in rows)


def _catalogue_lines(source: str) -> List[str]:
    from . import catalog

    if not catalog.has(source):
        return []
    e = catalog.get(source)
    return [f"{k}: {v}" for k, v in (("licence", e.licence), ("citation", e.citation)) if v]


def _human(n: Optional[int]) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


def cmd_list(args: argparse.Namespace) -> int:
    from . import catalog, downloader, embedded, store

    rows, data = [], []
    for e in catalog.entries():
        if store.is_entry(api.entry_path(e.name, cache_dir=args.cache_dir)):
            status = "cached"
        elif embedded.available(e):
            status = "installed"
        elif e.filename and downloader.download_path(e.name, args.cache_dir).is_file():
            status = "downloaded"
        else:
            status = "-"
        data.append({**e.as_dict(), "status": status})
        rows.append((e.name, f"{e.dim}", f"{e.count:,}" if e.count else "?", _human(e.size), status, ", ".join(e.aliases)))
    header = ("name", "dim", "words", "download", "status", "aliases")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header] + rows]
    _emit(args, data, "\n".join(lines))
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    from . import catalog, downloader, embedded, store

    progress = False if (args.quiet or args.sub_quiet) else None
    for name in args.names:
        entry = catalog.get(name)
        started = time.perf_counter()
        cached = api.entry_path(entry.name, cache_dir=args.cache_dir)
        if not args.no_convert and store.is_entry(cached):
            print(f"{entry.name}: already cached at {cached}")
            continue
        if embedded.available(entry) and not args.no_convert:
            dest = api.convert(entry.name, cache_dir=args.cache_dir)
            print(f"{entry.name}: from the installed package {entry.embedded.replace('_', '-')}, cached at {dest}")
            continue
        path = downloader.download(entry.name, cache_dir=args.cache_dir, progress=progress)
        line = f"{entry.name}: {path} ({_human(path.stat().st_size)})"
        if not args.no_convert:
            dest = api.convert(entry.name, cache_dir=args.cache_dir)
            line += f", converted into {dest}"
        print(f"{line} in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    from . import cachedir

    if args.action == "remove":
        if not args.name:
            print("pretrained: error: cache remove needs a NAME (see `pretrained cache list`)", file=sys.stderr)
            return 2
        for path in cachedir.remove(args.name, args.cache_dir):
            print(f"removed {path}")
        return 0
    if args.name:
        print(f"pretrained: error: cache {args.action} takes no NAME", file=sys.stderr)
        return 2
    if args.action == "verify":
        report = cachedir.verify(args.cache_dir)
        bad = [r for r in report if not r["ok"]]
        text = "\n".join(f"{'ok ' if r['ok'] else 'BAD'}  {r['kind']:<9} {r['name']}  {r['detail']}" for r in report)
        text = (text or "(the cache is empty)") + f"\n{len(report) - len(bad)} ok, {len(bad)} bad in {cachedir.root(args.cache_dir)}"
        _emit(args, report, text)
        return 1 if bad else 0
    items = cachedir.items(args.cache_dir)
    data = [{"kind": i.kind, "name": i.name, "path": str(i.path), "size": i.size} for i in items]
    lines = [f"{i.kind:<9} {_human(i.size):>10}  {i.name}" for i in items]
    total = sum(i.size for i in items)
    lines.append(f"{len(items)} items, {_human(total)} in {cachedir.root(args.cache_dir)}")
    _emit(args, data, "\n".join(lines))
    return 0


def _save_npy(path: str, array) -> None:
    """Write ``array`` to ``path`` through a temporary file beside it, then rename into place."""
    import os

    import numpy as np

    tmp = f"{path}.{os.getpid()}.incomplete"
    try:
        with open(tmp, "wb") as f:
            np.save(f, array, allow_pickle=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def cmd_matrix(args: argparse.Namespace) -> int:
    from .embedding import embedding_matrix

    v = _load(args)
    matrix, report = embedding_matrix(
        v, args.vocab, oov=args.oov, seed=args.seed, lowercase=not args.no_lowercase,
        num_words=args.num_words, oov_token=args.oov_token or None, top_missing=args.top,
        return_report=True,
    )
    if args.out:
        _save_npy(args.out, matrix)
    data = {"vectors": v.name, "vocabulary": args.vocab, "out": args.out, "shape": list(matrix.shape), "coverage": report.as_dict()}
    text = f"{v.name}, vocabulary {args.vocab}: {report}"
    if args.out:
        text += f"\nwrote {args.out} (float32, {matrix.shape[0]:,} x {matrix.shape[1]})"
    _emit(args, data, text)
    return 0


def _load_index(v):
    """The neighbour index of ``v`` (``Vectors.index()``), or a clear error when index support
    is not available in this installation."""
    from .evaluate import IndexUnavailableError

    make = getattr(v, "index", None)
    if make is None:
        raise IndexUnavailableError("--index needs neighbour-index support (Vectors.index()), which this installation lacks")
    try:
        return make()
    except ImportError as exc:
        raise IndexUnavailableError(f"--index: the neighbour index is not available: {exc}") from exc


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate_analogies, evaluate_pairs

    v = _load(args)
    restrict = None if args.restrict_vocab == 0 else args.restrict_vocab
    index = _load_index(v) if args.index else None  # fail early, before the exact run
    exact = evaluate_analogies(v, args.analogies, restrict_vocab=restrict, method=args.method)
    approx = None
    if index is not None:
        approx = evaluate_analogies(
            v, args.analogies, restrict_vocab=restrict, method=args.method, index=index, search_k=args.search_k
        )
    pair_files = args.pairs if args.pairs is not None else ["wordsim353", "simlex999"]
    pairs = [evaluate_pairs(v, p, restrict_vocab=restrict) for p in pair_files]
    data = {"name": v.name, "analogies": exact.to_dict(), "pairs": [p.to_dict() for p in pairs]}
    if approx is not None:
        data["analogies_index"] = approx.to_dict()
    if approx is None:
        text = [f"{v!r}\nanalogies ({exact.path}):", repr(exact)]
    else:
        rows = exact.rows()
        irows = {r[0]: r for r in approx.rows()}
        w0 = max(len(r[0]) for r in rows)
        w2 = max(len(r[2]) for r in rows)
        text = [f"{v!r}\nanalogies ({exact.path}):", f"  {'':<{w0}}  {'exact':>{w2 + 7}}  {'index':>{w2 + 7}}"]
        for label, acc, frac in rows:
            ia, ifrac = irows.get(label, ("", "-", ""))[1:]
            text.append(f"  {label:<{w0}}  {acc:>6} {frac:>{w2}}  {ia:>6} {ifrac:>{w2}}")
        text.append(
            f"  ({exact.skipped} of {exact.questions} questions skipped; exact {exact.seconds:.2f} s, "
            f"through the index {approx.seconds:.2f} s)"
        )
    text.append("word pairs:")
    text.extend(repr(p) for p in pairs)
    _emit(args, data, "\n".join(text))
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from .plot import save_map

    v = _load(args)
    path = save_map(v, args.words, args.out, neighbours=args.neighbours, dpi=args.dpi)
    print(f"wrote {path}")
    return 0


def _positive(text: str) -> int:
    """argparse type: a whole number >= 1 (a clear usage error otherwise, never a traceback)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def cmd_explore(args: argparse.Namespace) -> int:
    from .explore import explore

    if not args.out.lower().endswith((".html", ".htm")):
        print(f"pretrained: error: --out must be an .html file (the explorer is one page), got {args.out!r}", file=sys.stderr)
        return 2
    if args.words_n is not None and args.vocab:
        print("pretrained: error: give --words N or --vocab FILE, not both", file=sys.stderr)
        return 2
    import os

    for flag, value in (("--vocab", args.vocab), ("--groups", args.groups)):
        if value and not (flag == "--groups" and value.lower().startswith("kmeans")) and not os.path.isfile(value):
            print(f"pretrained: error: {flag} {value}: no such file", file=sys.stderr)
            return 2
    v = _load(args)
    vocab = args.vocab or args.words_n
    page = explore(
        v, args.words or None, vocab=vocab, path=args.out, method=args.method, neighbours=args.neighbours,
        groups=args.groups, analogy=False if args.no_analogy else None, max_points=args.max_points, seed=args.seed,
        progress=False if args.quiet else None,
    )
    print(f"wrote {page.path}: {page.count:,} points ({page.method}), {page.size / 2**20:.1f} MiB; open it in a browser")
    if page.missing:
        shown = ", ".join(page.missing[:10]) + (" ..." if len(page.missing) > 10 else "")
        print(f"{len(page.missing)} words not in {v.name or 'the vectors'} were left out: {shown}")
    return 0


def cmd_export_projector(args: argparse.Namespace) -> int:
    from .projector import export_projector, read_vocab_file

    v = _load(args)
    words = read_vocab_file(args.vocab) if args.vocab else args.words
    out = export_projector(v, args.out, words=words)
    print(f"wrote {out.count} words: {out.vectors} and {out.metadata}")
    if out.missing:
        shown = ", ".join(out.missing[:10]) + (" ..." if len(out.missing) > 10 else "")
        print(f"{len(out.missing)} words not in {v.name or 'the vectors'} were left out: {shown}")
    print("open https://projector.tensorflow.org/ and load both files")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .writers import write_vectors

    if args.limit is not None and args.limit <= 0:
        print(f"pretrained: error: --limit must be positive, got {args.limit}", file=sys.stderr)
        return 2
    v = api.load(args.source, format=args.input_format, member=args.member, cache_dir=args.cache_dir)
    n = len(v) if args.limit is None else min(args.limit, len(v))
    started = time.perf_counter()
    write_vectors(args.out, v.index_to_key[:n], v.vectors[:n], format=args.format)
    print(f"wrote {n:,} words x {v.dim} dims as {args.format} to {args.out} ({time.perf_counter() - started:.2f} s)")
    return 0
def _index_args(p: argparse.ArgumentParser) -> None:
    from .index import DEFAULT_SEED, DEFAULT_TREES

    p.add_argument("--trees", type=int, default=DEFAULT_TREES, help=f"trees in the index (default {DEFAULT_TREES})")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"build seed (default {DEFAULT_SEED})")
    p.add_argument("--search-k", type=int, help="nodes inspected per query (default: the index's, see index-check --recall)")


def _index_for(args: argparse.Namespace, v):
    """The index the neighbours/analogy commands answer through (``--index``), else None."""
    if not getattr(args, "index", False):
        return None
    from .index import build_index

    return build_index(v, None, n_trees=args.trees, seed=args.seed, progress=not args.quiet)


def cmd_build_index(args: argparse.Namespace) -> int:
    from .index import build_index

    v = _load(args)
    if not args.quiet and not args.json:
        print(f"indexing {v!r}: {args.trees} trees, seed {args.seed} (the tree phase shows no bar)", file=sys.stderr, flush=True)
    started = time.perf_counter()
    index = build_index(
        v, args.out, n_trees=args.trees, seed=args.seed, n_jobs=args.jobs, on_disk=args.on_disk,
        search_k=args.search_k, progress=not args.quiet, force=args.force,
    )
    seconds = time.perf_counter() - started
    build = index.sidecar["build"]
    lines = [
        repr(index),
        f"{'reused' if seconds < build['seconds'] / 2 else 'built'} in {seconds:.2f} s "
        f"(build: add {build['add_seconds']:.2f} s + {build['n_trees']} trees {build['build_seconds']:.2f} s "
        f"on {build['threads']} threads), {index.path.stat().st_size / 2**20:.1f} MiB",
    ]
    data = {"index": str(index.path), "seconds": round(seconds, 3), "sidecar": index.sidecar}
    if args.recall:
        report = index.tune(recall=args.recall, save=True)
        lines.append(f"tuned: {report}")
        data["tune"] = report.as_dict()
    _emit(args, data, "\n".join(lines))
    return 0


def cmd_index_check(args: argparse.Namespace) -> int:
    from .index import load_index

    v = _load(args)
    if args.index_path:
        index = load_index(args.index_path, vectors=v)
    else:
        index = load_index(args.source, vectors=v, n_trees=args.trees, seed=args.seed)
    if args.recall:
        report = index.tune(recall=args.recall, k=args.k, sample=args.sample, save=args.save)
    else:
        report = index.recall(sample=args.sample, k=args.k, search_k=args.search_k)
    _emit(args, {"index": str(index.path), **report.as_dict()}, f"{index!r}\n{report}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pretrained", description="Pretrained word embeddings, fast and safely.")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv for debug)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars, only errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("convert", help="convert a vector file (or catalogue set) into the cache once")
    _vector_args(p)
    p.add_argument("--force", action="store_true", help="convert again even when cached")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("info", help="what a vector set holds and where its cache entry is")
    _vector_args(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("neighbours", aliases=["neighbors"], help="nearest words by cosine similarity")
    _vector_args(p)
    p.add_argument("words", nargs="+", help="query words")
    p.add_argument("-n", "--topn", type=int, default=10, help="how many neighbours (default 10)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--index", action="store_true", help="answer through the cached Annoy index (built if missing)")
    _index_args(p)
    p.set_defaults(func=cmd_neighbours)

    p = sub.add_parser("analogy", help="a : b :: c : ?  (man king woman -> queen)")
    _vector_args(p)
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("c")
    p.add_argument("-n", "--topn", type=int, default=1, help="how many answers (default 1)")
    p.add_argument("--method", choices=["add", "mul"], default="add", help="3CosAdd (default) or 3CosMul")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--index", action="store_true", help="answer through the cached Annoy index (built if missing)")
    _index_args(p)
    p.set_defaults(func=cmd_analogy)

    p = sub.add_parser("list", help="the catalogue: every known set, its size and whether it is here")
    p.add_argument("--cache-dir", help="cache folder (default: $PRETRAINED_CACHE or the user cache)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("download", help="download (and convert) catalogue sets now, e.g. in a Docker build")
    p.add_argument("names", nargs="+", metavar="NAME", help="catalogue names or aliases")
    p.add_argument("--cache-dir", help="cache folder (default: $PRETRAINED_CACHE or the user cache)")
    p.add_argument("--quiet", dest="sub_quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-convert", action="store_true", help="only download the file, convert on first load")
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("cache", help="what the cache holds: list, verify (re-hash), remove NAME")
    p.add_argument("action", nargs="?", choices=["list", "verify", "remove"], default="list")
    p.add_argument("name", nargs="?", help="for remove: a catalogue name or an item name from `cache list`")
    p.add_argument("--cache-dir", help="cache folder (default: $PRETRAINED_CACHE or the user cache)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_cache)

    p = sub.add_parser("matrix", help="embedding-layer weight matrix for a vocabulary file, with its coverage")
    _vector_args(p)
    p.add_argument("--vocab", required=True, help="vocabulary file: UTF-8, one token a line, row i = line i+1")
    p.add_argument("--out", help="write the float32 matrix here (.npy); without it only the coverage is printed")
    p.add_argument("--oov", choices=["zeros", "random", "mean"], default="zeros", help="rows of missing tokens (default zeros)")
    p.add_argument("--seed", type=int, help="seed of --oov random")
    p.add_argument("--num-words", type=int, help="keep rows below N (Keras Tokenizer num_words)")
    p.add_argument("--oov-token", default="[UNK]", help="the OOV token, not counted as missing (default [UNK]; '' for none)")
    p.add_argument("--no-lowercase", action="store_true", help="no lowercase fallback for missing tokens")
    p.add_argument("--top", type=int, default=20, help="how many missing tokens to name (default 20)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_matrix)

    p = sub.add_parser("evaluate", help="analogy accuracy and word-pair correlation (gensim's rules)")
    _vector_args(p)
    p.add_argument("--analogies", help="analogy file (default: Google's questions-words.txt shipped with gensim)")
    p.add_argument("--pairs", nargs="+", metavar="FILE", help="word-pair files (default: wordsim353 simlex999)")
    p.add_argument("--restrict-vocab", type=int, default=300000, help="only the first N words (default 300000; 0 = all)")
    p.add_argument("--method", choices=["add", "mul"], default="add", help="3CosAdd (default) or 3CosMul")
    p.add_argument("--index", action="store_true", help="also answer through the approximate neighbour index, side by side")
    p.add_argument("--search-k", type=int, help="with --index: nodes the index inspects per query (more = exacter, slower)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("plot", help="a labelled 2-D map (PCA) of words and their neighbours, as a picture")
    _vector_args(p)
    p.add_argument("words", nargs="+", help="words to place on the map")
    p.add_argument("-k", "--neighbours", "--neighbors", type=int, default=0, help="also show each word's K nearest words")
    p.add_argument("--out", required=True, help="picture to write (.png, .svg or .pdf)")
    p.add_argument("--dpi", type=int, default=120, help="resolution of a PNG (default 120)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("explore", help="an interactive map (one offline HTML page): search, neighbours, analogies, groups")
    _vector_args(p)
    p.add_argument("words", nargs="*", metavar="WORD", help="words to show with their nearest words in the whole vocabulary")
    p.add_argument("--words", dest="words_n", type=_positive, metavar="N", help="also the first N words (default 5000 when no WORD)")
    p.add_argument("--vocab", help="also the words of this file, one a line (unknown ones are listed and left out)")
    p.add_argument("-k", "--neighbours", "--neighbors", type=_positive, default=10, help="neighbours listed per word (default 10)")
    p.add_argument("--method", choices=["pca", "tsne", "umap"], default="pca", help="projection (default pca; tsne/umap need an extra)")
    p.add_argument("--groups", help="colours: a word<TAB>group file, or kmeans / kmeans:K for K clusters")
    p.add_argument("--max-points", type=_positive, help="raise the cap on points (100000 for pca, 20000 for tsne/umap)")
    p.add_argument("--seed", type=int, default=0, help="seed of t-SNE, UMAP and k-means (default 0)")
    p.add_argument("--no-analogy", action="store_true", help="leave the vectors (and the analogy box) out of the page")
    p.add_argument("--out", required=True, help="the page to write (.html)")
    p.set_defaults(func=cmd_explore)

    p = sub.add_parser("export-projector", help="vectors.tsv + metadata.tsv for the TensorFlow Embedding Projector")
    _vector_args(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--words", type=int, default=10000, help="the first N words (default 10000)")
    group.add_argument("--vocab", help="a file of words to export, one per line")
    p.add_argument("--out", required=True, help="folder to write the two files into")
    p.set_defaults(func=cmd_export_projector)

    p = sub.add_parser("export", help="write vectors out as GloVe text, word2vec binary or word2vec text")
    p.add_argument("source", help="catalogue name (see `pretrained list`) or path to a vector file")
    p.add_argument("--format", required=True, choices=["glove", "word2vec", "word2vec-text"], help="output format")
    p.add_argument("--out", required=True, help="file to write (.gz or .bz2 to compress)")
    p.add_argument("--limit", type=int, help="only the first N words")
    p.add_argument("--input-format", help="format of SOURCE when it is a file (detected when omitted)")
    p.add_argument("--member", help="file inside a .zip archive")
    p.add_argument("--cache-dir", help="cache folder (default: $PRETRAINED_CACHE or the user cache)")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("build-index", help="build an Annoy neighbour index (into the cache unless --out)")
    _vector_args(p)
    _index_args(p)
    p.add_argument("--out", help="the .ann file (or a folder) to write; default: the cache, beside the vectors")
    p.add_argument("--on-disk", action="store_true", help="build in the file rather than in memory (huge sets)")
    p.add_argument("--jobs", type=int, default=-1, help="build threads (default: all cores)")
    p.add_argument("--recall", type=float, help="then tune search_k for this recall@10 and store it (e.g. 0.95)")
    p.add_argument("--force", action="store_true", help="build again even when the index exists")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_build_index)

    p = sub.add_parser("index-check", help="recall@k and speed of an index against exact search")
    _vector_args(p)
    _index_args(p)
    p.add_argument("--index-path", help="the .ann file (default: the cached index with --trees/--seed)")
    p.add_argument("--sample", type=int, default=1000, help="sampled query words (default 1000)")
    p.add_argument("-k", type=int, default=10, help="recall@k (default 10)")
    p.add_argument("--recall", type=float, help="find the smallest search_k reaching this recall instead")
    p.add_argument("--save", action="store_true", help="with --recall: store the tuned search_k in the sidecar")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_index_check)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.WARNING if args.verbose == 0 else logging.INFO if args.verbose == 1 else logging.DEBUG
    if args.quiet:
        level = logging.ERROR
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except PretrainedError as exc:
        print(f"pretrained: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pretrained: interrupted", file=sys.stderr)
        return 130
