"""The docstring examples of the evaluation, map and Projector modules run and hold."""
from __future__ import annotations

import doctest

import pytest

import pretrained.evaluate
import pretrained.plot
import pretrained.projector
import pretrained.results


@pytest.mark.parametrize("module", [pretrained.evaluate, pretrained.plot, pretrained.projector, pretrained.results])
def test_docstring_examples(module):
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted > 0
    assert failed == 0
