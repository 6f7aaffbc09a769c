"""Configuration: durations, env overrides, precise errors, and every shipped/documented YAML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.configs import write_config
from worker.config import (
    SettingsFile,
    load_settings,
    parse_duration,
    parse_size,
    validate_yaml_text,
)
from worker.errors import ConfigError
from worker.notify import ChannelContext, build_channels

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h", 3600), ("2d", 172800), ("250ms", 0.25), (45, 45)],
)
def test_durations_accept_the_documented_forms(text: object, seconds: float) -> None:
    """Intervals are written 30s, 5m, 1h, 2d, 250ms or plain seconds."""
    assert parse_duration(text) == seconds


def test_sizes_accept_binary_and_decimal_units() -> None:
    """max_bytes reads 5MiB and 500kB like people write them."""
    assert parse_size("5MiB") == 5 * 2**20 and parse_size("500kB") == 500_000


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    """REDIS_URL, DATABASE_URL and EDITWATCH_* win over editwatch.yaml."""
    config = write_config(tmp_path, [{"url": "https://example.org/a"}])
    env = {
        "REDIS_URL": "redis://cache:6379/0",
        "DATABASE_URL": "postgresql+psycopg://db/editwatch",
        "EDITWATCH_ALLOW_PRIVATE_NETWORKS": "0",
        "EDITWATCH_DATA_DIR": str(tmp_path / "d"),
    }
    settings = load_settings(config, env=env)
    assert settings.broker_url == "redis://cache:6379/0"
    assert settings.database_url == "postgresql+psycopg://db/editwatch"
    assert settings.fetch.allow_private_networks is False
    assert settings.data_dir == (tmp_path / "d").resolve()


def test_watch_defaults_fill_interval_channels_and_name(tmp_path: Path) -> None:
    """A watch without name/interval/channels gets a readable name and the defaults."""
    config = write_config(tmp_path, [{"url": "https://news.example/world/story-1"}])
    (watch,) = load_settings(config, env={}).watches
    assert watch.name == "news.example/world/story-1"
    assert watch.interval == 3600 and watch.channels == ("archive",)


@pytest.mark.parametrize(
    ("watches", "message"),
    [
        ([{"url": "ftp://x"}], "watches[0].url: 'ftp://x' is not an http(s) URL"),
        ([{"url": "https://a.b/c", "intervall": "5m"}], "watches[0].intervall: unknown key"),
        ([{"url": "https://a.b/c", "channels": ["nope"]}], "unknown channel 'nope'"),
        (
            [{"url": "https://a.b/c"}, {"url": "https://a.b/c"}],
            "watches[1].url: 'https://a.b/c' is already used",
        ),
        ([{"name": "no url"}], "watches[0].url: Field required"),
    ],
)
def test_bad_watches_are_reported_with_file_and_path(
    tmp_path: Path, watches: list[dict[str, object]], message: str
) -> None:
    """Each mistake names watches.yaml, the entry and the problem."""
    config = write_config(tmp_path, watches)
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert str(tmp_path / "watches.yaml") in str(caught.value)
    assert message in str(caught.value)


def test_repeated_urls_and_names_name_the_first_entry_in_file_order(tmp_path: Path) -> None:
    """Every repeat of a URL or name points at the entry that used it first, in file order."""
    a, b = "https://news.example/a", "https://news.example/b"
    watches = [
        {"url": a, "name": "x"},
        {"url": b, "name": "y"},
        {"url": a, "name": "y"},
        {"url": a, "name": "z"},
    ]
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path, watches), env={})
    repeats = [line.split(": ", 1)[1] for line in str(caught.value).splitlines()]
    assert repeats == [
        f"watches[2].url: {a!r} is already used by watches[0]; each watch needs its own url",
        "watches[2].name: 'y' is already used by watches[1]; each watch needs its own name",
        f"watches[3].url: {a!r} is already used by watches[0]; each watch needs its own url",
    ]


def test_invalid_yaml_syntax_is_reported(tmp_path: Path) -> None:
    """A YAML syntax error names the file rather than crashing with a traceback."""
    (tmp_path / "watches.yaml").write_text("watches: [url: {\n")
    with pytest.raises(ConfigError, match=r"watches\.yaml:2:1: is not valid YAML"):
        load_settings(tmp_path, env={})


def test_shipped_config_directory_validates() -> None:
    """Every YAML file under config/ loads and validates."""
    settings = load_settings(ROOT / "config", env={})
    assert settings.watches
    for path in (ROOT / "config").rglob("*.yaml"):
        assert yaml.safe_load(path.read_text()) is not None, path


def _readme_yaml_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)


def test_every_readme_yaml_example_validates() -> None:
    """The YAML examples in the README are real, valid configuration."""
    blocks = _readme_yaml_blocks()
    assert len(blocks) >= 2
    for block in blocks:
        data = yaml.safe_load(block)
        kind = "watches" if "watches" in data else "site" if "domain" in data else "settings"
        validate_yaml_text(block, kind)  # type: ignore[arg-type]
        if kind == "settings":  # channel options are checked by each channel's own model
            parsed = SettingsFile.model_validate(data)
            build_channels(parsed.channels, ChannelContext(data_dir=ROOT / "data"))


def test_misspelt_alert_on_word_fails_with_file_path_and_suggestion(tmp_path: Path) -> None:
    """`alert_on: [headlines]` would never alert: it is refused, naming file, entry and the fix."""
    config = write_config(tmp_path, [{"url": "https://a.b/c", "alert_on": ["major", "headlines"]}])
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    message = str(caught.value)
    assert f"{tmp_path / 'watches.yaml'}: watches[0].alert_on: 'headlines'" in message
    assert "did you mean 'headline'?" in message


def test_default_alert_on_is_checked_too(tmp_path: Path) -> None:
    """A bad word in defaults.alert_on is reported against editwatch.yaml."""
    config = write_config(tmp_path, [], defaults={"alert_on": ["moderat"]})
    with pytest.raises(ConfigError, match=r"editwatch\.yaml: defaults\.alert_on: 'moderat'"):
        load_settings(config, env={})


def test_every_kind_and_significance_is_a_valid_alert_on_word(tmp_path: Path) -> None:
    """Kinds (figures and quote included), levels and 'all' are accepted."""
    words = ["figures", "quote", "removed", "restored", "minor", "major", "all"]
    config = write_config(tmp_path, [{"url": "https://a.b/c", "alert_on": words}])
    assert load_settings(config, env={}).watches[0].alert_on == tuple(words)


def test_watches_file_is_read_item_by_item_with_anchors_and_indexed_errors(tmp_path: Path) -> None:
    """A large watches.yaml streams: anchors and << merges still work across items, and an
    error names the item by its index in the whole list."""
    config = write_config(tmp_path, [])
    lines = ["watches:", "- &base {url: 'https://news.example/0', interval: 5m, tags: [a]}"]
    lines += [f"- {{<<: *base, url: 'https://news.example/{i}'}}" for i in range(1, 2000)]
    (config / "watches.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = load_settings(config)
    assert len(settings.watches) == 2000
    assert {(w.interval, w.tags) for w in settings.watches} == {(300.0, ("a",))}
    lines[1500] = "- {url: 'https://news.example/x', interval: soon}"
    (config / "watches.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"watches\[1499\]\.interval: 'soon'"):
        load_settings(config)


def test_watches_file_of_another_shape_reads_whole_with_the_same_messages(tmp_path: Path) -> None:
    """A bare list is accepted; an extra top-level key is still an unknown key."""
    config = write_config(tmp_path, [])
    (config / "watches.yaml").write_text("- url: https://news.example/a\n", encoding="utf-8")
    assert [w.url for w in load_settings(config).watches] == ["https://news.example/a"]
    (config / "watches.yaml").write_text(
        "watches:\n- url: https://news.example/a\nwatchez: []\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="watchez: unknown key"):
        load_settings(config)
