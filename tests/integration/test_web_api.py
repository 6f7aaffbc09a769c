"""The JSON API under /api/v1, against the live viewer on a store the pipeline filled."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from tests.webdata import CHANGED_FROM, CHANGED_TO, VOX, XSS_EDITED, XSS_HEADLINE, WebServer
from worker.cli import cli

pytestmark = pytest.mark.slow


def get(server: WebServer, path: str, **params: Any) -> Any:
    response = httpx.get(server.base_url + path, params=params or None)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def watch_named(server: WebServer, name: str) -> dict[str, Any]:
    (found,) = [w for w in get(server, "/api/v1/watches")["watches"] if w["name"] == name]
    return found


def cli_json(server: WebServer, *args: str) -> list[Any]:
    store = server.store
    result = CliRunner().invoke(
        cli, ["--config", str(store.config), "--data", str(store.data), *args]
    )
    assert result.exit_code == 0, result.output
    text = result.stdout.strip()
    return (
        [json.loads(text)]
        if text.startswith("{\n")
        else [json.loads(line) for line in text.splitlines()]
    )


def test_watches_lists_every_watch_with_its_check_and_activity(web_server: WebServer) -> None:
    """Every watch, with the keys `editwatch watches --json` prints and recent changes."""
    answer = get(web_server, "/api/v1/watches")
    assert answer["total"] == 4 and answer["next"] is None
    budget = watch_named(web_server, "budget")
    assert budget["headline"] == XSS_EDITED
    assert (budget["versions"], budget["current_version"], budget["changes_24h"]) == (2, 2, 1)
    assert budget["last_outcome"] == "changed" and budget["tags"] == ["politics"]
    assert budget["next_due"] is not None and budget["site"] == "127.0.0.1"
    cli_rows = {row["url"]: row for row in cli_json(web_server, "watches", "--json")}
    for key in ("name", "url", "type", "source", "last_outcome", "last_checked_at", "versions"):
        assert budget[key] == cli_rows[budget["url"]][key], key


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"tag": "politics"}, {"budget"}),
        ({"tag": "demo", "q": "vox"}, {VOX}),
        ({"q": "passes"}, {"budget"}),  # in the headline only
        ({"q": "100%_"}, set()),  # LIKE wildcards match literally
        ({"site": "127.0.0.1", "tag": "politics"}, {"budget"}),
        ({"site": "example.org"}, set()),
    ],
)
def test_watches_filter_by_tag_site_and_search(
    web_server: WebServer, params: dict[str, str], names: set[str]
) -> None:
    """Filters combine: tag, site (host) and a search in URL, name or headline."""
    answer = get(web_server, "/api/v1/watches", **params)
    assert {w["name"] for w in answer["watches"]} == names
    assert answer["total"] == len(names)


def test_watches_page_on_until_the_last(web_server: WebServer) -> None:
    """`next` leads through every watch exactly once."""
    seen: list[str] = []
    path: str | None = "/api/v1/watches?limit=3"
    while path:
        answer = get(web_server, path)
        seen += [w["name"] for w in answer["watches"]]
        path = answer["next"]
    assert len(seen) == len(set(seen)) == 4


def test_one_watch_and_a_missing_one(web_server: WebServer) -> None:
    """A watch by id; an unknown id is a 404 that says where to look."""
    budget = watch_named(web_server, "budget")
    assert get(web_server, f"/api/v1/watches/{budget['id']}") == budget
    missing = httpx.get(web_server.base_url + "/api/v1/watches/99999")
    assert missing.status_code == 404 and "/api/v1/watches" in missing.json()["detail"]


def test_versions_of_a_watch_and_one_version(web_server: WebServer) -> None:
    """Versions oldest first with headlines; one version carries its extracted article."""
    budget = watch_named(web_server, "budget")
    versions = get(web_server, f"/api/v1/watches/{budget['id']}/versions")
    assert [(v["number"], v["headline"]) for v in versions] == [(1, XSS_HEADLINE), (2, XSS_EDITED)]
    second = get(web_server, f"/api/v1/watches/{budget['id']}/versions/2")
    assert CHANGED_TO in second["article"]["paragraphs"][0]
    assert (
        httpx.get(web_server.base_url + f"/api/v1/watches/{budget['id']}/versions/9").status_code
        == 404
    )


def test_diff_is_the_same_json_as_the_diff_command(web_server: WebServer) -> None:
    """`/diff?from=1&to=2` equals `editwatch diff --format json` for kinds and fields."""
    budget = watch_named(web_server, "budget")
    answer = get(web_server, f"/api/v1/watches/{budget['id']}/diff", **{"from": 1, "to": 2})
    (command,) = cli_json(
        web_server, "diff", "budget", "--format", "json", "--from", "1", "--to", "2"
    )
    assert answer["schema"] == command["schema"] == "editwatch.change/1"
    assert answer["fields"] == command["fields"] and answer["headline"] == command["headline"]
    assert set(command["kinds"]) <= set(answer["kinds"])
    body = next(f for f in answer["fields"] if f["field"] == "body")
    ops = [op for block in body["blocks"] for op in block["ops"] if op["tag"] != "equal"]
    assert any(CHANGED_FROM in op["old"] and CHANGED_TO in op["new"] for op in ops)
    assert get(web_server, f"/api/v1/watches/{budget['id']}/diff") == answer  # default: last two
    same = get(web_server, f"/api/v1/watches/{budget['id']}/diff", **{"from": 2, "to": 2})
    assert same["changed"] is False


def test_changes_carry_the_alert_payload_keys(web_server: WebServer) -> None:
    """A change has the alert payload's keys, with the values the alert carried."""
    archive = web_server.store.data / "alerts.jsonl"
    alert = next(json.loads(line) for line in archive.read_text().splitlines() if VOX in line)
    (change,) = get(web_server, "/api/v1/changes", kind="caption")["changes"]
    for key in ("watch", "url", "detected_at", "kinds", "significance", "silent",
                "old_headline", "new_headline", "old_version", "new_version", "diff"):  # fmt: skip
        assert change[key] == alert[key], key


def test_changes_filter_and_page(web_server: WebServer) -> None:
    """`since`, `kind`, `watch` and `tag` filter; `before` pages newest first; zones required."""
    everything = get(web_server, "/api/v1/changes")["changes"]
    assert len(everything) == 2 and everything[0]["id"] > everything[1]["id"]
    first = get(web_server, "/api/v1/changes", limit=1)
    assert first["changes"] == everything[:1]
    assert get(web_server, first["next"])["changes"] == everything[1:2]
    assert get(web_server, "/api/v1/changes", since="2999-01-01T00:00:00Z")["changes"] == []
    assert (
        len(get(web_server, "/api/v1/changes", since="2000-01-01T00:00:00+00:00")["changes"]) == 2
    )
    assert [c["watch"] for c in get(web_server, "/api/v1/changes", tag="politics")["changes"]] == [
        "budget"
    ]
    budget = watch_named(web_server, "budget")
    assert [
        c["watch_id"] for c in get(web_server, "/api/v1/changes", watch=budget["id"])["changes"]
    ] == [budget["id"]]
    naive = httpx.get(
        web_server.base_url + "/api/v1/changes", params={"since": "2026-01-01T00:00:00"}
    )
    assert naive.status_code == 422 and "time zone" in naive.json()["detail"]


def test_health_counts_checks_per_site(web_server: WebServer) -> None:
    """Per site: watches, checks in the last day and the failed share."""
    health = get(web_server, "/api/v1/health")
    (site,) = health["sites"]
    assert site["site"] == "127.0.0.1" and site["watches"] == 4
    assert site["checks_24h"] == 8 and site["errors_24h"] == 0 and site["error_share"] == 0.0
    assert health["store"] == "sqlite"


def test_alerts_list_the_outbox_with_the_dead_one(web_server: WebServer) -> None:
    """The refused webhook alert is dead with its reason; the file alerts were sent."""
    alerts = get(web_server, "/api/v1/alerts")["alerts"]
    assert sorted((a["channel"], a["state"]) for a in alerts) == [
        ("archive", "sent"),
        ("hook", "dead"),
    ]
    (dead,) = get(web_server, "/api/v1/alerts", state="dead")["alerts"]
    assert "400" in dead["last_error"] and dead["watch"] == "budget"
    (cli_dead,) = cli_json(web_server, "alerts", "--failed", "--json")
    assert dead == cli_dead
    assert (
        httpx.get(web_server.base_url + "/api/v1/alerts", params={"state": "lost"}).status_code
        == 422
    )


def test_openapi_schema_describes_every_endpoint(web_server: WebServer) -> None:
    """The schema lists each API path, and each documented GET answers in its shape."""
    schema = get(web_server, "/api/v1/openapi.json")
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert paths == {
        "/api/v1/watches", "/api/v1/watches/{watch_id}", "/api/v1/watches/{watch_id}/versions",
        "/api/v1/watches/{watch_id}/versions/{number}", "/api/v1/watches/{watch_id}/diff",
        "/api/v1/changes", "/api/v1/health", "/api/v1/alerts",
        "/api/v1/alerts/{notification_id}/retry",
    }  # fmt: skip
    budget = watch_named(web_server, "budget")
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        concrete = path.replace("{watch_id}", str(budget["id"])).replace("{number}", "1")
        answer = get(web_server, concrete)
        ref = operations["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        model = ref.get("$ref") or ref.get("items", {}).get("$ref")
        if model:
            required = set(components[model.rsplit("/", 1)[1]].get("required", ()))
            item = answer[0] if isinstance(answer, list) else answer
            assert required <= set(item), path
