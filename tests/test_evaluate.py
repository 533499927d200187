"""Analogy and word-pair evaluation: gensim's rules on hand-made files, equality with gensim."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import gensim_test_data

import pretrained
from pretrained import FormatError, Vectors, evaluate_analogies, evaluate_pairs
from pretrained.evaluate import AnalogyResult, IndexUnavailableError, dataset_path


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------- hand-made, known answers


@pytest.fixture
def royal():
    """man/woman/king/queen parallelogram plus a far word and a rare word at the end."""
    words = ["man", "woman", "king", "queen", "prince", "banana", "princess"]
    vecs = np.array(
        [
            [1.0, 0.0, 0.0, 0.0],
            [1.0, 1.0, 0.0, 0.0],
            [1.0, 0.0, 1.0, 0.0],
            [1.0, 1.0, 1.0, 0.0],
            [1.0, 0.0, 1.0, 1.0],
            [0.0, 0.0, 0.0, 1.0],
            [1.0, 1.0, 1.0, 1.0],
        ],
        dtype=np.float32,
    )
    return Vectors(words, vecs, name="royal")


def test_known_answers_sections_and_total(royal, tmp_path):
    path = write(
        tmp_path,
        "q.txt",
        ": family\n"
        "man woman king queen\n"  # right: queen
        "man king woman queen\n"  # right: queen
        "woman man queen king\n"  # right: king
        "man woman king banana\n"  # wrong (answer is queen)
        ": gram-like\n"
        "man woman prince princess\n"  # right, but princess is the 7th word
        "this line is too long to be a question\n"
        "\n"
        ": empty-section\n",
    )
    r = evaluate_analogies(royal, path)
    assert isinstance(r, AnalogyResult)
    assert [s.name for s in r.sections] == ["family", "gram-like", "empty-section"]
    fam, gram, empty = r.sections
    assert (fam.correct, fam.total) == (3, 4)
    assert fam.questions_incorrect == (("MAN", "WOMAN", "KING", "BANANA"),)
    assert (gram.correct, gram.total) == (1, 1)
    assert (empty.total, empty.accuracy) == (0, 0.0)
    assert r.total.name == "Total accuracy"
    assert (r.correct, r.total.total) == (4, 5)
    assert r.accuracy == pytest.approx(0.8)
    assert r.semantic == pytest.approx(0.75)  # sections not named gram...: family, empty-section
    assert r.syntactic == pytest.approx(1.0)
    assert r.questions == 5 and r.skipped == 0
    assert r.seconds > 0
    # gensim's result shape
    score, sections = r.to_gensim()
    assert score == r.accuracy and sections[-1]["section"] == "Total accuracy"
    assert len(sections[-1]["correct"]) == 4


def test_restrict_vocab_skips_questions_and_limits_answers(royal, tmp_path):
    path = write(tmp_path, "q.txt", ": s\nman woman prince princess\nman woman king queen\nman woman queen banana\n")
    full = evaluate_analogies(royal, path)
    assert (full.correct, full.total.total, full.skipped) == (2, 3, 0)
    # princess (row 6) is beyond the first 6 words: its question is skipped
    r = evaluate_analogies(royal, path, restrict_vocab=6)
    assert (r.correct, r.total.total, r.skipped, r.questions) == (1, 2, 1, 3)
    # with only 4 words the answer to man:woman::king:? is still queen, but banana is unknown
    r4 = evaluate_analogies(royal, path, restrict_vocab=4)
    assert (r4.correct, r4.total.total, r4.skipped) == (1, 1, 2)
    # restrict_vocab=None means every word
    assert evaluate_analogies(royal, path, restrict_vocab=None).correct == 2


def test_restricted_vocabulary_is_the_only_candidate_set(tmp_path):
    # the true answer sits beyond restrict_vocab, so the best allowed word must be taken instead
    words = ["a", "b", "c", "other", "d"]
    vecs = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0.2, 0.9, 0.9], [0, 1, 1]], dtype=np.float32)
    v = Vectors(words, vecs)
    path = write(tmp_path, "q.txt", ": s\na b c d\na b c other\n")
    assert evaluate_analogies(v, path, restrict_vocab=None).sections[0].questions_correct == (("A", "B", "C", "D"),)
    r = evaluate_analogies(v, path, restrict_vocab=4)
    assert r.skipped == 1
    assert r.sections[0].questions_correct == (("A", "B", "C", "OTHER"),)


def test_unknown_words_skipped_or_counted_wrong(royal, tmp_path):
    path = write(tmp_path, "q.txt", ": s\nman woman king queen\nman woman king unicorn\ndragon woman king queen\n")
    r = evaluate_analogies(royal, path)
    assert (r.correct, r.total.total, r.skipped, r.questions) == (1, 1, 2, 3)
    assert r.skipped_ratio == pytest.approx(2 / 3)
    d = evaluate_analogies(royal, path, dummy4unknown=True)
    assert (d.correct, d.total.total, d.skipped) == (1, 3, 2)


def test_case_insensitive_and_case_sensitive(royal, tmp_path):
    path = write(tmp_path, "q.txt", ": s\nMan Woman King Queen\nman woman king queen\n")
    r = evaluate_analogies(royal, path)
    assert (r.correct, r.skipped) == (2, 0)
    assert r.sections[0].questions_correct[0] == ("MAN", "WOMAN", "KING", "QUEEN")
    strict = evaluate_analogies(royal, path, case_insensitive=False)
    assert (strict.correct, strict.skipped) == (1, 1)
    assert strict.sections[0].questions_correct == (("man", "woman", "king", "queen"),)


def test_input_words_are_never_answers(tmp_path):
    # b + c - a lands exactly on c: the answer must be the best word that is not an input
    words = ["a", "b", "c", "near", "far"]
    vecs = np.array([[1, 0, 0], [1, 0, 0.001], [0, 1, 0], [0.1, 1, 0], [0, 0, 1]], dtype=np.float32)
    v = Vectors(words, vecs)
    path = write(tmp_path, "q.txt", ": s\na b c near\na b c c\n")
    r = evaluate_analogies(v, path)
    assert r.sections[0].questions_correct == (("A", "B", "C", "NEAR"),)
    assert r.sections[0].questions_incorrect == (("A", "B", "C", "C"),)


def test_case_variant_of_an_input_is_passed_over(tmp_path):
    # 'King' (a later case variant of 'king') is the best non-input row; gensim upper-cases it to
    # KING, an input, and moves on to the next candidate, 'queen'
    words = ["man", "woman", "king", "queen", "King"]
    vecs = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 0.8], [1, 1, 1]], dtype=np.float32)
    v = Vectors(words, vecs)
    assert v.analogy("man", "king", "woman")[0][0] == "King"
    path = write(tmp_path, "q.txt", ": s\nman king woman queen\n")
    assert evaluate_analogies(v, path).correct == 1
    assert evaluate_analogies(v, path, case_insensitive=False).correct == 0


def test_missing_section_header_names_file_and_line(royal, tmp_path):
    path = write(tmp_path, "q.txt", "man woman king queen\n")
    with pytest.raises(FormatError, match=r"q\.txt, line 1.*section"):
        evaluate_analogies(royal, path)


def test_not_utf8_names_the_line(royal, tmp_path):
    path = tmp_path / "q.txt"
    path.write_bytes(b": s\nman woman king queen\nman woman \xff queen\n")
    with pytest.raises(FormatError, match="line 3"):
        evaluate_analogies(royal, path)


def test_bad_method(royal, tmp_path):
    with pytest.raises(ValueError, match="method"):
        evaluate_analogies(royal, write(tmp_path, "q.txt", ": s\n"), method="set")


def test_threads_and_blocks_do_not_change_the_answers(royal, tmp_path, monkeypatch):
    from pretrained.evaluate import scorer as ev  # the tiled scorer's module since the split

    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(400)]
    v = Vectors(words, rng.standard_normal((400, 8)).astype(np.float32))
    lines = [" ".join(rng.choice(words, 4, replace=False)) for _ in range(300)]
    path = write(tmp_path, "q.txt", ": s\n" + "\n".join(lines) + "\n")
    one = evaluate_analogies(v, path, n_jobs=1)
    monkeypatch.setattr(ev, "QUERY_BLOCK", 7)
    monkeypatch.setattr(ev, "VOCAB_TILE", 33)
    many = evaluate_analogies(v, path, n_jobs=2)
    assert one.to_gensim() == many.to_gensim()


# --------------------------------------------------------------------------- equal to gensim


def _random_set(seed: int, variants: bool):
    """Random vectors; with ``variants``, capitalised near-copies of some words (later rows)."""
    rng = np.random.default_rng(seed)
    base = [f"w{i}" for i in range(150)]
    vecs = rng.standard_normal((150, 6)).astype(np.float32)
    words = list(base)
    if variants:
        pick = rng.choice(150, 60, replace=False)
        words += [base[i].upper() if i % 2 else base[i].capitalize() for i in pick]
        vecs = np.vstack([vecs, vecs[pick] + 0.05 * rng.standard_normal((60, 6)).astype(np.float32)])
    return Vectors(words, vecs), rng


@pytest.mark.parametrize("variants", [False, True])
@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("restrict_vocab", [300000, 120, 180])
def test_equal_to_gensim_on_random_sets(tmp_path, variants, case_insensitive, restrict_vocab):
    v, rng = _random_set(7, variants)
    pool = v.index_to_key
    lines = []
    for k in range(400):
        q = list(rng.choice(pool, 4, replace=False))
        if k % 5 == 0:
            q[3] = q[1].swapcase()  # sometimes the expected word is a case variant of an input
        if k % 17 == 0:
            q[0] = "unknownword"
        lines.append(" ".join(q))
        if k % 100 == 0:
            lines.append(f": section-{k}")
    path = write(tmp_path, "q.txt", ": first\n" + "\n".join(lines) + "\n")
    ours = evaluate_analogies(v, path, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive)
    kv = v.to_gensim()
    g_score, g_sections = kv.evaluate_word_analogies(
        str(path), restrict_vocab=restrict_vocab, case_insensitive=case_insensitive
    )
    o_score, o_sections = ours.to_gensim()
    assert o_sections == g_sections
    assert o_score == pytest.approx(g_score)


def test_mul_matches_vectors_analogy_mul(tmp_path):
    v, rng = _random_set(11, variants=False)
    qs = [list(rng.choice(v.index_to_key, 4, replace=False)) for _ in range(200)]
    # make about half of them answerable by 3CosMul itself
    for q in qs[::2]:
        q[3] = v.analogy(q[0], q[1], q[2], method="mul", restrict_vocab=130)[0][0]
    path = write(tmp_path, "q.txt", ": s\n" + "\n".join(" ".join(q) for q in qs) + "\n")
    r = evaluate_analogies(v, path, method="mul", restrict_vocab=130, case_insensitive=False)
    expected = []
    for a, b, c, d in qs:
        if all(v.get_index(w) < 130 for w in (a, b, c, d)):
            expected.append(v.analogy(a, b, c, method="mul", restrict_vocab=130)[0][0] == d)
    assert r.total.total == len(expected)
    assert r.correct == sum(expected) >= 50
    assert r.method == "mul"


# --------------------------------------------------------------------------- through an index


class SpyIndex:
    """A real Annoy index over the set, recording how evaluate_analogies calls it."""

    def __init__(self, vectors, path):
        from pretrained.index import build_index

        self.index = build_index(vectors, path, n_trees=10, seed=1, progress=False)
        self.calls = []

    def analogy_batch(self, triples, topn=1, *, method="add", search_k=None, n_jobs=-1, restrict_vocab=None):
        self.calls.append(
            dict(
                n=len(triples),
                topn=topn,
                method=method,
                search_k=search_k,
                n_jobs=n_jobs,
                restrict_vocab=restrict_vocab,
            )
        )
        return self.index.analogy_batch(
            triples, topn=topn, method=method, search_k=search_k, n_jobs=n_jobs, restrict_vocab=restrict_vocab
        )


def test_through_an_index_uses_its_answers(tmp_path):
    v, rng = _random_set(5, variants=True)
    lines = [" ".join(rng.choice(v.index_to_key, 4, replace=False)) for _ in range(300)]
    path = write(tmp_path, "q.txt", ": s\n" + "\n".join(lines) + "\n")
    idx = SpyIndex(v, tmp_path / "v.ann")
    exhaustive = 10 * len(v) * 2  # Annoy visits every leaf of every tree: exact search
    through = evaluate_analogies(v, path, index=idx, restrict_vocab=170, search_k=exhaustive)
    exact = evaluate_analogies(v, path, restrict_vocab=170)
    assert through.through == "index" and exact.through == "exact"
    assert through.to_gensim() == exact.to_gensim()  # a real index searched exhaustively gives the exact answers
    assert idx.calls == [
        dict(n=exact.total.total, topn=5, method="add", search_k=exhaustive, n_jobs=-1, restrict_vocab=170)
    ]
    # a starved search (search_k 1) goes through the index too: its answers, not exact ones
    starved = evaluate_analogies(v, path, index=idx, restrict_vocab=170, search_k=1)
    assert idx.calls[-1]["search_k"] == 1 and starved.through == "index"
    assert starved.to_gensim() != exact.to_gensim()


def test_through_an_index_that_answers_wrongly(tmp_path, royal):
    class Wrong:
        def analogy_batch(self, triples, topn=1, **kw):
            return [pretrained.core.results.Neighbours([("banana", 0.9)]) for _ in triples]

    path = write(tmp_path, "q.txt", ": s\nman woman king queen\nman woman king banana\n")
    r = evaluate_analogies(royal, path, index=Wrong())
    assert r.sections[0].questions_correct == (("MAN", "WOMAN", "KING", "BANANA"),)


def test_object_without_analogy_batch_is_a_clear_error(royal, tmp_path):
    path = write(tmp_path, "q.txt", ": s\nman woman king queen\n")
    with pytest.raises(IndexUnavailableError, match="analogy_batch"):
        evaluate_analogies(royal, path, index=object())


# --------------------------------------------------------------------------- word pairs


def test_pairs_rules(royal, tmp_path):
    path = write(
        tmp_path,
        "p.tsv",
        "# comment\tline\t1\n"
        "Man\tWoman\t8\n"
        "king\tqueen\t7.5\n"
        "king\tbanana\t0.5\n"
        "man\tunicorn\t3\n"
        "not enough fields\n"
        "man\twoman\tnot-a-number\n"
        "queen\tprince\t6\n",
    )
    r = evaluate_pairs(royal, path)
    assert (r.pairs, r.oov) == (4, 1)
    assert r.oov_ratio == pytest.approx(20.0)
    sims = [
        royal.similarity("man", "woman"),
        royal.similarity("king", "queen"),
        royal.similarity("king", "banana"),
        royal.similarity("queen", "prince"),
    ]
    from scipy import stats

    assert r.spearman == pytest.approx(stats.spearmanr([8, 7.5, 0.5, 6], sims)[0])
    assert r.pearson == pytest.approx(stats.pearsonr([8, 7.5, 0.5, 6], sims)[0], rel=1e-5)
    kv = royal.to_gensim()
    pearson, spearman, oov_ratio = kv.evaluate_word_pairs(str(path))
    assert r.spearman == pytest.approx(spearman[0]) and r.pearson == pytest.approx(pearson[0], rel=1e-5)
    assert r.oov_ratio == pytest.approx(oov_ratio)
    strict = evaluate_pairs(royal, path, case_insensitive=False)
    assert strict.oov == 2


def test_pairs_with_nothing_usable_is_a_format_error(royal, tmp_path):
    path = write(tmp_path, "p.tsv", "# only\ndragon\tunicorn\t3\n")
    with pytest.raises(FormatError, match=r"p\.tsv"):
        evaluate_pairs(royal, path)


def test_datasets_come_from_gensim():
    assert dataset_path("questions-words") == gensim_test_data("questions-words.txt")
    assert dataset_path("simlex999") == gensim_test_data("simlex999.txt")
    with pytest.raises(ValueError, match="unknown benchmark"):
        dataset_path("nope")


def test_results_print_as_tables(royal, tmp_path):
    path = write(tmp_path, "q.txt", ": family\nman woman king queen\n: gram8-plural\nman woman king banana\n")
    text = repr(evaluate_analogies(royal, path))
    lines = text.splitlines()
    assert lines[0].split() == ["family", "100.0%", "1/1"]
    assert lines[1].split() == ["gram8-plural", "0.0%", "0/1"]
    assert "Total accuracy" in text and "50.0%" in text and "1/2" in text
    assert "skipped" in lines[-1]
    p = evaluate_pairs(royal, write(tmp_path, "p.tsv", "man\twoman\t1\nking\tqueen\t2\nking\tbanana\t0\n"))
    assert "spearman" in repr(p) and "3 pairs" in repr(p)


# --------------------------------------------------------------------------- the real GloVe 6B 50d


@pytest.fixture(scope="module")
def glove50_kv(glove50):
    return glove50.to_gensim()


def test_glove50_analogies_equal_gensim(glove50, glove50_kv):
    """The one slow test: gensim's own evaluation of the same vectors (about a minute)."""
    questions = gensim_test_data("questions-words.txt")
    r = evaluate_analogies(glove50, questions)
    g_score, g_sections = glove50_kv.evaluate_word_analogies(str(questions))
    assert abs(100 * r.accuracy - 100 * g_score) < 0.1
    g = {s["section"]: len(s["correct"]) / max(1, len(s["correct"]) + len(s["incorrect"])) for s in g_sections}
    for s in r.sections:
        assert abs(s.accuracy - g[s.name]) < 0.002, s.name
    assert r.total.total == len(g_sections[-1]["correct"]) + len(g_sections[-1]["incorrect"])
    # the figures GluonNLP publishes for glove.6B.50d in its word-embedding evaluation table
    # (3CosAdd on questions-words.txt), which this evaluation reproduces
    assert round(100 * r.accuracy, 1) == pytest.approx(46.4, abs=0.1)
    assert round(100 * r.semantic, 1) == pytest.approx(48.8, abs=0.1)
    assert round(100 * r.syntactic, 1) == pytest.approx(44.4, abs=0.1)


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_glove50_pairs_equal_gensim(glove50, glove50_kv, name):
    path = gensim_test_data(name)
    r = evaluate_pairs(glove50, path)
    pearson, spearman, oov_ratio = glove50_kv.evaluate_word_pairs(str(path))
    assert r.spearman == pytest.approx(spearman[0], abs=1e-4)
    assert r.pearson == pytest.approx(pearson[0], abs=1e-4)
    assert r.oov_ratio == pytest.approx(oov_ratio)


# --------------------------------------------------------------------------- through the real index


def test_through_a_real_annoy_index_equals_exact_at_high_search_k(tmp_path):
    from pretrained.index import build_index

    v, rng = _random_set(5, variants=True)
    lines = [" ".join(rng.choice(v.index_to_key, 4, replace=False)) for _ in range(300)]
    # about a third answerable, so a wrong candidate set would change the score
    for k in range(0, 300, 3):
        a, b, c, _ = lines[k].split()
        lines[k] = " ".join([a, b, c, v.analogy(a, b, c, restrict_vocab=170)[0][0]])
    path = write(tmp_path, "q.txt", ": s\n" + "\n".join(lines) + "\n")
    index = build_index(v, tmp_path / "v.ann", n_trees=10, seed=1, progress=False)
    exact = evaluate_analogies(v, path, restrict_vocab=170)
    through = evaluate_analogies(v, path, index=index, restrict_vocab=170, search_k=100000)
    assert exact.correct >= 90
    assert through.through == "index"
    assert through.to_gensim() == exact.to_gensim()
    # 3CosMul through the index re-ranks the best 3CosAdd candidates (the design), so on
    # these 6-dim random vectors it may differ from exhaustive 3CosMul on a few questions only
    mul_index = evaluate_analogies(v, path, index=index, restrict_vocab=170, method="mul", search_k=100000)
    mul_exact = evaluate_analogies(v, path, restrict_vocab=170, method="mul")
    assert abs(mul_index.correct - mul_exact.correct) <= 9


def test_cli_evaluate_with_index_side_by_side(tmp_path, capsys):
    import json

    from pretrained.cli import main

    v, rng = _random_set(3, variants=False)
    src = tmp_path / "v.txt"
    pretrained.write_vectors(src, v.index_to_key, v.vectors, format="glove")
    lines = [" ".join(rng.choice(v.index_to_key, 4, replace=False)) for _ in range(50)]
    qpath = write(tmp_path, "q.txt", ": s\n" + "\n".join(lines) + "\n")
    assert (
        main(
            [
                "evaluate",
                str(src),
                "--analogies",
                str(qpath),
                "--pairs",
                str(write(tmp_path, "p.txt", "w1\tw2\t3.0\nw3\tw4\t1.0\nw5\tw6\t2.0\n")),
                "--index",
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    text = json.dumps(data)
    assert "index" in text and "exact" in text
