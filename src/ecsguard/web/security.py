"""Dashboard safety: loopback by default, a token for anything else, strict response headers."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ecsguard.errors import UsageError

TOKEN_ENV = "ECSGUARD_TOKEN"
COOKIE = "ecsguard_session"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def required_token(host: str, token: str | None = None) -> str | None:
    """The token the server must demand, or None on loopback. Refuses an open non-loopback bind."""
    token = token if token is not None else os.environ.get(TOKEN_ENV)
    if is_loopback(host):
        return token or None
    if not token:
        raise UsageError(
            f"refusing to serve on {host} without authentication: set {TOKEN_ENV} "
            "(or bind 127.0.0.1)"
        )
    if len(token) < 16:
        raise UsageError(f"{TOKEN_ENV} must be at least 16 characters")
    return token


def session_value(token: str) -> str:
    return hmac.new(token.encode(), b"ecsguard-dashboard-session", hashlib.sha256).hexdigest()


def authorised(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    cookie = request.cookies.get(COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie, session_value(token))


def middleware(
    token: str | None,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        open_paths = path in ("/login", "/healthz") or path.startswith("/static/")
        if token and not open_paths and not authorised(request, token):
            if path.startswith("/api/") or path == "/openapi.json":
                response: Response = JSONResponse(
                    {"detail": "authentication required"}, status_code=401
                )
            else:
                response = RedirectResponse("/login", status_code=303)
        else:
            response = await call_next(request)
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    return guard
