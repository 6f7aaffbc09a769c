"""The viewer in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium).

Set ``EDITWATCH_WEB_SCREENSHOTS_DIR=docs`` to also write the README's screenshots
(``make screenshots`` does).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.webdata import CHANGED_FROM, CHANGED_TO, VOX, XSS_HEADLINE, WebServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS_ENV = "EDITWATCH_WEB_SCREENSHOTS_DIR"
PHONE = {"width": 375, "height": 812}
README_SHOTS = ("diff", "timeline")  # the README shows the demo's Vox caption diff

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium: install it with `apt-get install -y chromium` (.ci/run does)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records dialogs (alert() would mean a script ran) and CSP reports."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    yield tab
    context.close()


def watch_id(server: WebServer, name: str) -> int:
    answer = httpx.get(f"{server.base_url}/api/v1/watches", params={"q": name}).json()
    (found,) = [w for w in answer["watches"] if w["name"] == name]
    return int(found["id"])


def shot(tab: Any, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot in the test's temp dir, copied for the README when asked."""
    path = tmp_path / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    target = os.environ.get(SCREENSHOTS_ENV)
    if target and name in README_SHOTS:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / f"web-{name}.png")
    return path


def test_watch_list_to_timeline_to_highlighted_diff(
    page: Any, web_server: WebServer, tmp_path: Path
) -> None:
    """A reader clicks an article, then its diff, and sees the changed words marked."""
    page.goto(web_server.base_url + "/")
    assert page.locator("tr.watch").count() == 4
    page.locator("a.watch-link", has_text="Budget passes").click()
    page.wait_for_url("**/w/*")
    assert page.locator("table.timeline tr.state").count() == 2
    shot(page, tmp_path, "budget-timeline")
    page.locator("a.diff-link").first.click()
    page.wait_for_url("**/diff/1/2")
    inserted = page.locator("#inline ins")
    deleted = page.locator("#inline del")
    assert CHANGED_TO in " ".join(inserted.all_inner_texts())
    assert CHANGED_FROM in " ".join(deleted.all_inner_texts())
    style = inserted.first.evaluate(
        "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).textDecorationLine,"
        " getComputedStyle(e, '::before').content]"
    )
    assert style[0] not in ("rgba(0, 0, 0, 0)", "transparent")  # highlighted
    assert "underline" in style[1] and "+" in style[2]  # and marked by more than colour
    shot(page, tmp_path, "budget-diff")


def test_watch_list_to_the_vox_caption_diff(
    page: Any, web_server: WebServer, tmp_path: Path
) -> None:
    """The demo's one edit, the removed Vox caption, is two clicks from the watch list."""
    page.goto(web_server.base_url + "/?tag=demo")
    assert page.locator("tr.watch").count() == 3
    page.locator("tr.watch", has_text=VOX).locator("a.watch-link").click()
    page.wait_for_url("**/w/*")
    assert "caption" in page.locator("table.timeline").inner_text()
    shot(page, tmp_path, "timeline")
    page.locator("a.diff-link").first.click()
    page.wait_for_url("**/diff/1/2")
    labels = page.locator("#inline h3.label").all_inner_texts()
    assert any(label.startswith("caption") and "removed" in label for label in labels)
    assert page.locator("#inline del").count() >= 1
    shot(page, tmp_path, "diff")


def test_an_xss_headline_is_shown_as_text_and_runs_nothing(
    page: Any, web_server: WebServer
) -> None:
    """`<script>` and `<img onerror>` in a headline appear as characters on every page."""
    budget = watch_id(web_server, "budget")
    for path in ("/", f"/w/{budget}", f"/w/{budget}/diff/1/2", f"/w/{budget}/v/1", "/alerts"):
        page.goto(web_server.base_url + path)
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        assert page.locator("main img").count() == 0, path
        assert page.locator("main script").count() == 0, path
    page.goto(f"{web_server.base_url}/w/{budget}")
    assert XSS_HEADLINE in page.locator("h1").inner_text()
    assert page.dialogs == []


def test_the_stored_page_is_sandboxed(page: Any, web_server: WebServer) -> None:
    """The raw HTML shows in an iframe with no script rights and its own opaque origin."""
    budget = watch_id(web_server, "budget")
    page.goto(f"{web_server.base_url}/w/{budget}/v/1")
    frame = page.locator("iframe.raw")
    assert frame.get_attribute("sandbox") == ""
    page.wait_for_function("document.querySelector('iframe.raw').contentDocument === null")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []


def test_pages_fit_a_phone(page: Any, web_server: WebServer, tmp_path: Path) -> None:
    """At 375 px nothing scrolls sideways and the side-by-side diff stacks its columns."""
    budget = watch_id(web_server, "budget")
    page.set_viewport_size(PHONE)
    for path in ("/", f"/w/{budget}", f"/w/{budget}/diff/1/2"):
        page.goto(web_server.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide"
    old = page.locator(".sbs .pair .old").first.bounding_box()
    new = page.locator(".sbs .pair .new").first.bounding_box()
    assert new["y"] >= old["y"] + old["height"]  # stacked, not squeezed side by side
    shot(page, tmp_path, "phone-diff")
