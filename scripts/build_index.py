"""Build neighbour indexes for a list of vector sets offline, into the cache beside their vectors,
so every later ``pretrained.load(name).index()`` (in any process) memory-maps them at once.

    python scripts/build_index.py glove.6B.50d
    python scripts/build_index.py glove.6B.50d /data/glove.840B.300d.zip --member glove.840B.300d.txt \\
        --trees 50 --recall 0.95

Each set is converted into the cache first when needed; an index that already exists with the same
parameters is reused (``--force`` builds it again). With ``--recall`` the search_k reaching that
recall@10 is measured and stored in the index's sidecar.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

import pretrained
from pretrained.index import DEFAULT_SEED, DEFAULT_TREES


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sources", nargs="+", help="catalogue names or vector files")
    p.add_argument("--member", help="file inside .zip archives")
    p.add_argument("--trees", type=int, default=DEFAULT_TREES)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--jobs", type=int, default=-1, help="build threads (default: all cores)")
    p.add_argument("--on-disk", action="store_true", help="build in the file (sets larger than memory)")
    p.add_argument("--recall", type=float, help="tune and store search_k for this recall@10")
    p.add_argument("--force", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    failed = 0
    for source in args.sources:
        started = time.perf_counter()
        try:
            v = pretrained.load(source, member=args.member)
            index = v.build_index(
                n_trees=args.trees, seed=args.seed, n_jobs=args.jobs, on_disk=args.on_disk, force=args.force
            )
            line = f"{source}: {index!r} ready in {time.perf_counter() - started:.1f} s"
            if args.recall:
                line += f"\n  {index.tune(recall=args.recall, save=True)}"
            print(line, flush=True)
        except pretrained.PretrainedError as exc:
            print(f"{source}: error: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
