"""yente-compatible routes: ``/match``, ``/search``, ``/entities``, ``/catalog``, ``/algorithms``.

Routes parse, call the screener and shape the answer; nothing here scores.
A small single query is screened on the event loop (a few milliseconds, cheaper
than a thread hand-off); anything bigger goes to the thread pool so health
checks and other connections stay quick (:func:`tripwire.api.deps.run_screening`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from tripwire.api import yente
from tripwire.api.deps import (
    DATASET,
    ERRORS,
    INDEX_HEADER,
    Config,
    Current,
    Reader,
    Screener_,
    json_response,
    require_json,
    run_screening,
)
from tripwire.api.limits import MAX_NAME_LENGTH
from tripwire.api.models import (
    AlgorithmsResponse,
    CatalogResponse,
    EntityResponse,
    MatchParams,
    MatchRequest,
    MatchResponse,
    SearchResponse,
)
from tripwire.api.problems import Problem
from tripwire.api.state import Serving
from tripwire.model.sources import SOURCES
from tripwire.screening import Match, QueryError
from tripwire.screening import Query as ScreenQuery
from tripwire.screening.engine import CANDIDATES

router = APIRouter()


def _match_body(
    serving: Serving,
    request: MatchRequest,
    results: list[list[Match]],
    threshold: float,
    limit: int,
) -> dict[str, Any]:
    responses = {}
    for key, matches in zip(request.queries, results, strict=True):
        example = request.queries[key]
        responses[key] = {
            "status": 200,
            "results": [yente.scored_dict(m, serving.party(m), threshold) for m in matches],
            "total": {"value": len(matches), "relation": "eq"},
            "query": {
                "id": example.id,
                "schema": example.schema_,
                "properties": {
                    k: [v] if isinstance(v, str) else v for k, v in example.properties.items()
                },
            },
        }
    return {"responses": responses, "matcher": yente.matcher_docs(serving), "limit": limit}


@router.post(
    "/match/{dataset}",
    summary="Match example entities (yente-compatible)",
    tags=["yente"],
    response_model=MatchResponse,
    responses=ERRORS,
    dependencies=[Depends(require_json)],
)
async def match(
    body: MatchRequest,
    _who: Screener_,
    serving: Current,
    config: Config,
    params: Annotated[MatchParams, Query()],
    dataset: str = DATASET,
) -> Response:
    """Query-by-example matching with yente's request and response shapes.

    Each entry of ``queries`` is an FtM example entity (``schema``, ``properties``:
    ``name``, ``alias``, ``birthDate``, ``nationality``/``country``, identifiers such as
    ``idNumber``, ``imoNumber``, ``innCode``...). Each response lists scored entities with
    ``score`` (a probability), ``match`` (score >= threshold) and ``explanations``.
    """
    if params.algorithm not in yente.ALGORITHMS:
        allowed = ", ".join(yente.ALGORITHMS)
        raise Problem(422, f"unknown algorithm {params.algorithm!r}; use one of {allowed}")
    if not body.queries:
        raise Problem(422, "no queries: 'queries' must hold at least one example entity")
    if len(body.queries) > config.max_batch:
        raise Problem(
            422, f"{len(body.queries)} queries in one request; the limit is {config.max_batch}"
        )
    sources = yente.dataset_sources(dataset, serving)
    if params.include_dataset:
        wanted = frozenset(params.include_dataset)
        sources = wanted if sources is None else sources & wanted
    if params.exclude_dataset:
        base = frozenset(serving.sources) if sources is None else sources
        sources = base - frozenset(params.exclude_dataset)
    queries = [yente.example_query(key, ex) for key, ex in body.queries.items()]
    threshold = serving.screener.threshold if params.threshold is None else params.threshold
    low = threshold if params.cutoff is None else params.cutoff
    limit = params.limit

    def work() -> dict[str, Any]:
        results = yente.screen_filtered(
            serving,
            queries,
            sources=sources,
            limit=limit,
            cutoff=low,
            exclude_ids=frozenset(params.exclude_entity_ids),
            exclude_schemata=frozenset(params.exclude_schema),
        )
        return _match_body(serving, body, results, threshold, limit)

    wide = limit + len(params.exclude_entity_ids)
    data = await run_screening(work, queries, limit=wide)
    headers = {"x-batch-size": str(len(queries)), INDEX_HEADER: serving.index_key}
    return json_response(data, headers=headers)


@router.get(
    "/search/{dataset}",
    summary="Search entities by name (yente-compatible)",
    tags=["yente"],
    response_model=SearchResponse,
    responses=ERRORS,
)
def search(
    _who: Reader,
    serving: Current,
    dataset: str = DATASET,
    q: str = Query(
        ..., min_length=1, max_length=MAX_NAME_LENGTH, description="a name, in any script"
    ),
    schema: str | None = Query(None, description="Person, Organization, Company, Vessel..."),
    limit: int = Query(10, ge=1, le=CANDIDATES),
    offset: int = Query(0, ge=0, le=CANDIDATES),
) -> Response:
    """Entities whose names resemble ``q``, best first (the screener's ranking, no cutoff)."""
    sources = yente.dataset_sources(dataset, serving)
    try:
        query = ScreenQuery.create(q, schema=schema)
    except QueryError as exc:
        field = "q" if exc.field == "name" else exc.field
        raise Problem(
            422, f"{field}: {exc.reason}", errors=[{"field": field, "reason": exc.reason}]
        ) from None
    (matches,) = yente.screen_filtered(
        serving, [query], sources=sources, limit=CANDIDATES, cutoff=0.0
    )
    page = matches[offset : offset + limit]
    results = [yente.party_dict(party) for party in map(serving.party, page) if party]
    return json_response(
        {
            "limit": limit,
            "offset": offset,
            "total": {"value": len(matches), "relation": "eq"},
            "results": results,
            "facets": {},
        }
    )


@router.get(
    "/entities/{entity_id}",
    summary="One entity with its sanctions and relations (yente-compatible)",
    tags=["yente"],
    response_model=EntityResponse,
    responses=ERRORS,
)
def entity(
    _who: Reader,
    serving: Current,
    entity_id: str = Path(..., max_length=255),
    nested: bool = Query(True, description="embed the entities that refer to this one"),
) -> Response:
    """The entity, with the entities that refer to it (sanctions, ownership, family...) nested
    under the property that names them from its side, as yente does."""
    found = serving.entity_versions(entity_id)
    if not found:
        raise Problem(404, f"no entity {entity_id!r} in the serving list versions")
    version, body = found[0]
    data = yente.entity_dict(body, [v.source for v, _ in found])
    if nested:
        properties = {k: list(v) for k, v in data["properties"].items()}
        for related in serving.store.referencing(version.id, [entity_id]):
            if related.entity_id == entity_id:
                continue
            for reverse in yente.reverse_props(related, entity_id):
                properties.setdefault(reverse, []).append(
                    yente.entity_dict(related, [version.source])
                )
        data["properties"] = properties
    return json_response(data)


@router.get(
    "/catalog",
    summary="The datasets served (yente-compatible)",
    tags=["yente"],
    response_model=CatalogResponse,
    responses=ERRORS,
)
def catalog(_who: Reader, serving: Current) -> Response:
    datasets: list[dict[str, Any]] = []
    for version in serving.versions:
        source = SOURCES.get(version.source)
        datasets.append(
            {
                "name": version.source,
                "title": source.title if source else version.source,
                "summary": source.authority if source else None,
                "url": source.homepage if source and source.homepage else None,
                "load": True,
                "entities_url": None,
                "version": str(version.id),
                "published": version.published.isoformat() if version.published else None,
                "index_version": serving.index_key,
                "index_current": True,
                "children": [],
            }
        )
    names = [v.source for v in serving.versions]
    for name in yente.ALL_DATASETS:
        datasets.append(
            {
                "name": name,
                "title": "All serving lists",
                "summary": None,
                "url": None,
                "load": True,
                "entities_url": None,
                "version": serving.index_key,
                "index_version": serving.index_key,
                "index_current": True,
                "children": names,
            }
        )
    current = [d["name"] for d in datasets]
    return json_response(
        {"datasets": datasets, "current": current, "outdated": [], "index_stale": False}
    )


@router.get(
    "/algorithms",
    summary="Scoring algorithms (yente-compatible)",
    tags=["yente"],
    response_model=AlgorithmsResponse,
    responses=ERRORS,
)
async def algorithms(_who: Reader) -> Response:
    return json_response(
        {
            "algorithms": [
                {"name": name, "description": "tripwire's scorer"} for name in yente.ALGORITHMS
            ],
            "default": "tripwire",
            "best": "tripwire",
        }
    )
