"""Commands for your own embeddings: train, compare, embed."""

from __future__ import annotations

import argparse
import time
from typing import List

from pretrained.cli.exports import save_npy
from pretrained.cli.options import (
    Command,
    cache_dir_arg,
    existing_file,
    json_flag,
    non_negative_int,
    output_file,
    positive_int,
)
from pretrained.cli.output import emit

__all__ = ["COMMANDS"]


# ---------------------------------------------------------------------------- train


def train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "corpus",
        type=existing_file,
        help="text file, one sentence a line (.gz/.bz2/.xz/.zip too), split by the default tokenizer",
    )
    p.add_argument(
        "--encoding", default="utf-8", help="the corpus file's text encoding (default utf-8; e.g. latin-1, cp1252)"
    )
    p.add_argument("--name", required=True, help="name to save it under (then: pretrained neighbours NAME WORD)")
    p.add_argument("--method", choices=["word2vec", "fasttext"], default="word2vec", help="default word2vec")
    p.add_argument("--dim", type=positive_int, default=100, help="dimensions (default 100)")
    p.add_argument("--window", type=positive_int, default=5, help="context window (default 5)")
    p.add_argument("--min-count", type=positive_int, default=5, help="ignore words rarer than this (default 5)")
    p.add_argument("--epochs", type=positive_int, default=5, help="passes over the corpus (default 5)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    p.add_argument("--workers", type=positive_int, help="training threads (1 = reproducible; default up to 4)")
    p.add_argument("--overwrite", action="store_true", help="replace a saved set of that name")
    cache_dir_arg(p)
    json_flag(p)


def run_train(args: argparse.Namespace) -> int:
    from pretrained.interop.train import train

    started = time.perf_counter()
    v = train(
        args.corpus,
        args.name,
        method=args.method,
        dim=args.dim,
        window=args.window,
        min_count=args.min_count,
        epochs=args.epochs,
        seed=args.seed,
        workers=args.workers,
        cache_dir=args.cache_dir,
        overwrite=args.overwrite,
        encoding=args.encoding,
    )
    seconds = time.perf_counter() - started
    data = {
        "name": args.name,
        "entry": v.path,
        "count": len(v),
        "dim": v.dim,
        "seconds": round(seconds, 2),
        "source": v.meta.get("source"),
    }
    emit(
        args,
        data,
        f"{v!r} trained in {seconds:.1f} s, saved at {v.path}\nuse it: pretrained neighbours {args.name} WORD",
    )
    return 0


# ---------------------------------------------------------------------------- compare


def compare_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", help="catalogue name, saved name or vector file")
    p.add_argument("b", help="catalogue name, saved name or vector file")
    p.add_argument("--words", nargs="+", metavar="W", help="also show these words' drift and neighbours side by side")
    p.add_argument("--top", type=positive_int, default=10, help="neighbours per word (default 10)")
    p.add_argument("--movers", type=positive_int, default=10, help="how many most-moved words to list (default 10)")
    p.add_argument("--no-align", action="store_true", help="compare raw vectors (no rotation)")
    cache_dir_arg(p)
    json_flag(p)


def run_compare(args: argparse.Namespace) -> int:
    from pretrained import loading as api
    from pretrained.interop.compare import compare

    a = api.load(args.a, cache_dir=args.cache_dir)
    b = api.load(args.b, cache_dir=args.cache_dir)
    result = compare(a, b, align=not args.no_align, topn=args.top)
    data = result.as_dict(args.movers)
    text = [result.table(args.movers)]
    data["words"] = {}
    for word in args.words or []:
        rows = result.neighbours(word)
        data["words"][word] = {"drift": result.drift(word), "neighbours": [[list(x), list(y)] for x, y in rows]}
        text.append(f"\n{word}: drift {result.drift(word):.4f}")
        text.append(f"  {a.name or args.a:<28}{b.name or args.b}")
        text += [f"  {x[0][:18]:<18}{x[1]:>8.4f}  {y[0][:18]:<18}{y[1]:>8.4f}" for x, y in rows]
    emit(args, data, "\n".join(text))
    return 0


# ---------------------------------------------------------------------------- embed


def embed_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="catalogue name, saved name or vector file")
    p.add_argument("file", type=existing_file, help="UTF-8 text file, one text a line (only \\n ends a line)")
    p.add_argument(
        "--out", required=True, type=output_file((".npy",)), help="the .npy file to write (float32, one row a line)"
    )
    p.add_argument("--pooling", choices=["mean", "sum", "max"], default="mean", help="default mean")
    p.add_argument("--no-lowercase", action="store_true", help="do not lower-case the texts")
    cache_dir_arg(p)
    json_flag(p)


def read_texts(path: str) -> List[str]:
    """The texts of a UTF-8 file, one a line: only ``\\n`` ends a line (with a ``\\r`` before it
    dropped), so U+2028, ``\\x85``, ``\\x0b``, ``\\x1c`` or a lone ``\\r`` inside a text (which
    ``str.splitlines`` would break at) never add rows misaligned with the user's labels."""
    from pretrained.errors import FormatError

    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(f"not valid utf-8 ({exc.reason}); save the file as UTF-8", path, line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the newline ending the last line
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def run_embed(args: argparse.Namespace) -> int:
    from pretrained import loading as api
    from pretrained.interop.texts import embed

    texts = read_texts(args.file)
    v = api.load(args.name, cache_dir=args.cache_dir)
    started = time.perf_counter()
    matrix = embed(v, texts, pooling=args.pooling, lowercase=not args.no_lowercase)
    seconds = time.perf_counter() - started
    save_npy(args.out, matrix)
    empty = int((~matrix.any(axis=1)).sum())
    data = {
        "vectors": v.name,
        "texts": len(texts),
        "out": args.out,
        "shape": list(matrix.shape),
        "without_known_words": empty,
        "seconds": round(seconds, 3),
    }
    emit(
        args,
        data,
        f"wrote {args.out}: {len(texts):,} texts x {matrix.shape[1]} (float32, {args.pooling} of {v.name}) in {seconds:.2f} s; {empty:,} texts had no known word (zero rows)",
    )
    return 0


COMMANDS = [
    Command(
        "train", "train word2vec or fastText on your corpus (gensim) and save it under a name", train_args, run_train
    ),
    Command(
        "compare",
        "which words moved between two vector sets (aligned by orthogonal Procrustes)",
        compare_args,
        run_compare,
    ),
    Command("embed", "one vector per text line (mean of its known words) into a .npy file", embed_args, run_embed),
]
