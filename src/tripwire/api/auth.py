"""Who is asking: API keys from ``Authorization`` (``Bearer`` or ``ApiKey``) or ``?api_key=``.

The query parameter is there for clients that cannot set headers (OpenRefine
takes a reconciliation service as a bare URL).

A token that does not have the shape of a key is refused at once, without a
database query or a cache entry. Well-formed tokens are looked up in the store
on a worker thread (never on the event loop) and the answer is remembered for
``key_cache_seconds`` in a bounded LRU cache keyed by the token's sha256.

Without keys (``--no-auth``) a local client acts as an admin and anything else
is refused: the connection must come from a loopback address, the ``Host``
header must name localhost (so a web page cannot reach the server through DNS
rebinding) and no proxy header (``Forwarded``, ``X-Forwarded-*``) may be
present (so neither a proxy nor a forged header can stand in for a local
client).
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request, Security
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from tripwire.api.config import ApiConfig
from tripwire.api.keys import ApiKey, Role, verify_key, well_formed
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
#: Host names a no-auth server answers to (with an optional port).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
#: Most keys remembered per process (accepted and refused alike).
KEY_CACHE_SIZE = 1024
ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request."""

    key_id: str
    name: str
    role: Role
    rate_limit: float | None

    @property
    def authenticated(self) -> bool:
        """Whether the caller showed a key (not a no-auth local client)."""
        return self.key_id != ANONYMOUS


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_local_host_header(value: str | None) -> bool:
    """Whether a ``Host`` header names localhost: localhost, 127.0.0.1 or [::1], any port."""
    if not value:
        return False
    host = value.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return False
        name, rest = host[: end + 1], host[end + 1 :]
        if rest and not rest.startswith(":"):
            return False
        has_port, port = bool(rest), rest[1:]
    else:
        name, colon, port = host.partition(":")
        has_port = bool(colon)
    if has_port and not (port.isdigit() and len(port) <= 5):
        return False
    return name in LOCAL_HOSTS


def _proxy_header(request: Request) -> str | None:
    for name in request.headers:
        lowered = str(name).lower()
        if lowered == "forwarded" or lowered.startswith("x-forwarded-"):
            return lowered
    return None


class Authenticator:
    """Checks keys against the store, remembering answers for ``key_cache_seconds``."""

    def __init__(self, store: Store, config: ApiConfig, limiter: RateLimiter) -> None:
        self.store = store
        self.config = config
        self.limiter = limiter
        self._cache: OrderedDict[bytes, tuple[float, ApiKey | None]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def digest(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def cached(self, digest: bytes) -> tuple[ApiKey | None] | None:
        """The remembered answer for a token's digest, or None when there is none (or stale)."""
        now = time.monotonic()
        with self._lock:
            entry = self._cache.get(digest)
            if entry is None:
                return None
            if entry[0] <= now:
                del self._cache[digest]
                return None
            self._cache.move_to_end(digest)
            return (entry[1],)

    def lookup(self, token: str) -> ApiKey | None:
        """The key ``token`` is (blocking: a database query on a cache miss)."""
        if not well_formed(token):
            return None
        digest = self.digest(token)
        hit = self.cached(digest)
        if hit is not None:
            return hit[0]
        key = verify_key(self.store, token)
        with self._lock:
            self._cache[digest] = (time.monotonic() + self.config.key_cache_seconds, key)
            self._cache.move_to_end(digest)
            while len(self._cache) > KEY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return key

    def local(self, request: Request) -> Principal:
        """The caller of a no-auth server: a local client, or 403."""
        host = request.client.host if request.client else None
        if not is_loopback(host):
            raise Problem(403, "this server runs without authentication for localhost only")
        header = _proxy_header(request)
        if header is not None:
            raise Problem(
                403,
                f"this server runs without authentication for local clients only and refuses "
                f"proxied requests ({header!r} header present)",
            )
        if not is_local_host_header(request.headers.get("host")):
            raise Problem(
                403,
                "this server runs without authentication and answers only to Host "
                "localhost, 127.0.0.1 or [::1]",
            )
        return Principal(ANONYMOUS, ANONYMOUS, Role.admin, None)

    async def identify(self, request: Request, token: str | None) -> Principal:
        """Who the caller is (401/403 otherwise); the key lookup runs on a worker thread."""
        if self.config.no_auth:
            return self.local(request)
        if not token:
            raise Problem(
                401,
                "an API key is required: send 'Authorization: Bearer <key>' "
                "(or ?api_key=<key>); create one with 'tripwire keys create'",
                headers=_CHALLENGE,
            )
        if not well_formed(token):
            raise Problem(
                401, "the API key is malformed (keys read tw_<id>_<secret>)", headers=_CHALLENGE
            )
        hit = self.cached(self.digest(token))
        key = hit[0] if hit is not None else await run_in_threadpool(self.lookup, token)
        if key is None:
            raise Problem(401, "the API key is unknown, malformed or revoked", headers=_CHALLENGE)
        return Principal(key.id, key.name, key.role, key.rate_limit)

    def admit(self, who: Principal, role: Role) -> Principal:
        """``who`` if its role suffices and its rate allows; 403 or 429 otherwise."""
        if who.role < role:
            raise Problem(
                403,
                f"key {who.key_id!r} has role {who.role.name!r}; this needs {role.name!r} "
                "or higher",
            )
        rate = who.rate_limit if who.rate_limit is not None else self.config.rate_limit
        if who.authenticated:
            wait = self.limiter.take(who.key_id, rate)
            if wait > 0:
                raise Problem(
                    429,
                    f"rate limit of {rate:g} requests per second for key {who.key_id!r} "
                    f"exceeded; retry in {wait:.2f} s",
                    headers={"Retry-After": str(max(1, round(wait + 0.5)))},
                )
        return who

    async def check(self, request: Request, token: str | None, role: Role) -> Principal:
        return self.admit(await self.identify(request, token), role)


def request_token(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None = None,
    query: str | None = None,
) -> str | None:
    """The key a request carries, if any."""
    if bearer is not None:
        return bearer.credentials
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "apikey" and value.strip():
        return value.strip()
    return query or request.query_params.get("api_key") or None


def require(role: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits callers with at least ``role``."""

    async def dependency(
        request: Request,
        bearer: HTTPAuthorizationCredentials | None = _BEARER,
        query: str | None = _QUERY_KEY,
    ) -> Principal:
        auth: Authenticator = request.app.state.auth
        return await auth.check(request, request_token(request, bearer, query), role)

    return dependency


async def optional_principal(request: Request) -> Principal | None:
    """The caller when it authenticates, else None (no rate limit taken)."""
    auth: Authenticator = request.app.state.auth
    try:
        return await auth.identify(request, request_token(request))
    except Problem:
        return None
