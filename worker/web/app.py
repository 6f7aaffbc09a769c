"""The viewer application: pages, Atom feeds and the JSON API over one store.

:func:`create_app` is the factory: it takes the store, the settings and the access rules and
returns an ASGI app that ``editwatch web`` serves with uvicorn (and tests serve on a free port).
Two middlewares wrap every request: the access check (login, token, local ``Host``) and the
security headers.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from worker import __version__
from worker.config import Settings
from worker.store import Store
from worker.web import api, feeds, pages
from worker.web.rendering import STATIC_DIR, templates
from worker.web.security import (
    PAGE_CSP,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    Access,
    open_path,
    same_origin,
)
from worker.web.viewer import DueLookup, Viewer

MACHINE_PREFIXES = ("/api/", "/feeds/")


def create_app(
    store: Store, settings: Settings, access: Access, due: DueLookup | None = None
) -> FastAPI:
    """The viewer for ``store``; ``due`` reads next-due times from the shared due-queue."""
    app = FastAPI(
        title="editwatch",
        version=__version__,
        description="Every version of every watched article: watches, versions, changes, diffs.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the bundled docs page loads scripts from a CDN
        redoc_url=None,
    )
    app.state.viewer = Viewer(store, settings, due)
    app.state.access = access
    app.include_router(pages.router)
    app.include_router(feeds.router)
    app.include_router(api.router)
    app.include_router(login_router())
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.add_exception_handler(HTTPException, _error_page)  # type: ignore[arg-type]
    app.add_middleware(AccessMiddleware, access=access)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


class SecurityHeadersMiddleware:
    """Adds the CSP and friends to every answer that does not set its own (plain ASGI: a
    ``BaseHTTPMiddleware`` would re-stream every body and cost a delayed-ACK round trip)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                defaults = {
                    "Content-Security-Policy": PAGE_CSP,
                    "X-Frame-Options": "DENY",
                    **SECURITY_HEADERS,
                }
                for name, value in defaults.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessMiddleware:
    """Refuses foreign ``Host`` names on loopback; off loopback, demands the token."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = _refusal(Request(scope), self.access)
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)


def _refusal(request: Request, access: Access) -> Response | None:
    """The answer to a request that may not go on, or ``None`` when it may."""
    if not access.host_allowed(request):
        return JSONResponse({"detail": "this viewer answers to localhost only"}, status_code=421)
    if open_path(request.url.path) or access.may_read(request):
        return None
    if _is_machine(request.url.path):
        return JSONResponse(
            {"detail": "authentication required: Authorization: Bearer <EDITWATCH_WEB_TOKEN>"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="editwatch", Basic realm="editwatch"'},
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def _is_machine(path: str) -> bool:
    return path.startswith(MACHINE_PREFIXES)


async def _error_page(request: Request, error: HTTPException) -> Response:
    """JSON for the API and feeds, a page for people; the message is escaped like any text."""
    if _is_machine(request.url.path):
        return await http_exception_handler(request, error)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": error.status_code, "message": str(error.detail), "feeds": [], "signed_in": False,
         "access": request.app.state.access},
        status_code=error.status_code,
        headers=getattr(error, "headers", None),
    )  # fmt: skip


def login_router() -> APIRouter:
    """The login form, its post (sets the session cookie) and logout."""
    router = APIRouter(include_in_schema=False)

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:
        """The token form; only shown when a token is configured."""
        return _login_page(request, _safe_next(next))

    @router.post("/login")
    async def login(request: Request) -> Response:
        """A right token sets the session cookie (HttpOnly, SameSite=Strict) and goes on."""
        access: Access = request.app.state.access
        form = await pages.read_form(request)
        target = _safe_next(form.get("next", "/"))
        if not same_origin(request) or not access.token_matches(form.get("token", "")):
            return _login_page(request, target, error="wrong token", status=401)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            access.session_value(),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @router.post("/logout")
    def logout() -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router


def _login_page(request: Request, target: str, error: str = "", status: int = 200) -> Response:
    access: Access = request.app.state.access
    context = {"next": target, "error": error, "access": access, "feeds": [], "signed_in": False}
    if access.token is None:
        context["error"] = (
            "no EDITWATCH_WEB_TOKEN is set for this viewer: there is nothing to log in"
        )
    return templates.TemplateResponse(request, "login.html", context, status_code=status)


def _safe_next(target: str) -> str:
    """Only a path on this viewer: a login must never bounce the user to another site."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target
