"""``pretrained.train``: word2vec or fastText vectors trained with gensim on your own corpus, saved
into the cache under a name (:func:`pretrained.save`) and returned memory-mapped.

A corpus is a text file (one sentence a line, lines ended by ``"\\n"`` only; ``.gz``, ``.bz2``,
``.xz`` or a ``.zip`` too) split by the documented
default tokenizer of :func:`pretrained.embed` (:func:`pretrained.interop.texts.tokenize`), or an iterable
of token lists (strings in it are tokenised the same way). With ``workers=1`` and a ``seed`` two
runs give bit-identical vectors (gensim's threads otherwise race by design).
"""

from __future__ import annotations

import codecs
import logging
import numbers
import os
import time
import zlib
from pathlib import Path
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from pretrained import config, optional
from pretrained.core.vectors import Vectors
from pretrained.errors import (
    ArgumentError,
    CorpusError,
    FormatDecodeError,
)
from pretrained.interop.texts import tokenize

__all__ = ["train", "METHODS", "CorpusError"]

logger = logging.getLogger(__name__)

METHODS = ("word2vec", "fasttext")
PathLike = Union[str, "os.PathLike[str]"]
_CHUNK = 1 << 20  # bytes read from a corpus file at a time


def _stable_hash(text: str) -> int:
    """gensim's per-word seeding hash, independent of ``PYTHONHASHSEED`` (Python's ``hash`` is not)."""
    return zlib.crc32(text.encode("utf-8"))


class _LineCorpus:
    """A text file, one sentence a line (ended by ``"\\n"`` only), re-read on every pass (gensim makes epochs + 1
    passes); plain, ``.gz``, ``.bz2``, ``.xz`` or a one-file ``.zip``, opened as
    :func:`pretrained.load` opens a vector file. A line that is not valid in ``encoding`` is an
    error naming it; a cut-short compressed file a :class:`~pretrained.errors.TruncatedFileError`."""

    def __init__(self, path: Path, encoding: str = "utf-8"):
        self.path = path
        self.encoding = encoding

    def _blocks(self) -> Iterator[Tuple[int, bytes]]:
        """Runs of whole lines as bytes, each with the number of its first line."""
        from pretrained.formats.sources import open_source

        number, rest = 1, b""
        if self.path.stat().st_size == 0:
            return
        with open_source(self.path, hash=False) as source:
            while True:
                chunk = source.stream.read(_CHUNK)
                if not chunk:
                    break
                data = rest + chunk
                cut = data.rfind(b"\n") + 1
                if cut:
                    yield number, data[:cut]
                    number += data.count(b"\n", 0, cut)
                rest = data[cut:]
        if rest:
            yield number, rest

    def _decode(self, number: int, block: bytes) -> str:
        try:
            return block.decode(self.encoding)
        except UnicodeDecodeError as exc:
            line = number + block.count(b"\n", 0, exc.start)
            begin = block.rfind(b"\n", 0, exc.start) + 1
            raise FormatDecodeError(
                f"not valid {self.encoding} ({exc.reason} at byte {exc.start - begin} of the line: "
                f"{block[max(begin, exc.start - 20) : exc.start + 20]!r}); pass the file's encoding, e.g. "
                "encoding='latin-1' (CLI: --encoding latin-1)",
                str(self.path),
                line,
                object=exc.object,
                start=exc.start,
                end=exc.end,
                reason=exc.reason,
                encoding=self.encoding,
            ) from None

    def __iter__(self) -> Iterator[List[str]]:
        for number, block in self._blocks():
            for line in self._decode(number, block).split("\n"):
                tokens = tokenize(line)
                if tokens:
                    yield tokens


class _Tokenised:
    """An in-memory corpus of token lists (strings tokenised), iterable many times."""

    def __init__(self, items: Iterable[Union[str, Sequence[str]]]):
        self.sentences: List[List[str]] = []
        for i, item in enumerate(items):
            if isinstance(item, str):
                tokens = tokenize(item)
            elif isinstance(item, (list, tuple)) and all(isinstance(t, str) for t in item):
                tokens = list(item)
            else:
                raise TypeError(
                    f"corpus item {i} is {type(item).__name__}: a corpus is a file path or an iterable of token lists"
                )
            if tokens:
                self.sentences.append(tokens)

    def __iter__(self) -> Iterator[List[str]]:
        return iter(self.sentences)


def _corpus(corpus: Any, encoding: str = "utf-8") -> Any:
    if isinstance(corpus, (str, os.PathLike)):
        path = config.user_path(os.fspath(corpus))
        if not path.is_file():
            raise FileNotFoundError(f"no corpus file at {path}")
        return _LineCorpus(path, encoding)
    if isinstance(corpus, bytes):
        raise TypeError("a corpus is a file path or an iterable of token lists, not bytes")
    try:
        iter(corpus)
    except TypeError:
        raise TypeError(f"a corpus is a file path or an iterable of token lists, not {type(corpus).__name__}") from None
    return _Tokenised(corpus)


def _whole(label: str, value: Any, low: int = 1) -> int:
    """``value`` as an int when it is a whole number >= ``low`` (a numpy integer too)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentError(f"{label} must be a whole number >= {low}, got {type(value).__name__}: {value!r}")
    if value < low:
        raise ArgumentError(f"{label} must be a whole number >= {low}, got {value!r}")
    return int(value)


def _check(
    method: str, dim: Any, window: Any, min_count: Any, epochs: Any, workers: Any, encoding: str = "utf-8"
) -> tuple[int, int, int, int, Optional[int]]:
    """The numeric options as plain ints (numpy integers accepted), or a clear error."""
    if method not in METHODS:
        raise ArgumentError(f"method must be one of {', '.join(map(repr, METHODS))}, got {method!r}")
    try:
        codecs.lookup(encoding)
        ascii_lines = "a\nb".encode(encoding).endswith(b"a\nb")  # utf-8-sig adds a BOM first
    except (LookupError, TypeError):
        raise ArgumentError(
            f"encoding={encoding!r} is not a text encoding Python knows (e.g. 'utf-8', 'latin-1', 'cp1252')"
        ) from None
    if not ascii_lines:
        raise ArgumentError(
            f"encoding={encoding!r} does not write a line break as the byte \\n (UTF-16 or UTF-32?): convert the corpus to UTF-8 first"
        )
    return (
        _whole("dim", dim),
        _whole("window", window),
        _whole("min_count", min_count),
        _whole("epochs", epochs),
        None if workers is None else _whole("workers", workers),
    )


def _epoch_callback(bar: Any, epochs: int) -> Any:
    CallbackAny2Vec = optional.require("gensim.models.callbacks").CallbackAny2Vec

    class EpochBar(CallbackAny2Vec):  # type: ignore[misc,valid-type]  # gensim is untyped
        def __init__(self) -> None:
            self.epoch, self.started = 0, time.perf_counter()

        def on_epoch_end(self, model: Any) -> None:
            self.epoch += 1
            bar.update(1)
            logger.info("epoch %d of %d done (%.1f s)", self.epoch, epochs, time.perf_counter() - self.started)

    return EpochBar()


def train(
    corpus: Union[PathLike, Iterable[Sequence[str]]],
    name: Optional[str],
    *,
    method: str = "word2vec",
    encoding: str = "utf-8",
    dim: int = 100,
    window: int = 5,
    min_count: int = 5,
    epochs: int = 5,
    seed: int = 0,
    workers: Optional[int] = None,
    cache_dir: Optional[PathLike] = None,
    progress: Optional[bool] = None,
    overwrite: bool = False,
    data_dir: Optional[PathLike] = None,
    **options: Any,
) -> Vectors:
    """Train word vectors with gensim and save them as ``name`` (see :func:`pretrained.save`).

    Parameters
    ----------
    corpus
        A text file (one sentence a line; ``.gz``, ``.bz2``, ``.xz`` or a one-file ``.zip`` too,
        read as :func:`pretrained.load` reads them) or an iterable of token lists.
    name
        The saved set's name (then ``pretrained.load(name)`` in any process); None: not saved.
    method
        ``"word2vec"`` or ``"fasttext"`` (the whole-word vectors are kept).
    encoding
        The corpus file's text encoding (default UTF-8); a line not valid in it is a
        :class:`~pretrained.errors.FormatDecodeError` naming the line, never decoded with
        replacement characters.
    dim, window, min_count, epochs, seed
        gensim's ``vector_size``, ``window``, ``min_count``, ``epochs`` and ``seed``.
    workers
        Training threads (default: every core, at most 4); ``1`` makes runs reproducible.
    progress
        A bar over the epochs (default: when standard error is a terminal).
    overwrite
        Replace a saved set of that name (one atomic swap, after training).
    data_dir
        The data folder whose ``sets/`` holds saved sets (default ``$PRETRAINED_DATA``); see :func:`pretrained.save`.
    **options
        Passed to gensim (``sg=1`` for skip-gram, ``negative``, ``sample``...).

    Examples
    --------
    >>> from gensim.test.utils import datapath                                    # doctest: +SKIP
    >>> v = pretrained.train(datapath("lee_background.cor"), "lee", min_count=2)  # doctest: +SKIP
    """
    dim, window, min_count, epochs, workers = _check(method, dim, window, min_count, epochs, workers, encoding)
    seed = _whole("seed", seed, 0)
    from pretrained import progress as progress_bars
    from pretrained.interop import saving

    if name is not None:  # name, folder, free space and options: refused before any epoch, not after
        saving.precheck(name, data_dir=data_dir, cache_dir=cache_dir, overwrite=overwrite, options=options)
    sentences = _corpus(corpus, encoding)
    model = _build(method, dim, window, min_count, seed, workers, options)
    started = time.perf_counter()
    model.build_vocab(corpus_iterable=sentences)
    where = f"the corpus {sentences.path}" if isinstance(sentences, _LineCorpus) else "the corpus"
    if model.corpus_count == 0:
        raise CorpusError(f"{where} holds no sentences (no line with a word in it)")
    if len(model.wv) == 0:
        raise CorpusError(f"no word of {where} occurs min_count={min_count} times; lower min_count")
    with progress_bars.bar(epochs, f"training {method}", unit="epoch", enabled=progress) as bar:
        model.train(
            corpus_iterable=sentences,
            total_examples=model.corpus_count,
            epochs=epochs,
            callbacks=[_epoch_callback(bar, epochs)],
        )
    seconds = time.perf_counter() - started
    logger.info(
        "trained %s: %d words x %d dims on %d sentences in %.1f s",
        method,
        len(model.wv),
        dim,
        model.corpus_count,
        seconds,
    )
    from pretrained.interop.bring import from_gensim

    v = from_gensim(model.wv, name=name)
    v.meta["source"] = _source(method, corpus, sentences, model, seconds, locals())
    if name is None:
        return v
    return saving.load_saved(saving.save(v, name, data_dir=data_dir, cache_dir=cache_dir, overwrite=overwrite))


def _build(
    method: str, dim: int, window: int, min_count: int, seed: int, workers: Optional[int], options: dict[str, Any]
) -> Any:
    models = optional.require("gensim.models")
    FastText, Word2Vec = models.FastText, models.Word2Vec

    cls = Word2Vec if method == "word2vec" else FastText
    threads = workers if workers is not None else min(4, os.cpu_count() or 1)
    try:
        return cls(
            vector_size=dim,
            window=window,
            min_count=min_count,
            seed=seed,
            workers=threads,
            hashfxn=_stable_hash,
            **options,
        )
    except TypeError as exc:
        raise ValueError(f"an option gensim's {cls.__name__} does not take: {exc}") from None


def _source(
    method: str, corpus: Any, sentences: Any, model: Any, seconds: float, args: dict[str, Any]
) -> dict[str, Any]:
    gensim = optional.require("gensim")

    return {
        "kind": "trained",
        "method": method,
        "corpus": str(sentences.path.resolve())
        if isinstance(sentences, _LineCorpus)
        else f"{type(corpus).__name__} of token lists",
        "sentences": int(model.corpus_count),
        "words_seen": int(model.corpus_total_words),
        "parameters": {k: args[k] for k in ("dim", "window", "min_count", "epochs", "seed", "workers")}
        | {"options": args["options"]},
        "gensim": gensim.__version__,
        "seconds": round(seconds, 2),
    }
