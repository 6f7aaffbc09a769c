"""`editwatch history` and `editwatch diff`: reading stored versions back as a person would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from worker.cli import cli

HTML = {"Content-Type": "text/html; charset=utf-8"}


def editwatch(config: Path, data: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def two_versions(http_server: LocalHTTPServer, tmp_path: Path) -> tuple[Path, Path]:
    """A watch checked twice, with a headline rewrite and a sentence added in between."""
    http_server.route("/story", body=article_page("Budget passes", BODY), headers=HTML)
    config = write_config(
        tmp_path / "config", [{"url": http_server.url("/story"), "name": "story"}]
    )
    data = tmp_path / "data"
    assert editwatch(config, data, "check", "--no-notify")[0] == 0
    edited = (*BODY[:3], BODY[3] + " A spokesperson declined to comment.")
    http_server.route("/story", body=article_page("Budget <b>fails</b>", edited), headers=HTML)
    assert editwatch(config, data, "check", "--no-notify")[0] == 0
    return config, data


def test_history_lists_versions_with_kinds_and_significance(
    two_versions: tuple[Path, Path],
) -> None:
    """Each state is a row; the second carries its kinds, significance and silent flag."""
    code, out, _ = editwatch(*two_versions, "history", "story", "--json")
    first, second = (json.loads(line) for line in out.splitlines())
    assert code == 0
    assert (first["version"], first["from_version"], first["kinds"]) == (1, None, [])
    assert (second["version"], second["from_version"]) == (2, 1)
    assert "headline" in second["kinds"] and second["significance"] == "major"
    assert second["headline"] == "Budget <b>fails</b>"
    assert second["silent"] is True  # body edited, the page's own dates did not move
    code, table, _ = editwatch(*two_versions, "history", "story")
    assert code == 0 and "history of story" in table


def test_diff_text_leads_with_the_headline(two_versions: tuple[Path, Path]) -> None:
    """The text diff starts with 'Headline changed: OLD -> NEW' and shows the added sentence."""
    code, out, _ = editwatch(*two_versions, "diff", "story")
    assert code == 0
    assert out.startswith("Headline changed: Budget passes -> Budget <b>fails</b>")
    assert "declined to comment" in out


def test_diff_json_follows_the_documented_schema(two_versions: tuple[Path, Path]) -> None:
    """`--format json` is the editwatch.change/1 document between the chosen versions."""
    code, out, _ = editwatch(
        *two_versions, "diff", "story", "--from", "1", "--to", "2", "--format", "json"
    )
    data = json.loads(out)
    assert code == 0 and data["schema"] == "editwatch.change/1"
    assert data["headline"] == {
        "old": "Budget passes",
        "new": "Budget <b>fails</b>",
        "changed": True,
    }
    assert "headline" in data["kinds"] and data["significance"] == "major"


def test_diff_html_escapes_page_text(two_versions: tuple[Path, Path]) -> None:
    """Markup in a headline is shown as text in the HTML rendering, never as markup."""
    code, out, _ = editwatch(*two_versions, "diff", "story", "--format", "html")
    assert code == 0
    assert "&lt;b&gt;fails&lt;/b&gt;" in out and "<b>fails</b>" not in out


def test_diff_of_an_unknown_watch_or_version_says_what_exists(
    two_versions: tuple[Path, Path],
) -> None:
    """A wrong name or version number exits 2 with a message naming what is stored."""
    code, _, err = editwatch(*two_versions, "diff", "nope")
    assert code == 2 and "no stored watch named 'nope'" in err
    code, _, err = editwatch(*two_versions, "diff", "story", "--to", "7")
    assert code == 2 and "stored versions: [1, 2]" in err
