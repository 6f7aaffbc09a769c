"""Shared fixtures: a local HTTP server, a real Redis, SQLite and PostgreSQL stores."""

import logging

pytest_plugins = [
    "tests.httpserver",
    "tests.redis_fixtures",
    "tests.db_fixtures",
    "tests.webdata",
    "tests.fetch_transports",
]

# aiosmtpd logs every SMTP session at INFO; the email tests assert on what was received instead.
logging.getLogger("mail.log").setLevel(logging.WARNING)
