"""Configuration: ``config/*.yaml`` plus the environment, validated once into frozen settings.

Why this shape: every other module receives typed, immutable settings from here and never reads
files or environment variables itself, so a bad value is reported once, at start, with the file,
the field path and the fix (``config/watches.yaml: watches[3].url: 'ftp://x' is not an http(s)
URL``), instead of surfacing as a crash deep inside a worker hours later.

Secrets (webhook URLs with tokens, SMTP passwords) never live in YAML: channel options ending in
``_env`` name an environment variable that holds the value.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from worker import __version__
from worker.errors import ConfigError
from worker.models import (
    ALERT_EVERYTHING,
    CHANGE_KINDS,
    SIGNIFICANCES,
    Selectors,
    SiteProfile,
    Watch,
)

SETTINGS_FILE = "editwatch.yaml"
WATCHES_FILE = "watches.yaml"
SITES_DIR = "sites"
USER_AGENT = f"editwatch/{__version__} (+https://github.com/editwatch/editwatch)"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 10**6, "mib": 2**20, "gb": 10**9}
_SIZE_UNITS["gib"] = 2**30
_TRUE = {"1", "true", "yes", "on"}

# (younger than this many seconds since the last change, check every this many seconds);
# past the last step checking stops. After NewsDiffs (github.com/ecprice/newsdiffs).
DEFAULT_LADDER: tuple[tuple[float, float], ...] = (
    (3 * 3600.0, 15 * 60.0),
    (1 * 86400.0, 1 * 3600.0),
    (7 * 86400.0, 3 * 3600.0),
    (30 * 86400.0, 3 * 86400.0),
    (365 * 86400.0, 30 * 86400.0),
)


def parse_duration(value: object) -> float:
    """Seconds from ``30s``, ``5m``, ``1h``, ``2d``, ``250ms`` or a bare number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration like 30s, 5m or 1h")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"{str(value)!r} is not a duration like 30s, 5m or 1h")
        seconds = float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    if seconds < 0:
        raise ValueError(f"{value!r} is negative; durations are 0s or more")
    return seconds


def parse_size(value: object) -> int:
    """Bytes from ``5MiB``, ``500kB`` or a bare number of bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(f"{str(value)!r} is not a size like 500kB or 5MiB")
    return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _duration_field(*names: str) -> Any:
    """A reusable ``mode="before"`` validator turning ``5m``-style text into seconds."""

    def to_seconds(cls: type, value: object) -> float:
        return parse_duration(value)

    return field_validator(*names, mode="before")(classmethod(to_seconds))


class FetchSettings(_Frozen):
    """How pages are fetched; defaults are safe for the public web."""

    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=20.0, gt=0)
    deadline: float = Field(default=30.0, gt=0)
    max_bytes: int = Field(default=5 * 2**20, gt=0)
    max_redirects: int = Field(default=5, ge=0, le=20)
    user_agent: str = USER_AGENT
    allow_private_networks: bool = False
    concurrency: int = Field(default=16, ge=1, le=1000)
    # The HTTP engine under httpx's API: aiohttp's (less CPU per request) or httpx's own.
    transport: Literal["aiohttp", "httpx"] = "aiohttp"

    _durations = _duration_field("connect_timeout", "read_timeout", "deadline")

    @field_validator("max_bytes", mode="before")
    @classmethod
    def _size(cls, value: object) -> int:
        return parse_size(value)


class LadderStep(_Frozen):
    """One rung of the decay ladder: younger than ``younger_than``, check ``every``."""

    younger_than: float = Field(gt=0)
    every: float = Field(gt=0)

    _durations = _duration_field("younger_than", "every")


class ScheduleSettings(_Frozen):
    """How often beat looks for due watches, batch sizes, and the default interval policy.

    ``mode: decay`` (the default for watches without their own ``interval``) follows the news
    lifecycle: checks slow down as an article ages since its last real change and speed up
    again after an edit. ``mode: fixed`` checks every ``defaults.interval``.
    """

    tick: float = Field(default=1.0, gt=0)  # dispatch lag is about one tick
    batch_size: int = Field(default=100, ge=1, le=1000)
    claim_batch: int = Field(default=1000, ge=1, le=10_000)
    lease: float = Field(default=300.0, gt=0)
    mode: Literal["fixed", "decay"] = "decay"
    jitter: float = Field(default=0.10, ge=0.0, le=0.5)
    ladder: tuple[LadderStep, ...] = tuple(
        LadderStep(younger_than=age, every=every) for age, every in DEFAULT_LADDER
    )
    reload: float = Field(default=30.0, gt=0)  # re-read the config files at least this often

    _durations = _duration_field("tick", "lease", "reload")


class HostOverride(_Frozen):
    max_in_flight: int | None = Field(default=None, ge=1, le=100)
    min_gap: float | None = None

    _durations = _duration_field("min_gap")


class PolitenessSettings(_Frozen):
    """Per-host limits shared by all workers, the circuit breaker and robots.txt caching."""

    max_in_flight: int = Field(default=2, ge=1, le=100)
    min_gap: float = 1.0
    slot_lease: float = Field(default=120.0, gt=0)
    failure_threshold: int = Field(default=5, ge=1, le=100)
    breaker_pause: float = 1800.0
    retry_after_cap: float = 6 * 3600.0
    robots_ttl: float = Field(default=86400.0, gt=0, le=86400.0)  # RFC 9309: at most 24 h
    robots_error_ttl: float = Field(default=900.0, gt=0)
    max_wait: float = 10.0  # how long a check waits for its host's slot before deferring
    hosts: dict[str, HostOverride] = {}

    _durations = _duration_field(
        "min_gap", "slot_lease", "breaker_pause", "retry_after_cap", "robots_ttl",
        "robots_error_ttl", "max_wait",
    )  # fmt: skip

    def overrides(self) -> dict[str, tuple[int, float]]:
        return {
            host: (
                o.max_in_flight or self.max_in_flight,
                self.min_gap if o.min_gap is None else o.min_gap,
            )
            for host, o in self.hosts.items()
        }


class FeedSettings(_Frozen):
    """Feeds and sitemaps: items older than ``max_age`` are not turned into watches.

    When a sitemap's ``lastmod`` or a feed entry's ``updated`` moves, the article is checked at
    the next tick whatever its schedule says, at most ``signal_budget`` times per host per
    ``signal_window``; a sitemap index is read down to its ``sitemap_children`` newest
    sitemaps per read.
    """

    max_age: float | None = Field(default=7 * 86400.0, gt=0)
    signal_budget: int = Field(default=30, ge=0, le=100_000)
    signal_window: float = Field(default=3600.0, gt=0)
    sitemap_children: int = Field(default=20, ge=1, le=1000)

    _durations = _duration_field("max_age", "signal_window")


class NotifySettings(_Frozen):
    """Delivery retries, the stale-claim timeout and how often the outbox is swept.

    Why these defaults: attempt ``n`` waits a random time in ``[0, c]`` with
    ``c = min(backoff * 2**(n-1), backoff_max)`` (full jitter, :func:`worker.retry.backoff_delay`,
    so many failing alerts do not retry in lockstep). With ``backoff`` 3m and ``backoff_max`` 2h
    the seven waits between eight attempts have ceilings 3+6+12+24+48+96+120 = 309 min, so the
    eighth attempt comes at most 5.2 hours after the first, about 2.6 hours on average
    (0.5 x 309 min); then the row is ``dead``. A ``Retry-After`` (429/503) replaces the
    computed wait, capped at ``backoff_max``. ``stale_after`` is how long a row may sit in
    ``sending`` before the sweeper decides its worker died; keep it above ``timeout`` so a
    slow send is not repeated.
    ``failing_after`` failed checks in a row tell the ``operator`` channels a watch is failing.
    """

    max_attempts: int = Field(default=8, ge=1, le=50)
    backoff: float = 180.0
    backoff_max: float = 7200.0
    timeout: float = Field(default=15.0, gt=0)
    stale_after: float = Field(default=600.0, gt=0)
    sweep_interval: float = Field(default=15.0, gt=0)
    failing_after: int = Field(default=5, ge=1)  # failed checks in a row -> operator event

    _durations = _duration_field(
        "backoff", "backoff_max", "timeout", "stale_after", "sweep_interval"
    )


class BotSettings(_Frozen):
    """``bot:`` on a channel: post only headline changes (and, if asked, corrections) as
    short public posts, at most ``max_per_hour``; see :mod:`worker.pipeline.bot`.

    ``max_chars`` overrides the target's own post limit (500 on Mastodon, 280 for Apprise's
    Bluesky) when an instance allows longer or shorter posts.
    """

    corrections: bool = False
    max_per_hour: int = Field(default=10, ge=1, le=1000)
    max_chars: int | None = Field(default=None, ge=80, le=10_000)


class ChannelSettings(BaseModel):
    """One named notification channel: ``type`` plus type-specific options."""

    model_config = ConfigDict(frozen=True, extra="allow")
    type: str
    digest: float | None = Field(default=None, gt=0)  # collect this long, send one message
    bot: BotSettings | None = None  # the public bot profile (headline changes, short posts)

    _durations = _duration_field("digest")

    @field_validator("bot", mode="before")
    @classmethod
    def _bot_switch(cls, value: object) -> object:
        """``bot: true`` is the profile with its defaults; ``bot: false`` is no profile."""
        if isinstance(value, bool):
            return {} if value else None
        return value

    @model_validator(mode="after")
    def _bot_posts_each_change(self) -> ChannelSettings:
        if self.bot is not None and self.digest:
            raise ValueError(
                "bot: a bot posts each headline change on its own; remove `digest` "
                "(the rate cap is `bot: {max_per_hour: N}`)"
            )
        return self

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @model_validator(mode="after")
    def _no_credentials_in_url(self) -> ChannelSettings:
        url = self.options.get("url")
        if isinstance(url, str) and credentials_in(url):
            raise ValueError("url: " + CREDENTIALS_HINT.format(url=without_credentials(url)))
        return self


ALERT_ON_WORDS: tuple[str, ...] = (*SIGNIFICANCES, *CHANGE_KINDS, *sorted(ALERT_EVERYTHING))


def _known_alert_words(value: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """``alert_on`` holds change kinds, significance levels or ``all``; nothing else.

    A misspelt word would otherwise validate and that watch would never alert.
    """
    for word in value or ():
        if word not in ALERT_ON_WORDS:
            close = difflib.get_close_matches(word, ALERT_ON_WORDS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(
                f"{word!r} is not a change kind or significance; {hint}"
                f"use any of: {', '.join(ALERT_ON_WORDS)}"
            )
    return value


def _alert_on_field() -> Any:
    return field_validator("alert_on")(classmethod(lambda cls, value: _known_alert_words(value)))


class Defaults(_Frozen):
    """Values used by watches that do not set their own."""

    interval: float = Field(default=3600.0, gt=0)
    channels: tuple[str, ...] = ()
    alert_on: tuple[str, ...] = ("moderate",)  # kinds and/or minimum significance
    debounce: float = 600.0  # further edits within this window make one cumulative alert

    _durations = _duration_field("interval", "debounce")
    _alert_on = _alert_on_field()


class LogSettings(_Frozen):
    """``log:``. ``every_check: false`` (the default) logs a check that found nothing new (a
    304, or the same text) at ``debug`` only, with one ``checks_done`` line per batch counting
    outcomes; ``true`` gives every check its ``check_done`` line at ``info``, as before."""

    format: Literal["auto", "json", "console"] = "auto"
    level: Literal["debug", "info", "warning", "error"] = "info"
    every_check: bool = False


class WebSettings(_Frozen):
    """``editwatch web``: where it listens; ``public: true`` serves it off localhost, no token."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    public: bool = False


class DbSettings(_Frozen):
    """``db:``: whether a start may upgrade an out-of-date schema itself (under a lock).

    Off by default: an upgrade is a moment to take a backup, so ``run``, workers and ``web``
    refuse an old schema and name ``editwatch db upgrade`` instead.
    """

    auto_upgrade: bool = False


class RetentionSettings(_Frozen):
    """``retention:``: how long raw HTML of superseded versions is kept (``0`` keeps it forever).

    Only the page as fetched is dropped; the extracted article, its fingerprint and every diff
    stay, so history, alerts and exports are unaffected. The current version keeps its page.
    """

    raw_html: float = 90 * 86400.0

    _durations = _duration_field("raw_html")


class LiveBlogSettings(_Frozen):
    """``liveblog:``: how often a live blog's new entries make a new stored state.

    A live blog that posts every few minutes would otherwise store a state per check. New
    entries found sooner than ``min_interval`` after the last stored state wait (nothing is
    lost: the stored state stays what the next check compares with, so they are still new
    then); an edited or deleted earlier entry is stored at once. ``0`` stores every update.
    """

    min_interval: float = 1800.0

    _durations = _duration_field("min_interval")


class SettingsFile(_Frozen):
    """The shape of ``config/editwatch.yaml``."""

    data_dir: str | None = None
    broker_url: str | None = None
    database_url: str | None = None
    redis_prefix: str = "editwatch"
    fetch: FetchSettings = FetchSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    politeness: PolitenessSettings = PolitenessSettings()
    feeds: FeedSettings = FeedSettings()
    notify: NotifySettings = NotifySettings()
    defaults: Defaults = Defaults()
    channels: dict[str, ChannelSettings] = {}
    operator: tuple[str, ...] = ()  # channels that receive health events
    log: LogSettings = LogSettings()
    web: WebSettings = WebSettings()
    db: DbSettings = DbSettings()
    retention: RetentionSettings = RetentionSettings()
    liveblog: LiveBlogSettings = LiveBlogSettings()

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        problem = None if value is None else database_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class SelectorsModel(_Frozen):
    headline: str | None = None
    body: str | None = None
    exclude: tuple[str, ...] = ()
    captions: str | None = None

    def to_value(self) -> Selectors:
        return Selectors(self.headline, self.body, self.exclude, self.captions)


class WatchModel(_Frozen):
    """One entry of ``config/watches.yaml``."""

    url: str
    name: str | None = None
    type: Literal["article", "feed", "sitemap"] = "article"
    interval: float | None = Field(default=None, gt=0)
    schedule: Literal["fixed", "decay"] | None = None
    selectors: SelectorsModel | None = None
    channels: tuple[str, ...] | None = None
    tags: tuple[str, ...] = ()
    respect_robots: bool = True
    alert_on: tuple[str, ...] | None = None
    debounce: float | None = None
    mode: Literal["page", "article", "auto"] = "auto"  # how the page is read (extract/page.py)

    _durations = _duration_field("interval", "debounce")
    _alert_on = _alert_on_field()

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        if credentials_in(value):
            raise ValueError(CREDENTIALS_HINT.format(url=without_credentials(value)))
        return value.strip()


CREDENTIALS_HINT = (
    "{url} holds credentials (user:password@), which would be sent as Basic auth and shown "
    "in logs and `check --json`; remove them (secrets belong in the environment: channels "
    "take them through url_env or headers_env)"
)


def credentials_in(url: str) -> bool:
    """Does ``url`` carry ``user[:password]@`` before its host?"""
    try:
        return "@" in urlsplit(url.strip()).netloc
    except ValueError:
        return False


def without_credentials(url: str) -> str:
    """``url`` with its ``user:password@`` part replaced by ``***@`` (safe to print)."""
    parts = urlsplit(url.strip())
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"***@{host}").geturl()


class WatchesFile(_Frozen):
    watches: tuple[WatchModel, ...] = ()


class SiteFile(_Frozen):
    domain: str
    selectors: SelectorsModel = SelectorsModel()


class Settings(_Frozen):
    """Everything a worker needs, resolved: paths absolute, URLs filled in."""

    config_dir: Path
    data_dir: Path
    broker_url: str | None
    database_url: str | None
    redis_prefix: str
    fetch: FetchSettings
    schedule: ScheduleSettings
    politeness: PolitenessSettings
    feeds: FeedSettings
    notify: NotifySettings
    defaults: Defaults
    channels: dict[str, ChannelSettings]
    log: LogSettings
    watches: tuple[Watch, ...]
    operator: tuple[str, ...] = ()
    sites: tuple[SiteProfile, ...] = ()
    web: WebSettings = WebSettings()
    db: DbSettings = DbSettings()
    retention: RetentionSettings = RetentionSettings()
    liveblog: LiveBlogSettings = LiveBlogSettings()

    def watch_named(self, key: str) -> Watch | None:
        """The watch whose name or URL is ``key``."""
        return next((w for w in self.watches if key in (w.name, w.url)), None)

    def profile_for(self, url: str) -> SiteProfile | None:
        """The site profile whose domain matches ``url``'s host (or a parent domain)."""
        host = (urlsplit(url).hostname or "").lower()
        for profile in self.sites:
            if host == profile.domain or host.endswith("." + profile.domain):
                return profile
        return None


def _format_loc(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _explain(error: ValidationError, file: Path) -> ConfigError:
    """Turn pydantic's report into ``file: path: problem`` lines."""
    return ConfigError("\n".join(_explain_lines(error, file)))


def _explain_lines(
    error: ValidationError, file: Path, prefix: tuple[int | str, ...] = ()
) -> list[str]:
    lines = []
    for item in error.errors():
        loc = _format_loc(
            prefix + tuple(p for p in item["loc"] if not str(p).startswith("function-"))
        )
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see README 'Configuration')"
        elif item["type"] in ("greater_than", "less_than_equal"):
            message = f"{_shown(item['input'])} is out of range: {message.lower()}"
        lines.append(f"{file}: {loc}: {message}")
    return lines


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else repr(value)


# libyaml's safe loader when PyYAML was built with it: a 100,000-watch watches.yaml parses in
# seconds instead of a minute (the same documents, the same errors with line and column).
YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from exc
    try:
        return yaml.load(text, Loader=YAML_LOADER)  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_problem(path, exc)) from None


def _yaml_problem(path: Path, exc: yaml.YAMLError) -> str:
    """``file:line:column: is not valid YAML: problem`` (never ``in "<unicode string>"``)."""
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
    words = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    problem = ", ".join(w for w in words if w) or type(exc).__name__
    return f"{where}: is not valid YAML: {problem}"


def _validate(model: type[_Frozen], data: Any, path: Path) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the top level must be a mapping of keys, not a list or text")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, path) from None


def _env_overrides(raw: SettingsFile, env: Mapping[str, str]) -> SettingsFile:
    """Apply ``REDIS_URL``, ``DATABASE_URL`` and ``EDITWATCH_*`` on top of the file."""
    update: dict[str, Any] = {}
    if env.get("REDIS_URL") or env.get("EDITWATCH_BROKER_URL"):
        update["broker_url"] = env.get("EDITWATCH_BROKER_URL") or env["REDIS_URL"]
    if env.get("DATABASE_URL") or env.get("EDITWATCH_DATABASE_URL"):
        update["database_url"] = env.get("EDITWATCH_DATABASE_URL") or env["DATABASE_URL"]
    if "EDITWATCH_DB_AUTO_UPGRADE" in env:
        auto = env["EDITWATCH_DB_AUTO_UPGRADE"].strip().lower() in _TRUE
        update["db"] = DbSettings(auto_upgrade=auto)
    if env.get("EDITWATCH_REDIS_PREFIX"):
        update["redis_prefix"] = env["EDITWATCH_REDIS_PREFIX"]
    if "EDITWATCH_ALLOW_PRIVATE_NETWORKS" in env:
        allow = env["EDITWATCH_ALLOW_PRIVATE_NETWORKS"].strip().lower() in _TRUE
        update["fetch"] = raw.fetch.model_copy(update={"allow_private_networks": allow})
    log_update = {
        key: env[f"EDITWATCH_LOG_{key.upper()}"].lower()
        for key in ("format", "level")
        if env.get(f"EDITWATCH_LOG_{key.upper()}")
    }
    if log_update:
        try:
            update["log"] = LogSettings.model_validate({**raw.log.model_dump(), **log_update})
        except ValidationError as exc:
            raise _explain(exc, Path("EDITWATCH_LOG_*")) from None
    return raw.model_copy(update=update)


def _build_watch(model: WatchModel, raw: SettingsFile) -> Watch:
    """A watch with every default filled in; an explicit ``interval`` means fixed scheduling."""
    defaults = raw.defaults
    parts = urlsplit(model.url)
    name = model.name or f"{parts.hostname}{parts.path}".rstrip("/")
    if model.interval is not None:
        mode = model.schedule or "fixed"
    else:
        mode = model.schedule or raw.schedule.mode
    return Watch(
        url=model.url,
        name=name,
        interval=model.interval if model.interval is not None else defaults.interval,
        selectors=model.selectors.to_value() if model.selectors else None,
        channels=model.channels if model.channels is not None else defaults.channels,
        kind=model.type,
        schedule=mode,
        tags=model.tags,
        respect_robots=model.respect_robots,
        alert_on=model.alert_on if model.alert_on is not None else defaults.alert_on,
        debounce=model.debounce if model.debounce is not None else defaults.debounce,
        mode=model.mode,
    )


SelectorCheck = Callable[[str], "str | None"]
"""Why a CSS selector cannot be used, or ``None`` (``worker.extract.selector_problem``).

Passed in by the callers above the stages, because the CSS parser lives in ``extract``."""


@dataclass
class ConfigReport:
    """Everything wrong with a configuration, found in one pass over every file.

    ``errors`` stop editwatch from running (``validate`` exits 2); ``warnings`` do not.
    ``settings`` is the loaded configuration when there are no errors.
    """

    settings: Settings | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    base: Settings | None = None  # editwatch.yaml + env alone (no watches) when that file is good


def _collect(errors: list[str], step: Callable[[], Any], default: Any = None) -> Any:
    """Run one loading step; a ``ConfigError`` adds its lines to ``errors``."""
    try:
        return step()
    except ConfigError as exc:
        errors.extend(str(exc).splitlines())
        return default


def _check_watches(
    watches: Sequence[Watch], channels: set[str], path: Path, check: SelectorCheck | None
) -> list[str]:
    """Cross-field checks: unknown channels, duplicate URLs or names, unreadable selectors."""
    problems: list[str] = []
    repeated = {"url": _repeated(w.url for w in watches)}
    repeated["name"] = _repeated(w.name for w in watches)
    seen: dict[str, dict[str, int]] = {"url": {}, "name": {}}  # first index of a repeated key
    known = ", ".join(sorted(channels)) or "none defined"
    for index, watch in enumerate(watches):
        for channel in watch.channels:
            if channel not in channels:
                problems.append(
                    f"{path}: watches[{index}].channels: unknown channel {channel!r} "
                    f"(channels in {SETTINGS_FILE}: {known})"
                )
        for what, key in (("url", watch.url), ("name", watch.name)):
            if key not in repeated[what]:
                continue
            if key in seen[what]:
                problems.append(
                    f"{path}: watches[{index}].{what}: {key!r} is already used by "
                    f"watches[{seen[what][key]}]; each watch needs its own {what}"
                )
            seen[what].setdefault(key, index)
        if watch.selectors is not None:
            problems += _selector_problems(watch.selectors, f"{path}: watches[{index}]", check)
    return problems


def _repeated(keys: Iterable[str]) -> set[str]:
    """The keys that occur more than once, found in a sorted list of references: at 100,000
    watches a map of every URL and every name to its index was a reload's memory peak."""
    ordered = sorted(keys)
    return {key for key, following in pairwise(ordered) if key == following}


def _selector_problems(selectors: Selectors, where: str, check: SelectorCheck | None) -> list[str]:
    if check is None:
        return []
    named = [("headline", selectors.headline), ("body", selectors.body)]
    named += [("captions", selectors.captions)]
    named += [(f"exclude[{i}]", css) for i, css in enumerate(selectors.exclude)]
    return [
        f"{where}.selectors.{name}: {problem}"
        for name, css in named
        if css and (problem := check(css)) is not None
    ]


def _settings_problems(raw: SettingsFile, path: Path) -> list[str]:
    """Checks across fields of ``editwatch.yaml`` (after the environment's overrides)."""
    problems = [
        f"{path}: {where}: unknown channel {channel!r}"
        for where, names in (
            ("defaults.channels", raw.defaults.channels),
            ("operator", raw.operator),
        )
        for channel in names
        if channel not in raw.channels
    ]
    problems += [
        f"{path}: operator: {name!r} is a bot channel (it posts publicly); health events "
        "go to a channel without `bot:`"
        for name in raw.operator
        if name in raw.channels and raw.channels[name].bot is not None
    ]
    if raw.database_url is not None and (problem := database_url_problem(raw.database_url)):
        problems.append(f"DATABASE_URL (environment): {problem}")  # the file's was checked
    return problems


DATABASE_SCHEMES = ("sqlite", "postgresql")  # SQLAlchemy dialects the store supports


def database_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the store's database (``postgres://`` is not a SQLAlchemy name)."""
    scheme = url.partition("://")[0].lower()
    dialect = scheme.partition("+")[0]
    if dialect in ("postgres", "pgsql"):
        rest = url.partition("://")[2].rpartition("@")[2]
        return (
            f"{scheme}://...@{rest} is not a name SQLAlchemy knows; write "
            "postgresql+psycopg://user:password@host/db (or set DATABASE_URL so)"
        )
    if "://" not in url or dialect not in DATABASE_SCHEMES:
        return (
            f"{url.partition('://')[0]!r} is not a supported database; use "
            "sqlite:////path/editwatch.db or postgresql+psycopg://user:password@host/db"
        )
    return None


def channels_in_use(raw: SettingsFile, watches: Sequence[Watch]) -> list[str]:
    """Channels some watch, the defaults or the operator list sends to, in config order."""
    used = {c for w in watches for c in w.channels} | set(raw.operator)
    return [name for name in raw.channels if name in used]


def missing_secrets(
    raw: SettingsFile, watches: Sequence[Watch], path: Path, env: Mapping[str, str]
) -> list[str]:
    """``*_env`` options of channels in use whose variable (or ``VAR_FILE``) is not set."""
    problems = []
    for name in channels_in_use(raw, watches):
        for option, variable in _env_options(raw.channels[name].options):
            if variable not in env and f"{variable}_FILE" not in env:
                problems.append(
                    f"{path}: channels.{name}.{option}: the environment variable {variable} is "
                    f"not set here; set it (or {variable}_FILE naming a file that holds it) in "
                    "the environment editwatch runs in, or the first alert to it fails"
                )
    return problems


def _env_options(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(option path, variable)`` for every ``*_env`` option, ``headers_env`` maps included."""
    found = []
    for key, value in options.items():
        if not key.endswith("_env"):
            continue
        if isinstance(value, str) and value:
            found.append((key, value))
        elif isinstance(value, Mapping):
            found += [(f"{key}.{h}", v) for h, v in value.items() if isinstance(v, str) and v]
    return found


def load_sites(
    config_dir: Path, check: SelectorCheck | None = None, errors: list[str] | None = None
) -> tuple[SiteProfile, ...]:
    """Site profiles from ``config/sites/*.yaml``, sorted by file name.

    With ``errors`` every bad file is reported there and skipped; without, the first raises.
    """
    found: list[str] = []
    profiles = []
    for path in sorted((config_dir / SITES_DIR).glob("*.yaml")):
        try:
            site: SiteFile = _validate(SiteFile, _read_yaml(path), path)
        except ConfigError as exc:
            found += str(exc).splitlines()
            continue
        selectors = site.selectors.to_value()
        found += [p.replace(": .", ": ") for p in _selector_problems(selectors, f"{path}: ", check)]
        profiles.append(SiteProfile(site.domain.lower(), selectors))
    if errors is None and found:
        raise ConfigError("\n".join(found))
    (errors if errors is not None else []).extend(found)
    return tuple(profiles)


def _watch_models(config_dir: Path) -> tuple[WatchModel, ...]:
    path = config_dir / WATCHES_FILE
    data = _read_yaml(path)
    if isinstance(data, list):  # a bare list of watches is accepted too
        data = {"watches": data}
    parsed: WatchesFile = _validate(WatchesFile, data, path)
    return parsed.watches


def _built_watches(
    config_dir: Path, raw: SettingsFile, previous: Sequence[Watch] = ()
) -> tuple[Watch, ...]:
    """Every configured watch, built item by item while the file is parsed.

    A 100,000-watch file read whole held its YAML node tree and a pydantic model per watch
    at once (some 400 MB a process, and Python keeps the heap it grew); streamed, only the
    finished watches stay. Files of another shape take the whole-file path, same messages.
    """
    path = config_dir / WATCHES_FILE
    try:
        return _streamed_watches(path, raw, {w: w for w in previous})
    except _NotAPlainList:
        return tuple(_build_watch(model, raw) for model in _watch_models(config_dir))


def _streamed_watches(
    path: Path, raw: SettingsFile, reuse: Mapping[Watch, Watch]
) -> tuple[Watch, ...]:
    watches: list[Watch] = []
    problems: list[str] = []
    for index, item in _watch_items(path):
        try:
            watch = _build_watch(WatchModel.model_validate(item), raw)
            watches.append(reuse.get(watch, watch))
        except ValidationError as exc:
            problems += _explain_lines(exc, path, prefix=("watches", index))
    if problems:
        raise ConfigError("\n".join(problems))
    return tuple(watches)


class _NotAPlainList(Exception):
    """The watches file is not ``watches: [...]`` (or a bare list): read it whole instead."""


def _watch_items(path: Path) -> Iterator[tuple[int, Any]]:
    """(index, data) of each watch, composed and constructed one list item at a time."""
    loader_class = _item_loader()
    if loader_class is None or not path.is_file():
        raise _NotAPlainList
    try:
        with path.open(encoding="utf-8") as stream:
            loader = loader_class(stream)
            yield from _items_of(loader)
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_problem(path, exc)) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from exc


def _items_of(loader: Any) -> Iterator[tuple[int, Any]]:
    loader.get_event(), loader.get_event()  # stream start, document start
    if loader.check_event(yaml.MappingStartEvent):
        loader.get_event()
        key = loader.get_event()
        if not isinstance(key, yaml.ScalarEvent) or key.value != "watches":
            raise _NotAPlainList
        closing: tuple[type[yaml.Event], ...] = (yaml.MappingEndEvent, yaml.DocumentEndEvent)
    else:
        closing = (yaml.DocumentEndEvent,)
    if not loader.check_event(yaml.SequenceStartEvent):
        raise _NotAPlainList
    loader.get_event()
    index = 0
    while not loader.check_event(yaml.SequenceEndEvent):
        yield index, loader.construct_document(loader.compose_node(None, None))
        index += 1
    loader.get_event()
    for event in (*closing, yaml.StreamEndEvent):
        if not loader.check_event(event):
            raise _NotAPlainList  # more keys, or a second document: the whole-file path
        loader.get_event()


@functools.cache
def _item_loader() -> type[Any] | None:
    """libyaml's event parser with PyYAML's composer and safe constructor on top, so one
    list item at a time becomes data (anchors and ``<<`` merges work across items)."""
    if not getattr(yaml, "__with_libyaml__", False):
        return None
    parser: Any = getattr(yaml.cyaml, "CParser")  # noqa: B009 (not in the stubs)

    class Loader(parser, Composer, SafeConstructor, Resolver):  # type: ignore[misc]
        def __init__(self, stream: Any) -> None:
            parser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    return Loader


def _channel_names(path: Path) -> set[str]:
    """The channel names of an ``editwatch.yaml`` that did not validate (for cross-checks)."""
    try:
        data = _read_yaml(path)
    except ConfigError:
        return set()
    channels = data.get("channels") if isinstance(data, Mapping) else None
    return {str(name) for name in channels} if isinstance(channels, Mapping) else set()


def inspect_config(
    config_dir: Path | str = "config",
    data_dir: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    selector_check: SelectorCheck | None = None,
    check_secrets: bool = False,
    previous: Sequence[Watch] = (),
) -> ConfigReport:
    """Read both files (and site profiles) and report *every* problem at once.

    ``check_secrets`` also requires the ``*_env`` variables of channels in use to be set in
    ``env`` (``editwatch validate``; a worker only needs them when it sends). Watches equal to
    one of ``previous`` (the configuration being reloaded) are that very object: a reload of
    100,000 watches keeps one copy of the unchanged ones, not two.
    """
    env = os.environ if env is None else env
    config_dir = Path(config_dir)
    if not config_dir.is_dir():
        return ConfigReport(errors=[f"{config_dir}: {MISSING_CONFIG_DIR}"])
    report = ConfigReport()
    settings_path = config_dir / SETTINGS_FILE
    raw: SettingsFile | None = _collect(
        report.errors,
        lambda: _env_overrides(
            _validate(SettingsFile, _read_yaml(settings_path), settings_path), env
        ),
    )
    if raw is not None:
        report.errors += _settings_problems(raw, settings_path)
    channels = set(raw.channels) if raw else _channel_names(settings_path)
    base = raw or SettingsFile()
    watches: tuple[Watch, ...] = _collect(
        report.errors, lambda: _built_watches(config_dir, base, previous), ()
    )
    report.errors += _check_watches(watches, channels, config_dir / WATCHES_FILE, selector_check)
    sites = load_sites(config_dir, selector_check, report.errors)
    if raw is not None and check_secrets:
        report.errors += missing_secrets(raw, watches, settings_path, env)
    if raw is not None:
        report.base = _settings(raw, config_dir, data_dir, env, (), ())
    if raw is not None and not report.errors:
        report.settings = _settings(raw, config_dir, data_dir, env, watches, sites)
    return report


MISSING_CONFIG_DIR = (
    f"the config directory does not exist; create it with {SETTINGS_FILE} and {WATCHES_FILE} "
    "(README 'Configuration'), or point --config or EDITWATCH_CONFIG_DIR at the right one"
)


def _settings(
    raw: SettingsFile,
    config_dir: Path,
    data_dir: Path | str | None,
    env: Mapping[str, str],
    watches: tuple[Watch, ...],
    sites: tuple[SiteProfile, ...],
) -> Settings:
    data = Path(data_dir or env.get("EDITWATCH_DATA_DIR") or raw.data_dir or "data")
    return Settings(
        config_dir=config_dir.resolve(),
        data_dir=data.resolve(),
        broker_url=raw.broker_url,
        database_url=raw.database_url,
        redis_prefix=raw.redis_prefix,
        fetch=raw.fetch,
        schedule=raw.schedule,
        politeness=raw.politeness,
        feeds=raw.feeds,
        notify=raw.notify,
        defaults=raw.defaults,
        channels=raw.channels,
        log=raw.log,
        watches=watches,
        sites=sites,
        operator=raw.operator,
        web=raw.web,
        db=raw.db,
        retention=raw.retention,
        liveblog=raw.liveblog,
    )


ConfigStamp = tuple[tuple[str, int, int, int], ...]


def config_stamp(config_dir: Path | str) -> ConfigStamp:
    """Modification time (ns), size and inode of every YAML file in the config dir: a few
    ``stat`` calls that catch an edit in place and an editor's save-by-rename alike, so a
    worker re-reads its configuration when, and only when, a file changed."""
    root = Path(config_dir)
    paths = sorted(root.glob("*.yaml")) + sorted(root.glob("sites/*.yaml"))
    stamps = []
    for path in paths:
        try:
            info = path.stat()
        except OSError:  # removed between the listing and the stat: the next call sees it
            continue
        name = str(path.relative_to(root))
        stamps.append((name, info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(stamps)


def load_settings(
    config_dir: Path | str = "config",
    data_dir: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    selector_check: SelectorCheck | None = None,
    previous: Sequence[Watch] = (),
) -> Settings:
    """Read and validate the whole configuration; raise ``ConfigError`` naming every problem.

    ``previous``: the watches of the configuration this one replaces (see :func:`inspect_config`).
    """
    report = inspect_config(
        config_dir, data_dir, env, selector_check=selector_check, previous=previous
    )
    if report.settings is None:
        raise ConfigError("\n".join(report.errors))
    return report.settings


def validate_yaml_text(text: str, kind: Literal["settings", "watches", "site"]) -> None:
    """Validate one YAML document as the given file kind (used to test README examples)."""
    models: dict[str, type[_Frozen]] = {
        "settings": SettingsFile,
        "watches": WatchesFile,
        "site": SiteFile,
    }
    model = models[kind]
    data = yaml.safe_load(text)
    if kind == "watches" and isinstance(data, list):
        data = {"watches": data}
    _validate(model, data, Path(f"<{kind} example>"))
