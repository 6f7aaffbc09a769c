pytest_plugins = ["tests.httpserver", "tests.redis_fixtures", "tests.db_fixtures"]

import logging

# aiosmtpd logs every SMTP session at INFO; the email tests assert on what was received instead.
logging.getLogger("mail.log").setLevel(logging.WARNING)
