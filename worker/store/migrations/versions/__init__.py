"""One module per schema revision, oldest first by number (``0001_...``, ``0002_...``)."""

__all__: list[str] = []  # read by Alembic from files, nothing to import
