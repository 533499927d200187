"""Overwriting a saved set under fire (issue 17, "How we will know"): a writer killed with SIGKILL at
random moments always leaves the old or the new set, never a mix and never nothing; a reader
loading during repeated overwrites never fails. Both swap paths are exercised: the one-step
rename-exchange, and the rename-aside fallback used where the system has none."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import pretrained
from pretrained.cache import entries as store
from pretrained.interop import saving

ROWS, DIM = 20000, 25  # about 2 MB: a save takes long enough for kills to land in every phase

WRITER = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import pretrained
    from pretrained.cache import atomic
    if os.environ.get("NO_EXCHANGE") == "1":
        atomic.exchange = lambda a, b: False  # the rename-aside fallback
    rows, dim, k = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    print("ready", flush=True)
    while True:
        k += 1
        words = [f"w{i}-{k}" for i in range(rows)]
        pretrained.save(pretrained.Vectors(words, np.full((rows, dim), float(k), np.float32)), "target", overwrite=True)
    """
)


def _version(k: int) -> pretrained.Vectors:
    return pretrained.Vectors([f"w{i}-{k}" for i in range(ROWS)], np.full((ROWS, DIM), float(k), np.float32))


def _writer(start: int, exchange: bool) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "NO_EXCHANGE": "0" if exchange else "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(ROWS), str(DIM), str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    return proc


def _one_version(v: pretrained.Vectors) -> int:
    """The single version a loaded set holds; fails on a mix of two."""
    values = np.unique(np.asarray(v.vectors))
    assert values.size == 1, f"a mix of versions: {values[:5]}"
    k = int(values[0])
    assert values[0] == k and len(v) == ROWS and v.words[0] == f"w0-{k}" and v.words[-1] == f"w{ROWS - 1}-{k}"
    return k


@pytest.mark.parametrize("exchange", [True, False], ids=["rename-exchange", "rename-aside"])
def test_a_writer_killed_at_random_moments_leaves_old_or_new(exchange):
    rng = random.Random(17)
    pretrained.save(_version(0), "target")
    started = time.monotonic()
    pretrained.save(_version(1), "target", overwrite=True)
    span = max(
        0.25, 3 * (time.monotonic() - started)
    )  # kills spread over about three saves, however loaded the machine
    last, seen = 1, set()
    trials = 12  # per swap path: two dozen kills in all
    for _ in range(trials):
        proc = _writer(last, exchange)
        time.sleep(rng.uniform(0.0, span))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        v = pretrained.load("target")  # repairs an interrupted swap first
        k = _one_version(v)
        assert k >= last  # never an older version than one already seen
        store.check_entry(Path(v.path))  # every file matches its recorded sha256
        seen.add(k - last)
        last = k
    assert len(seen) > 1, "every kill landed in the same place: the test proves little"
    pretrained.save(_version(last + 1), "target", overwrite=True)  # the next write cleans what the kills left
    assert sorted(os.listdir(saving.sets_dir())) == ["target"]
    assert _one_version(pretrained.load("target")) == last + 1


@pytest.mark.parametrize("exchange", [True, False], ids=["rename-exchange", "rename-aside"])
def test_loads_during_repeated_overwrites_never_fail(exchange):
    pretrained.save(_version(1), "target")
    proc = _writer(1, exchange)
    failures, loads, versions = [], 0, set()
    deadline = time.monotonic() + 5
    try:
        while time.monotonic() < deadline:
            try:
                versions.add(_one_version(pretrained.load("target")))
            except Exception as exc:
                failures.append(repr(exc))
            loads += 1
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert failures == [] and loads > 20
    assert len(versions) > 3, f"the writer hardly overwrote during the loads: {sorted(versions)}"


def _rename_aside_states(monkeypatch, target: Path, states: list) -> list:
    """Replay what a reader sees of a writer swapping ``target`` by two renames: each look at the
    name (``atomic.recover``) gets the next state, and the folder is moved out or back to match."""
    aside = target.with_name(".target.old-1-00000000")
    seen = []

    def look(path):
        state = states.pop(0) if states else "present"
        seen.append(state)
        if state == "present, then out again":  # in when looked at, out again before the next look
            state = "present"
        elif state == "present" and aside.exists():
            os.rename(aside, target)
        elif state != "present" and target.exists():
            os.rename(target, aside)
        return state

    monkeypatch.setattr(saving.atomic, "recover", look)
    return seen


@pytest.mark.parametrize(
    "states",
    [
        ["busy", "busy", "present"],  # the writer between its two renames, then done
        ["absent", "present"],  # the aside copy was gone and the new one not yet in: look again
        ["present, then out again", "absent", "busy", "present"],  # a next overwrite began at once
    ],
    ids=["busy", "absent-once", "in-and-out-again"],
)
def test_a_load_between_the_two_renames_of_a_swap_waits_for_the_name(monkeypatch, states):
    pretrained.save(_version(1), "target")
    target = saving.sets_dir() / "target"
    os.rename(target, target.with_name(".target.old-1-00000000"))  # the writer's first rename
    seen = _rename_aside_states(monkeypatch, target, list(states))
    assert saving.find_saved("target") == target
    assert seen == states


def test_a_name_missing_on_two_looks_in_a_row_is_not_there(monkeypatch):
    seen = _rename_aside_states(monkeypatch, saving.sets_dir() / "target", ["absent", "absent", "present"])
    assert saving.find_saved("target") is None
    assert seen == ["absent", "absent"]
