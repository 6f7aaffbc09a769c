"""Kinds and significance of changes to images, links, embeds and sections (worker.diff.media)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.diff import apply, compare
from worker.diff.weights import MEDIA_WEIGHTS, weight_of
from worker.models import Article, Embed, Image, Link
from worker.normalize import fingerprint

PARAGRAPHS = (
    "The council published its budget on Monday after a long consultation with residents.",
    "Spending on roads rises by four percent while the library budget stays the same.",
    "The full figures are in the budget report, which runs to 212 pages.",
)
LEAD = Image("https://cdn.example.com/2026/11/budget-hall.jpg", "The council chamber", lead=True)
CHART = Image("https://cdn.example.com/2026/11/spending-chart.png", "Spending by area", paragraph=1)
REPORT = Link("https://council.example.gov/files/budget-2027.pdf", "budget report", 2, True)
PAGE_LINK = Link("https://council.example.gov/consultation", "consultation", 0)
VIDEO = Embed("https://www.youtube.com/embed/abc123", "video", "Budget explained", 1)
BASE = Article(
    headline="Council publishes budget",
    paragraphs=PARAGRAPHS,
    headings=("Spending", "Downloads"),
    images=(LEAD, CHART),
    links=(PAGE_LINK, REPORT),
    embeds=(VIDEO,),
)

# (case, edit applied to BASE, kind expected, significance expected)
TABLE: list[tuple[str, Article, str, str]] = [
    ("lead image removed", replace(BASE, images=(CHART,)), "image", "moderate"),
    (
        "lead image swapped",
        replace(BASE, images=(replace(LEAD, src=LEAD.src.replace("hall", "protest")), CHART)),
        "image",
        "moderate",
    ),
    (
        "lead alt text changed",
        replace(BASE, images=(replace(LEAD, alt="Protesters outside the hall"), CHART)),
        "image",
        "moderate",
    ),
    ("inline image removed", replace(BASE, images=(LEAD,)), "image", "moderate"),
    (
        "inline image added",
        replace(
            BASE, images=(LEAD, CHART, Image("https://cdn.example.com/map.png", "Map", paragraph=2))
        ),
        "image",
        "minor",
    ),
    (
        "inline alt text reworded",
        replace(BASE, images=(LEAD, replace(CHART, alt="Spending by service area"))),
        "image",
        "minor",
    ),
    ("document link removed", replace(BASE, links=(PAGE_LINK,)), "link", "moderate"),
    (
        "document link retargeted",
        replace(
            BASE, links=(PAGE_LINK, replace(REPORT, href=REPORT.href.replace(".pdf", "-v2.pdf")))
        ),
        "link",
        "moderate",
    ),
    (
        "document link added",
        replace(
            BASE, links=(*BASE.links, Link("https://council.example.gov/data.csv", "data", 2, True))
        ),
        "link",
        "moderate",
    ),
    ("page link removed", replace(BASE, links=(REPORT,)), "link", "moderate"),
    (
        "page link added",
        replace(BASE, links=(*BASE.links, Link("https://council.example.gov/roads", "roads", 1))),
        "link",
        "minor",
    ),
    ("embed removed", replace(BASE, embeds=()), "embed", "moderate"),
    (
        "embed retargeted",
        replace(BASE, embeds=(replace(VIDEO, src="https://www.youtube.com/embed/zzz999"),)),
        "embed",
        "moderate",
    ),
    (
        "embed added",
        replace(BASE, embeds=(VIDEO, Embed("https://x.com/council/status/1", "post", paragraph=2))),
        "embed",
        "minor",
    ),
    ("section removed", replace(BASE, headings=("Spending",)), "section", "moderate"),
    ("section added", replace(BASE, headings=(*BASE.headings, "Contact")), "section", "moderate"),
    (
        "section heading reworded",
        replace(BASE, headings=("Spending plans", "Downloads")),
        "section",
        "minor",
    ),
]


@pytest.mark.parametrize(("case", "new", "kind", "level"), TABLE, ids=[row[0] for row in TABLE])
def test_kind_and_significance(case: str, new: Article, kind: str, level: str) -> None:
    """Each media edit gives its kind and the significance the weights table promises."""
    change = compare(BASE, new)
    assert change is not None, case
    assert kind in change.kinds and change.significance == level, (change.kinds, change.details)
    assert fingerprint(BASE) != fingerprint(new)


@pytest.mark.parametrize(
    "new",
    [
        replace(BASE, images=(replace(LEAD, src=LEAD.src + "?w=1200&q=70"), CHART)),
        replace(
            BASE,
            images=(
                replace(LEAD, src=LEAD.src.replace("budget-hall", "budget-hall-1024x683")),
                CHART,
            ),
        ),
        replace(BASE, images=(replace(LEAD, src=LEAD.src.replace("cdn.", "img2.cdn.")), CHART)),
        replace(BASE, images=(CHART, LEAD)),  # order of the list
        replace(BASE, links=(PAGE_LINK, replace(REPORT, href=REPORT.href + "?utm_source=x&sid=9"))),
        replace(BASE, embeds=(replace(VIDEO, src=VIDEO.src + "?t=1733000000&cb=88"),)),
    ],
    ids=[
        "resize params",
        "size suffix",
        "cdn host",
        "order",
        "tracking and session",
        "cache buster",
    ],
)
def test_renditions_and_tracking_are_no_change(new: Article) -> None:
    """A rendition, a CDN host, a tracking or cache-busting parameter is not an edit."""
    assert compare(BASE, new) is None
    assert fingerprint(BASE) == fingerprint(new)


def test_a_state_stored_before_media_were_read_reports_no_media_change() -> None:
    """Upgrading does not alert "every image added" for pages whose stored state has no media."""
    legacy = Article.from_dict({"headline": BASE.headline, "paragraphs": list(PARAGRAPHS)})
    assert not legacy.media_known
    assert compare(legacy, BASE) is None


def test_article_round_trips_its_media_through_the_stored_form() -> None:
    """Versions keep images, links, embeds, headings and the mode."""
    page = replace(BASE, mode="page")
    assert Article.from_dict(page.to_dict()) == page


def test_apply_still_rebuilds_text_when_media_changed() -> None:
    """Media changes are described, not replayed: the text fields still replay exactly."""
    new = replace(BASE, headline="Council publishes late budget", images=(CHART,))
    change = compare(BASE, new)
    assert change is not None and "image" in change.kinds
    assert apply(BASE, change).headline == new.headline


def test_a_text_edit_and_a_media_edit_together_keep_the_higher_weight() -> None:
    """A typo fix next to a removed document link is still a moderate change."""
    fixed = (PARAGRAPHS[0].replace("Monday", "Mondy"), *PARAGRAPHS[1:])
    typo_only = compare(replace(BASE, paragraphs=fixed), BASE)
    both = compare(replace(BASE, paragraphs=fixed), replace(BASE, links=(PAGE_LINK,)))
    assert typo_only is not None and typo_only.significance == "minor"
    assert both is not None and both.significance == "moderate"


def test_unknown_roles_fall_back_to_the_kind_wildcard_then_minor() -> None:
    """Weights are looked up by (kind, role, action), then (kind, *, action), then minor."""
    assert weight_of("embed", "chart", "removed") == MEDIA_WEIGHTS[("embed", "*", "removed")]
    assert weight_of("image", "inline", "renamed") == "minor"


_SRC = st.sampled_from(["a.jpg", "b.jpg", "c.png", "a-300x200.jpg", "d.jpg?w=800"])
_IMAGES = st.lists(
    st.builds(
        Image,
        src=_SRC.map(lambda name: f"https://cdn.example.com/{name}"),
        alt=st.sampled_from(["", "A hall", "A chart"]),
        lead=st.booleans(),
        paragraph=st.none() | st.integers(0, 3),
    ),
    max_size=4,
)
_LINKS = st.lists(
    st.builds(
        Link,
        href=st.sampled_from(
            ["https://x.gov/a.pdf", "https://x.gov/b", "https://x.gov/a.pdf?utm_source=1"]
        ),
        text=st.sampled_from(["report", "page", ""]),
        paragraph=st.none() | st.integers(0, 3),
        document=st.booleans(),
    ),
    max_size=4,
)


@given(_IMAGES, _LINKS, _IMAGES, _LINKS)
def test_media_diff_properties(
    images: list[Image], links: list[Link], other_images: list[Image], other_links: list[Link]
) -> None:
    """diff(a, a) is nothing; a change one way is a change the other way, with the same kinds."""
    one = replace(BASE, images=tuple(images), links=tuple(links))
    other = replace(BASE, images=tuple(other_images), links=tuple(other_links))
    assert compare(one, one) is None
    forward, backward = compare(one, other), compare(other, one)
    assert (forward is None) == (backward is None)
    if forward is not None and backward is not None:
        assert forward.kinds == backward.kinds


def test_an_alt_text_that_repeats_the_caption_is_told_once() -> None:
    """When alt and caption say the same and both change, the change is the caption's only."""
    old = replace(BASE, captions=("The council chamber",))
    new = replace(
        BASE,
        captions=("The council chamber on Monday",),
        images=(replace(LEAD, alt="The council chamber on Monday"), CHART),
    )
    change = compare(old, new)
    assert change is not None and "caption" in change.kinds and "image" not in change.kinds
