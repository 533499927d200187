"""A bounded soak: one process converts with force=True in a loop while another loads in a loop for
about four seconds. The reader never fails and always sees whole, matching entries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

import pretrained

SECONDS = 4.0

CONVERTER = """
import sys, time, pretrained
end = time.time() + float(sys.argv[2])
n = 0
while time.time() < end:
    pretrained.convert(sys.argv[1], force=True)
    n += 1
print(n)
"""

LOADER = """
import json, sys, time, numpy as np, pretrained
end = time.time() + float(sys.argv[2])
loads = errors = 0
first = []
while time.time() < end:
    try:
        v = pretrained.load(sys.argv[1])
        assert len(v) == 2000 and v.words[7] == "w7"
        assert np.isfinite(np.asarray(v.vectors[1999])).all()
        loads += 1
    except Exception as exc:
        errors += 1
        first.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"loads": loads, "errors": errors, "first": first[:3]}))
"""


def test_loads_never_fail_while_another_process_converts_again(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(2000)]
    src = tmp_path / "v.bin"
    pretrained.write_vectors(src, words, rng.standard_normal((2000, 25)).astype(np.float32), format="word2vec")
    env = dict(os.environ, PRETRAINED_PROGRESS="0", PYTHONPATH=os.getcwd())
    pretrained.convert(src)  # both start from a converted entry
    started = time.time()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(src), str(SECONDS)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for code in (CONVERTER, LOADER)
    ]
    (conv_out, conv_err), (load_out, load_err) = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], (conv_err, load_err)
    result = json.loads(load_out)
    conversions = int(conv_out)
    assert result["errors"] == 0, result["first"]
    assert conversions >= 2 and result["loads"] >= 5, (conversions, result, time.time() - started)
    vectors_dir = pretrained.entry_path(src).parent
    assert [p.name for p in vectors_dir.iterdir() if p.name.startswith(".") and not p.name.endswith(".holder")] == []
