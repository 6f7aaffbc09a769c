"""worker.extract on a dozen saved real pages from the dev set (bench/data/extraction).

Each page's headline is asserted here; its first and last paragraph must equal the human-reviewed
gold body's, so extraction starts and stops exactly where the article does.
"""

from __future__ import annotations

import pytest

from bench.scoring import Page, load_pages, profile_for, site_profiles
from worker.extract import extract_article

# (dev-set id, headline as the page shows it)
PAGES = [
    ("0027", "What Meditation Can Do for You (and How To Get Started)"),
    ("0078", "Cybersecurity M&A Roundup: 45 Deals Announced in October 2025"),
    ("0080", "Black Friday 2025 cybersecurity deals to explore"),
    ("0160", "Why I Teach Plato to Plumbers"),
    ("0329", "6 Gardening Shows to Watch for Backyard Inspiration"),
    ("0384", "Scalable End-to-End Interpretability"),
    ("0399", "In the garden: Three great evergreens for your plot"),
    ("0401", "The Best Film of 2025, According to Rotten Tomatoes"),
    ("0480", "Enterprises pivot to smaller, measurable AI projects by 2026"),
    (
        "4500",
        "These Are The Best Noise Cancelling Headphones Money Can Buy, "
        "According To Consumer Reports",
    ),
    ("4515", "Climate change problem solvers: Startups with solutions"),
    ("4825", "The Best Lightweight Gaming Mice in 2026"),
]


@pytest.fixture(scope="module")
def dev_set() -> dict[str, Page]:
    return {page.id: page for page in load_pages()}


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(("page_id", "headline"), PAGES, ids=[p[0] for p in PAGES])
def test_real_page_headline_first_and_last_paragraph(
    dev_set: dict[str, Page], page_id: str, headline: str
) -> None:
    """On a saved real page the headline, first and last body paragraph are exactly right."""
    page = dev_set[page_id]
    gold = [part for part in page.gold_body.split("\n\n") if part.strip()]
    article = extract_article(page.html, page.url)
    assert article.headline == headline
    assert _squash(article.paragraphs[0]) == _squash(gold[0])
    assert _squash(article.paragraphs[-1]) == _squash(gold[-1])


def test_slashdot_profile_picks_the_story_over_its_comments(dev_set: dict[str, Page]) -> None:
    """config/sites/slashdot.org.yaml: the story (bare text in div.p) beats the comments."""
    page = dev_set["0396"]
    profile = profile_for(page.url, site_profiles())
    assert profile is not None and profile.domain == "slashdot.org"
    gold = [part for part in page.gold_body.split("\n\n") if part.strip()]
    article = extract_article(page.html, page.url, profile)
    assert article.headline == (
        "Stanford Computer Science Grads Find Their Degrees No Longer Guarantee Jobs"
    )
    assert _squash(article.paragraphs[0]) == _squash(gold[0])
    assert _squash(article.paragraphs[-1]) == _squash(gold[-1])
    generic = extract_article(page.html, page.url)
    assert _squash(generic.body_text) != _squash(article.body_text)


# (dev-set id, headline as readers see it) on pages whose source text needs repair
REPAIRED_HEADLINES = [
    ("0244", "12 Must-Have Data Analysis Tools for 2026 | Python, SQL & AI"),  # &amp;#x26;
    (
        "0380",  # arXiv: <span class="descriptor">Title:</span>...
        "AlignMerge - Alignment-Preserving Large Language Model Merging via Fisher-Guided "
        "Geometric Constraints",
    ),
    # og:title is UTF-8 read as Latin-1 and differs; the visible <h1> it backs is the headline
    ("4656", "A DIY Investor\u2019s Guide to Retirement Calculators in 2025"),
]


@pytest.mark.parametrize(
    ("page_id", "headline"), REPAIRED_HEADLINES, ids=[p[0] for p in REPAIRED_HEADLINES]
)
def test_real_page_headline_text_is_repaired(
    dev_set: dict[str, Page], page_id: str, headline: str
) -> None:
    """Double-escaped entities, label prefixes and mojibake do not reach a real headline."""
    page = dev_set[page_id]
    assert extract_article(page.html, page.url).headline == headline
