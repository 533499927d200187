"""Commands about vector sets and the cache: list, download, convert, info, cache, and ``sets``
(your saved sets, which no cache command touches)."""

from __future__ import annotations

import argparse
import time
from typing import List

from pretrained import loading as api
from pretrained.cli.options import Command, UsageError, cache_dir_arg, json_flag, load, vector_args
from pretrained.cli.output import emit, human, rows

__all__ = ["COMMANDS"]


# ---------------------------------------------------------------------------- list


def list_args(p: argparse.ArgumentParser) -> None:
    cache_dir_arg(p)
    json_flag(p)


def run_list(args: argparse.Namespace) -> int:
    from pretrained.cache import entries as store
    from pretrained.remote import catalog, downloader
    from pretrained.remote import packaged as embedded

    lines, data = [], []
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
        lines.append(
            (e.name, f"{e.dim}", f"{e.count:,}" if e.count else "?", human(e.size), status, ", ".join(e.aliases))
        )
    header = ("name", "dim", "words", "download", "status", "aliases")
    widths = [max(len(r[i]) for r in [*lines, header]) for i in range(len(header))]
    text = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *lines]]
    emit(args, data, "\n".join(text))
    return 0


# ---------------------------------------------------------------------------- download


def download_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="+", metavar="NAME", help="catalogue names or aliases")
    cache_dir_arg(p)
    p.add_argument("--no-convert", action="store_true", help="only download the file, convert on first load")


def run_download(args: argparse.Namespace) -> int:
    from pretrained.cache import entries as store
    from pretrained.remote import catalog, downloader
    from pretrained.remote import packaged as embedded

    progress = False if args.quiet else None
    entries = [catalog.get(name) for name in args.names]  # every name known before any download
    for entry in entries:
        started = time.perf_counter()
        cached = api.entry_path(entry.name, cache_dir=args.cache_dir)
        if not args.no_convert and store.is_entry(cached):
            print(f"{entry.name}: already cached at {cached}")
            continue
        if embedded.available(entry) and not args.no_convert:
            dest = api.convert(entry.name, cache_dir=args.cache_dir)
            print(
                f"{entry.name}: from the installed package {(entry.embedded or '').replace('_', '-')}, cached at {dest}"
            )
            continue
        path = downloader.download(entry.name, cache_dir=args.cache_dir, progress=progress)
        line = f"{entry.name}: {path} ({human(path.stat().st_size)})"
        if not args.no_convert:
            dest = api.convert(entry.name, cache_dir=args.cache_dir)
            line += f", converted into {dest}"
        print(f"{line} in {time.perf_counter() - started:.1f} s")
    return 0


# ---------------------------------------------------------------------------- convert and info


def convert_args(p: argparse.ArgumentParser) -> None:
    vector_args(p)
    p.add_argument("--force", action="store_true", help="convert again even when cached")
    json_flag(p)


def run_convert(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    dest = api.convert(
        args.source,
        format=args.format,
        member=args.member,
        limit=args.limit,
        cache_dir=args.cache_dir,
        force=args.force,
    )
    v = load(args)
    seconds = time.perf_counter() - started
    data = {"entry": str(dest), "count": len(v), "dim": v.dim, "seconds": round(seconds, 3), "meta": v.meta}
    emit(args, data, f"{v!r}\ncached at {dest} ({seconds:.2f} s)")
    return 0


def info_args(p: argparse.ArgumentParser) -> None:
    vector_args(p)
    json_flag(p)


def _catalogue_lines(source: str) -> List[str]:
    from pretrained.remote import catalog

    if not catalog.has(source):
        return []
    e = catalog.get(source)
    return [f"{k}: {v}" for k, v in (("licence", e.licence), ("citation", e.citation)) if v]


def run_info(args: argparse.Namespace) -> int:
    from pretrained.cache import entries as store
    from pretrained.remote import catalog
    from pretrained.remote import packaged as embedded

    if catalog.has(args.source):
        entry = catalog.get(args.source)
        dest = api.entry_path(args.source, limit=args.limit, cache_dir=args.cache_dir)
        if not store.is_entry(dest) and not embedded.available(entry):  # describe, download nothing
            described = [*catalog.describe(entry), ("cached", f"no (pretrained download {entry.name})")]
            emit(args, {**entry.as_dict(), "cached": False}, rows(described))
            return 0
    v = load(args)
    meta = v.meta
    lines = [repr(v), f"cache entry: {v.path}"]
    for key in ("format", "count", "dim", "duplicates", "invalid_unicode", "not_in_vocabulary", "limit"):
        if meta.get(key) is not None:
            lines.append(f"{key}: {meta[key]}")
    for key, value in (meta.get("source") or {}).items():
        if value is not None:
            lines.append(f"source {key}: {value}")
    lines += _catalogue_lines(args.source)
    emit(args, {"name": v.name, "count": len(v), "dim": v.dim, "entry": v.path, "meta": meta}, "\n".join(lines))
    return 0


# ---------------------------------------------------------------------------- cache


def data_dir_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        help="folder of your own data; saved sets are in its sets/ (default: $PRETRAINED_DATA or the user data folder)",
    )


def cache_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action",
        nargs="?",
        choices=["list", "verify", "remove", "prune"],
        default="list",
        help="list (default): converted sets, downloads, indexes and, apart, your saved sets; verify: re-hash them; remove NAME; prune: leftovers",
    )
    p.add_argument(
        "name",
        nargs="?",
        help="for remove: a catalogue name or an item name from `cache list` (never a saved set: see `pretrained sets remove`)",
    )
    p.add_argument("--dry-run", action="store_true", help="for prune: show what would go, remove nothing")
    cache_dir_arg(p)
    data_dir_arg(p)
    json_flag(p)


def _cache_verify(args: argparse.Namespace) -> int:
    from pretrained.cache import folder as cachedir

    report = cachedir.verify(args.cache_dir, args.data_dir)
    bad = [r for r in report if not r["ok"]]
    text = "\n".join(f"{'ok ' if r['ok'] else 'BAD'}  {r['kind']:<9} {r['name']}  {r['detail']}" for r in report)
    text = (
        text or "(the cache is empty)"
    ) + f"\n{len(report) - len(bad)} ok, {len(bad)} bad in {cachedir.root(args.cache_dir)}"
    emit(args, report, text)
    return 1 if bad else 0


def _cache_prune(args: argparse.Namespace) -> int:
    from pretrained.cache import folder as cachedir

    found = cachedir.prune(cache_dir=args.cache_dir, dry_run=args.dry_run, data_dir=args.data_dir)
    verb = "would remove" if args.dry_run else "removed"
    data = [{"path": str(path), "size": size, "why": why} for path, size, why in found]
    lines = [f"{verb} {path}  ({human(size)}: {why})" for path, size, why in found]
    total = sum(size for _, size, _ in found)
    lines.append(
        f"{len(found)} items, {human(total)} {verb if found else 'nothing to remove'} in {cachedir.root(args.cache_dir)}"
    )
    emit(args, {"dry_run": args.dry_run, "items": data, "bytes": total}, "\n".join(lines))
    return 0


def run_cache(args: argparse.Namespace) -> int:
    from pretrained.cache import folder as cachedir

    if args.action == "remove":
        if not args.name:
            raise UsageError("cache remove needs a NAME (see `pretrained cache list`)")
        for path in cachedir.remove(args.name, args.cache_dir):
            print(f"removed {path}")
        return 0
    if args.name:
        raise UsageError(f"cache {args.action} takes no NAME")
    if args.dry_run and args.action != "prune":
        raise UsageError("--dry-run goes with cache prune")
    if args.action == "verify":
        return _cache_verify(args)
    if args.action == "prune":
        return _cache_prune(args)
    items = [i for i in cachedir.items(args.cache_dir) if i.kind != "saved"]
    data = [{"kind": i.kind, "name": i.name, "path": str(i.path), "size": i.size, "why": i.why} for i in items]
    lines = [
        f"{i.kind:<9} {human(i.size):>10}  {i.name}"
        + (f"  ({i.why}; `pretrained cache prune` removes it)" if i.why else "")
        for i in items
    ]
    lines.append(f"{len(items)} items, {human(sum(i.size for i in items))} in {cachedir.root(args.cache_dir)}")
    lines += ["", *_saved_listing(args)[1]]  # JSON: the cache's items only (`pretrained sets --json` lists saved sets)
    emit(args, data, "\n".join(lines))
    return 0


# ---------------------------------------------------------------------------- your saved sets


def _saved_listing(args: argparse.Namespace) -> tuple[list, List[str]]:
    """(JSON rows, text lines) of the saved sets, headed by their folder."""
    from pretrained.interop import saving

    found = saving.saved_sets(args.data_dir, args.cache_dir)
    data = [{"name": s.name, "path": str(s.path), "size": s.size, "legacy": s.legacy} for s in found]
    lines = [f"your sets, in {saving.sets_dir(args.data_dir)} (no cache command touches them):"]
    for s in found:
        where = "  (saved by an older version inside the cache folder; `mv` it to the folder above)" if s.legacy else ""
        lines.append(f"saved     {human(s.size):>10}  {s.name}{where}")
    if not found:
        lines.append("(none yet: pretrained.save(v, NAME) or pretrained train)")
    return data, lines


def sets_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action",
        nargs="?",
        choices=["list", "remove"],
        default="list",
        help="list (default): your saved sets and their folder; remove NAME: delete one saved set (your data: nothing else removes it)",
    )
    p.add_argument("name", nargs="?", help="for remove: the saved set to delete (for good)")
    data_dir_arg(p)
    cache_dir_arg(p)
    json_flag(p)


def run_sets(args: argparse.Namespace) -> int:
    from pretrained.interop import saving

    if args.action == "remove":
        if not args.name:
            raise UsageError("sets remove needs a NAME (see `pretrained sets list`)")
        for path in saving.remove(args.name, data_dir=args.data_dir, cache_dir=args.cache_dir):
            print(f"removed {path}")
        return 0
    if args.name:
        raise UsageError("sets list takes no NAME")
    data, lines = _saved_listing(args)
    emit(args, data, "\n".join(lines))
    return 0


COMMANDS = [
    Command("convert", "convert a vector file (or catalogue set) into the cache once", convert_args, run_convert),
    Command("info", "what a vector set holds and where its cache entry is", info_args, run_info),
    Command("list", "the catalogue: every known set, its size and whether it is here", list_args, run_list),
    Command(
        "download", "download (and convert) catalogue sets now, e.g. in a Docker build", download_args, run_download
    ),
    Command(
        "cache", "what the cache holds: list, verify (re-hash), remove NAME, prune (leftovers)", cache_args, run_cache
    ),
    Command("sets", "your saved sets (kept apart from the cache): list, remove NAME", sets_args, run_sets),
]
