"""``editwatch web``: serve the viewer, feeds and JSON API (uvicorn) on the configured store.

Binds 127.0.0.1:8080 unless ``--host``/``--port`` (or ``web.host``/``web.port``) say otherwise.
Off loopback it refuses to start without ``EDITWATCH_WEB_TOKEN`` (or ``EDITWATCH_WEB_TOKEN_FILE``)
unless ``web.public: true``. Right after ``make demo`` the default data directory is empty;
the viewer then opens the demo's database and says so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import redis
import typer
from rich.console import Console

from worker.cli.common import err, load, open_store
from worker.config import Settings, load_settings
from worker.schedule.duequeue import DueQueue
from worker.store import Store

if TYPE_CHECKING:
    from worker.web.viewer import DueLookup

TOKEN_ENV = "EDITWATCH_WEB_TOKEN"
out = Console(stderr=True)


def read_token(env: Mapping[str, str]) -> str | None:
    """The token from the environment, or from the file ``*_FILE`` names (Docker secrets)."""
    if env.get(TOKEN_ENV):
        return env[TOKEN_ENV].strip()
    path = env.get(f"{TOKEN_ENV}_FILE")
    if not path:
        return None
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        err.print(f"{TOKEN_ENV}_FILE={path}: cannot read the token: {error}", markup=False)
        raise typer.Exit(2) from None
    return token or None


def due_lookup(settings: Settings) -> DueLookup | None:
    """Next due times from the scheduler's Redis due-queue, when a broker is configured."""
    if not settings.broker_url:
        return None
    client = redis.Redis.from_url(settings.broker_url, socket_connect_timeout=1, socket_timeout=1)
    queue = DueQueue(client, key=f"{settings.redis_prefix}:due")

    def lookup(ids: Sequence[int]) -> dict[int, float]:
        try:
            return {i: due for i in ids if (due := queue.due_at(i)) is not None}
        except redis.RedisError:
            return {}

    return lookup


def _store_for(settings: Settings) -> tuple[Store, Settings]:
    """The configured store; if it is empty and ``make demo`` left one, the demo's."""
    store = open_store(settings)
    demo = settings.data_dir / "demo"
    if settings.database_url or store.watch_ids() or not (demo / "editwatch.db").exists():
        return store, settings
    store.close()
    out.print(
        f"no watches in {settings.data_dir}; showing the demo's database in {demo}",
        soft_wrap=True, markup=False, highlight=False,
    )  # fmt: skip
    config = demo / "config" if (demo / "config" / "editwatch.yaml").exists() else None
    demo_settings = load_settings(config or settings.config_dir, demo)
    return open_store(demo_settings), demo_settings


def web(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to bind. [default: web.host, 127.0.0.1]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port. [default: web.port, 8080]")] = None,
) -> None:
    """Serve the web viewer, Atom feeds and JSON API (/api/v1) on the store."""
    settings = load(ctx)
    bind = host or settings.web.host
    token = read_token(os.environ)
    # Imported here: every other command (``check`` above all) starts without the web stack.
    import uvicorn

    from worker.web import Access, create_app, is_loopback

    access = Access(token=token, public=settings.web.public, loopback=is_loopback(bind))
    if access.login_required and token is None:
        err.print(
            f"editwatch web --host {bind}: off localhost the viewer needs a token; set "
            f"{TOKEN_ENV} (or {TOKEN_ENV}_FILE), or set web.public: true in "
            f"{settings.config_dir}/editwatch.yaml to serve it to anyone",
            markup=False,
        )
        raise typer.Exit(2)
    store, settings = _store_for(settings)
    app = create_app(store, settings, access, due_lookup(settings))
    chosen = port if port is not None else settings.web.port
    out.print(
        f"editwatch web on http://{bind}:{chosen}/ (store: {store.url})",
        soft_wrap=True, markup=False, highlight=False,
    )  # fmt: skip
    try:
        uvicorn.run(app, host=bind, port=chosen, log_level="warning", access_log=False)
    finally:
        store.close()
