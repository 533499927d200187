"""Every command misused: an exit status (2 usage, 1 error), one `pretrained: error:` line, never a
traceback; --debug shows it; --json is strict JSON; -q and a non-terminal stderr turn bars off."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import pretrained
from pretrained.cli import main

WORDS = ["man", "woman", "king", "queen", "apple", "pear", "car", "truck"]
USAGE_LINE = re.compile(r"^pretrained( [\w-]+)?: error: \S")


@pytest.fixture
def files(tmp_path):
    """Small inputs: vectors, a vocabulary, an analogy and a pair file, a folder, a plain file."""
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((len(WORDS), 4)).astype(np.float32)
    pretrained.write_vectors(tmp_path / "v.txt", WORDS, vecs, format="glove")
    (tmp_path / "vocab.txt").write_text("\n[UNK]\nking\nzebra\n", encoding="utf-8")
    (tmp_path / "unknown.txt").write_text("unicorn\nzebra\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes(b"king\ncaf\xe9\n")
    (tmp_path / "q.txt").write_text(": s\nman woman king queen\n", encoding="utf-8")
    (tmp_path / "tiny-pairs.tsv").write_text("king\tqueen\t8\n", encoding="utf-8")
    (tmp_path / "garbage.txt").write_text("this is not\na vector file at all\n", encoding="utf-8")
    (tmp_path / "plain").write_text("a file, not a folder", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    return tmp_path


def _argv(template, d):
    return [a.format(d=d, v=d / "v.txt") for a in template]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# (arguments, expected text in the message): {d} is the folder of the inputs, {v} the vectors
USAGE = [
    (["neighbours", "{v}", "king", "-n", "0"], "--topn"),
    (["neighbours", "{v}", "king", "-n", "many"], "must be an integer"),
    (["neighbours", "{v}", "king", "--format", "xml"], "--format"),
    (["neighbours", "{v}", "king", "--index", "--trees", "0"], "--trees"),
    (["neighbours", "{v}", "king", "--index", "--search-k", "-3"], "--search-k"),
    (["analogy", "{v}", "man", "king", "woman", "--method", "div"], "--method"),
    (["analogy", "{v}", "man", "king", "woman", "-n", "-1"], "--topn"),
    (["analogy", "{v}", "man", "king"], "required"),
    (["convert", "{v}", "--limit", "-1"], "--limit"),
    (["convert", "{v}", "--limit", "0"], "--limit"),
    (["info", "{v}", "--format", "nope"], "--format"),
    (["evaluate", "{v}", "--analogies", "{d}/missing.txt"], "no such file"),
    (["evaluate", "{v}", "--pairs", "{d}/missing.tsv"], "no such file"),
    (["evaluate", "{v}", "--analogies", "{d}/folder"], "is a folder"),
    (["evaluate", "{v}", "--restrict-vocab", "-5"], "--restrict-vocab"),
    (["evaluate", "{v}", "--method", "div"], "--method"),
    (["evaluate", "{v}", "--search-k", "0"], "--search-k"),
    (["matrix", "{v}", "--vocab", "{d}/vocab.txt", "--num-words", "0"], "--num-words"),
    (["matrix", "{v}", "--vocab", "{d}/missing.txt"], "no such file"),
    (["matrix", "{v}", "--vocab", "{d}/vocab.txt", "--seed", "-1"], "--seed"),
    (["matrix", "{v}", "--vocab", "{d}/vocab.txt", "--top", "-1"], "--top"),
    (["matrix", "{v}", "--vocab", "{d}/vocab.txt", "--oov", "nope"], "--oov"),
    (["matrix", "{v}", "--vocab", "{d}/vocab.txt", "--out", "{d}/m.txt"], ".npy"),
    (["matrix", "{v}", "--vocab", "{d}/vocab.txt", "--out", "{d}/plain/m.npy"], "not a folder"),
    (["matrix", "{v}"], "--vocab"),
    (["build-index", "{v}", "--trees", "0"], "--trees"),
    (["build-index", "{v}", "--trees", "2.5"], "--trees"),
    (["build-index", "{v}", "--seed", "-1"], "--seed"),
    (["build-index", "{v}", "--jobs", "0"], "--jobs"),
    (["build-index", "{v}", "--backend", "hnsw", "--m", "1"], "--m"),
    (["build-index", "{v}", "--backend", "hnsw", "--ef-construction", "0"], "--ef-construction"),
    (["build-index", "{v}", "--backend", "faiss"], "--backend"),
    (["build-index", "{v}", "--recall", "0"], "--recall"),
    (["build-index", "{v}", "--out", "{d}/plain/idx.ann"], "not a folder"),
    (["index-check", "{v}", "--sample", "0"], "--sample"),
    (["index-check", "{v}", "-k", "0"], "-k"),
    (["index-check", "{v}", "--recall", "2"], "--recall"),
    (["index-check", "{v}", "--recall", "nan"], "--recall"),
    (["index-check", "{v}", "--index-path", "{d}/missing.ann"], "no such file"),
    (["plot", "{v}", "king", "--out", "{d}/map.xyz"], ".png"),
    (["plot", "{v}", "king", "--out", "{d}/map.png", "--dpi", "0"], "--dpi"),
    (["plot", "{v}", "king", "-k", "-1", "--out", "{d}/map.png"], "--neighbours"),
    (["plot", "{v}", "king", "--out", "{d}/missing/map.png"], "does not exist"),
    (["export-projector", "{v}", "--words", "0", "--out", "{d}/p"], "--words"),
    (["export-projector", "{v}", "--vocab", "{d}/missing.txt", "--out", "{d}/p"], "no such file"),
    (["export-projector", "{v}", "--out", "{d}/plain"], "not a folder"),
    (["export-projector", "{v}", "--words", "3", "--vocab", "{d}/vocab.txt", "--out", "{d}/p"], "not allowed"),
    (["export", "{v}", "--format", "glove", "--out", "{d}/missing/dir/x.txt"], "does not exist"),
    (["export", "{v}", "--format", "csv", "--out", "{d}/x.txt"], "--format"),
    (["export", "{v}", "--format", "glove", "--out", "{d}/x.txt", "--limit", "0"], "--limit"),
    (["export", "{v}", "--format", "glove", "--out", "{d}/folder"], "is a folder"),
    (["export", "{v}", "--format", "glove", "--out", "{d}/x.txt", "--input-format", "xml"], "--input-format"),
    (["cache", "remove"], "needs a NAME"),
    (["cache", "list", "extra"], "takes no NAME"),
    (["cache", "tidy"], "invalid choice"),
    (["cache", "verify", "--dry-run"], "prune"),
    (["download"], "required"),
    (["list", "--bogus"], "unrecognized"),
    (["no-such-command"], "unknown command 'no-such-command'"),
    (["train", "{d}/missing.txt", "--name", "x"], "missing.txt"),
    (["train", "{d}/q.txt"], "--name"),
    (["train", "{d}/q.txt", "--name", "x", "--dim", "0"], "--dim"),
    (["train", "{d}/q.txt", "--name", "x", "--method", "glove"], "--method"),
    (["train", "{d}/q.txt", "--name", "x", "--seed", "-1"], "--seed"),
    (["compare", "{v}"], "required"),
    (["compare", "{v}", "{v}", "--top", "0"], "--top"),
    (["embed", "{v}", "{d}/q.txt"], "--out"),
    (["embed", "{v}", "{d}/q.txt", "--out", "{d}/x.txt"], ".npy"),
    (["embed", "{v}", "{d}/missing.txt", "--out", "{d}/x.npy"], "missing.txt"),
    (["embed", "{v}", "{d}/q.txt", "--out", "{d}/x.npy", "--pooling", "median"], "--pooling"),
    (["matrix", "{v}", "--vocab", "{d}/vocab.txt", "--oov", "bert"], "--oov"),
    (["export", "{v}", "--format", "word2vec", "--out", "{d}/x.bin", "--precision", "3"], "--precision"),
    (["export", "{v}", "--format", "glove", "--out", "{d}/x.txt", "--precision", "0"], "--precision"),
]


@pytest.mark.parametrize("template,expected", USAGE, ids=[" ".join(t[:1] + t[2:])[:60] for t, _ in USAGE])
def test_usage_errors_exit_2_with_the_usage_message(files, capsys, template, expected):
    code, out, err = run(_argv(template, files), capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[0].startswith("usage: pretrained")
    assert USAGE_LINE.match(lines[-1]), err
    assert expected in lines[-1]
    assert err.count("error:") == 1
    assert out == ""
    written = {p.name for p in files.iterdir()}
    assert written == {
        "v.txt",
        "vocab.txt",
        "unknown.txt",
        "latin1.txt",
        "q.txt",
        "tiny-pairs.tsv",
        "garbage.txt",
        "plain",
        "folder",
    }


# errors found while running: exit 1, one line naming the problem
ERRORS = [
    (["neighbours", "{v}", "prince"], "'prince'"),
    (["neighbours", "{v}", "king", "prince", "--json"], "'prince'"),
    (["neighbours", "no-such-set", "king"], "pretrained list"),
    (["analogy", "{v}", "man", "king", "unicorn"], "'unicorn'"),
    (["info", "no-such-set"], "pretrained list"),
    (["convert", "{d}/garbage.txt"], "garbage.txt"),
    (["convert", "{d}/missing.txt"], "missing.txt"),
    (["download", "glove.7B.50d"], "glove.6B.300d"),
    (["cache", "remove", "nothing-here"], "nothing named"),
    (["matrix", "{v}", "--vocab", "{d}/latin1.txt"], "UTF-8"),
    (["export-projector", "{v}", "--vocab", "{d}/unknown.txt", "--out", "{d}/p"], "no words"),
    (["evaluate", "{v}", "--analogies", "{d}/q.txt", "--pairs", "{d}/tiny-pairs.tsv"], "tiny-pairs.tsv"),
    (["index-check", "{v}"], "build-index"),
    (["train", "{d}/garbage.txt", "--name", "x", "--min-count", "100"], "min_count"),
    (["train", "{d}/q.txt", "--name", "glove.6B.50d", "--min-count", "1"], "glove.6B.50d"),
    (["compare", "{v}", "no-such-set"], "pretrained list"),
    (["embed", "{v}", "{d}/latin1.txt", "--out", "{d}/x.npy"], "utf-8"),
    (["matrix", "{v}", "--vocab", "{d}/vocab.txt", "--oov", "subword"], "subword"),
]


@pytest.mark.parametrize("template,expected", ERRORS, ids=[" ".join(t[:1] + t[2:])[:60] for t, _ in ERRORS])
def test_errors_exit_1_with_one_line(files, capsys, monkeypatch, template, expected):
    code, _out, err = run(_argv(template, files), capsys)
    assert code == 1
    (line,) = [x for x in err.splitlines() if "error:" in x]
    assert line.startswith("pretrained: error: ")
    assert err.rstrip().endswith(line)
    assert expected in line


def test_plot_of_an_unknown_word(files, capsys):
    from conftest import require

    require("matplotlib", "plot")
    code, _, err = run(["plot", str(files / "v.txt"), "unicorn", "--out", str(files / "map.png")], capsys)
    assert code == 1 and "pretrained: error:" in err and "unicorn" in err
    assert not (files / "map.png").exists()


def test_an_unusable_cache_folder_says_which_variable_to_set(files, capsys, monkeypatch):
    monkeypatch.setenv("PRETRAINED_CACHE", str(files / "plain" / "cache"))  # below a file: never writable
    code, _, err = run(["convert", str(files / "v.txt")], capsys)
    assert code == 1
    assert err.startswith("pretrained: error: ") and err.count("\n") == 1
    assert "PRETRAINED_CACHE" in err and str(files / "plain") in err


def test_a_failing_write_is_one_line(files, capsys, monkeypatch):
    import pretrained.formats.writers

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(pretrained.formats.writers, "write_vectors", refuse)
    code, _, err = run(["export", str(files / "v.txt"), "--format", "glove", "--out", str(files / "x.txt")], capsys)
    assert code == 1
    assert err == f"pretrained: error: Permission denied: {files / 'x.txt'}; check the path and its permissions\n"


def test_out_of_memory_and_interrupt(files, capsys, monkeypatch):
    from pretrained import loading as api

    def boom(exc):
        def load(*args, **kwargs):
            raise exc

        return load

    monkeypatch.setattr(api, "load", boom(MemoryError()))
    code, _, err = run(["info", str(files / "v.txt")], capsys)
    assert code == 1 and err.startswith("pretrained: error: not enough memory") and "--limit" in err
    monkeypatch.setattr(api, "load", boom(KeyboardInterrupt()))
    code, _, err = run(["info", str(files / "v.txt")], capsys)
    assert (code, err) == (130, "pretrained: interrupted\n")


def test_debug_shows_the_traceback(files, capsys, monkeypatch):
    from pretrained.errors import WordNotFoundError

    with pytest.raises(WordNotFoundError):
        main(["--debug", "neighbours", str(files / "v.txt"), "prince"])
    with pytest.raises(WordNotFoundError):
        main(["neighbours", str(files / "v.txt"), "prince", "--debug"])  # after the command too
    monkeypatch.setenv("PRETRAINED_DEBUG", "1")
    with pytest.raises(WordNotFoundError):
        main(["neighbours", str(files / "v.txt"), "prince"])
    monkeypatch.setenv("PRETRAINED_DEBUG", "0")
    assert main(["neighbours", str(files / "v.txt"), "prince"]) == 1


def _python_m(args, **env):
    return subprocess.run(
        [sys.executable, "-m", "pretrained", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )


def test_python_dash_m_errors_and_debug(files):
    v = str(files / "v.txt")
    usage = _python_m(["neighbours", v, "king", "-n", "0"])
    assert usage.returncode == 2 and USAGE_LINE.match(usage.stderr.splitlines()[-1]) and "Traceback" not in usage.stderr
    error = _python_m(["neighbours", v, "prince"])
    assert error.returncode == 1 and error.stderr.startswith("pretrained: error: ") and error.stderr.count("\n") == 1
    debug = _python_m(["neighbours", v, "prince"], PRETRAINED_DEBUG="1")
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "WordNotFoundError" in debug.stderr


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_python_dash_m_with_the_cache_in_proc(files):
    result = _python_m(["convert", str(files / "v.txt")], PRETRAINED_CACHE="/proc/x")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("pretrained: error: ") and result.stderr.count("\n") == 1
    assert "/proc/x" in result.stderr and "PRETRAINED_CACHE" in result.stderr


# ---------------------------------------------------------------------------- output


def _strict(text):
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_json_output_is_strict(files, capsys, monkeypatch):
    real = pretrained.Vectors.most_similar

    def with_non_finite(self, *args, **kwargs):
        result = real(self, *args, **kwargs)
        return [(w, float("nan") if i == 0 else float("inf") if i == 1 else s) for i, (w, s) in enumerate(result)]

    monkeypatch.setattr(pretrained.Vectors, "most_similar", with_non_finite)
    code, out, _ = run(["neighbours", str(files / "v.txt"), "king", "-n", "3", "--json"], capsys)
    assert code == 0
    data = _strict(out)
    scores = [s for _, s in data["king"]]
    assert scores[:2] == [None, None] and isinstance(scores[2], float)


def test_strict_json_helper_on_numpy_values():
    from pretrained.cli.output import to_json

    data = {"a": np.float32(0.5), "b": np.array([1.0, np.nan]), "c": (np.int64(3), float("-inf"))}
    assert _strict(to_json(data)) == {"a": 0.5, "b": [1.0, None], "c": [3, None]}


def test_every_json_command_output_parses_strictly(files, capsys):
    v = str(files / "v.txt")
    for argv in (
        ["convert", v, "--json"],
        ["info", v, "--json"],
        ["neighbours", v, "king", "--json"],
        ["analogy", v, "man", "king", "woman", "--json"],
        ["list", "--json"],
        ["cache", "--json"],
        ["matrix", v, "--vocab", str(files / "vocab.txt"), "--json"],
    ):
        code, out, _ = run(argv, capsys)
        assert code == 0, argv
        _strict(out)


@pytest.fixture
def bigger(tmp_path):
    words = [f"w{i}" for i in range(300)]
    vecs = np.random.default_rng(1).standard_normal((300, 8)).astype(np.float32)
    pretrained.write_vectors(tmp_path / "big.txt", words, vecs, format="glove")
    return str(tmp_path / "big.txt")


def test_quiet_and_non_terminal_stderr_show_no_bars(bigger, capsys, monkeypatch):
    monkeypatch.delenv("PRETRAINED_PROGRESS", raising=False)
    assert main(["build-index", bigger, "--trees", "2"]) == 0  # stderr is not a terminal here
    err = capsys.readouterr().err
    assert "indexing <Vectors" in err and "%|" not in err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["build-index", bigger, "--trees", "2", "--force"]) == 0
    assert "vec/s" in capsys.readouterr().err  # a terminal: the bar shows
    assert main(["-q", "build-index", bigger, "--trees", "2", "--force"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["neighbours", bigger, "w1", "--index", "--trees", "3", "-q"]) == 0
    assert capsys.readouterr().err == ""
    assert "PRETRAINED_PROGRESS" not in os.environ  # -q lasts as long as the command
    monkeypatch.setenv("PRETRAINED_PROGRESS", "0")
    assert main(["build-index", bigger, "--trees", "2", "--force", "--json"]) == 0
    assert "%|" not in capsys.readouterr().err


# ---------------------------------------------------------------------------- cache prune


def test_cache_prune_reports_what_it_removed(capsys, monkeypatch, tmp_path):
    from pretrained.cache import folder as cachedir

    calls = []

    def prune(cache_dir=None, dry_run=False, data_dir=None):
        calls.append((cache_dir, dry_run))
        return [(tmp_path / ".glove.tmp-99-abcdef12", 2048, "left by process 99, which is gone")]

    monkeypatch.setattr(cachedir, "prune", prune, raising=False)
    code, out, _ = run(["cache", "prune", "--dry-run", "--cache-dir", str(tmp_path)], capsys)
    assert code == 0 and calls == [(str(tmp_path), True)]
    assert "would remove" in out and "process 99" in out and "2.0 KiB" in out
    code, out, _ = run(["cache", "prune", "--json"], capsys)
    assert code == 0 and calls[-1] == (None, False)
    data = _strict(out)
    assert data["dry_run"] is False and data["bytes"] == 2048 and data["items"][0]["why"].startswith("left by")


def test_cache_lists_and_prunes_what_a_dead_process_left(capsys, tmp_path):
    """End to end through the real cachedir.prune: a temporary folder named for a process that is
    gone is listed as an orphan with the reason, then removed; a live one's is kept."""
    import os

    from pretrained.cache import folder as cachedir

    folder = cachedir.vectors(tmp_path)
    folder.mkdir(parents=True)
    dead = folder / ".myset.tmp-999999999-abcdef12"
    dead.mkdir()
    (dead / "vectors.npy").write_bytes(b"x" * 4096)
    live = folder / f".other.tmp-{os.getpid()}-12345678"
    live.mkdir()
    code, out, _ = run(["cache", "--cache-dir", str(tmp_path)], capsys)
    assert code == 0 and "orphan" in out and "cache prune" in out
    code, out, _ = run(["cache", "prune", "--dry-run", "--cache-dir", str(tmp_path)], capsys)
    assert code == 0 and "would remove" in out and dead.exists()
    code, out, _ = run(["cache", "prune", "--cache-dir", str(tmp_path)], capsys)
    assert code == 0 and "removed" in out
    assert not dead.exists() and live.exists()
