"""The explorer page opened with a hand-typed, malformed hash (``#q=%``, ``#q=100%``): no uncaught
URIError, the page finishes loading, and what was typed is searched as typed (headless Chromium,
as in ``test_explore_browser.py``)."""

from __future__ import annotations

import pytest
from test_explore_browser import items, open_page, shown

from pretrained.viz.explore import explore

# the hash as typed; the word the page searches for (None: no search), the neighbours it shows
CASES = [
    pytest.param("#q=%", "%", None, id="lone-percent"),
    pytest.param("#q=100%", "100%", None, id="trailing-percent"),
    pytest.param("#q=%E0%A4%A", "%E0%A4%A", None, id="cut-utf8-escape"),
    pytest.param("#q=sku%2D3%zz", "sku-3%zz", None, id="valid-escape-beside-a-bad-one"),
    pytest.param("#x=%&q=sku%2D3", "sku-3", "sku-3", id="bad-part-then-a-good-query"),
    pytest.param("#q=sku-3&a=%&b=sku-1&c=100%", "sku-3", "sku-3", id="bad-analogy-words"),
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    v = items(60, 8)
    path = explore(v, vocab=60, neighbours=4, path=tmp_path_factory.mktemp("hash") / "items.html").path
    return v, path


@pytest.mark.parametrize("fragment, searched, found", CASES)
def test_a_malformed_hash_loads_the_page_and_searches_what_was_typed(page, tmp_path, fragment, searched, found):
    v, path = page
    dom = open_page(tmp_path, path, fragment)  # no script error, data-ready, the map drawn
    if found is None:
        assert f"“{searched}” is not on this map" in dom.text.get("neighbours", "")
        assert shown(dom, "neighbours") == []
    else:
        assert [w for w, _ in shown(dom, "neighbours")] == v.most_similar(found, topn=4).words
