"""One check of one watch, end to end: fetch -> extract -> normalize -> diff -> store (+ outbox).

Delivery of the alerts it queues lives in ``worker.pipeline.delivery``. This is plain library code:
``worker.tasks`` wraps it in Celery tasks and ``editwatch check`` calls it directly, so both
paths run exactly the same steps. Each function takes what it needs as arguments (settings,
store, HTTP client); nothing here reads globals.

A check never raises for a bad site: every failure becomes a ``CheckResult`` with outcome
``error`` and is recorded in the ``checks`` table, so one failing site never stops the others.

The modules, from the bottom up:

- ``context``: what a check needs (``Context``, ``Target``) and the politeness adapters.
- ``politeness``: robots.txt, fetched once per origin and cached.
- ``payload``: the alert every channel receives.
- ``history``: removal, restoration and headline A/B tests, read from a watch's history.
- ``debounce``: bursts of edits held back and released as one cumulative alert.
- ``record``: storing a new state, its change and its queued alerts in one transaction.
- ``reread``: a current state read by an older extractor is read again before an edit is named.
- ``feed_watch``: a fetched feed's new items become article watches.
- ``check``: the check itself, robots -> host slot -> fetch -> extract -> compare -> store.

Callers use the names re-exported here (``pipeline.check_many``, ``pipeline.Context``, ...).
"""

from __future__ import annotations

from worker.pipeline.check import REMOVED_STATUSES, check_many, check_watch
from worker.pipeline.context import (
    DISCOVERY_SLACK,
    Context,
    HostGate,
    LocalGate,
    MemoryRobots,
    RobotsSource,
    Target,
    configured_ids,
    discovered_targets,
    discovered_watch,
    register_watches,
    targets_for,
    utcnow,
)
from worker.pipeline.debounce import release_debounced
from worker.pipeline.payload import build_payload

__all__ = [
    "DISCOVERY_SLACK",
    "REMOVED_STATUSES",
    "Context",
    "HostGate",
    "LocalGate",
    "MemoryRobots",
    "RobotsSource",
    "Target",
    "build_payload",
    "check_many",
    "check_watch",
    "configured_ids",
    "discovered_targets",
    "discovered_watch",
    "register_watches",
    "release_debounced",
    "targets_for",
    "utcnow",
]
