"""The one Jinja2 environment: templates and static files ship inside the package.

Autoescaping is on for every template (HTML and the Atom XML alike), so anything a page or a
server sent is escaped wherever it is printed; nothing is ever marked safe.
"""

from __future__ import annotations

import re
from datetime import datetime
from importlib import resources
from typing import Any

import jinja2
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from worker.render import BLOCK_VERBS, FIELD_LABELS

STATIC_DIR = resources.files("worker.web") / "static"
# Characters XML 1.0 forbids (and no HTML page needs): a page could smuggle them into a feed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(value: Any) -> Any:
    """Every printed value, minus characters that would make the Atom feed unparseable."""
    if isinstance(value, Markup):
        return Markup(NOT_XML.sub("", value))
    if isinstance(value, str):
        return NOT_XML.sub("", value)
    return value


def when(value: datetime | None) -> str:
    """A UTC time people read at a glance: ``2026-12-01 09:30 UTC``."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def percent(value: float) -> str:
    return f"{value:.0%}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("worker.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=xml_safe,
    )
    env.filters["when"] = when
    env.filters["percent"] = percent
    env.globals["FIELD_LABELS"] = {**FIELD_LABELS, "language": "Language"}
    env.globals["BLOCK_VERBS"] = BLOCK_VERBS
    return env


environment = _environment()
templates = Jinja2Templates(env=environment)
