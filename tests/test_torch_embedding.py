"""PyTorch, if installed: ``torch_embedding`` rows equal the matrix rows (same checks as Keras).

CI installs the CPU build (``torch==2.13.0``, see the README's test command), so these run there;
locally they skip with the reason when torch is missing.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require

from pretrained import VocabularyError, embedding_matrix, torch_embedding

torch = require("torch", "torch")

VOCAB = ["", "[UNK]", "the", "king", "queen", "Paris", "zzz-not-a-word"]


def test_rows_equal_the_matrix_and_glove(glove50):
    matrix = embedding_matrix(glove50, VOCAB)
    emb = torch_embedding(glove50, VOCAB)
    assert isinstance(emb, torch.nn.Embedding)
    assert tuple(emb.weight.shape) == (len(VOCAB), 50) and emb.weight.dtype == torch.float32
    ids = torch.tensor([[2, 3, 4, 5, 6, 0, 0], [1, 0, 0, 0, 0, 0, 0]])
    out = emb(ids).detach().numpy()
    np.testing.assert_array_equal(out, matrix[ids.numpy()])
    np.testing.assert_array_equal(out[0, 1], glove50["king"])
    np.testing.assert_array_equal(out[0, 3], glove50["paris"])  # lowercase fallback
    assert not out[0, 4:].any() and not out[1].any()  # OOV, padding and [UNK] rows are zero


def test_frozen_by_default_and_trainable_when_asked(glove50):
    assert not torch_embedding(glove50, VOCAB).weight.requires_grad
    emb = torch_embedding(glove50, VOCAB, trainable=True, padding_idx=0)
    assert emb.weight.requires_grad and emb.padding_idx == 0
    before = emb.weight.detach().clone()
    opt = torch.optim.SGD(emb.parameters(), lr=1.0)
    emb(torch.tensor([[2, 3, 0, 0]])).sum().backward()
    opt.step()
    after = emb.weight.detach()
    assert not torch.equal(after[2], before[2]) and not torch.equal(after[3], before[3])
    assert torch.equal(after[0], before[0]) and torch.equal(after[4], before[4])  # padding_idx gets no gradient


def test_word_index_num_words_and_vectors_method(glove50):
    word_index = {"the": 1, "of": 2, "king": 3, "queen": 4}
    emb = glove50.torch_embedding(word_index, num_words=3)
    np.testing.assert_array_equal(emb.weight.numpy(), embedding_matrix(glove50, word_index, num_words=3))
    assert emb.weight.shape[0] == 3 and not emb.weight[0].any()


def test_padding_idx_must_be_a_padding_row(glove50):
    with pytest.raises(VocabularyError, match="row 2"):
        torch_embedding(glove50, VOCAB, padding_idx=2)
