"""Commands that ask the vectors questions: neighbours, analogy, evaluate."""

from __future__ import annotations

import argparse
from typing import Dict, List

from pretrained.cli.indexes import index_for
from pretrained.cli.options import (
    Command,
    backend_arg,
    file_or_dataset,
    index_args,
    json_flag,
    load,
    non_negative_int,
    optional,
    positive_int,
    vector_args,
)
from pretrained.cli.output import emit, table

__all__ = ["COMMANDS"]

METHODS = ("add", "mul")


def _through_index(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--index", action="store_true", help="answer through the cached index (built if missing; see --backend)"
    )
    index_args(p)


def neighbours_args(p: argparse.ArgumentParser) -> None:
    vector_args(p)
    p.add_argument("words", nargs="+", help="query words")
    p.add_argument("-n", "--topn", type=positive_int, default=10, help="how many neighbours (default 10)")
    json_flag(p)
    _through_index(p)


def run_neighbours(args: argparse.Namespace) -> int:
    v = load(args)
    index = index_for(args, v)
    data: Dict[str, List] = {}
    text = []
    for word in args.words:
        if index is not None:
            result = index.most_similar(word, topn=args.topn, search_k=args.search_k)
        else:
            result = v.most_similar(word, topn=args.topn)
        data[word] = [[w, s] for w, s in result]
        text.append(f"{word}:\n{table(result)}")
    emit(args, data, "\n".join(text))
    return 0


def analogy_args(p: argparse.ArgumentParser) -> None:
    vector_args(p)
    p.add_argument("a", help="the first word of the known pair (man in man : king :: woman : ?)")
    p.add_argument("b", help="its partner (king)")
    p.add_argument("c", help="the word whose partner is asked for (woman); the answer is b - a + c (queen)")
    p.add_argument("-n", "--topn", type=positive_int, default=1, help="how many answers (default 1)")
    p.add_argument("--method", choices=METHODS, default="add", help="3CosAdd (default) or 3CosMul")
    json_flag(p)
    _through_index(p)


def run_analogy(args: argparse.Namespace) -> int:
    v = load(args)
    index = index_for(args, v)
    if index is not None:
        result = index.analogy(args.a, args.b, args.c, topn=args.topn, method=args.method, search_k=args.search_k)
    else:
        result = v.analogy(args.a, args.b, args.c, topn=args.topn, method=args.method)
    data = {"question": [args.a, args.b, args.c], "method": args.method, "answers": [[w, s] for w, s in result]}
    emit(args, data, f"{args.a} : {args.b} :: {args.c} : ?\n{table(result)}")
    return 0


# ---------------------------------------------------------------------------- evaluate


def evaluate_args(p: argparse.ArgumentParser) -> None:
    vector_args(p)
    p.add_argument(
        "--analogies",
        type=file_or_dataset,
        help="analogy file (default: Google's questions-words.txt shipped with gensim)",
    )
    p.add_argument(
        "--pairs",
        nargs="+",
        type=file_or_dataset,
        metavar="FILE",
        help="word-pair files (default: wordsim353 simlex999)",
    )
    p.add_argument(
        "--restrict-vocab",
        type=non_negative_int,
        default=300000,
        help="only the first N words (default 300000; 0 = all)",
    )
    p.add_argument("--method", choices=METHODS, default="add", help="3CosAdd (default) or 3CosMul")
    p.add_argument(
        "--index", action="store_true", help="also answer through the approximate neighbour index, side by side"
    )
    backend_arg(p)
    p.add_argument(
        "--search-k",
        type=positive_int,
        help="with --index: the search effort per query (annoy's nodes, hnsw's ef, ...; more = exacter, slower)",
    )
    json_flag(p)


def _load_index(v, backend: str = "annoy"):
    """The neighbour index of ``v`` (``Vectors.index()``), or a clear error when index support
    is not available in this installation."""
    from pretrained.evaluate import IndexUnavailableError

    make = getattr(v, "index", None)
    if make is None:
        raise IndexUnavailableError(
            "--index needs neighbour-index support (Vectors.index()), which this installation lacks"
        )
    try:
        return make(backend=backend)
    except ImportError as exc:
        raise IndexUnavailableError(f"--index: the neighbour index is not available: {exc}") from exc


def _side_by_side(v, exact, approx) -> List[str]:
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
    return text


def _pairs(v, files: List[str], restrict):
    from pretrained.errors import PretrainedError
    from pretrained.evaluate import evaluate_pairs

    results = []
    for name in files:
        try:
            results.append(evaluate_pairs(v, name, restrict_vocab=restrict))
        except PretrainedError:
            raise
        except ValueError as exc:  # e.g. scipy's "`x` and `y` must have length at least 2": too few pairs found
            raise ValueError(f"word pairs {name}, scored with {v.name or 'these vectors'}: {exc}") from exc
    return results


def run_evaluate(args: argparse.Namespace) -> int:
    from pretrained.evaluate import evaluate_analogies

    v = load(args)
    restrict = optional(args.restrict_vocab)
    index = _load_index(v, args.backend) if args.index else None  # fail early, before the exact run
    exact = evaluate_analogies(v, args.analogies, restrict_vocab=restrict, method=args.method)
    approx = None
    if index is not None:
        approx = evaluate_analogies(
            v, args.analogies, restrict_vocab=restrict, method=args.method, index=index, search_k=args.search_k
        )
    pairs = _pairs(v, args.pairs if args.pairs is not None else ["wordsim353", "simlex999"], restrict)
    data = {"name": v.name, "analogies": exact.to_dict(), "pairs": [p.to_dict() for p in pairs]}
    if approx is None:
        text = [f"{v!r}\nanalogies ({exact.path}):", repr(exact)]
    else:
        data["analogies_index"] = approx.to_dict()
        text = _side_by_side(v, exact, approx)
    text.append("word pairs:")
    text.extend(repr(p) for p in pairs)
    emit(args, data, "\n".join(text))
    return 0


COMMANDS = [
    Command(
        "neighbours", "nearest words by cosine similarity", neighbours_args, run_neighbours, aliases=("neighbors",)
    ),
    Command("analogy", "a : b :: c : ?  (man king woman -> queen)", analogy_args, run_analogy),
    Command("evaluate", "analogy accuracy and word-pair correlation (gensim's rules)", evaluate_args, run_evaluate),
]
