pytest_plugins = ["tests.httpserver", "tests.redis_fixtures", "tests.db_fixtures"]
