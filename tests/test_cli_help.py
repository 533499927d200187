"""The command line helps a newcomer: --version, a bare call lists the commands, a mistyped command
or name gets the closest one (not the whole list), help texts are true, and a Ctrl-C while the
package imports ends quietly with exit status 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pretrained
from pretrained.cli import COMMANDS, build_parser, main
from pretrained.errors import UnknownNameError
from pretrained.remote import catalog

ROOT = Path(__file__).resolve().parent.parent


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"pretrained {pretrained.__version__}"
    assert run(["--version"], capsys)[:2] == (0, f"pretrained {pretrained.__version__}\n")


@pytest.mark.parametrize("argv", [[], ["-v"], ["-q"], ["--debug"]])
def test_bare_call_lists_every_command(argv, capsys):
    code, out, err = run(argv, capsys)
    assert code == 0 and err == ""
    assert "required" not in out
    for command in COMMANDS:
        assert f"\n    {command.name}" in out, command.name
        assert command.help.split()[0] in out


# (typed, the command suggested or None): the closest command, its canonical name for an alias,
# never the whole list
TYPOS = [
    ("nieghbours", "neighbours"),
    ("neighbor", "neighbours"),
    ("analogies", "analogy"),
    ("evalute", "evaluate"),
    ("build-indx", "build-index"),
    ("indexcheck", "index-check"),
    ("donwload", "download"),
    ("List", "list"),
    ("xyzzy", None),
]


@pytest.mark.parametrize("typed,expected", TYPOS)
def test_a_mistyped_command_gets_the_closest_one(typed, expected, capsys):
    code, out, err = run([typed, "x"], capsys)
    assert code == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"pretrained: error: unknown command {typed!r}")
    named = [c.name for c in COMMANDS if f"'{c.name}'" in last]
    assert named == ([expected] if expected else []), last
    assert "did you mean" in last if expected else "did you mean" not in last
    assert "--help" in last


@pytest.mark.parametrize("argv", [["-v", "nieghbours"], ["-q", "--debug", "nieghbours", "glove.6B.50d", "king"]])
def test_the_command_word_follows_the_global_flags(argv, capsys):
    code, _, err = run(argv, capsys)
    assert code == 2 and "did you mean 'neighbours'" in err


# (typed name, suggestions that must be among the hint, a name that must not be in the message)
NAMES = [
    ("glove.6B.51d", {"glove.6B.50d"}, "fasttext.crawl.300d"),
    ("glove.6b.300D", {"glove.6B.300d"}, "word2vec.GoogleNews.300d"),
    ("fasttext.wiki.300d", {"fasttext.wiki-news.300d"}, "glove.6B.50d"),
    ("word2vec-google", {"word2vec-google-news-300"}, "glove.6B.50d"),
    ("completely-unknown", set(), "glove.6B.50d"),
]


@pytest.mark.parametrize("typed,suggested,absent", NAMES)
def test_a_mistyped_name_gets_the_closest_names_not_the_catalogue(typed, suggested, absent):
    with pytest.raises(UnknownNameError) as info:
        catalog.get(typed)
    err = info.value
    assert set(err.suggestions) >= suggested and len(err.suggestions) <= 2
    assert all(catalog.has(s) for s in err.suggestions)
    text = str(err)
    assert ("Did you mean" in text) == bool(err.suggestions)
    assert absent not in text
    assert "pretrained list" in text
    assert isinstance(err, ValueError) and len(err.known) >= len(catalog.names())


def test_the_cli_names_the_closest_catalogue_name(capsys):
    code, out, err = run(["info", "glove.6B.51d"], capsys)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Did you mean 'glove.6B.50d'" in lines[0]
    assert "glove.840B.300d" not in lines[0]


def _helps(parser):
    """(command, option strings or dest, help) of every argument of every subcommand."""
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        for action in p._actions:
            yield name, "/".join(action.option_strings) or action.dest, action.help


def test_every_argument_has_a_help_text():
    missing = [(c, a) for c, a, h in _helps(build_parser()) if not h]
    assert missing == []


def test_source_help_mentions_saved_names():
    helps = {(c, a): h for c, a, h in _helps(build_parser())}
    sources = [h for (c, a), h in helps.items() if a == "source"]
    assert sources and all("saved" in h and "pretrained list" in h for h in sources)
    assert {a for (c, a) in helps if c == "analogy"} >= {"a", "b", "c"}


@pytest.mark.parametrize("setting", ["env", "checkout-or-user"])
def test_cache_dir_help_names_the_folder_actually_used(setting, tmp_path, monkeypatch):
    if setting == "env":
        monkeypatch.setenv("PRETRAINED_CACHE", str(tmp_path / "elsewhere"))
    else:
        monkeypatch.delenv("PRETRAINED_CACHE", raising=False)
    expected = str(pretrained.config.cache_dir())
    helps = [h for c, a, h in _helps(build_parser()) if a == "--cache-dir"]
    assert helps
    for h in helps:
        assert expected in h and "$PRETRAINED_CACHE" in h and "checkout" in h


# ---------------------------------------------------------------------------- Ctrl-C while importing

# Imports of the package made slow (0.05 s each) by a meta-path finder, so that the SIGINT sent
# 0.3 s after "ready" surely lands while `pretrained` is still being imported; then the console
# script's own lines (pretrained_launcher is its target).
_CHILD = """
import sys, time
class Slow:
    def find_spec(self, name, path=None, target=None):
        if name == "pretrained" or name.startswith("pretrained."):
            time.sleep(0.05)
        return None
sys.meta_path.insert(0, Slow())
print("ready", flush=True)
from pretrained_launcher import main
sys.exit(main({argv!r}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
@pytest.mark.parametrize("argv", [["list"], ["--version"], ["neighbours", "glove.6B.50d", "king"]])
def test_ctrl_c_while_importing_exits_130_with_one_line(argv, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRETRAINED_CACHE": str(tmp_path)}
    env.pop("PRETRAINED_DEBUG", None)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(argv=argv)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        assert child.poll() is None, "the imports ended before the interrupt: the test proves nothing"
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.strip().splitlines() == ["pretrained: interrupted"]
    assert out == ""


def test_the_launcher_runs_the_command_line(capsys):
    import pretrained_launcher

    assert pretrained_launcher.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"pretrained {pretrained.__version__}"


def test_the_console_script_is_the_launcher():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"pretrained": "pretrained_launcher:main"}
