"""yente clients work unchanged: request shapes from yente's documentation, response shapes
checked field by field against yente's response models (``yente/data/common.py``)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Server
from tripwire.api.models import MatchResponse, SearchResponse

# The example of yente's /match documentation (routers/match.py), names swapped for
# parties on the UN list so that results are there to check.
YENTE_DOC_EXAMPLE = {
    "queries": {
        "entity1": {
            "schema": "Person",
            "properties": {
                "name": ["Kim Jong Un"],
                "birthDate": ["1984-01-08"],
                "nationality": ["kp"],
            },
        },
        "entity2": {
            "schema": "Company",
            "properties": {
                "name": ["Korea Mining Development Trading Corporation"],
                "jurisdiction": ["kp"],
                "registrationNumber": ["84BA99810"],
            },
        },
    }
}

# Fields of yente's response models.
ENTITY_FIELDS = {
    "id",
    "caption",
    "schema",
    "properties",
    "datasets",
    "referents",
    "target",
    "first_seen",
    "last_seen",
    "last_change",
}
SCORED_FIELDS = ENTITY_FIELDS | {"score", "features", "match", "explanations"}
MATCHES_FIELDS = {"status", "results", "total", "query"}


def _match(server: Server, body: dict[str, Any], path: str = "/match/default") -> dict[str, Any]:
    with server.client("screener") as client:
        response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    MatchResponse.model_validate(data)
    return data


def test_documented_match_request(server: Server) -> None:
    data = _match(server, YENTE_DOC_EXAMPLE)
    assert set(data) >= {"responses", "matcher", "limit"} and data["limit"] == 5
    assert set(data["responses"]) == {"entity1", "entity2"}
    assert set(data["matcher"]["features"]["query_coverage"]) >= {
        "description",
        "coefficient",
        "url",
    }
    person, company = data["responses"]["entity1"], data["responses"]["entity2"]
    for response in (person, company):
        assert set(response) >= MATCHES_FIELDS and response["status"] == 200
        assert set(response["total"]) == {"value", "relation"}
        for result in response["results"]:
            assert set(result) >= SCORED_FIELDS
            assert isinstance(result["score"], float) and isinstance(result["match"], bool)
            assert all(isinstance(v, list) for v in result["properties"].values())
            assert all(isinstance(v, float) for v in result["features"].values())
            for explanation in result["explanations"].values():
                assert set(explanation) == {"detail", "score", "query", "candidate"}
    assert person["query"]["properties"]["birthDate"] == ["1984-01-08"]
    assert person["results"][0]["schema"] == "Person"
    top = company["results"][0]
    assert "KOREA MINING DEVELOPMENT TRADING" in top["caption"].upper()
    assert top["schema"] in ("Organization", "Company", "LegalEntity") and top["match"]


def test_scalar_property_values_and_ids_as_yente_accepts_them(server: Server) -> None:
    body = {
        "queries": {
            "x": {
                "id": "customer-17",
                "schema": "LegalEntity",
                "properties": {"name": "Kim Jong Un", "country": "kp"},
            }
        },
        "weights": {"name_literal": 0.8},
    }
    data = _match(server, body, "/match/sanctions?algorithm=best&threshold=0.5&cutoff=0.2")
    response = data["responses"]["x"]
    assert response["query"]["id"] == "customer-17"
    assert response["query"]["properties"]["name"] == ["Kim Jong Un"]
    scores = [r["score"] for r in response["results"]]
    assert scores and min(scores) >= 0.2
    assert [r["match"] for r in response["results"]] == [s >= 0.5 for s in scores]


def test_firstname_lastname_queries_and_search_shape(server: Server) -> None:
    body = {
        "queries": {
            "p": {"schema": "Person", "properties": {"firstName": ["Jong Un"], "lastName": ["Kim"]}}
        }
    }
    results = _match(server, body)["responses"]["p"]["results"]
    assert results and results[0]["match"]
    with server.client("reader") as client:
        data = client.get("/search/un_sc", params={"q": "Korea Mining", "schema": "Company"}).json()
    SearchResponse.model_validate(data)
    assert set(data) >= {"limit", "offset", "total", "results", "facets"}
    assert all(set(r) >= ENTITY_FIELDS for r in data["results"])


def test_algorithms_listing(server: Server) -> None:
    with server.client("reader") as client:
        data = client.get("/algorithms").json()
    assert data["default"] == data["best"] == "tripwire"
    assert "logic-v2" in {a["name"] for a in data["algorithms"]}
