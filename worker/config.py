"""Configuration: ``config/*.yaml`` plus the environment, validated once into frozen settings.

Why this shape: every other module receives typed, immutable settings from here and never reads
files or environment variables itself, so a bad value is reported once, at start, with the file,
the field path and the fix (``config/watches.yaml: watches[3].url: 'ftp://x' is not an http(s)
URL``), instead of surfacing as a crash deep inside a worker hours later.

Secrets (webhook URLs with tokens, SMTP passwords) never live in YAML: channel options ending in
``_env`` name an environment variable that holds the value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from worker import __version__
from worker.errors import ConfigError
from worker.models import Selectors, SiteProfile, Watch

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

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 30.0
    max_bytes: int = 5 * 2**20
    max_redirects: int = Field(default=5, ge=0, le=20)
    user_agent: str = USER_AGENT
    allow_private_networks: bool = False
    concurrency: int = Field(default=16, ge=1, le=1000)

    _durations = _duration_field("connect_timeout", "read_timeout", "deadline")

    @field_validator("max_bytes", mode="before")
    @classmethod
    def _size(cls, value: object) -> int:
        return parse_size(value)


class ScheduleSettings(_Frozen):
    """How often beat looks for due watches and how many go into one check task."""

    tick: float = 5.0
    batch_size: int = Field(default=25, ge=1, le=1000)
    lease: float = 300.0

    _durations = _duration_field("tick", "lease")


class NotifySettings(_Frozen):
    """Delivery retries: exponential backoff from ``backoff`` up to ``backoff_max``."""

    max_attempts: int = Field(default=6, ge=1, le=50)
    backoff: float = 30.0
    backoff_max: float = 3600.0
    timeout: float = 15.0

    _durations = _duration_field("backoff", "backoff_max", "timeout")


class ChannelSettings(BaseModel):
    """One named notification channel: ``type`` plus type-specific options."""

    model_config = ConfigDict(frozen=True, extra="allow")
    type: str

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Defaults(_Frozen):
    """Values used by watches that do not set their own."""

    interval: float = 3600.0
    channels: tuple[str, ...] = ()

    _durations = _duration_field("interval")


class LogSettings(_Frozen):
    format: Literal["auto", "json", "console"] = "auto"
    level: Literal["debug", "info", "warning", "error"] = "info"


class SettingsFile(_Frozen):
    """The shape of ``config/editwatch.yaml``."""

    data_dir: str | None = None
    broker_url: str | None = None
    database_url: str | None = None
    redis_prefix: str = "editwatch"
    fetch: FetchSettings = FetchSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    notify: NotifySettings = NotifySettings()
    defaults: Defaults = Defaults()
    channels: dict[str, ChannelSettings] = {}
    log: LogSettings = LogSettings()


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
    interval: float | None = None
    selectors: SelectorsModel | None = None
    channels: tuple[str, ...] | None = None

    _durations = _duration_field("interval")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.strip()


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
    notify: NotifySettings
    defaults: Defaults
    channels: dict[str, ChannelSettings]
    log: LogSettings
    watches: tuple[Watch, ...]
    sites: tuple[SiteProfile, ...] = ()

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
    lines = []
    for item in error.errors():
        loc = _format_loc(tuple(p for p in item["loc"] if not str(p).startswith("function-")))
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see README 'Configuration')"
        lines.append(f"{file}: {loc}: {message}")
    return ConfigError("\n".join(lines))


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: is not valid YAML: {exc}") from exc


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
        update["log"] = LogSettings.model_validate({**raw.log.model_dump(), **log_update})
    return raw.model_copy(update=update)


def _build_watch(model: WatchModel, defaults: Defaults) -> Watch:
    parts = urlsplit(model.url)
    name = model.name or f"{parts.hostname}{parts.path}".rstrip("/")
    return Watch(
        url=model.url,
        name=name,
        interval=model.interval if model.interval is not None else defaults.interval,
        selectors=model.selectors.to_value() if model.selectors else None,
        channels=model.channels if model.channels is not None else defaults.channels,
    )


def _check_watches(watches: tuple[Watch, ...], raw: SettingsFile, path: Path) -> None:
    """Cross-field checks: unknown channels, duplicate URLs or names."""
    seen_urls: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for index, watch in enumerate(watches):
        for channel in watch.channels:
            if channel not in raw.channels:
                known = ", ".join(sorted(raw.channels)) or "none defined"
                raise ConfigError(
                    f"{path}: watches[{index}].channels: unknown channel {channel!r} "
                    f"(channels in {SETTINGS_FILE}: {known})"
                )
        for key, seen, what in ((watch.url, seen_urls, "url"), (watch.name, seen_names, "name")):
            if key in seen:
                raise ConfigError(
                    f"{path}: watches[{index}].{what}: {key!r} is already used by "
                    f"watches[{seen[key]}]; each watch needs its own {what}"
                )
            seen[key] = index


def _check_defaults(raw: SettingsFile, path: Path) -> None:
    for channel in raw.defaults.channels:
        if channel not in raw.channels:
            raise ConfigError(f"{path}: defaults.channels: unknown channel {channel!r}")


def load_sites(config_dir: Path) -> tuple[SiteProfile, ...]:
    """Site profiles from ``config/sites/*.yaml``, sorted by file name."""
    profiles = []
    for path in sorted((config_dir / SITES_DIR).glob("*.yaml")):
        site: SiteFile = _validate(SiteFile, _read_yaml(path), path)
        profiles.append(SiteProfile(site.domain.lower(), site.selectors.to_value()))
    return tuple(profiles)


def load_watches(config_dir: Path, raw: SettingsFile) -> tuple[Watch, ...]:
    path = config_dir / WATCHES_FILE
    data = _read_yaml(path)
    if isinstance(data, list):  # a bare list of watches is accepted too
        data = {"watches": data}
    parsed: WatchesFile = _validate(WatchesFile, data, path)
    watches = tuple(_build_watch(model, raw.defaults) for model in parsed.watches)
    _check_watches(watches, raw, path)
    return watches


def load_settings(
    config_dir: Path | str = "config",
    data_dir: Path | str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Read and validate the whole configuration; raise ``ConfigError`` naming every problem."""
    env = os.environ if env is None else env
    config_dir = Path(config_dir)
    settings_path = config_dir / SETTINGS_FILE
    raw: SettingsFile = _validate(SettingsFile, _read_yaml(settings_path), settings_path)
    raw = _env_overrides(raw, env)
    _check_defaults(raw, settings_path)
    data = Path(data_dir or env.get("EDITWATCH_DATA_DIR") or raw.data_dir or "data")
    return Settings(
        config_dir=config_dir.resolve(),
        data_dir=data.resolve(),
        broker_url=raw.broker_url,
        database_url=raw.database_url,
        redis_prefix=raw.redis_prefix,
        fetch=raw.fetch,
        schedule=raw.schedule,
        notify=raw.notify,
        defaults=raw.defaults,
        channels=raw.channels,
        log=raw.log,
        watches=load_watches(config_dir, raw),
        sites=load_sites(config_dir),
    )


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
