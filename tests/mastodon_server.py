"""A local stand-in for a Mastodon instance's statuses and media API, on the test HTTP server.

It answers what the real API answers for the calls editwatch (and Apprise's ``mastodon://``)
make: ``POST /api/v2/media`` and ``/api/v1/media`` (multipart, answers a media id),
``POST /api/v1/statuses`` (JSON or form, answers a status id; ``in_reply_to_id`` naming an
unknown post is a 404, as on a real instance), and keeps what it was sent for the test to read.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

from tests.httpserver import LocalHTTPServer, RecordedRequest, Response

TOKEN = "mastodon-test-token"


@dataclass
class Upload:
    """One uploaded file: its form field, file name, content type, bytes and alt text."""

    field: str
    filename: str
    content_type: str
    content: bytes
    description: str = ""


@dataclass
class FakeMastodon:
    server: LocalHTTPServer
    uploads: dict[str, Upload] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    processing: int = 0  # answer uploads 202 and GET /api/v1/media/ID 206 this many times
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 100

    def __post_init__(self) -> None:
        for path in ("/api/v2/media", "/api/v1/media"):
            self.server.route(path, handler=self._media)
        self.server.route("/api/v1/statuses", handler=self._status)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def posts(self) -> list[dict[str, Any]]:
        """The statuses posted, oldest first, each with its ``id``."""
        with self._lock:
            return [{"id": k, **v} for k, v in self.statuses.items()]

    def _id(self) -> str:
        with self._lock:
            self._next += 1
            return str(self._next)

    def _media(self, request: RecordedRequest) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json(401, {"error": "The access token is invalid"})
        parts = multipart(request)
        files = [p for p in parts if p.filename]
        if not files:
            return _json(422, {"error": "Validation failed: File can't be blank"})
        upload = files[0]
        upload.description = next(
            (p.content.decode() for p in parts if p.field == "description"), ""
        )
        media_id = self._id()
        with self._lock:
            self.uploads[media_id] = upload
        if self.processing:
            self.server.route(f"/api/v1/media/{media_id}", handler=self._processed)
            return _json(202, {"id": media_id, "type": "image", "url": None})
        return _json(200, {"id": media_id, "type": "image", "url": f"/media/{media_id}.png"})

    def _processed(self, request: RecordedRequest) -> Response:
        """GET of an upload still processing: 206 until ``processing`` polls have passed."""
        with self._lock:
            self.processing -= 1
            done = self.processing <= 0
        media_id = request.path.rsplit("/", 1)[-1]
        return _json(
            200 if done else 206, {"id": media_id, "url": "/media/x.png" if done else None}
        )

    def _status(self, request: RecordedRequest) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json(401, {"error": "The access token is invalid"})
        body = status_body(request)
        parent = body.get("in_reply_to_id")
        with self._lock:
            known = parent in self.statuses
        if parent and not known:
            return _json(404, {"error": "Record not found"})
        status_id = self._id()
        with self._lock:
            self.statuses[status_id] = {
                **body,
                "idempotency_key": request.headers.get("Idempotency-Key"),
            }
        return _json(200, {"id": status_id, "content": body.get("status", "")})


def status_body(request: RecordedRequest) -> dict[str, Any]:
    """A statuses POST as a dict, sent as JSON (editwatch) or a form (Apprise)."""
    if "json" in (request.headers.get("Content-Type") or ""):
        data: dict[str, Any] = json.loads(request.body)
        return data
    form = parse_qs(request.body.decode())
    data = {k.removesuffix("[]"): (v if k.endswith("[]") else v[0]) for k, v in form.items()}
    return data


def multipart(request: RecordedRequest) -> list[Upload]:
    """The parts of a multipart/form-data body, parsed with the standard library."""
    head = f"Content-Type: {request.headers.get('Content-Type')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    parts = []
    for part in message.iter_parts():
        disposition = part.get("Content-Disposition", "")
        params = dict(part.get_params(header="content-disposition") or [])
        payload = part.get_payload(decode=True) or b""
        parts.append(
            Upload(
                field=str(params.get("name", "")),
                filename=str(params.get("filename", "") if "filename" in disposition else ""),
                content_type=part.get_content_type(),
                content=payload,
            )
        )
    return parts


def _json(status: int, data: dict[str, Any]) -> Response:
    return Response(status, {"Content-Type": "application/json"}, json.dumps(data).encode())
