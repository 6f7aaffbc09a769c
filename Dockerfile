# editwatch worker image: the Celery worker by default; docker-compose.yml also runs beat from it.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Dependencies first, from the project metadata and a stub package, so editing the code does
# not reinstall them; then the real package on top without touching the dependency layer.
# FriBiDi lets Pillow's raqm layout shape right-to-left text on diff cards.
RUN apt-get update && apt-get install -y --no-install-recommends libfribidi0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY worker/__init__.py worker/__init__.py
RUN pip install ".[postgres]"
COPY worker ./worker
RUN pip install --no-deps --force-reinstall . && rm -rf /src

# Run unprivileged; /data holds the SQLite database (when no DATABASE_URL) and the beat schedule.
# A named volume mounted on /data starts as a copy of this directory, so it is owned by editwatch.
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin editwatch \
    && mkdir -p /app /data \
    && chown editwatch:editwatch /data
WORKDIR /app
COPY config ./config

ENV EDITWATCH_CONFIG_DIR=/app/config \
    EDITWATCH_DATA_DIR=/data
VOLUME ["/data"]
USER editwatch

# No ENTRYPOINT, so compose's `command:` replaces this whole line (worker or beat).
CMD ["celery", "-A", "worker.app", "worker", "--loglevel=INFO", "--concurrency=2"]
