"""Alembic migrations for the store: ``env.py``, the revision template and ``versions/``.

Run through :mod:`worker.store.migrate` (``editwatch db upgrade``), never with an ``alembic.ini``:
the connection, and the lock held around it, come from the caller.
"""

__all__: list[str] = []  # read by Alembic from files, nothing to import
