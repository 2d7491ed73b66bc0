"""Who may talk to the API: loopback Host only, allow-listed browser Origins only, bearer tokens
with scopes, and a token-bucket rate limit per token.

The Host check is what defeats DNS rebinding: a hostile web page can make its own name resolve
to 127.0.0.1, but the browser still sends that name in Host. The Origin check stops a page on
any origin (including other local web servers) from using a token it somehow learned.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from reverie.api.config import LOOPBACK_HOSTS
from reverie.api.tokens import TokenInfo

AUTH_KEY = "reverie.token"  # ASGI scope key where the gate leaves the caller's TokenInfo


class ApiError(Exception):
    """An error answered as JSON {"error": message} with this status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def host_allowed(host: str | None, port: int) -> bool:
    """True for `localhost`, `127.0.0.1` or `[::1]` with the port we listen on."""
    if not host:
        return False
    host = host.lower()
    if host.startswith("["):
        end = host.find("]")
        name, rest = host[:end + 1], host[end + 1:]
        if end < 0 or (rest and not rest.startswith(":")):
            return False
        port_text = rest[1:]
    else:
        name, _, port_text = host.partition(":")
    if name not in LOOPBACK_HOSTS:
        return False
    if not port_text:
        return port == 80  # a Host without a port means the scheme's default
    return port_text.isdigit() and int(port_text) == port


def origin_allowed(origin: str | None, allowed: frozenset[str]) -> bool:
    """Requests without Origin are not from a web page; with one, it must be allow-listed exactly."""
    return origin is None or origin.rstrip("/") in allowed


class RateLimiter:
    """A token bucket per API token: `burst` requests at once, refilled at `rate` per second.

    Only the event loop calls it, so it needs no lock.
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """0 if the request may go ahead, else the seconds until one more would be allowed."""
        now = self._clock()
        level, stamp = self._buckets.get(key, (float(self.burst), now))
        level = min(float(self.burst), level + (now - stamp) * self.rate)
        if level >= 1.0:
            self._buckets[key] = (level - 1.0, now)
            return 0.0
        self._buckets[key] = (level, now)
        return (1.0 - level) / self.rate

    @staticmethod
    def retry_after(wait_s: float) -> str:
        return str(max(1, math.ceil(wait_s)))


# Declared so OpenAPI (and schemathesis) know the endpoints take a bearer token; the gate
# middleware has already checked it by the time a route runs.
_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <token>` from `reverie token create`")


Bearer = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]


def require(scope: str) -> Any:
    """A route dependency: the caller's token must carry `scope` (403 otherwise)."""

    def check(request: Request, _cred: Bearer) -> TokenInfo:
        return need(request, scope)

    return Depends(check)


def need(request: Request, scope: str) -> TokenInfo:
    info: TokenInfo | None = request.scope.get(AUTH_KEY)
    if info is None:
        raise ApiError(401, "a bearer token is required", {"WWW-Authenticate": "Bearer"})
    if scope not in info.scopes:
        raise ApiError(403, f"this token lacks the '{scope}' scope")
    return info


ReadToken = Annotated[TokenInfo, require("read")]
WriteToken = Annotated[TokenInfo, require("write")]
AdminToken = Annotated[TokenInfo, require("admin")]
