"""How good is a vector set? Word-analogy accuracy and word-pair correlation, with gensim's rules.

:func:`evaluate_analogies` answers the same questions as gensim's
``KeyedVectors.evaluate_word_analogies`` under the same rules (``restrict_vocab``, upper-casing
with ``case_insensitive``, questions with unknown words skipped, ``: section`` headers, a final
"Total accuracy"), but scores whole blocks of questions with one float32 matrix product per
vocabulary tile (:mod:`pretrained.core.scoring`) and keeps only the best non-input word of each row.
:func:`evaluate_pairs` is gensim's ``evaluate_word_pairs`` (WordSim353, SimLex-999 format).

Modules: ``datasets`` (finding and reading the files), ``scorer`` (answering questions, exactly
or through an index), ``results`` (what is returned), ``analogies`` and ``pairs`` (the two
evaluations).

Examples
--------
>>> import numpy as np, os, tempfile
>>> from pretrained import Vectors, evaluate_analogies
>>> v = Vectors(["man", "woman", "king", "queen"],
...             np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=np.float32))
>>> path = os.path.join(tempfile.mkdtemp(), "q.txt")
>>> with open(path, "w") as f:
...     _ = f.write(": family\\nman woman king queen\\nman king woman queen\\nman king dog cat\\n")
>>> r = evaluate_analogies(v, path)
>>> r.accuracy, r.correct, r.skipped
(1.0, 2, 1)

Public modules (what they define is re-exported from ``pretrained`` or this package): ``analogies``,
``pairs``, ``results``, ``datasets``. Internal modules (their names may change; import from
``pretrained`` instead): ``scorer``.
"""

from __future__ import annotations

from pretrained.evaluate.analogies import evaluate_analogies
from pretrained.evaluate.datasets import dataset_path
from pretrained.evaluate.pairs import evaluate_pairs
from pretrained.evaluate.results import AnalogyResult, PairsResult, SectionResult
from pretrained.evaluate.scorer import IndexUnavailableError

__all__ = [
    "evaluate_analogies",
    "evaluate_pairs",
    "AnalogyResult",
    "SectionResult",
    "PairsResult",
    "IndexUnavailableError",
    "dataset_path",
]
