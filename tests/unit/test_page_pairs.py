"""The hand-made page pairs (bench/data/pages/cases.yaml) as a table: label in, verdict out."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from bench.pages import BASE_URL, DATA, Case, load_cases, passed, run_case
from worker.diff import compare
from worker.extract import extract_article
from worker.normalize import fingerprint

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_pair_is_found_as_labelled(case: Case) -> None:
    """A real change is at least moderate with its kinds; a noise-only pair is no change."""
    found = run_case(case)
    kinds, significance = sorted(found.kinds), found.significance
    assert passed(case, found), (
        f"expected {case.expect} {sorted(case.kinds)}, got {significance} {kinds}"
    )


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        ("gov hero image removed", "lead image removed: 'Morning haze over the city skyline'"),
        (
            "gov dataset link unlinked, text kept",
            "link to air-quality-2026.csv ('View this dataset') removed from paragraph",
        ),
        (
            "article source link removed",
            "link to remediation-of-unsafe-cladding-2026.pdf ('National Audit Office report')"
            " removed from paragraph 4",
        ),
        (
            "wordpress video embed removed",
            "embedded video removed: 'A year at Riverside Community Garden'",
        ),
        (
            "documents finance report replaced",
            "now points to finance-report-month-7-corrected.pdf (was finance-report-month-7.pdf)",
        ),
        ("gov section removed", "section 'Key findings' removed"),
        (
            "article lead photo swapped",
            "lead image swapped: (tower-crane.jpg) -> (residents-protest.jpg)",
        ),
    ],
)
def test_changes_are_described_in_words(name: str, sentence: str) -> None:
    """Alerts say what happened to the image, link, embed or section in a readable sentence."""
    (case,) = [c for c in CASES if c.name == name]
    change = run_case(case).change
    assert change is not None
    assert any(sentence in line for line in change.details), change.details


def test_every_site_style_has_real_changes_and_noise() -> None:
    """Each page in the set has both labels, and every new kind is exercised."""
    for page in {case.page for case in CASES}:
        labels = {case.expect for case in CASES if case.page == page}
        assert labels == {"change", "noise"}, page
    assert {"image", "link", "embed", "section"} <= set().union(*(c.kinds for c in CASES))


def test_a_broken_case_names_itself() -> None:
    """An edit that no longer matches the page fails loudly instead of testing nothing."""
    case = Case("broken", "gov_dataset.html", "noise", (("no such text", ""),))
    with pytest.raises(ValueError, match="case 'broken'"):
        case.pages()


def _add_params(params: str) -> Callable[[re.Match[str]], str]:
    def add(match: re.Match[str]) -> str:
        url = match.group(2)
        joiner = "&amp;" if "?" in url else "?"
        return f'{match.group(1)}"{url}{joiner}{params}"'

    return add


def _session(match: re.Match[str]) -> str:
    path, _, query = match.group(2).partition("?")
    return f'{match.group(1)}"{path};jsessionid=0A1B2C3D{"?" + query if query else ""}"'


LINK = r'(<a\b[^>]*?\shref=)"((?:https?:/)?/[^"#]*)"'
NOISE_TRANSFORMS: dict[str, tuple[str, Callable[[re.Match[str]], str]]] = {
    "tracking on every link": (LINK, _add_params("utm_source=feed&amp;fbclid=x1&amp;ref=hp")),
    "renditions on every image": (r'(<img\b[^>]*?\ssrc=)"([^"]+)"', _add_params("w=640&amp;q=70")),
    "session id in every link": (r'(<a\b[^>]*?\shref=)"(/[^"#;]*)"', _session),
    "every counter moves": (
        r"(\d[\d,]*) (views|shares|times)",
        lambda m: f"9{m.group(1)} {m.group(2)}",
    ),
}


@pytest.mark.parametrize("transform", NOISE_TRANSFORMS, ids=list(NOISE_TRANSFORMS))
@pytest.mark.parametrize("page", sorted({case.page for case in CASES}))
def test_generic_noise_on_every_page_is_no_change(page: str, transform: str) -> None:
    """The same noise applied to the whole page, not only to chosen spots, changes nothing."""
    pattern, replacement = NOISE_TRANSFORMS[transform]
    html = (DATA / page).read_text(encoding="utf-8")
    noisy = re.sub(pattern, replacement, html)
    if noisy == html:
        pytest.skip(f"{page} has nothing for {transform!r} to change")
    old = extract_article(html, BASE_URL, mode="auto")
    new = extract_article(noisy, BASE_URL, mode=old.mode)
    assert fingerprint(old) == fingerprint(new) or compare(old, new) is None
