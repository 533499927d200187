"""Commands that write files: matrix, plot, export-projector, export."""

from __future__ import annotations

import argparse
import time

from pretrained.cli.options import (
    FORMATS,
    SOURCE_HELP,
    WRITABLE_FORMATS,
    Command,
    UsageError,
    cache_dir_arg,
    existing_file,
    json_flag,
    load,
    non_negative_int,
    output_file,
    output_folder,
    positive_int,
    vector_args,
)
from pretrained.cli.output import emit

__all__ = ["COMMANDS", "save_npy"]

PICTURES = (".png", ".svg", ".pdf")
EXPORT_FORMATS = WRITABLE_FORMATS  # glove, word2vec, word2vec-text and any registered format that writes


def save_npy(path: str, array) -> None:
    """Write ``array`` to ``path`` as ``.npy`` (no pickles), atomically."""
    import numpy as np

    from pretrained.cache.atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)


# ---------------------------------------------------------------------------- matrix


def matrix_args(p: argparse.ArgumentParser) -> None:
    vector_args(p)
    p.add_argument(
        "--vocab", required=True, type=existing_file, help="vocabulary file: UTF-8, one token a line, row i = line i+1"
    )
    p.add_argument(
        "--out",
        type=output_file((".npy",)),
        help="write the float32 matrix here (.npy); without it only the coverage is printed",
    )
    p.add_argument(
        "--oov",
        choices=["zeros", "random", "mean", "subword"],
        default="zeros",
        help="rows of missing tokens (default zeros; subword: fastText's n-gram vector, for a fastText .bin)",
    )
    p.add_argument("--seed", type=non_negative_int, help="seed of --oov random")
    p.add_argument("--num-words", type=positive_int, help="keep rows below N (Keras Tokenizer num_words)")
    p.add_argument(
        "--oov-token", default="[UNK]", help="the OOV token, not counted as missing (default [UNK]; '' for none)"
    )
    p.add_argument("--no-lowercase", action="store_true", help="no lowercase fallback for missing tokens")
    p.add_argument("--top", type=non_negative_int, default=20, help="how many missing tokens to name (default 20)")
    json_flag(p)


def run_matrix(args: argparse.Namespace) -> int:
    from pretrained.interop.matrix import embedding_matrix

    v = load(args)
    matrix, report = embedding_matrix(
        v,
        args.vocab,
        oov=args.oov,
        seed=args.seed,
        lowercase=not args.no_lowercase,
        num_words=args.num_words,
        oov_token=args.oov_token or None,
        top_missing=args.top,
        return_report=True,
    )
    if args.out:
        save_npy(args.out, matrix)
    data = {
        "vectors": v.name,
        "vocabulary": args.vocab,
        "out": args.out,
        "shape": list(matrix.shape),
        "coverage": report.as_dict(),
    }
    text = f"{v.name}, vocabulary {args.vocab}: {report}"
    if args.out:
        text += f"\nwrote {args.out} (float32, {matrix.shape[0]:,} x {matrix.shape[1]})"
    emit(args, data, text)
    return 0


# ---------------------------------------------------------------------------- plot and projector


def _method_arg(p: argparse.ArgumentParser) -> None:
    """``--method``: the projection of the map and of the explorer page."""
    p.add_argument(
        "--method",
        choices=["pca", "tsne", "umap"],
        default="pca",
        help="projection (default pca; tsne/umap need an extra)",
    )


def plot_args(p: argparse.ArgumentParser) -> None:
    vector_args(p)
    p.add_argument("words", nargs="+", help="words to place on the map")
    p.add_argument(
        "-k",
        "--neighbours",
        "--neighbors",
        type=non_negative_int,
        default=0,
        help="also show each word's K nearest words",
    )
    _method_arg(p)
    p.add_argument("--out", required=True, type=output_file(PICTURES), help="picture to write (.png, .svg or .pdf)")
    p.add_argument("--dpi", type=positive_int, default=120, help="resolution of a PNG (default 120)")


def run_plot(args: argparse.Namespace) -> int:
    from pretrained.viz.plot import save_map

    v = load(args)
    path = save_map(v, args.words, args.out, neighbours=args.neighbours, dpi=args.dpi, method=args.method)
    print(f"wrote {path}")
    return 0


# ---------------------------------------------------------------------------- explore


def groups_arg(text: str) -> str:
    """``kmeans``/``kmeans:K``, or an existing ``word<TAB>group`` file."""
    if text.lower().startswith("kmeans"):
        return text
    return existing_file(text)


def explore_args(p: argparse.ArgumentParser) -> None:
    vector_args(p)
    p.add_argument(
        "words", nargs="*", metavar="WORD", help="words to show with their nearest words in the whole vocabulary"
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--words",
        dest="words_n",
        type=positive_int,
        metavar="N",
        help="also the first N words (default 5000 when no WORD)",
    )
    group.add_argument(
        "--vocab",
        type=existing_file,
        help="also the words of this file, one a line (unknown ones are listed and left out)",
    )
    p.add_argument(
        "-k",
        "--neighbours",
        "--neighbors",
        type=positive_int,
        default=10,
        help="neighbours listed per word (default 10)",
    )
    _method_arg(p)
    p.add_argument(
        "--groups", type=groups_arg, help="colours: a word<TAB>group file, or kmeans / kmeans:K for K clusters"
    )
    p.add_argument(
        "--max-points", type=positive_int, help="raise the cap on points (100000 for pca, 20000 for tsne/umap)"
    )
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of t-SNE, UMAP and k-means (default 0)")
    p.add_argument("--no-analogy", action="store_true", help="leave the vectors (and the analogy box) out of the page")
    p.add_argument("--out", required=True, type=output_file((".html", ".htm")), help="the page to write (.html)")


def run_explore(args: argparse.Namespace) -> int:
    from pretrained.viz.explore import explore

    v = load(args)
    page = explore(
        v,
        args.words or None,
        vocab=args.vocab or args.words_n,
        path=args.out,
        method=args.method,
        neighbours=args.neighbours,
        groups=args.groups,
        analogy=False if args.no_analogy else None,
        max_points=args.max_points,
        seed=args.seed,
    )
    print(
        f"wrote {page.path}: {page.count:,} points ({page.method}), {page.size / 2**20:.1f} MiB; open it in a browser"
    )
    if page.missing:
        shown = ", ".join(page.missing[:10]) + (" ..." if len(page.missing) > 10 else "")
        print(f"{len(page.missing)} words not in {v.name or 'the vectors'} were left out: {shown}")
    return 0


def projector_args(p: argparse.ArgumentParser) -> None:
    vector_args(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--words", type=positive_int, default=10000, help="the first N words (default 10000)")
    group.add_argument(
        "--vocab", type=existing_file, help="a file of words to export, one per line (blank lines skipped)"
    )
    p.add_argument(
        "--out", required=True, type=output_folder, help="folder to write the two files into (created if needed)"
    )


def run_projector(args: argparse.Namespace) -> int:
    from pretrained.interop.matrix import read_vocabulary
    from pretrained.viz.projector_export import export_projector

    v = load(args)
    words = read_vocabulary(args.vocab, strip=True) if args.vocab else args.words
    out = export_projector(v, args.out, words=words)
    print(f"wrote {out.count} words: {out.vectors} and {out.metadata}")
    if out.missing:
        shown = ", ".join(out.missing[:10]) + (" ..." if len(out.missing) > 10 else "")
        print(f"{len(out.missing)} words not in {v.name or 'the vectors'} were left out: {shown}")
    print("open https://projector.tensorflow.org/ and load both files")
    return 0


# ---------------------------------------------------------------------------- export


def export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", help=SOURCE_HELP)
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS, help="output format")
    p.add_argument("--out", required=True, type=output_file(), help="file to write (.gz or .bz2 to compress)")
    p.add_argument("--limit", type=positive_int, help="only the first N words")
    p.add_argument(
        "--precision",
        type=positive_int,
        help="significant digits in text formats (compact but lossy; default: exact float32)",
    )
    p.add_argument(
        "--input-format",
        choices=FORMATS,
        metavar="FORMAT",
        help="format of SOURCE when it is a file (detected when omitted)",
    )
    p.add_argument("--member", help="file inside a .zip archive")
    cache_dir_arg(p)


def run_export(args: argparse.Namespace) -> int:
    from pretrained import loading as api
    from pretrained.formats.writers import write_vectors

    if args.precision is not None and args.format == "word2vec":
        raise UsageError("--precision is for the text formats (glove, word2vec-text); word2vec binary is always exact")
    v = api.load(args.source, format=args.input_format, member=args.member, cache_dir=args.cache_dir)
    n = len(v) if args.limit is None else min(args.limit, len(v))
    started = time.perf_counter()
    write_vectors(args.out, v.index_to_key[:n], v.vectors[:n], format=args.format, precision=args.precision)
    print(f"wrote {n:,} words x {v.dim} dims as {args.format} to {args.out} ({time.perf_counter() - started:.2f} s)")
    return 0


COMMANDS = [
    Command(
        "matrix", "embedding-layer weight matrix for a vocabulary file, with its coverage", matrix_args, run_matrix
    ),
    Command(
        "plot",
        "a labelled 2-D map (PCA, t-SNE or UMAP) of words and their neighbours, as a picture",
        plot_args,
        run_plot,
    ),
    Command(
        "explore",
        "an interactive map (one offline HTML page): search, neighbours, analogies, groups",
        explore_args,
        run_explore,
    ),
    Command(
        "export-projector",
        "vectors.tsv + metadata.tsv for the TensorFlow Embedding Projector",
        projector_args,
        run_projector,
    ),
    Command("export", "write vectors out as GloVe text, word2vec binary or word2vec text", export_args, run_export),
]
