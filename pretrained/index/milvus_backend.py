"""The Milvus backend: the unit rows pushed into a Milvus collection, searched by inner product
(= cosine) through the ``pymilvus`` client, for sets or query loads one machine does not serve.

Where the collection lives: by default an embedded Milvus Lite database beside the index file in
the cache (``<stem>.db``, nothing to start); ``uri=`` (or ``$PRETRAINED_MILVUS_URI``) names a
Milvus server or cluster instead, ``token=`` (or ``$PRETRAINED_MILVUS_TOKEN``) its credentials.
The token is a connection option: it is never stored, logged or shown.

One collection per vector set and build parameters, named from the set's identity (the sha256 of
its float32 rows) and a hash of the parameters, so two sets never share one; the collection also
records that identity in its properties and a collection holding other vectors is refused. Fields:
``id`` (INT64 primary key, the row), ``word`` (VARCHAR, the label), ``vector`` (FLOAT_VECTOR).

The index file itself (``<stem>.milvus``) is a small JSON locator (collection, server address
without credentials, dim, rows) with the usual sidecar beside it, so loading checks identity,
dim and count as for Annoy and HNSW. Pushing is resumable: rows are upserted by id in batches,
and a rerun after a kill continues from the rows already in the collection.

Index types (``index_type``): ``HNSW`` (default; effort ``ef``), ``HNSW_SQ``, ``IVF_FLAT`` and
``IVF_SQ8`` (effort ``nprobe``), ``FLAT`` (exact) in Milvus Lite; a server adds ``DISKANN``,
``IVF_PQ``, ``SCANN``, ``AUTOINDEX`` and more, refused up front on Milvus Lite.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from pretrained.cache import atomic
from pretrained.core import scoring
from pretrained.errors import IndexServiceError, MissingDependencyError
from pretrained.index.backend import Backend, Param, declared_params, register
from pretrained.index.sidecar import IndexMismatchError

__all__ = ["MilvusBackend", "collection_name", "resolve_uri", "DEFAULT_INDEX_TYPE", "LITE_INDEX_TYPES"]

logger = logging.getLogger(__name__)

DEFAULT_INDEX_TYPE = "HNSW"
LITE_INDEX_TYPES = ("HNSW", "HNSW_SQ", "IVF_FLAT", "IVF_SQ8", "FLAT")
"""What Milvus Lite builds (milvus-lite 3.2: HNSW, HNSW_SQ, IVF_FLAT, IVF_SQ8, brute force)."""
SERVER_INDEX_TYPES = (
    *LITE_INDEX_TYPES,
    "DISKANN",
    "IVF_PQ",
    "IVF_RABITQ",
    "SCANN",
    "AUTOINDEX",
    "GPU_CAGRA",
    "GPU_IVF_FLAT",
    "GPU_IVF_PQ",
)
DEFAULT_M = 16
DEFAULT_EF_CONSTRUCTION = 200
DEFAULT_EF = 80
DEFAULT_NLIST = 1024
DEFAULT_NPROBE = 16
BATCH_ROWS = 5000
"""Rows per upsert call (a few MB per request at 300 dimensions)."""
MAX_LABEL_BYTES = 65535
MAX_EF = 32768
MAX_TOPK = 16384
"""Milvus's largest ``limit`` per search."""
TIMEOUT = 10.0
"""Seconds to wait for a server before giving up (an unreachable one fails fast, not after retries)."""
URI_ENV = "PRETRAINED_MILVUS_URI"
TOKEN_ENV = "PRETRAINED_MILVUS_TOKEN"
IDENTITY_KEY = "pretrained.vectors_sha256"


def _pymilvus():
    try:
        import pymilvus
    except ImportError as exc:
        raise MissingDependencyError("pymilvus", "milvus") from exc
    return pymilvus


def _index_type(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"{name} must be a Milvus index type such as 'HNSW' or 'IVF_FLAT', got {value!r}")
    kind = value.strip().upper()
    if kind not in SERVER_INDEX_TYPES:
        raise ValueError(f"{name} {value!r} is not a Milvus index type we know; known: {', '.join(SERVER_INDEX_TYPES)}")
    return kind


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty string")
    return value


def _hnsw(kind: str) -> bool:
    return kind.startswith("HNSW")


def _ivf(kind: str) -> bool:
    return kind.startswith("IVF") or kind.startswith("GPU_IVF")


def shown_uri(uri: str) -> str:
    """``uri`` without a password or user (``http://user:pw@host`` -> ``http://host``)."""
    parts = urlsplit(uri)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return uri


def resolve_uri(
    options: Mapping[str, Any], index_file: Optional[Path], stored: Optional[str] = None
) -> Tuple[str, bool]:
    """The address to use and whether it is the embedded Milvus Lite: ``uri=``, else
    ``$PRETRAINED_MILVUS_URI``, else the server the index was pushed to, else the Lite database
    beside ``index_file``."""
    uri = options.get("uri") or os.environ.get(URI_ENV) or stored
    if not uri:
        if index_file is None:
            raise ValueError(
                "a Milvus index needs uri= (a server) or an index file beside which Milvus Lite keeps its database"
            )
        uri = os.fspath(Path(index_file).with_suffix(".db"))
    return uri, not uri.startswith(("http://", "https://", "tcp://", "grpc://", "unix:"))


def collection_name(identity: str, params: Mapping[str, Any]) -> str:
    """``pretrained_<16 hex of the vectors' sha256>_<8 hex of the parameters>``."""
    digest = identity.split(":", 1)[-1]
    key = hashlib.sha256(json.dumps(dict(params), sort_keys=True).encode()).hexdigest()
    return f"pretrained_{digest[:16]}_{key[:8]}"


_CLIENTS: Dict[Tuple[str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def _scrub(text: str, token: Optional[str]) -> str:
    return text.replace(token, "***") if token else text


def connect(uri: str, token: Optional[str], lite: bool) -> Any:
    """A client for ``uri`` (one per address and token in this process), or
    :class:`IndexServiceError` saying what went wrong (without the token)."""
    token = token if token is not None else os.environ.get(TOKEN_ENV)
    key = (uri, hashlib.sha256((token or "").encode()).hexdigest())
    with _CLIENTS_LOCK:
        if key in _CLIENTS:
            return _CLIENTS[key]
        pymilvus = _pymilvus()
        if lite:
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
            try:
                import milvus_lite  # noqa: F401  (pymilvus starts it for a .db path)
            except ImportError as exc:
                raise MissingDependencyError("milvus_lite", "milvus") from exc
        try:
            client = pymilvus.MilvusClient(uri, token=token or "", timeout=TIMEOUT)
            client.list_collections()  # a bad token is refused here, not at the first search
        except pymilvus.MilvusException as exc:
            raise _service_error(exc, uri, token) from None
        _CLIENTS[key] = client
        return client


def _service_error(exc: Exception, uri: str, token: Optional[str]) -> IndexServiceError:
    text = _scrub(str(getattr(exc, "message", "") or exc), token)
    where = shown_uri(uri)
    if any(w in text.lower() for w in ("auth", "token", "password", "credential", "permission", "denied")):
        return IndexServiceError(
            f"the Milvus server at {where} refused the credentials ({text}); check --token / ${TOKEN_ENV}", where
        )
    return IndexServiceError(
        f"cannot reach Milvus at {where} ({text}); check --uri / ${URI_ENV} and that the server is up", where
    )


@register
class MilvusBackend(Backend):
    """A Milvus collection behind the :class:`~pretrained.index.backend.Backend` calls."""

    name = "milvus"
    metric = "ip"
    package = "pymilvus"
    parameters = (
        Param(
            "index_type",
            _index_type,
            DEFAULT_INDEX_TYPE,
            "--index-type",
            f"milvus: {', '.join(LITE_INDEX_TYPES)} (Milvus Lite) or DISKANN, IVF_PQ, ... on a server (default {DEFAULT_INDEX_TYPE})",
            str,
        ),
        Param(
            "M",
            lambda v, n: scoring.check_count(v, n, minimum=2),
            None,
            "--m",
            f"milvus HNSW: links per node (default {DEFAULT_M})",
        ),
        Param(
            "ef_construction",
            scoring.check_count,
            None,
            "--ef-construction",
            f"milvus HNSW: candidate list while building (default {DEFAULT_EF_CONSTRUCTION})",
        ),
        Param(
            "nlist",
            scoring.check_count,
            None,
            "--nlist",
            f"milvus IVF_*: clusters (default {DEFAULT_NLIST}, at most rows/39)",
        ),
        Param(
            "uri",
            _text,
            None,
            "--uri",
            f"milvus: server or cluster address (default ${URI_ENV}, else embedded Milvus Lite in the cache)",
            str,
            stored=False,
        ),
        Param(
            "token",
            _text,
            None,
            "--token",
            f"milvus: credentials, user:password or an API key (default ${TOKEN_ENV}; never stored)",
            str,
            stored=False,
            secret=True,
        ),
    )
    effort_name = "ef"
    default_effort = DEFAULT_EF
    effort_step = 2
    suffix = ".milvus"
    native = "client"
    batch_rows = BATCH_ROWS
    verify_after_build = True
    build_phase = "rows are upserted by id: a rerun after a kill resumes"

    def __init__(
        self,
        client: Any,
        collection: str,
        params: Mapping[str, Any],
        uri: str,
        lite: bool,
        labels: Optional[Sequence[str]] = None,
    ):
        self.client = client
        self.collection = collection
        self.params = dict(params)
        self.uri = uri
        self.lite = lite
        self.labels = labels
        kind = self.params["index_type"]
        self.effort_name = "nprobe" if _ivf(kind) else "ef" if _hnsw(kind) else "search_k"
        self.default_effort = self.default_effort_for(self.params)

    # ------------------------------------------------------------- parameters

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> Dict[str, Any]:
        declared = declared_params(cls, params)
        kind = _index_type(params.get("index_type", DEFAULT_INDEX_TYPE), "index_type")
        given = {k: declared[k].check(v, k) for k, v in params.items() if k != "index_type" and v is not None}
        allowed = {"M", "ef_construction"} if _hnsw(kind) else {"nlist"} if _ivf(kind) else set()
        wrong = set(given) - allowed
        if wrong:
            raise ValueError(
                f"{', '.join(sorted(wrong))} do(es) not apply to a Milvus {kind} index (its parameters: {', '.join(sorted(allowed)) or 'none'})"
            )
        out: Dict[str, Any] = {"index_type": kind}
        if _hnsw(kind):
            out.update(
                M=given.get("M", DEFAULT_M), ef_construction=given.get("ef_construction", DEFAULT_EF_CONSTRUCTION)
            )
        elif _ivf(kind):
            out["nlist"] = given.get("nlist", DEFAULT_NLIST)
        return out

    @classmethod
    def default_effort_for(cls, params: Mapping[str, Any]) -> int:
        kind = params.get("index_type", DEFAULT_INDEX_TYPE)
        return DEFAULT_NPROBE if _ivf(kind) else DEFAULT_EF if _hnsw(kind) else 1

    @classmethod
    def file_stem(cls, params: Mapping[str, Any]) -> str:
        short = {"M": "m", "ef_construction": "efc", "nlist": "nl"}
        rest = "".join(f"-{short.get(k, k)}{v}" for k, v in params.items() if k != "index_type")
        return f"milvus-{cls.metric}-{params['index_type'].lower()}{rest}"

    @classmethod
    def tune_range(cls, k: int, params: Mapping[str, Any]) -> Tuple[int, int]:
        if _ivf(params.get("index_type", "")):
            return 0, 1
        return k, k + 1

    @classmethod
    def max_effort(cls, count: int, params: Mapping[str, Any]) -> int:
        if _ivf(params.get("index_type", "")):
            return int(params.get("nlist") or 1)
        return max(1, min(count, MAX_EF))

    def _search_params(self, effort: int, n: int) -> Dict[str, Any]:
        kind = self.params["index_type"]
        if _ivf(kind):
            inner = {"nprobe": max(1, min(int(effort), int(self.params.get("nlist") or effort)))}
        elif _hnsw(kind):
            inner = {"ef": max(int(n), min(int(effort), MAX_EF))}
        else:
            inner = {}
        return {"metric_type": "IP", "params": inner}

    def _index_params(self) -> Dict[str, Any]:
        p = self.params
        if _hnsw(p["index_type"]):
            return {"M": p["M"], "efConstruction": p["ef_construction"]}
        if _ivf(p["index_type"]):
            return {"nlist": p["nlist"]}
        return {}

    # ------------------------------------------------------------- create and push

    @classmethod
    def _create(
        cls, dim: int, params: Mapping[str, Any], build_path: Optional[Path], count: int, n_jobs: int, options: dict
    ) -> MilvusBackend:
        if build_path is not None:
            raise ValueError("on_disk is Annoy's; a Milvus collection lives in its server (or Milvus Lite's database)")
        uri, lite = resolve_uri(options, options.get("index_file"))
        if lite and params["index_type"] not in LITE_INDEX_TYPES:
            raise ValueError(
                f"Milvus Lite cannot build a {params['index_type']} index (it builds {', '.join(LITE_INDEX_TYPES)}); "
                "pass uri= for a Milvus server, or another index_type"
            )
        if _ivf(params["index_type"]) and count and params["nlist"] * 39 > count:
            raise ValueError(
                f"nlist {params['nlist']} needs at least {params['nlist'] * 39} rows to train (Milvus asks 39 per cluster), "
                f"these are {count}; pass nlist={max(1, count // 39)} or less"
            )
        client = connect(uri, options.get("token"), lite)
        name = collection_name(options["identity"], params)
        self = cls(client, name, params, uri, lite, options.get("words"))
        self._ensure_collection(dim, options["identity"])
        return self

    def _call(self, what: str, fn, *args: Any, **kwargs: Any) -> Any:
        pymilvus = _pymilvus()
        try:
            return fn(*args, **kwargs)
        except pymilvus.MilvusException as exc:
            err = _service_error(exc, self.uri, None)
            raise IndexServiceError(f"{what} on collection {self.collection}: {err}", err.uri) from None

    def _ensure_collection(self, dim: int, identity: str) -> None:
        c, name = self.client, self.collection
        if self._call("checking", c.has_collection, name):
            self.check_collection(dim, identity)
            return
        pymilvus = _pymilvus()
        schema = c.create_schema(auto_id=False, enable_dynamic_field=False, description="pretrained vectors")
        schema.add_field("id", pymilvus.DataType.INT64, is_primary=True)
        schema.add_field("word", pymilvus.DataType.VARCHAR, max_length=MAX_LABEL_BYTES)
        schema.add_field("vector", pymilvus.DataType.FLOAT_VECTOR, dim=int(dim))
        props = {IDENTITY_KEY: identity, "pretrained.params": json.dumps(self.params, sort_keys=True)}
        self._call("creating", c.create_collection, name, schema=schema, properties=props, consistency_level="Strong")
        logger.info("created Milvus collection %s at %s", name, shown_uri(self.uri))

    def check_collection(self, dim: int, identity: str) -> None:
        """Refuse (:class:`IndexMismatchError`) a collection holding other vectors or another dim."""
        info = self._call("describing", self.client.describe_collection, self.collection)
        theirs = (info.get("properties") or {}).get(IDENTITY_KEY)
        held = next((f.get("params", {}).get("dim") for f in info.get("fields", []) if f.get("name") == "vector"), None)
        problems = []
        if held is not None and int(held) != int(dim):
            problems.append(f"dim {held}, the vectors have {dim}")
        if theirs != identity:
            problems.append(f"built for vectors {theirs}, these are {identity}")
        if problems:
            raise IndexMismatchError(
                f"Milvus collection {self.collection} at {shown_uri(self.uri)} does not match these vectors: {'; '.join(problems)}; "
                "drop it (or use another uri) and push again",
                self.collection,
            )

    def row_count(self) -> int:
        """Rows in the collection now (a strongly consistent count)."""
        res = self._call(
            "counting",
            self.client.query,
            self.collection,
            filter="",
            output_fields=["count(*)"],
            consistency_level="Strong",
        )
        return int(res[0]["count(*)"]) if res else 0

    def resume_at(self) -> int:
        """The first row to push: the count already there when they are rows ``0 .. count-1``
        (what a killed push leaves), else 0 (upserts make pushing everything again safe)."""
        self._call("loading", self.client.load_collection, self.collection)
        n = self.row_count()
        if n == 0:
            return 0
        beyond = self._call(
            "checking", self.client.query, self.collection, filter=f"id >= {n}", output_fields=["id"], limit=1
        )
        return n if not beyond else 0

    def add_rows(self, start: int, unit: np.ndarray) -> None:
        labels = self.labels
        for s in range(0, unit.shape[0], BATCH_ROWS):
            block = unit[s : s + BATCH_ROWS]
            first = start + s
            rows = [
                {"id": first + i, "word": _label(labels, first + i), "vector": row}
                for i, row in enumerate(np.asarray(block, dtype=np.float32))
            ]
            self._call("upserting", self.client.upsert, self.collection, rows)

    def build(self, n_jobs: int) -> None:
        c, name = self.client, self.collection
        self._call("flushing", c.flush, name)
        if "vector" not in (self._call("listing indexes", c.list_indexes, name) or []):
            ip = c.prepare_index_params()
            ip.add_index(
                field_name="vector", index_type=self.params["index_type"], metric_type="IP", params=self._index_params()
            )
            if not self.lite:  # a server builds an index on a released collection; Lite has no release
                self._call("building the index", c.release_collection, name)
            self._call("building the index", c.create_index, name, ip)
        self._call("loading", c.load_collection, name)

    def save(self, path: Path) -> None:
        locator = {
            "backend": self.name,
            "collection": self.collection,
            "uri": None if self.lite else shown_uri(self.uri),
            "lite_db": Path(self.uri).name if self.lite else None,
            "params": self.params,
        }
        atomic.write_text(path, json.dumps(locator, indent=2, sort_keys=True) + "\n")

    # ------------------------------------------------------------- open and query

    @classmethod
    def _open(cls, path: Path, dim: int, params: Mapping[str, Any], prefault: bool, options: dict) -> MilvusBackend:
        try:
            locator = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise OSError(f"cannot read the Milvus locator {path}: {exc}") from exc
        uri, lite = resolve_uri(options, Path(options.get("index_file") or path), locator.get("uri"))
        client = connect(uri, options.get("token"), lite)
        self = cls(client, locator["collection"], params, uri, lite)
        if not self._call("checking", client.has_collection, self.collection):
            raise IndexMismatchError(
                f"Milvus at {shown_uri(uri)} has no collection {self.collection} for index {path}; "
                f"push again with `pretrained build-index NAME --backend milvus --force`",
                str(path),
            )
        self.check_collection(dim, options["identity"])
        self._call("loading", client.load_collection, self.collection)
        return self

    def describe(self) -> Dict[str, int]:
        return {"items": self.row_count()}

    def query_batch(self, units: np.ndarray, n: int, effort: int) -> Tuple[List[List[int]], List[List[float]]]:
        """The ``n`` nearest items of each unit row and their cosines: one search call."""
        n = min(int(n), MAX_TOPK)
        if n <= 0 or len(units) == 0:
            return [[] for _ in range(len(units))], [[] for _ in range(len(units))]
        hits = self._call(
            "searching",
            self.client.search,
            self.collection,
            data=np.asarray(units, dtype=np.float32),
            limit=n,
            search_params=self._search_params(effort, n),
            output_fields=["id"],
            anns_field="vector",
        )
        ids = [[int(h["id"]) for h in row] for row in hits]
        cos = [[float(h["distance"]) for h in row] for row in hits]
        return ids, cos

    def query_vector(self, vector: Sequence[float], n: int, effort: int) -> Tuple[List[int], List[float]]:
        ids, cos = self.query_batch(np.asarray([vector], dtype=np.float32), n, effort)
        return ids[0], cos[0]

    def query_ids(self, vector: Sequence[float], n: int, effort: int) -> List[int]:
        return self.query_vector(vector, n, effort)[0]

    def query_item(self, item: int, n: int, effort: int, distances: bool = True) -> Any:
        got = self._call("reading", self.client.get, self.collection, ids=[int(item)], output_fields=["vector"])
        if not got:
            raise IndexMismatchError(
                f"Milvus collection {self.collection} has no row {item}; push again", self.collection
            )
        ids, cos = self.query_vector(got[0]["vector"], n, effort)
        return (ids, cos) if distances else ids

    def unload(self) -> None:
        """Nothing to release: the client is shared by every index on the same server."""


def _label(labels: Optional[Sequence[str]], i: int) -> str:
    if labels is None:
        return str(i)
    word = str(labels[i])
    raw = word.encode("utf-8")
    return word if len(raw) <= MAX_LABEL_BYTES else raw[:MAX_LABEL_BYTES].decode("utf-8", "ignore")
