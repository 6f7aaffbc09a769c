"""robots.txt (RFC 9309) with protego, cached per site in Redis.

This module never fetches: the pipeline fetches ``robots_url(url)`` through the fetch stage
(same client, same network guard, same politeness) and hands the outcome to :func:`parse`.
That keeps HTTP in one place and makes the rules testable with plain bytes.

RFC 9309 outcomes, as :class:`Policy` kinds:

* 2xx: the rules in the body (the first 500 KiB, the least the RFC requires parsing);
* 4xx ("unavailable"): no rules, everything allowed;
* 5xx, 429 or a network error (``status=None``, "unreachable"): everything disallowed *for
  now*; the policy is ``temporary`` and cached briefly so robots.txt is retried soon.

Policies are cached per origin (``scheme://host:port``, which is what robots.txt covers) as
their raw text, re-parsed on read: protego parses a typical file in well under a millisecond.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, cast
from urllib.parse import urlsplit

import redis
from protego import Protego

from worker.config import PolitenessSettings
from worker.urls import SCHEME_PORTS, site_prefix

PARSE_LIMIT = 500 * 1024
DEFAULTS = PolitenessSettings()  # robots_ttl and robots_error_ttl live in config, once
LOCAL_TTL = 60.0  # a process re-reads a policy from Redis at most this often
VERDICTS = 4096  # answers a policy remembers (it lives LOCAL_TTL seconds in a process)
UNREACHABLE_4XX = frozenset({429})  # "too many requests" means "not now", not "no rules"

PolicyKind = Literal["rules", "allow_all", "disallow_all"]


@dataclass(frozen=True)
class Policy:
    """What robots.txt says for one origin."""

    kind: PolicyKind
    body: str = ""
    status: int | None = None
    _parser: Protego | None = field(default=None, init=False, repr=False, compare=False)
    # (url, user agent) -> verdict: every check of a site asks again for its URL (some 8 us of
    # a 304's CPU through protego), and a policy is kept for LOCAL_TTL seconds at most.
    _verdicts: dict[tuple[str, str], bool] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.kind == "rules":
            object.__setattr__(self, "_parser", Protego.parse(self.body))

    @property
    def temporary(self) -> bool:
        """True for "unreachable": disallow now, but ask again soon."""
        return self.kind == "disallow_all"

    def allows(self, url: str, user_agent: str) -> bool:
        """May ``user_agent`` fetch ``url``? (``/robots.txt`` itself is always allowed.)

        Each answer is remembered (up to ``VERDICTS`` of them): a pure function of the rules."""
        if self.kind == "allow_all":
            return True
        key = (url, user_agent)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._allows(url, user_agent)
            if len(self._verdicts) >= VERDICTS:
                self._verdicts.clear()
            self._verdicts[key] = verdict
        return verdict

    def _allows(self, url: str, user_agent: str) -> bool:
        if urlsplit(url).path == "/robots.txt":
            return True
        if self._parser is None:
            return False
        return bool(self._parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        """The ``Crawl-delay`` for ``user_agent``, if the site sets one (a min-gap hint)."""
        if self._parser is None:
            return None
        delay = self._parser.crawl_delay(user_agent)
        return None if delay is None else float(delay)

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "body": self.body, "status": self.status})

    @classmethod
    def from_json(cls, text: str | bytes) -> Policy:
        data = json.loads(text)
        return cls(cast(PolicyKind, data["kind"]), str(data["body"]), data["status"])


ALLOW_ALL = Policy("allow_all")


def parse(robots_body: bytes | None, status: int | None) -> Policy:
    """The policy for a robots.txt fetch that ended with ``status`` (None = network error)."""
    if status is None or status >= 500 or status in UNREACHABLE_4XX:
        return Policy("disallow_all", status=status)
    if status >= 400:
        return Policy("allow_all", status=status)
    if 200 <= status < 300:
        text = (robots_body or b"")[:PARSE_LIMIT].decode("utf-8", errors="replace")
        return Policy("rules", text.lstrip("\ufeff"), status)
    # 3xx left over after the fetch stage's redirect limit: RFC 9309 2.3.1.2 treats that as
    # unavailable.
    return Policy("allow_all", status=status)


def origin(url: str) -> str:
    """The cache key robots.txt applies to: ``scheme://host[:port]``, lower-cased.

    Every check asks for its URL's: worked out once per site (:func:`worker.urls.site_prefix`,
    which holds all ``urlsplit`` reads it from), not parsed from the whole URL each time."""
    return _origin(site_prefix(url))


@lru_cache(maxsize=4096)
def _origin(prefix: str) -> str:
    parts = urlsplit(prefix)
    host = (parts.hostname or "").lower()
    port = parts.port  # once: each of urllib's netloc properties parses the netloc again
    shown = "" if port is None or port == SCHEME_PORTS.get(parts.scheme) else f":{port}"
    return f"{parts.scheme}://{host}{shown}"


def robots_url(url: str) -> str:
    """Where the robots.txt governing ``url`` lives."""
    return origin(url) + "/robots.txt"


class RobotsCache:
    """Parsed robots.txt per origin in Redis, shared by all workers (24 h by default).

    Each instance also remembers what it read for up to ``LOCAL_TTL`` seconds, so a batch of
    checks on one site reads (and parses) its robots.txt once, not once per check.
    """

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "editwatch",
        ttl: float = DEFAULTS.robots_ttl,
        *,
        error_ttl: float = DEFAULTS.robots_error_ttl,
    ) -> None:
        self.client = client
        self.prefix = f"{prefix}:robots"
        self.ttl = ttl
        self.error_ttl = error_ttl
        self._memo: dict[str, tuple[float, Policy]] = {}  # key -> (monotonic expiry, policy)

    def _key(self, host: str) -> str:
        return f"{self.prefix}:{host.lower()}"

    def get(self, host: str) -> Policy | None:
        """The cached policy for ``host`` (an :func:`origin`), or None when it must be fetched."""
        key = self._key(host)
        memo = self._memo.get(key)
        if memo is not None and memo[0] > time.monotonic():
            return memo[1]
        raw = cast(bytes | None, self.client.get(key))
        if raw is None:
            return None
        policy = Policy.from_json(raw)
        self._remember(key, policy)
        return policy

    def put(self, host: str, policy: Policy) -> None:
        """Cache a policy; an "unreachable" one only for ``error_ttl`` so it is retried soon."""
        ttl = self._ttl(policy)
        self.client.set(self._key(host), policy.to_json(), px=max(1, int(ttl * 1000)))
        self._remember(self._key(host), policy)

    def forget(self, host: str) -> None:
        self._memo.pop(self._key(host), None)
        self.client.delete(self._key(host))

    def _ttl(self, policy: Policy) -> float:
        return self.error_ttl if policy.temporary else self.ttl

    def _remember(self, key: str, policy: Policy) -> None:
        self._memo[key] = (time.monotonic() + min(LOCAL_TTL, self._ttl(policy)), policy)
