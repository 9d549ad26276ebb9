"""What every route shares: dependencies (caller, serving state, options, JSON check),
the documented error responses, and the JSON response."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from tripwire.api.auth import Principal, require
from tripwire.api.config import ApiConfig
from tripwire.api.keys import Role
from tripwire.api.problems import PROBLEM_SCHEMA, Problem
from tripwire.api.state import Serving, ServingState
from tripwire.screening import Query

T = TypeVar("T")
#: The largest screening job run on the event loop: one query of at most this many names,
#: this many characters in all, asking for at most this many matches. A thread hand-off
#: costs more than such a query; anything bigger goes to the thread pool so that it cannot
#: stall the other connections.
INLINE_NAMES = 2
INLINE_CHARS = 120
INLINE_LIMIT = 25


def runs_inline(queries: Sequence[Query], limit: int) -> bool:
    """Whether screening ``queries`` is small enough to run on the event loop."""
    if len(queries) != 1 or limit > INLINE_LIMIT:
        return False
    names = queries[0].names
    return len(names) <= INLINE_NAMES and sum(len(n) for n in names) <= INLINE_CHARS


async def run_screening(work: Callable[[], T], queries: Sequence[Query], *, limit: int) -> T:
    """``work()`` (which screens ``queries``): inline when small, else on the thread pool."""
    if runs_inline(queries, limit):
        return work()
    return await run_in_threadpool(work)


async def get_serving(request: Request) -> Serving:
    """The lists being served now; 503 until the first ones are loaded."""
    state: ServingState = request.app.state.serving
    current = state.current
    if current is None:
        reason = state.public_error or "the screening index is still loading"
        raise Problem(503, f"not ready: {reason}", headers={"Retry-After": "5"})
    return current


async def require_json(request: Request) -> None:
    """415 for a body that is not declared as JSON (before it is parsed)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        shown = media or "none"
        raise Problem(415, f"the body must be application/json (Content-Type was {shown})")


async def get_config(request: Request) -> ApiConfig:
    config: ApiConfig = request.app.state.config
    return config


#: Names the list versions that answered (changes when a list update is picked up).
INDEX_HEADER = "x-tripwire-index"

_PROBLEM = {"content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": text, **_PROBLEM}
    for status, text in (
        (400, "malformed request"),
        (401, "no or unknown API key"),
        (403, "the key's role does not allow this"),
        (404, "no such dataset or entity"),
        (413, "request body too large"),
        (415, "body is not JSON"),
        (422, "invalid query"),
        (429, "rate limit exceeded"),
        (503, "lists still loading"),
    )
}
DATASET = Path(description="a source (us_ofac_sdn, un_sc, eu_fsf, gb_fcdo, ...) or 'default'")
Reader = Annotated[Principal, Depends(require(Role.reader))]
Screener_ = Annotated[Principal, Depends(require(Role.screener))]
Current = Annotated[Serving, Depends(get_serving)]
Config = Annotated[ApiConfig, Depends(get_config)]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status, headers=headers, media_type="application/json")
