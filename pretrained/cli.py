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
    v = _load(args)
    meta = v.meta
    lines = [repr(v), f"cache entry: {v.path}"]
    for key in ("format", "count", "dim", "duplicates", "invalid_unicode", "not_in_vocabulary", "limit"):
        if meta.get(key) is not None:
            lines.append(f"{key}: {meta[key]}")
    for key, value in (meta.get("source") or {}).items():
        if value is not None:
            lines.append(f"source {key}: {value}")
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
