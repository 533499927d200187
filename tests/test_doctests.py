"""Every docstring example in the package runs and holds (``help(pretrained)`` shows them)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pretrained

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(pretrained.__path__, "pretrained.") if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)  # the module even where pretrained.NAME is a function
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0


def test_the_examples_cover_the_main_modules():
    attempted = {
        name: doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS).attempted for name in MODULES
    }
    for name in [
        "pretrained.core.vectors",
        "pretrained.formats",
        "pretrained.formats.writers",
        "pretrained.core.results",
        "pretrained.evaluate",
        "pretrained.viz.plot",
    ]:
        assert attempted[name] > 0, name
