"""Request limits: body size (before the body is read into memory) and per-key rate.

The body limit is an ASGI middleware so that an oversized upload is refused
from its ``Content-Length`` at once, and a chunked one as soon as it passes the
limit, without ever holding more than the limit in memory.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tripwire.api.problems import Problem, problem_response

#: Most names (name, aliases...) in one query, and the longest name: screening time grows
#: with both.
MAX_NAMES = 50
MAX_NAME_LENGTH = 300


def check_names(names: list[str], field: str) -> None:
    """422 for a query with too many or too long names (before any screening work)."""
    reason = None
    if len(names) > MAX_NAMES:
        reason = f"{len(names)} names; at most {MAX_NAMES} per query"
    elif any(len(n) > MAX_NAME_LENGTH for n in names):
        reason = f"a name is longer than {MAX_NAME_LENGTH} characters"
    if reason:
        raise Problem(422, f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


class _TooLarge(HTTPException):
    """Raised from ``receive``: FastAPI passes HTTP exceptions from reading the body on."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


class BodyLimit:
    """Answer 413 to requests whose body exceeds ``max_body`` bytes."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0:
                    await self._refuse(scope, receive, send, "Content-Length is not a number")
                    return
                if declared > self.max_body:
                    await self._refuse(scope, receive, send, self._message(declared))
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge(self._message(seen))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send, self._message(seen))

    def _message(self, size: int) -> str:
        return f"request body of {size} bytes is larger than the limit of {self.max_body} bytes"

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, detail: str) -> None:
        response = problem_response(413, detail, instance=scope.get("path"))
        await response(scope, receive, send)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets per key: ``rate`` requests per second, bursts of up to one second's worth.

    Thread-safe (sync routes run in a thread pool). In-process: with several
    worker processes each enforces the key's full rate, since a keep-alive
    connection stays on one worker; a client spreading its connections over N
    workers can so reach up to N times the rate.
    """

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, rate: float) -> float:
        """0.0 when the request may go ahead, else the seconds to wait before retrying."""
        if rate <= 0:
            return 0.0
        capacity = max(1.0, rate)
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(capacity, now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate
