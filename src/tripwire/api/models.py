"""Request and response shapes of the HTTP API, kept apart from the screening model.

Requests are validated with these models. Responses are built as plain dicts
and serialised directly (the models describe them in the OpenAPI document and
the tests check responses against it), which keeps per-request overhead low.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# -- yente-compatible -------------------------------------------------------------------


class EntityExample(BaseModel):
    """An example entity to match, as yente takes it (FtM schema and properties)."""

    id: str | None = Field(None, examples=["my-entity-id"])
    schema_: str = Field(..., alias="schema", examples=["Person"])
    properties: dict[str, str | list[Any]] = Field(
        ..., examples=[{"name": ["Dmitry Peskov"], "birthDate": ["1967-10-17"]}]
    )
    model_config = ConfigDict(populate_by_name=True)


class MatchRequest(BaseModel):
    queries: dict[str, EntityExample] = Field(
        ...,
        min_length=1,
        examples=[
            {
                "q1": {
                    "schema": "Person",
                    "properties": {"name": ["Dmitry Peskov"], "nationality": ["ru"]},
                }
            }
        ],
    )
    weights: dict[str, float] = Field({}, description="accepted for compatibility; unused")
    config: dict[str, Any] = Field({}, description="accepted for compatibility; unused")


class MatchParams(BaseModel):
    """The query-string options of ``/match`` (yente's names)."""

    limit: int = Field(5, ge=1, le=100, description="results per query")
    threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="score at which a result is a match (default: model's)"
    )
    cutoff: float | None = Field(
        None, ge=0.0, le=1.0, description="lowest score returned (default: the threshold)"
    )
    algorithm: str = Field("tripwire", description="yente's algorithm names all use tripwire's")
    exclude_entity_ids: list[str] = Field([], max_length=50)
    exclude_schema: list[str] = []
    include_dataset: list[str] = []
    exclude_dataset: list[str] = []


class EntityResponse(BaseModel):
    id: str
    caption: str
    schema_: str = Field(..., alias="schema")
    properties: dict[str, list[Any]]
    datasets: list[str]
    referents: list[str] = []
    target: bool = True
    first_seen: str | None = None
    last_seen: str | None = None
    last_change: str | None = None


class FeatureResult(BaseModel):
    detail: str | None
    score: float
    query: str | None = None
    candidate: str | None = None


class ScoredEntityResponse(EntityResponse):
    score: float
    match: bool
    features: dict[str, float]
    explanations: dict[str, FeatureResult]
    explanation: dict[str, Any] = Field(..., description="tripwire's full explanation")


class TotalSpec(BaseModel):
    value: int
    relation: str = "eq"


class EntityMatches(BaseModel):
    status: int = 200
    results: list[ScoredEntityResponse]
    total: TotalSpec
    query: dict[str, Any]


class FeatureDoc(BaseModel):
    description: str | None
    coefficient: float
    url: str


class MatcherDocs(BaseModel):
    name: str
    description: str
    threshold: float
    features: dict[str, FeatureDoc]


class MatchResponse(BaseModel):
    responses: dict[str, EntityMatches]
    matcher: MatcherDocs
    limit: int


class SearchResponse(BaseModel):
    limit: int
    offset: int
    total: TotalSpec
    results: list[EntityResponse]
    facets: dict[str, Any]


class DatasetModel(BaseModel):
    name: str
    title: str
    summary: str | None = None
    url: str | None = None
    load: bool = True
    entities_url: str | None = None
    version: str
    index_version: str | None = None
    index_current: bool = True
    children: list[str]


class CatalogResponse(BaseModel):
    datasets: list[DatasetModel]
    current: list[str]
    outdated: list[str]
    index_stale: bool = False


class AlgorithmModel(BaseModel):
    name: str
    description: str | None = None


class AlgorithmsResponse(BaseModel):
    algorithms: list[AlgorithmModel]
    default: str
    best: str


# -- native ---------------------------------------------------------------------------


class ScreenQuery(BaseModel):
    """One party to screen, as ``tripwire screen`` takes it."""

    id: str | None = Field(None, description="your reference, echoed back")
    names: list[str] = Field(..., min_length=1, examples=[["Dmitry Peskov"]])
    schema_: str | None = Field(None, alias="schema", examples=["Person"])
    birth_date: str | None = Field(None, examples=["1967-10-17"])
    countries: list[str] = Field([], examples=[["ru"]])
    identifiers: list[str] = Field([], examples=[[]])
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class ScreenRequest(BaseModel):
    queries: list[ScreenQuery] = Field(..., min_length=1)
    limit: int = Field(5, ge=1, le=100)
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    model_config = ConfigDict(extra="forbid")


class NativeMatch(BaseModel):
    entity_id: str
    source: str
    source_ref: str
    schema_: str = Field(..., alias="schema")
    caption: str
    score: float
    query_name: str
    list_name: str
    explanation: dict[str, Any]


class ScreenResult(BaseModel):
    id: str | None
    query: dict[str, Any]
    matches: list[NativeMatch]


class ScreenResponse(BaseModel):
    threshold: float
    index: str
    results: list[ScreenResult]


class ListsResponse(BaseModel):
    index: str
    loaded_at: str
    threshold: float
    versions: list[dict[str, Any]]


class HealthResponse(BaseModel):
    status: str


class ReadyResponse(BaseModel):
    status: str
    index: str | None = None
    detail: str | None = None
