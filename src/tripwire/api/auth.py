"""Who is asking: API keys from ``Authorization`` (``Bearer`` or ``ApiKey``) or ``?api_key=``.

The query parameter is there for clients that cannot set headers (OpenRefine
takes a reconciliation service as a bare URL). Without keys (``--no-auth``)
every loopback client acts as an admin and any other client is refused, so a
misconfigured bind address cannot expose an open server.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request, Security
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer

from tripwire.api.config import ApiConfig
from tripwire.api.keys import ApiKey, Role, verify_key
from tripwire.api.limits import RateLimiter
from tripwire.api.problems import Problem
from tripwire.store import Store

_bearer = HTTPBearer(auto_error=False, description="an API key: `Authorization: Bearer tw_...`")
_query_key = APIKeyQuery(
    name="api_key", auto_error=False, description="the API key, for clients without headers"
)
_BEARER = Security(_bearer)
_QUERY_KEY = Security(_query_key)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="tripwire"'}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request."""

    key_id: str
    name: str
    role: Role
    rate_limit: float | None


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Authenticator:
    """Checks keys against the store, remembering answers for ``key_cache_seconds``."""

    def __init__(self, store: Store, config: ApiConfig, limiter: RateLimiter) -> None:
        self.store = store
        self.config = config
        self.limiter = limiter
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._lock = threading.Lock()

    def lookup(self, token: str) -> ApiKey | None:
        now = time.monotonic()
        cached = self._cache.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        key = verify_key(self.store, token)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[token] = (now + self.config.key_cache_seconds, key)
        return key

    def principal(self, request: Request, token: str | None) -> Principal:
        if self.config.no_auth:
            host = request.client.host if request.client else None
            if not is_loopback(host):
                raise Problem(403, "this server runs without authentication for localhost only")
            return Principal("anonymous", "anonymous", Role.admin, None)
        if not token:
            raise Problem(
                401,
                "an API key is required: send 'Authorization: Bearer <key>' "
                "(or ?api_key=<key>); create one with 'tripwire keys create'",
                headers=_CHALLENGE,
            )
        key = self.lookup(token)
        if key is None:
            raise Problem(401, "the API key is unknown, malformed or revoked", headers=_CHALLENGE)
        return Principal(key.id, key.name, key.role, key.rate_limit)

    def check(self, request: Request, token: str | None, role: Role) -> Principal:
        who = self.principal(request, token)
        if who.role < role:
            raise Problem(
                403,
                f"key {who.key_id!r} has role {who.role.name!r}; this needs {role.name!r} "
                "or higher",
            )
        rate = who.rate_limit if who.rate_limit is not None else self.config.rate_limit
        if who.key_id != "anonymous":
            wait = self.limiter.take(who.key_id, rate)
            if wait > 0:
                raise Problem(
                    429,
                    f"rate limit of {rate:g} requests per second for key {who.key_id!r} "
                    f"exceeded; retry in {wait:.2f} s",
                    headers={"Retry-After": str(max(1, round(wait + 0.5)))},
                )
        return who


def _token(
    request: Request, bearer: HTTPAuthorizationCredentials | None, query: str | None
) -> str | None:
    if bearer is not None:
        return bearer.credentials
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "apikey" and value.strip():
        return value.strip()
    return query or None


def require(role: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits callers with at least ``role``."""

    async def dependency(
        request: Request,
        bearer: HTTPAuthorizationCredentials | None = _BEARER,
        query: str | None = _QUERY_KEY,
    ) -> Principal:
        auth: Authenticator = request.app.state.auth
        return auth.check(request, _token(request, bearer, query), role)

    return dependency
