"""tripwire's own routes: ``/screen`` (richer queries and explanations), ``/lists``, health.

``/healthz`` says the process answers; ``/readyz`` says it has lists to screen
against (503 until the first index is loaded, so a load balancer waits).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tripwire.api.auth import Principal, optional_principal, require
from tripwire.api.config import ApiConfig
from tripwire.api.deps import (
    ERRORS,
    INDEX_HEADER,
    get_config,
    get_serving,
    json_response,
    require_json,
    run_screening,
)
from tripwire.api.keys import Role, list_keys
from tripwire.api.limits import check_names
from tripwire.api.models import (
    HealthResponse,
    ListsResponse,
    ReadyResponse,
    ScreenQuery,
    ScreenRequest,
    ScreenResponse,
)
from tripwire.api.problems import Problem
from tripwire.api.state import Serving, ServingState
from tripwire.screening import Query, QueryError

router = APIRouter()


def native_query(index: int, query: ScreenQuery) -> Query:
    check_names(query.names, f"queries.{index}.names")
    try:
        return Query.create(
            query.names,
            schema=query.schema_,
            birth_date=query.birth_date,
            countries=query.countries,
            identifiers=query.identifiers,
        )
    except QueryError as exc:
        field = f"queries.{index}.{'names' if exc.field == 'name' else exc.field}"
        raise Problem(
            422, f"{field}: {exc.reason}", errors=[{"field": field, "reason": exc.reason}]
        ) from None


@router.post(
    "/screen",
    summary="Screen parties, with tripwire's full explanations",
    tags=["tripwire"],
    response_model=ScreenResponse,
    responses=ERRORS,
    dependencies=[Depends(require_json)],
)
async def screen(
    body: ScreenRequest,
    _who: Annotated[Principal, Depends(require(Role.screener))],
    serving: Annotated[Serving, Depends(get_serving)],
    config: Annotated[ApiConfig, Depends(get_config)],
) -> Response:
    """Each query's matches at or above ``threshold`` (default: the model's), best first,
    each with the aligned words and every feature's contribution to the score."""
    if len(body.queries) > config.max_batch:
        raise Problem(
            422, f"{len(body.queries)} queries in one request; the limit is {config.max_batch}"
        )
    queries = [native_query(i, q) for i, q in enumerate(body.queries)]
    screener = serving.screener

    def work() -> list[list[Any]]:
        if len(queries) == 1:
            return [screener.screen(queries[0], limit=body.limit, threshold=body.threshold)]
        return list(screener.screen_many(queries, limit=body.limit, threshold=body.threshold))

    found = await run_screening(work, queries, limit=body.limit)
    results = [
        {
            "id": raw.id,
            "query": {
                "names": list(q.names),
                "schema": q.schema or None,
                "birth_date": q.birth_date,
                "countries": list(q.countries),
                "identifiers": list(q.identifiers),
            },
            "matches": [m.to_dict() for m in matches],
        }
        for raw, q, matches in zip(body.queries, queries, found, strict=True)
    ]
    threshold = screener.threshold if body.threshold is None else body.threshold
    return json_response(
        {"threshold": threshold, "index": serving.index_key, "results": results},
        headers={INDEX_HEADER: serving.index_key},
    )


@router.get(
    "/lists",
    summary="The list versions being served",
    tags=["tripwire"],
    response_model=ListsResponse,
    responses=ERRORS,
)
async def lists(
    _who: Annotated[Principal, Depends(require(Role.reader))],
    serving: Annotated[Serving, Depends(get_serving)],
) -> Response:
    return json_response(serving.to_dict())


@router.get(
    "/healthz", summary="The process answers", tags=["health"], response_model=HealthResponse
)
async def healthz() -> Response:
    return json_response({"status": "ok"})


@router.get(
    "/readyz",
    summary="Lists are loaded and screening works",
    tags=["health"],
    response_model=ReadyResponse,
    responses={503: {"description": "not ready", "model": ReadyResponse}},
)
async def readyz(request: Request) -> Response:
    """Ready or not; why not in a few words (an admin key also gets the error's text)."""
    state: ServingState = request.app.state.serving
    current = state.current
    error = state.public_error
    if error is not None and state.last_error != error:
        who = await optional_principal(request)
        if who is not None and who.role >= Role.admin:
            error = state.last_error
    if current is None:
        detail = error or "the screening index is still loading"
        return json_response({"status": "loading", "index": None, "detail": detail}, 503)
    return json_response({"status": "ready", "index": current.index_key, "detail": error})


@router.get(
    "/admin/keys",
    summary="API keys (admin only; secrets are never shown)",
    tags=["admin"],
    responses=ERRORS,
)
def keys(request: Request, _who: Annotated[Principal, Depends(require(Role.admin))]) -> Response:
    state: ServingState = request.app.state.serving
    return json_response({"keys": [k.to_dict() for k in list_keys(state.store)]})
