"""Alerts that tell the truth, end to end through `editwatch check` against a real HTTP server:
noise never alerts nor shows in a diff, a removal is one state, a wall is not an edit, and the
commands that explain it (`extract`, `history --verbose`, `diff`) say the same as the alerts."""
# ruff: noqa: E501  (page snippets and docstrings read better unwrapped)

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.truth_pages import EDITS, LAYOUTS, NOISE_MARKERS, Noise, Story, make_story, render
from tests.configs import write_config
from tests.httpserver import LocalHTTPServer, RecordedRequest, Response
from worker.cli import cli
from worker.store import Store

HTML = {"Content-Type": "text/html; charset=utf-8"}
NOISE_RE = re.compile("|".join(re.escape(m) for m in NOISE_MARKERS), re.IGNORECASE)


def run(config: Path, data: Path, *args: str, expect: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
    assert result.exit_code == expect, result.output
    return result.stdout


def check(config: Path, data: Path, expect: int = 0) -> list[dict[str, object]]:
    """`check --json` rows; ``expect`` 1 where a watch errs (a wall is a check error)."""
    out = run(config, data, "check", "--json", expect=expect)
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def check_one(config: Path, data: Path) -> dict[str, object]:
    (row,) = check(config, data)
    return row


def alerts(data: Path) -> list[dict[str, object]]:
    path = data / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def serve_story(server: LocalHTTPServer, path: str, story: Story, layout: str, seed: int) -> None:
    """Every request gets the story with *fresh* noise, like a real news site."""
    rng = random.Random(seed)

    def answer(request: RecordedRequest) -> Response:
        return Response(200, HTML, render(story, layout, Noise.fresh(rng)))

    server.route(path, handler=answer)


def setup(server: LocalHTTPServer, tmp_path: Path, count: int = 1) -> tuple[Path, Path]:
    watches = [{"url": server.url(f"/news/story-{i}"), "name": f"story-{i}"} for i in range(count)]
    return write_config(tmp_path / "config", watches), tmp_path / "data"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_noise_only_rerenders_never_alert(
    http_server: LocalHTTPServer, tmp_path: Path, layout: str
) -> None:
    """Clocks, counters, rotating 'most read' and ads change on every request: no change, ever."""
    config, data = setup(http_server, tmp_path)
    serve_story(http_server, "/news/story-0", make_story(random.Random(7)), layout, seed=1)
    outcomes = [check_one(config, data)["outcome"] for _ in range(3)]
    assert outcomes == ["new", "unchanged", "unchanged"]
    assert alerts(data) == []


EDIT_CASES = [
    (layout, edit) for layout in LAYOUTS for edit in ("figures", "paragraph_edited", "lede")
]


@pytest.mark.parametrize(("layout", "edit_name"), EDIT_CASES)
def test_a_real_edit_alerts_with_its_kind_and_no_noise_in_any_rendering(
    http_server: LocalHTTPServer, tmp_path: Path, layout: str, edit_name: str
) -> None:
    """The alert names the edit; its diff, and `editwatch diff` in every format, hold no noise."""
    edit = next(e for e in EDITS if e.name == edit_name)
    story = make_story(random.Random(11))
    config, data = setup(http_server, tmp_path)
    serve_story(http_server, "/news/story-0", story, layout, seed=2)
    check(config, data)
    serve_story(http_server, "/news/story-0", edit.apply(story, random.Random(3)), layout, seed=3)
    row = check_one(config, data)
    assert row["outcome"] == "changed" and edit.kind in row["kinds"]  # type: ignore[operator]
    assert set(row["kinds"]) <= edit.allowed  # type: ignore[arg-type]
    (alert,) = alerts(data)
    assert not NOISE_RE.search(json.dumps(alert["diff"]))
    for fmt in ("text", "markdown", "html", "json"):
        shown = run(config, data, "diff", "story-0", "--format", fmt)
        assert not NOISE_RE.search(shown), (fmt, shown)


def test_paragraph_numbers_skip_bylines_and_timestamps_set_as_body_lines(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """'By ...' and 'Updated N minutes ago' paragraphs are not counted: the lede is paragraph 1."""
    body = (
        "<p class='byline'>By Jane Reporter</p><p>Updated {n} minutes ago</p>"
        "<p>The council approved the budget on Tuesday after a long debate in the chamber.</p>"
        "<p>Members said the plan would fund road repairs and two new public libraries.</p>"
        "<p>Opponents warned that the revenue forecasts were far too optimistic this year.</p>"
    )
    config, data = setup(http_server, tmp_path)
    page = "<html><body><article><h1>Budget passes</h1>{}</article></body></html>"
    http_server.route("/news/story-0", body=page.format(body.format(n=3)), headers=HTML)
    check(config, data)
    edited = body.replace("on Tuesday", "late on Tuesday").format(n=9)
    http_server.route("/news/story-0", body=page.format(edited), headers=HTML)
    row = check_one(config, data)
    assert "lede" in row["kinds"]  # type: ignore[operator]
    (alert,) = alerts(data)
    assert any("paragraph 1" in line for line in alert["diff"]["details"])  # type: ignore[index]


def test_alternating_404_and_410_is_one_removal_and_a_restore_is_seen_despite_etags(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """404, 410, 404, redirect to the front: one `removed` alert; back with a 304-happy server: fetched, `restored`."""
    story = make_story(random.Random(5))
    page = render(story, "article", Noise.fresh(random.Random(1)))

    def etagged(request: RecordedRequest) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(304, {"ETag": '"v1"'})
        return Response(200, {**HTML, "ETag": '"v1"'}, page)

    config, data = setup(http_server, tmp_path)
    http_server.route("/news/story-0", handler=etagged)
    assert check_one(config, data)["outcome"] == "new"
    assert check_one(config, data)["outcome"] == "not_modified"
    for status in (404, 410, 404):
        http_server.route("/news/story-0", status=status, body=b"<h1>Gone</h1>", headers=HTML)
        check(config, data)
    http_server.route("/news/", body=b"<html><body><h1>News</h1></body></html>", headers=HTML)
    http_server.redirect("/news/story-0", "/news/", status=301)
    assert check_one(config, data)["outcome"] == "unchanged"  # a redirect to the front: same state
    http_server.route("/news/story-0", handler=etagged)
    restored = check_one(config, data)
    assert restored["outcome"] == "changed" and restored["kinds"] == ["restored"]
    assert "If-None-Match" not in http_server.requests("/news/story-0")[-1].headers
    assert [a["kinds"] for a in alerts(data)] == [["removed"], ["restored"]]


def test_diff_and_history_describe_a_removal_like_the_alert(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """`editwatch diff` of a removal says 'Article removed' with the status, never 'Headline changed'."""
    config, data = setup(http_server, tmp_path)
    serve_story(http_server, "/news/story-0", make_story(random.Random(9)), "article", seed=4)
    check(config, data)
    http_server.route("/news/story-0", status=410, body=b"gone", headers=HTML)
    check(config, data)
    shown = run(config, data, "diff", "story-0")
    assert "Article removed" in shown and "HTTP 410" in shown
    assert "Headline changed" not in shown
    history = [
        json.loads(line) for line in run(config, data, "history", "story-0", "--json").splitlines()
    ]
    assert history[-1]["kinds"] == ["removed"]
    diff_json = json.loads(run(config, data, "diff", "story-0", "--format", "json"))
    assert diff_json["kinds"] == ["removed"] and diff_json["fields"] == []


TEASER_LD = '<script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree":false}</script>'


def walled_page(story: Story, kind: str) -> str:
    if kind == "paywall":
        lede = story.paragraphs[0][:70] + "…"
        body = f"<article><h1>{story.headline}</h1><p>{lede}</p><div class='paywall'>Subscribe to continue reading</div></article>"
        return f"<html><head>{TEASER_LD}</head><body>{body}</body></html>"
    return (
        "<html><body><div class='fc-consent-root'><h1>We value your privacy</h1>"
        "<p>We and our 842 partners store and access information on your device.</p>"
        "<button>Accept all</button><button>Manage options</button></div></body></html>"
    )


@pytest.mark.parametrize(("kind", "error"), [("paywall", "paywalled"), ("consent", "consent_wall")])
def test_a_wall_is_a_check_error_and_the_last_full_version_stays_current(
    http_server: LocalHTTPServer, tmp_path: Path, kind: str, error: str
) -> None:
    """A teaser behind a paywall or a consent wall: error, no version, no alert; the article back is unchanged."""
    story = make_story(random.Random(21))
    config, data = setup(http_server, tmp_path)
    serve_story(http_server, "/news/story-0", story, "article", seed=5)
    check(config, data)
    http_server.route("/news/story-0", body=walled_page(story, kind), headers=HTML)
    (row,) = check(config, data, expect=1)  # a check error: exit 1
    assert row["outcome"] == "error" and str(row["error"]).startswith(f"{error}: ")
    assert row["version"] == 1 and alerts(data) == []
    serve_story(http_server, "/news/story-0", story, "article", seed=6)
    assert check_one(config, data)["outcome"] == "unchanged"


def test_a_real_shortening_without_wall_signs_still_alerts(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """Most paragraphs removed, no paywall or consent signs: an edit, alerted."""
    story = make_story(random.Random(22))
    config, data = setup(http_server, tmp_path)
    serve_story(http_server, "/news/story-0", story, "article", seed=7)
    check(config, data)
    short = Story(story.headline, story.byline, story.paragraphs[:2], story.captions)
    serve_story(http_server, "/news/story-0", short, "article", seed=8)
    row = check_one(config, data)
    assert row["outcome"] == "changed" and "paragraph_removed" in row["kinds"]  # type: ignore[operator]
    assert len(alerts(data)) == 1


def test_operators_hear_when_a_site_walls_most_of_its_articles(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """Three watched articles of one host behind a paywall: one `articles_walled` event."""
    watches = [{"url": http_server.url(f"/news/story-{i}"), "name": f"story-{i}"} for i in range(3)]
    config = write_config(tmp_path / "config", watches, extra={"operator": ["archive"]})
    data = tmp_path / "data"
    stories = [make_story(random.Random(30 + i)) for i in range(3)]
    for i, story in enumerate(stories):
        serve_story(http_server, f"/news/story-{i}", story, "article", seed=i)
    check(config, data)
    for i, story in enumerate(stories):
        http_server.route(f"/news/story-{i}", body=walled_page(story, "paywall"), headers=HTML)
    check(config, data, expect=1)
    events = [a for a in alerts(data) if a.get("event") == "articles_walled"]
    assert len(events) == 1


def test_a_revert_sets_last_changed_at_so_the_decay_clock_restarts(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """A -> B -> A: the watch's last_changed_at is the revert, not version 1's first_seen."""
    story = make_story(random.Random(40))
    edited = EDITS[0].apply(story, random.Random(1))
    config, data = setup(http_server, tmp_path)
    for state in (story, edited, story):
        serve_story(http_server, "/news/story-0", state, "article", seed=9)
        check(config, data)
    with Store.open(data) as store:
        (record,) = store.list_watches()
        first = store.version(record.id, 1)
        revert_check = store.checks(record.id, limit=1)[0]
    assert record.current_version == 1 and first is not None
    assert record.last_changed_at is not None and record.last_changed_at > first.first_seen
    assert record.last_changed_at >= revert_check.started_at


def test_history_verbose_says_why_a_check_was_unchanged(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    """Per check: 'same canonical text as v1' and which noise rules dropped what."""
    config, data = setup(http_server, tmp_path)
    story = make_story(random.Random(50))
    # A byline carrying a clock: the extractor keeps the field, the canonical form drops the clock.
    stamped = Story(
        story.headline, story.byline + " · Updated 7 minutes ago", story.paragraphs, story.captions
    )
    serve_story(http_server, "/news/story-0", stamped, "amp", seed=10)
    check(config, data)
    check(config, data)
    shown = run(config, data, "history", "story-0", "--verbose")
    assert "same canonical text as v1" in shown
    assert "relative_time" in shown


def test_extract_prints_the_canonical_article_and_the_noise_it_dropped(tmp_path: Path) -> None:
    """`editwatch extract FILE --noise`: numbered paragraphs, rules named, page text never markup."""
    story = make_story(random.Random(60))
    marked = Story(
        story.headline + " [bold red]x[/]",
        story.byline + " · Updated 5 minutes ago",  # a clock in a field: dropped by the canon
        story.paragraphs,
        story.captions,
    )
    page = tmp_path / "page.html"
    page.write_bytes(render(marked, "article", Noise.fresh(random.Random(2))))
    config = write_config(tmp_path / "config", [])
    shown = run(config, tmp_path / "data", "extract", str(page), "--noise")
    assert "[bold red]x[/]" in shown
    assert f"1. {story.paragraphs[0][:30]}" in shown
    assert "dropped as noise" in shown and "relative_time" in shown and "minutes ago" in shown
    data = json.loads(run(config, tmp_path / "data", "extract", str(page), "--json", "--noise"))
    assert data["article"]["paragraphs"][0] == story.paragraphs[0]
    assert "relative_time" in {d["rule"] for d in data["noise"]}
    assert all("minutes ago" not in p for p in data["article"]["paragraphs"])


def test_extract_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    """A path that does not exist is named, with what to give instead."""
    config = write_config(tmp_path / "config", [])
    result = CliRunner().invoke(
        cli, ["--config", str(config), "extract", str(tmp_path / "nope.html")]
    )
    assert result.exit_code == 2 and "cannot read the file" in result.output
