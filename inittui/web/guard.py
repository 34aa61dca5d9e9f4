"""Who may use `inittui serve`: the token in the URL, and the Host and Origin a browser sends.

A page on any website can open a WebSocket to 127.0.0.1 from the user's browser, and a
DNS-rebinding page can even read the answers under a Host name of its own. So every
request is refused (403, before any session process starts) unless
- its Host header names the address served (127.0.0.1, localhost or ::1 for a loopback
  server; any name for 0.0.0.0, where the token is the only guard),
- its Origin header, when a browser sends one, is this server's own (`http://` + Host),
- and the page and the WebSocket carry the per-server secret token printed at start-up
  (Jupyter's way: `http://127.0.0.1:8000/?token=…`). The static files (the page's
  JavaScript and fonts) are the same for every server and need no token.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
TOKEN_REFUSED = ("inittui serve: this page needs the token printed when the server started "
                 "(open the URL with ?token=… that it printed)")
PUBLIC = ("/static/", "/download/")
"""Paths that need no token: textual-serve's own JavaScript and CSS, and a file the app
delivers, whose key is a secret of its own handed to the tab's page."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def new_token() -> str:
    """A per-server secret: 32 random bytes, URL-safe (as Jupyter's)."""
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    return host in WILDCARDS


def _split_host(value: str) -> tuple[str, int | None]:
    """(name, port) of a Host header or an Origin's netloc; port None when absent or bad."""
    try:
        parts = urlsplit(f"//{value}")
        return (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "", None


class Guard:
    """The checks of one server, bound to `host` and (once it is known) `port`."""

    def __init__(self, host: str, token: str | None = None) -> None:
        self.host = host
        self.port: int | None = None
        self.token = token or new_token()

    def allowed_names(self) -> tuple[str, ...] | None:
        """Host names a request may use; None: any (a wildcard address, token-guarded)."""
        if is_wildcard(self.host):
            return None
        if is_loopback(self.host):
            return LOOPBACK_NAMES
        return (self.host.strip("[]").lower(),)

    def host_problem(self, request: web.Request) -> str | None:
        name, port = _split_host(request.headers.get("Host", ""))
        names = self.allowed_names()
        if not name or port != self.port or (names is not None and name not in names):
            return "this server answers only requests addressed to it (wrong Host header)"
        return None

    def origin_problem(self, request: web.Request) -> str | None:
        origin = request.headers.get("Origin")
        if origin is None:  # not a browser's cross-site request: the token decides
            return None
        parts = urlsplit(origin)
        if parts.scheme != "http" or parts.netloc.lower() != \
                request.headers.get("Host", "").lower():
            return "requests from other web pages are refused (Origin is not this server)"
        return None

    def has_token(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Host and Origin for every request; the token for all but the static files."""
        problem = self.host_problem(request) or self.origin_problem(request)
        if problem is None and not request.path.startswith(PUBLIC) and \
                not self.has_token(request.match_info.get("token") or
                                   request.query.get("token")):
            problem = TOKEN_REFUSED
        if problem is not None:
            raise web.HTTPForbidden(text=f"{problem}\n")
        return await handler(request)
