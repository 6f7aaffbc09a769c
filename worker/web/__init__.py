"""The newsroom's window: a read-only web viewer, Atom feeds and a JSON API over the store.

``editwatch web`` serves :func:`create_app` with uvicorn. Pages (``pages``), feeds (``feeds``)
and the API (``api``, shapes in ``shapes``) all read through one :class:`~worker.web.viewer.Viewer`;
``security`` holds the access rules and headers, ``rendering`` the Jinja2 environment.
"""

from worker.web.app import create_app
from worker.web.security import Access, is_loopback

__all__ = ["Access", "create_app", "is_loopback"]
