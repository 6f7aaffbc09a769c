"""Shared fixtures: a local HTTP server, a real Redis, SQLite and PostgreSQL stores."""

import logging
import os

# pytest-xdist's workers (``make test`` runs the suite on two) inherit COLUMNS=80 and LINES=24
# from execnet. The CLI's consoles read COLUMNS once, when first imported, so a piped table
# would fold at 80 in one worker and not in another; a test that wants a width sets its own.
for _size in ("COLUMNS", "LINES"):
    os.environ.pop(_size, None)

pytest_plugins = [
    "tests.httpserver",
    "tests.redis_fixtures",
    "tests.db_fixtures",
    "tests.webdata",
    "tests.fetch_transports",
]

# aiosmtpd logs every SMTP session at INFO; the email tests assert on what was received instead.
logging.getLogger("mail.log").setLevel(logging.WARNING)
