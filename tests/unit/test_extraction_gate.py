"""The extraction quality gate: the dev-set scores may never drop below the pinned floor.

The floor lives in ``bench/extraction_floor.json``; raising it is part of every improvement
(``python -m bench.extraction`` prints the current numbers). Lowering it needs a reason in the
commit message, the same contract as trafilatura's ``eval_gate.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.scoring import HANDMADE_DIR, Page, Scores, editwatch, load_pages, score
from worker.extract import extract_article

FLOOR_FILE = Path(__file__).resolve().parents[2] / "bench" / "extraction_floor.json"
CEILINGS = frozenset({"leak_rate"})  # lower is better for these


@pytest.fixture(scope="module")
def pages() -> list[Page]:
    return load_pages()


@pytest.fixture(scope="module")
def scores(pages: list[Page]) -> Scores:
    return score(pages, [editwatch(page) for page in pages])


def _floor() -> dict[str, float]:
    data = json.loads(FLOOR_FILE.read_text(encoding="utf-8"))
    return {key: float(value) for key, value in data["floor"].items()}


@pytest.mark.parametrize("metric", sorted(_floor()))
def test_dev_set_score_holds_the_floor(scores: Scores, metric: str) -> None:
    """Extraction quality on the 262 real dev-set pages never silently regresses."""
    floor = _floor()[metric]
    current = scores.as_floor()[metric]
    if metric in CEILINGS:
        assert current <= floor, f"{metric} rose to {current:.4f} (ceiling {floor:.4f})"
    else:
        assert current >= floor, f"{metric} fell to {current:.4f} (floor {floor:.4f})"


def test_no_article_page_comes_back_empty(scores: Scores) -> None:
    """Every dev-set page is an article, so an empty body is always a failure."""
    assert scores.empty == 0


@pytest.mark.parametrize("page", load_pages(HANDMADE_DIR), ids=lambda page: page.id)
def test_hand_made_page_of_each_failure_kind_extracts_exactly(page: Page) -> None:
    """Each hand-made page (one kind of failure: hidden copies, fields in the body, split
    bodies, ...) yields exactly its hand-written headline and paragraphs."""
    article = extract_article(page.html, page.url)
    assert article.headline == page.gold_title
    assert article.paragraphs == tuple(page.gold_body.split("\n\n"))
