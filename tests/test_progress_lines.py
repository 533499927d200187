"""Long steps that report no progress of their own show a ticking line on a terminal
(:func:`pretrained.progress.phase`): Annoy's tree phase, HNSW's finish, a t-SNE or UMAP map."""

from __future__ import annotations

import time

import pytest
from conftest import require

import pretrained
from pretrained import progress

# (enabled, PRETRAINED_PROGRESS, whether the line shows)
CASES = [
    (True, None, True),
    (True, "0", False),  # the environment always wins
    (False, None, False),
    (None, None, False),  # follows the terminal: pytest's captured stderr is not one
]


@pytest.mark.parametrize("enabled,env,shown", CASES)
def test_phase_ticks_while_the_step_runs(enabled, env, shown, capsys, monkeypatch):
    if env is None:
        monkeypatch.delenv("PRETRAINED_PROGRESS", raising=False)
    else:
        monkeypatch.setenv("PRETRAINED_PROGRESS", env)
    with progress.phase("building 10 trees", enabled=enabled, every=0.1):
        time.sleep(0.65)
    err = capsys.readouterr().err
    if not shown:
        assert err == ""
        return
    assert "building 10 trees: 00:00" in err
    assert err.count("building 10 trees") >= 3, err  # refreshed while the step ran, not only at the start


def test_phase_ends_its_line_when_the_step_fails(capsys):
    with pytest.raises(ZeroDivisionError), progress.phase("failing", enabled=True, every=0.05):
        _ = 1 / 0
    time.sleep(0.2)
    before = capsys.readouterr().err
    time.sleep(0.2)
    assert "failing" in before and capsys.readouterr().err == ""  # the ticker stopped


@pytest.mark.parametrize("backend,module,extra", [("annoy", "annoy", "annoy"), ("hnsw", "hnswlib", "hnsw")])
def test_index_build_shows_its_build_phase(backend, module, extra, toy_vectors, tmp_path, capsys):
    require(module, extra)
    pretrained.build_index(toy_vectors, tmp_path / f"i.{backend}", backend=backend, progress=True)
    err = capsys.readouterr().err
    assert f"{backend}: building the index of 8 vectors" in err
    assert "indexing" in err  # the add phase's bar
