"""The W3C Reconciliation Service API (version 0.2, what OpenRefine speaks) over the lists.

``GET /reconcile/{dataset}`` without ``queries`` is the service manifest; with
``queries`` (query string, form field, or a JSON body ``{"queries": ...}``) it
reconciles a batch of names, each answer carrying a 0-100 score. A candidate is
marked ``match`` (OpenRefine then accepts it without asking) only when it is
the only one at or above the screening threshold. OpenRefine cannot send
headers to a service, so the API key may be given in the service URL
(``?api_key=``); it is carried into the preview and view URLs.

JSONP (``?callback=``) is answered only to callers with a key: a script tag on
any web page could otherwise read the answers of a ``--no-auth`` server on
localhost.
"""

from __future__ import annotations

import html
import re
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

import orjson
from fastapi import APIRouter, Depends, Query, Request
from followthemoney import model, registry
from starlette.responses import HTMLResponse, Response

from tripwire.api import yente
from tripwire.api.auth import Principal, require
from tripwire.api.config import ApiConfig
from tripwire.api.deps import (
    DATASET,
    ERRORS,
    get_config,
    get_serving,
    json_response,
    run_screening,
)
from tripwire.api.keys import Role
from tripwire.api.limits import check_names
from tripwire.api.problems import Problem
from tripwire.api.state import Serving
from tripwire.screening import Query as ScreenQuery
from tripwire.screening import QueryError
from tripwire.screening.index import QUERY_GROUPS

router = APIRouter()

_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")
TYPES = [s for s in QUERY_GROUPS if s]
DATE_PIDS = ("birthDate", "birth_date")


def _reply(request: Request, who: Principal, data: Any) -> Response:
    callback = request.query_params.get("callback")
    if callback is not None:
        if not who.authenticated:
            raise Problem(
                403,
                "JSONP (callback) is only answered to requests with an API key; "
                "this server runs without authentication",
            )
        if not _CALLBACK.match(callback):
            raise Problem(422, "callback must be a JavaScript identifier")
        body = f"{callback}({orjson.dumps(data).decode()});"
        return Response(body, media_type="application/javascript")
    return json_response(data)


def manifest(request: Request, dataset: str) -> dict[str, Any]:
    base = str(request.base_url)
    key = request.query_params.get("api_key")
    suffix = f"&api_key={quote(key)}" if key else ""
    view_suffix = f"?api_key={quote(key)}" if key else ""
    return {
        "versions": ["0.2"],
        "name": f"tripwire sanctions lists ({dataset})",
        "identifierSpace": f"{base}entities/",
        "schemaSpace": "https://followthemoney.tech/explorer/schemata/",
        "view": {"url": f"{base}entities/{{{{id}}}}{view_suffix}"},
        "preview": {
            "url": f"{base}reconcile/{dataset}/preview?id={{{{id}}}}{suffix}",
            "width": 430,
            "height": 300,
        },
        "defaultTypes": [{"id": t, "name": t} for t in TYPES],
    }


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id") or value.get("name")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def parse_query(key: str, raw: Any) -> tuple[ScreenQuery, int]:
    """A reconciliation query object to a screening query and its limit."""
    where = f"queries.{key}"

    def bad(field: str, reason: str) -> Problem:
        name = f"{where}.{field}" if field else where
        return Problem(422, f"{name}: {reason}", errors=[{"field": name, "reason": reason}])

    if not isinstance(raw, dict):
        raise bad("", "each query must be an object with at least 'query'")
    text = raw.get("query")
    if not isinstance(text, str) or not text.strip():
        raise bad("query", "the name to reconcile is missing or empty")
    check_names([text], f"{where}.query")
    kind = raw.get("type")
    if isinstance(kind, list):
        kind = kind[0] if len(kind) == 1 else None
    if kind is not None and (not isinstance(kind, str) or kind not in TYPES):
        raise bad("type", f"unknown type {kind!r}; use one of {', '.join(TYPES)}")
    limit = raw.get("limit", 5)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 25:
        raise bad("limit", "limit must be an integer from 1 to 25")
    dates: list[str] = []
    countries: list[str] = []
    identifiers: list[str] = []
    properties = raw.get("properties") or []
    if not isinstance(properties, list):
        raise bad("properties", "properties must be a list of {pid, v}")
    for i, prop in enumerate(properties):
        pid = prop.get("pid") if isinstance(prop, dict) else None
        if not isinstance(pid, str):
            raise bad(f"properties.{i}", "each property needs a 'pid' and a 'v'")
        raw_values = prop.get("v")
        values = [
            t
            for t in (
                _text(v) for v in (raw_values if isinstance(raw_values, list) else [raw_values])
            )
            if t
        ]
        schema = model.get(kind or "LegalEntity") or model.get("LegalEntity")
        found = schema.get(pid) if schema else None
        if pid in DATE_PIDS:
            dates.extend(values)
        elif pid in ("country", "countries") or (found and found.type == registry.country):
            countries.extend(values)
        elif pid in ("identifier", "identifiers") or (found and found.type == registry.identifier):
            identifiers.extend(values)
        else:
            raise bad(
                f"properties.{i}.pid",
                f"unknown property {pid!r}; use birthDate, country, nationality or an "
                "identifier property (idNumber, registrationNumber, imoNumber, ...)",
            )
    fields = {"name": "query", "birth_date": "properties"}
    try:
        query = ScreenQuery.create(
            text,
            schema=kind,
            birth_date=dates[0][:10] if dates else None,
            countries=countries,
            identifiers=identifiers,
        )
    except QueryError as exc:
        raise bad(fields.get(exc.field, "properties"), exc.reason) from None
    return query, limit


async def _queries_param(request: Request) -> str | None:
    """The ``queries`` JSON text from the query string, a form or a JSON body."""
    if "queries" in request.query_params:
        return request.query_params["queries"]
    if request.method != "POST":
        return None
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json":
        body = await request.body()
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise Problem(400, f"the request body is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or "queries" not in data:
            raise Problem(422, "the JSON body must be an object with 'queries'")
        return orjson.dumps(data["queries"]).decode()
    if media == "application/x-www-form-urlencoded":
        try:
            form = parse_qs((await request.body()).decode(), max_num_fields=10)
        except (UnicodeDecodeError, ValueError) as exc:
            raise Problem(400, f"the form body cannot be read: {exc}") from None
        values = form.get("queries")
        return values[0] if values else None
    raise Problem(
        415,
        "send queries as a form field or query parameter 'queries', or as JSON "
        f"(Content-Type was {media or 'none'})",
    )


Who = Annotated[Principal, Depends(require(Role.reader))]
Current = Annotated[Serving, Depends(get_serving)]
Config = Annotated[ApiConfig, Depends(get_config)]
QUERIES = Query(None, description="a JSON object of reconciliation queries")
CALLBACK = Query(None, description="JSONP callback name")


@router.get(
    "/reconcile/{dataset}",
    summary="W3C Reconciliation API: the manifest, or a batch of names in 'queries'",
    tags=["reconciliation"],
    responses=ERRORS,
)
async def reconcile_get(
    request: Request,
    who: Who,
    serving: Current,
    config: Config,
    dataset: str = DATASET,
    queries: str | None = QUERIES,
    callback: str | None = CALLBACK,
) -> Response:
    return await reconcile(request, who, serving, config, dataset, queries)


@router.post(
    "/reconcile/{dataset}",
    summary="W3C Reconciliation API: a batch of names (form field or JSON 'queries')",
    tags=["reconciliation"],
    responses=ERRORS,
)
async def reconcile_post(
    request: Request,
    who: Who,
    serving: Current,
    config: Config,
    dataset: str = DATASET,
    queries: str | None = QUERIES,
    callback: str | None = CALLBACK,
) -> Response:
    return await reconcile(request, who, serving, config, dataset, queries)


async def reconcile(
    request: Request,
    who: Principal,
    serving: Serving,
    config: ApiConfig,
    dataset: str,
    queries: str | None,
) -> Response:
    sources = yente.dataset_sources(dataset, serving)
    text = queries if queries is not None else await _queries_param(request)
    if text is None:
        return _reply(request, who, manifest(request, dataset))
    if who.role < Role.screener:
        raise Problem(
            403,
            f"key {who.key_id!r} has role {who.role.name!r}; reconciling "
            "needs 'screener' or higher",
        )
    try:
        batch = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise Problem(400, f"'queries' is not valid JSON: {exc}") from None
    if not isinstance(batch, dict) or not batch:
        raise Problem(422, "'queries' must be a non-empty object of {key: {query: ...}}")
    if len(batch) > config.max_batch:
        raise Problem(422, f"{len(batch)} queries in one request; the limit is {config.max_batch}")
    parsed = {key: parse_query(str(key), raw) for key, raw in batch.items()}
    threshold = serving.screener.threshold
    low = min(0.1, threshold)

    def work() -> dict[str, Any]:
        found = yente.screen_filtered(
            serving,
            [q for q, _ in parsed.values()],
            sources=sources,
            limit=25,
            cutoff=low,
        )
        out: dict[str, Any] = {}
        for (key, (_q, limit)), matches in zip(parsed.items(), found, strict=True):
            above = [m for m in matches if m.score >= threshold]
            out[key] = {
                "result": [
                    {
                        "id": m.entity_id,
                        "name": m.caption,
                        "type": [{"id": m.schema, "name": m.schema}],
                        "score": round(m.score * 100, 1),
                        "match": len(above) == 1 and m is above[0],
                        "description": f"{m.source} {m.source_ref}; matched {m.list_name!r}",
                    }
                    for m in matches[:limit]
                ]
            }
        return out

    result = await run_screening(work, [q for q, _ in parsed.values()], limit=25)
    return _reply(request, who, result)


@router.get(
    "/reconcile/{dataset}/preview",
    summary="A small HTML card of one entity, for OpenRefine's preview",
    tags=["reconciliation"],
    response_class=HTMLResponse,
    responses=ERRORS,
)
def preview(
    _who: Annotated[Principal, Depends(require(Role.reader))],
    serving: Annotated[Serving, Depends(get_serving)],
    dataset: str = DATASET,
    id: str = Query(..., min_length=1, max_length=255, description="entity id"),
) -> HTMLResponse:
    yente.dataset_sources(dataset, serving)
    found = serving.entity_versions(id)
    if not found:
        raise Problem(404, f"no entity {id!r} in the serving list versions")
    version, entity = found[0]
    rows = []
    for prop, values in sorted(entity.data.get("properties", {}).items()):
        shown = ", ".join(html.escape(str(v)) for v in values[:5])
        rows.append(f"<tr><th>{html.escape(prop)}</th><td>{shown}</td></tr>")
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        f"{html.escape(entity.caption)}</title></head><body style='font-family:sans-serif;"
        "font-size:12px'>"
        f"<h3>{html.escape(entity.caption)}</h3><p>{html.escape(entity.schema)} · "
        f"{html.escape(version.source)} {html.escape(str(entity.data.get('source_ref') or ''))}"
        f"</p><table>{''.join(rows)}</table></body></html>"
    )
    return HTMLResponse(page)
