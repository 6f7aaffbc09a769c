"""The hand-made page pairs (bench/data/pages/cases.yaml) as a table: label in, verdict out."""

from __future__ import annotations

import pytest

from bench.pages import Case, load_cases, passed, run_case

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
