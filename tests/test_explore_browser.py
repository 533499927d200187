"""The explorer page in a real browser: headless Chromium (Debian's ``chromium`` package) opens the
file from disk, runs its script, and the test reads the resulting DOM and a screenshot.

In CI (``CI`` set) a missing chromium fails these tests; locally they skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from conftest import require

from pretrained import Vectors
from pretrained.viz.explore import explore


def chromium() -> str:
    found = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    )
    if found is None:
        msg = "needs headless Chromium: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return found


def run_chromium(tmp_path: Path, url: str, *extra: str) -> str:
    """Open ``url`` headless (no network services, a throwaway profile) and return stdout."""
    args = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000",
        "--window-size=1200,800",
        *extra,
        url,
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Dom(HTMLParser):
    """The bits of a dumped page the tests read: error items, list items by box, attributes by id."""

    def __init__(self, text: str):
        super().__init__()
        self.stack, self.items, self.attrs, self.text, self.body = [], {}, {}, {}, {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body = attrs
        box = attrs.get("id") or (self.stack[-1][1] if self.stack else None)
        if tag not in ("input", "br", "meta", "img"):
            self.stack.append((tag, box))
        if "id" in attrs:
            self.attrs[attrs["id"]] = attrs
        if tag == "li" and box is not None:
            self.items.setdefault(box, []).append(attrs)

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if self.stack and self.stack[-1][1]:
            self.text[self.stack[-1][1]] = self.text.get(self.stack[-1][1], "") + data


def open_page(tmp_path: Path, page: Path, fragment: str) -> Dom:
    dom = Dom(run_chromium(tmp_path, page.resolve().as_uri() + fragment, "--dump-dom"))
    assert dom.items.get("errors", []) == [], f"script errors: {dom.text.get('errors')}"
    assert dom.body.get("data-ready") == "1", "the script finished"
    assert "points" in dom.text.get("status", ""), "the script ran and drew the map"
    return dom


def shown(dom: Dom, box: str):
    return [(li["data-word"], float(li["data-score"])) for li in dom.items.get(box, [])]


@pytest.fixture(scope="module")
def hotel_page(glove50, tmp_path_factory):
    path = tmp_path_factory.mktemp("explorer") / "map.html"
    explore(glove50, ["hotel"], vocab=3000, neighbours=10, groups="kmeans:6", path=path)
    return path


def test_hotel_and_its_neighbours_from_the_url(glove50, hotel_page, tmp_path):
    dom = open_page(tmp_path, hotel_page, "#q=hotel")
    expected = glove50.most_similar("hotel", topn=10)  # over the whole vocabulary
    listed = shown(dom, "neighbours")
    assert [w for w, _ in listed] == [w for w, _ in expected]
    np.testing.assert_allclose([s for _, s in listed], [s for _, s in expected], atol=1e-4)
    assert "motel" in dict(listed) and "resort" in dict(listed)


def test_analogy_from_the_url(glove50, hotel_page, tmp_path):
    dom = open_page(tmp_path, hotel_page, "#a=man&b=king&c=woman")
    answers = shown(dom, "analogy-result")
    assert answers and answers[0][0] == "queen"
    # 3CosAdd among the map's own points: hotel, its neighbours and the first 3,000 words
    words = list(
        dict.fromkeys(["hotel"] + [w for w, _ in glove50.most_similar("hotel", topn=10)] + glove50.index_to_key[:3000])
    )
    sub = Vectors(words, glove50[words])
    expected = sub.most_similar(positive=["king", "woman"], negative=["man"], topn=5)
    assert [w for w, _ in answers] == [w for w, _ in expected]
    np.testing.assert_allclose([s for _, s in answers], [s for _, s in expected], atol=1e-4)


def test_a_word_not_on_the_map_says_so(hotel_page, tmp_path):
    dom = open_page(tmp_path, hotel_page, "#q=zzzqqq")
    assert "is not on this map" in dom.text.get("neighbours", "") and shown(dom, "neighbours") == []


def test_screenshot_is_not_blank(hotel_page, tmp_path):
    image = require("matplotlib.image", "plot")
    png = tmp_path / "shot.png"
    run_chromium(tmp_path, hotel_page.resolve().as_uri() + "#q=hotel", f"--screenshot={png}")
    pixels = image.imread(png)[..., :3]
    assert pixels.shape[:2] == (800, 1200)
    plot = pixels[60:, 330:]  # right of the side panel, below the title bar
    coloured = (np.abs(plot - plot.mean(axis=2, keepdims=True)).max(axis=2) > 0.15).mean()
    assert coloured > 0.01, "the map shows coloured points"
    assert len(np.unique((plot * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50


def items(n: int, dim: int) -> Vectors:
    rng = np.random.default_rng(7)
    return Vectors([f"sku-{i}" for i in range(n)], rng.standard_normal((n, dim)).astype(np.float32), name="items")


@pytest.mark.parametrize("float32_numbers", [10**9, 0], ids=["float32", "float16"])
def test_item_ids_search_and_analogy(tmp_path, monkeypatch, float32_numbers):
    import sys

    monkeypatch.setattr(sys.modules["pretrained.viz.explore"], "FLOAT32_NUMBERS", float32_numbers)
    v = items(500, 16)
    page = explore(v, vocab=500, neighbours=5, path=tmp_path / "items.html")
    dom = open_page(tmp_path, page.path, "#q=sku-7&a=sku-1&b=sku-2&c=sku-3")
    listed = shown(dom, "neighbours")
    expected = v.most_similar("sku-7", topn=5)
    assert [w for w, _ in listed] == [w for w, _ in expected]
    answers = shown(dom, "analogy-result")
    best = v.most_similar(positive=["sku-2", "sku-3"], negative=["sku-1"], topn=5)
    assert [w for w, _ in answers][:3] == [w for w, _ in best][:3]
    np.testing.assert_allclose(answers[0][1], best[0][1], atol=2e-3 if float32_numbers == 0 else 1e-4)


def test_no_analogy_box_when_the_vectors_are_left_out(tmp_path):
    page = explore(items(50, 8), vocab=50, neighbours=3, analogy=False, path=tmp_path / "p.html")
    dom = open_page(tmp_path, page.path, "#q=sku-3")
    assert "hidden" in dom.attrs["analogy-form"]
    assert "analogies are off" in dom.text.get("analogy-note", "")
    assert len(shown(dom, "neighbours")) == 3


def test_script_errors_are_caught_in_the_page(tmp_path):
    """The #errors hook works, so an empty #errors means no script error (not a blind spot)."""
    page = explore(items(20, 4), vocab=20, neighbours=2, path=tmp_path / "p.html")
    broken = tmp_path / "broken.html"
    broken.write_text(
        page.path.read_text(encoding="utf-8").replace(
            '<script id="data"', '<script>throw new Error("boom")</script><script id="data"', 1
        ),
        encoding="utf-8",
    )
    dom = Dom(run_chromium(tmp_path, broken.resolve().as_uri(), "--dump-dom"))
    assert len(dom.items.get("errors", [])) == 1 and "boom" in dom.text.get("errors", "")
