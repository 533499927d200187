"""Commands about the approximate neighbour index: build-index, index-check.

No command asks for a progress bar: ``progress=None`` lets :mod:`pretrained.progress` decide
(off with ``-q``, ``$PRETRAINED_PROGRESS=0`` or a standard error that is not a terminal).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Optional, Tuple

from pretrained.cli.options import (
    Command,
    UsageError,
    creatable,
    existing_file,
    fraction,
    index_args,
    index_params,
    jobs,
    json_flag,
    load,
    positive_int,
    vector_args,
)
from pretrained.cli.output import emit

if TYPE_CHECKING:
    from pretrained.core.vectors import Vectors
    from pretrained.index.query import NeighbourIndex

__all__ = ["COMMANDS", "index_for"]


def index_for(args: argparse.Namespace, v: Vectors) -> Optional[NeighbourIndex]:
    """The index the neighbours/analogy commands answer through (``--index``), else None."""
    if not getattr(args, "index", False):
        return None
    from pretrained.index import build_index

    return build_index(v, None, backend=args.backend, progress=None, **index_params(args))


def build_args(p: argparse.ArgumentParser) -> None:
    vector_args(p)
    index_args(p)
    p.add_argument(
        "--out", type=creatable, help="the .ann file (or a folder) to write; default: the cache, beside the vectors"
    )
    p.add_argument("--on-disk", action="store_true", help="annoy: build in the file rather than in memory (huge sets)")
    p.add_argument("--jobs", type=jobs, default=-1, help="build threads (default -1: all cores)")
    p.add_argument("--recall", type=fraction, help="then tune search_k for this recall@10 and store it (e.g. 0.95)")
    p.add_argument("--force", action="store_true", help="build again even when the index exists")
    json_flag(p)


def run_build(args: argparse.Namespace) -> int:
    from pretrained.index import build_index
    from pretrained.index.backend import backend_class

    params = index_params(args)
    cls = backend_class(args.backend)
    if args.on_disk and not getattr(cls, "builds_on_disk", False):
        raise UsageError(f"--on-disk is annoy's; a {args.backend} index is built in memory")
    v = load(args)
    if not args.quiet and not args.json:
        print(f"indexing {v!r}: {_shown_params(cls, params)}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    index = build_index(
        v,
        args.out,
        backend=args.backend,
        n_jobs=args.jobs,
        on_disk=args.on_disk,
        search_k=args.search_k,
        progress=None,
        force=args.force,
        **params,
    )
    seconds = time.perf_counter() - started
    build = index.sidecar["build"]
    phase = f"{build['n_trees']} trees" if "n_trees" in build else "finish"
    lines = [
        repr(index),
        f"{'reused' if seconds < build['seconds'] / 2 else 'built'} in {seconds:.2f} s "
        f"(build: add {build['add_seconds']:.2f} s + {phase} {build['build_seconds']:.2f} s "
        f"on {build['threads']} threads), {index.path.stat().st_size / 2**20:.1f} MiB",
    ]
    data = {"index": str(index.path), "seconds": round(seconds, 3), "sidecar": index.sidecar}
    if getattr(cls, "verify_after_build", False):
        line, data["verified"] = _verify(index, len(v))
        lines.append(line)
    if args.recall:
        report = index.tune(recall=args.recall, save=True)
        lines.append(f"tuned: {report}")
        data["tune"] = report.as_dict()
    emit(args, data, "\n".join(lines))
    return 0


def _verify(index, rows: int, sample: int = 100) -> Tuple[str, dict]:
    """After a push to a server: the row count it holds, and recall@10 of a sample of neighbours
    against exact search (a count that differs is an error: nothing half-written is reported done)."""
    from pretrained.index import IndexMismatchError

    held = index.backend.describe()["items"]
    if held != rows:
        raise IndexMismatchError(
            f"{index.path}: the collection holds {held} rows, the vectors have {rows}; run the same command again to resume",
            str(index.path),
        )
    report = index.recall(sample=min(sample, rows - 1), k=min(10, rows - 1))
    line = f"verified: {held:,} rows in the collection (= the vectors); recall@{report.k} {report.recall:.3f} on {report.sample} sampled words against exact search"
    return line, {"rows": held, "recall": report.recall, "k": report.k, "sample": report.sample}


def _shown_params(cls, params: dict) -> str:
    """``backend, name value, ...`` for the build parameters in effect (the given ones with the
    backend's defaults; a connection option such as an address or a token is not shown), then the
    backend's build phase in brackets."""
    stored = cls.check_params({k: val for k, val in params.items() if _stored(cls, k)})
    phase = f" ({cls.build_phase})" if getattr(cls, "build_phase", "") else ""
    return ", ".join([cls.name, *(f"{k} {val}" for k, val in stored.items())]) + phase


def _stored(cls, name: str) -> bool:
    """A build parameter (shown); a connection option (an address, a token) is not shown."""
    return any(p.name == name and p.stored for p in cls.parameters)


def check_args(p: argparse.ArgumentParser) -> None:
    vector_args(p)
    index_args(p)
    p.add_argument(
        "--index-path",
        type=existing_file,
        help="the .ann file (default: the cached index with --backend and its parameters)",
    )
    p.add_argument("--sample", type=positive_int, default=1000, help="sampled query words (default 1000)")
    p.add_argument("-k", type=positive_int, default=10, help="recall@k (default 10)")
    p.add_argument(
        "--recall", type=fraction, help="find the smallest search_k reaching this recall (in (0, 1]) instead"
    )
    p.add_argument("--save", action="store_true", help="with --recall: store the tuned search_k in the sidecar")
    json_flag(p)


def run_check(args: argparse.Namespace) -> int:
    from pretrained.index import load_index

    params = index_params(args)
    v = load(args)
    if args.index_path:
        index = load_index(args.index_path, vectors=v)
    else:
        index = load_index(args.source, vectors=v, backend=args.backend, **params)
    if args.recall:
        report = index.tune(recall=args.recall, k=args.k, sample=args.sample, save=args.save)
    else:
        report = index.recall(sample=args.sample, k=args.k, search_k=args.search_k)
    emit(args, {"index": str(index.path), **report.as_dict()}, f"{index!r}\n{report}")
    return 0


COMMANDS = [
    Command(
        "build-index",
        "build a neighbour index (Annoy by default; HNSW; push to Milvus) into the cache unless --out",
        build_args,
        run_build,
    ),
    Command("index-check", "recall@k and speed of an index against exact search", check_args, run_check),
]
