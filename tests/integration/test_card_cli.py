"""`editwatch card`: the change id from history and alerts draws that change's PNG card."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from tests.configs import write_config
from tests.httpserver import LocalHTTPServer
from tests.pages import BODY, article_page
from worker.cli import cli

HTML = {"Content-Type": "text/html; charset=utf-8"}


def editwatch(config: Path, data: Path, *args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "--data", str(data), *args])
    return result.exit_code, result.stdout_bytes, result.stderr


def test_history_change_id_draws_the_card(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    """history --json names the change id; the alert carries it; `card ID -o` writes the PNG."""
    http_server.route("/story", body=article_page("Budget passes", BODY), headers=HTML)
    config = write_config(tmp_path / "config", [{"url": http_server.url("/story"), "name": "s"}])
    data = tmp_path / "data"
    assert editwatch(config, data, "check")[0] == 0
    http_server.route("/story", body=article_page("Budget fails", BODY), headers=HTML)
    assert editwatch(config, data, "check")[0] == 0
    code, out, _ = editwatch(config, data, "history", "s", "--json")
    rows = [json.loads(line) for line in out.decode().splitlines()]
    assert code == 0 and rows[0]["change_id"] is None
    change_id = rows[1]["change_id"]
    alert = json.loads((data / "alerts.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert alert["change_id"] == change_id and isinstance(change_id, int)
    target = tmp_path / "card.png"
    code, _, message = editwatch(config, data, "card", str(change_id), "-o", str(target))
    assert code == 0 and str(target) in message
    with Image.open(target) as image:
        assert image.format == "PNG" and image.width == 1200 and image.height >= 630
    code, piped, _ = editwatch(config, data, "card", str(change_id), "-o", "-")
    assert code == 0 and piped == target.read_bytes()
    assert Image.open(io.BytesIO(piped)).size == image.size


def test_unknown_change_id_is_a_clear_error(tmp_path: Path) -> None:
    """A change id that does not exist exits 2 and says where ids come from."""
    config = write_config(tmp_path / "config", [{"url": "http://127.0.0.1:9/a", "name": "a"}])
    code, _, message = editwatch(config, tmp_path / "data", "card", "999", "-o", "x.png")
    assert code == 2 and "no change with id 999" in message and "history" in message
    assert not (tmp_path / "x.png").exists()
