"""Operator health events: a watch failing again and again, a site whose extraction broke.

Why: the alerts editwatch sends are only as good as its checks, and the worst breakage is
silent: a site redesign that makes extraction yield empty bodies (what hit NewsDiffs' parsers)
looks like "the article was emptied" rather than an error. These functions look at what the
store recorded after a check round and queue an ``operator`` outbox row for each configured
operator channel, deduplicated by the database (``notifications (dedupe_key, channel)``):

* ``watch_failing``: once per failure streak, when a watch's consecutive failures reach
  ``notify.failing_after`` (the streak is named by its first failed check);
* ``extraction_empty``: once per host and UTC day, when at least ``EMPTY_MIN_ARTICLES`` of the
  host's articles checked in the round are stored and ``EMPTY_RATIO`` of them have no body;
* ``articles_walled``: the same rule for articles whose last check found a paywall or a consent
  wall instead of the text (:mod:`worker.pipeline.lost`): the site started walling its pages.

(``notification_dead`` is queued by :mod:`worker.pipeline.delivery` with the dead row itself;
``config_invalid`` by the worker when an edited config file does not validate.)

The names of the liveness keys in Redis live here too, so the workers that write them and
``editwatch status`` that reads them agree without importing each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from worker.clock import utcnow
from worker.config import Settings
from worker.logs import get_logger
from worker.models import EMPTY_ARTICLE_ERROR, Version
from worker.notify.events import operator_payload
from worker.pipeline.lost import is_lost_error
from worker.store import CheckState, Store, WatchState

log = get_logger(__name__)

EMPTY_MIN_ARTICLES = 3  # fewer articles than this say nothing about a whole site
EMPTY_RATIO = 0.6  # share of a host's checked articles with an empty body that means breakage


@dataclass(frozen=True, slots=True)
class RoundFacts:
    """What the rules read about a round's watches, in two queries for the whole round
    (instead of a few per watch): streaks and last errors, and current versions."""

    watches: dict[int, WatchState]
    states: dict[int, CheckState]

    @classmethod
    def read(cls, store: Store, watch_ids: Sequence[int]) -> RoundFacts:
        return cls(store.watch_states(watch_ids), store.check_states(watch_ids))

    def current(self, watch_id: int) -> Version | None:
        state = self.states.get(watch_id)
        return state.current if state else None

    def last_error(self, watch_id: int) -> str:
        record = self.watches.get(watch_id)
        return (record.last_error or "") if record else ""


def watch_failing(
    store: Store,
    watch_id: int,
    threshold: int,
    operator: Sequence[str],
    facts: RoundFacts | None = None,
) -> tuple[int, ...]:
    """Queue ``watch_failing`` when the watch's failure streak has just reached ``threshold``."""
    if not operator:
        return ()
    record = (facts or RoundFacts.read(store, [watch_id])).watches.get(watch_id)
    if record is None or record.consecutive_failures != threshold:
        return ()
    streak = store.checks(watch_id, limit=threshold)
    first_failure = streak[-1]
    details = {
        "watch": record.name,
        "url": record.url,
        "failures": record.consecutive_failures,
        "since": first_failure.started_at.isoformat(),
        "error": record.last_error or "",
    }
    title = f"Watch {record.name!r} failed {threshold} checks in a row: {record.last_error}"
    payload = operator_payload("watch_failing", title, details)
    key = f"watch_failing:{watch_id}:{first_failure.id}"
    return store.queue_event(key, [(channel, payload) for channel in operator])


def extraction_empty(
    store: Store,
    host: str,
    watch_ids: Sequence[int],
    operator: Sequence[str],
    now: datetime | None = None,
    facts: RoundFacts | None = None,
) -> tuple[int, ...]:
    """Queue ``extraction_empty`` (once per host and day) when most stored bodies are empty."""
    if not operator:
        return ()
    facts = facts or RoundFacts.read(store, watch_ids)
    versions = [(i, v) for i in watch_ids if (v := facts.current(i)) is not None]
    empty = [i for i, v in versions if _extracts_nothing(facts, i, v)]
    title = (
        f"Extraction on {host} looks broken: {len(empty)} of {len(versions)} articles "
        "have an empty body (site redesign? check its selectors in config/sites/)"
    )
    site = SiteShare(host, len(versions), len(empty), "empty")
    return _site_event(store, "extraction_empty", site, title, operator, now)


def articles_walled(
    store: Store,
    host: str,
    watch_ids: Sequence[int],
    operator: Sequence[str],
    now: datetime | None = None,
    facts: RoundFacts | None = None,
) -> tuple[int, ...]:
    """Queue ``articles_walled`` (once per host and day) when most articles hit a wall."""
    if not operator:
        return ()
    facts = facts or RoundFacts.read(store, watch_ids)
    versions = [i for i in watch_ids if facts.current(i) is not None]
    walled = [i for i in versions if _walled(facts.last_error(i))]
    title = (
        f"{host} now hides {len(walled)} of {len(versions)} watched articles behind a paywall "
        "or consent wall; their last full versions stay current"
    )
    site = SiteShare(host, len(versions), len(walled), "walled")
    return _site_event(store, "articles_walled", site, title, operator, now)


@dataclass(frozen=True, slots=True)
class SiteShare:
    """How many of a host's stored articles show a site-wide failure (``label`` names it)."""

    host: str
    articles: int
    hits: int
    label: str


def _site_event(
    store: Store,
    event: str,
    site: SiteShare,
    title: str,
    operator: Sequence[str],
    now: datetime | None,
) -> tuple[int, ...]:
    """One operator event per host and UTC day, once enough of the host's articles fail alike:
    the one threshold rule behind ``extraction_empty`` and ``articles_walled``."""
    if site.articles < EMPTY_MIN_ARTICLES or site.hits < EMPTY_RATIO * site.articles:
        return ()
    day = (now or utcnow()).date().isoformat()
    details = {"host": site.host, "articles": site.articles, site.label: site.hits, "day": day}
    payload = operator_payload(event, title, details)
    return store.queue_event(f"{event}:{site.host}:{day}", [(c, payload) for c in operator])


def _walled(error: str) -> bool:
    return is_lost_error(error) and not error.startswith(EMPTY_ARTICLE_ERROR)


def _extracts_nothing(facts: RoundFacts, watch_id: int, version: Version) -> bool:
    """An empty stored body, or a last check that found no article text where there was some."""
    if not any(p.strip() for p in version.article.paragraphs):
        return True
    return facts.last_error(watch_id).startswith(EMPTY_ARTICLE_ERROR)


def after_check_round(
    store: Store, settings: Settings, checked: Sequence[tuple[int, str]]
) -> tuple[int, ...]:
    """Run every health rule over a round of ``(watch id, url)`` just checked; new row ids.

    Call it after ``pipeline.check_many`` (Celery ``check_batch`` and ``editwatch check``).
    """
    if not settings.operator:
        return ()
    queued: list[int] = []
    by_host: dict[str, list[int]] = defaultdict(list)
    facts = RoundFacts.read(store, [watch_id for watch_id, _ in checked])
    operator, threshold = settings.operator, settings.notify.failing_after
    for watch_id, url in checked:
        by_host[(urlsplit(url).hostname or "").lower()].append(watch_id)
        queued += watch_failing(store, watch_id, threshold, operator, facts)
    for host, ids in by_host.items():
        queued += extraction_empty(store, host, ids, operator, facts=facts)
        queued += articles_walled(store, host, ids, operator, facts=facts)
    if queued:
        log.warning("operator_events_queued", notifications=queued)
    return tuple(queued)


# --- liveness, shared by the workers that write it and `editwatch status` that reads it ------

HEARTBEAT_EVERY = 10.0  # seconds between heartbeats of a worker or beat process
HEARTBEAT_TTL = 30  # a heartbeat key outlives three missed beats, then the process counts dead
CANARY_EVERY = 20.0  # beat sends the canary task this often
CANARY_MAX_AGE = 60.0  # a canary older than this: workers stopped consuming (celery#8091)


def heartbeat_key(prefix: str, role: str, name: str) -> str:
    """``{prefix}:heartbeat:{worker|beat}:{host.pid}``: refreshed while the process lives."""
    return f"{prefix}:heartbeat:{role}:{name}"


def canary_key(prefix: str) -> str:
    """When a worker last ran the canary task (epoch seconds)."""
    return f"{prefix}:canary"


def config_error_key(prefix: str) -> str:
    """The configuration error workers are running despite (JSON), absent when all is well."""
    return f"{prefix}:config:error"


def dispatch_key(prefix: str, part: str) -> str:
    """Beat-tick bookkeeping: ``last`` tick time, the ``window`` of counts, the summary ``lock``."""
    return f"{prefix}:dispatch:{part}"


def config_invalid(
    store: Store, operator: Sequence[str], problem: str, digest: str
) -> tuple[int, ...]:
    """Queue ``config_invalid`` once per distinct broken state of the config files."""
    if not operator:
        return ()
    first = problem.splitlines()[0] if problem else "configuration error"
    title = f"editwatch configuration is invalid; checks go on with the last good one: {first}"
    payload = operator_payload("config_invalid", title, {"error": problem})
    return store.queue_event(f"config_invalid:{digest}", [(c, payload) for c in operator])
