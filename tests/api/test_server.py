"""The real server over loopback: matching, search, entities, catalog, keys and roles, bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import Home, Server, start_server, stop_server

PESKOV_LIKE = {"schema": "Person", "properties": {"name": ["Kim Jong Un"]}}


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_health_and_readiness(server: Server) -> None:
    with server.client(None) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready" and len(ready["index"]) == 24


def test_match_finds_a_listed_person_with_yente_shapes(server: Server) -> None:
    query = {
        "schema": "Person",
        "properties": {
            "name": ["Kim Jong Un"],
            "nationality": ["kp"],
        },
    }
    with server.client("screener") as client:
        response = client.post("/match/default", json={"queries": {"q1": query}})
    assert response.status_code == 200, response.text
    assert response.headers["x-batch-size"] == "1"
    body = response.json()
    assert set(body) == {"responses", "matcher", "limit"}
    result = body["responses"]["q1"]
    assert result["status"] == 200 and result["query"]["schema"] == "Person"
    best = result["results"][0]
    assert best["datasets"] == ["un_sc"] and best["schema"] == "Person"
    assert best["id"].startswith("unsc-") and best["match"] is True
    assert 0.39 <= best["score"] <= 1
    assert "name" in best["properties"] and isinstance(best["properties"]["name"], list)
    assert best["features"]["query_coverage"] > 0.5
    assert best["explanations"]["query_coverage"]["query"] == "Kim Jong Un"
    assert best["explanation"]["aligned"]
    assert result["total"]["value"] == len(result["results"])


def test_match_parameters(server: Server) -> None:
    with server.client("screener") as client:
        plain = client.post(
            "/match/un_sc?threshold=0.0&limit=3", json={"queries": {"a": PESKOV_LIKE}}
        )
        results = plain.json()["responses"]["a"]["results"]
        assert len(results) == 3 and plain.json()["limit"] == 3
        assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
        first = results[0]["id"]
        excluded = client.post(
            "/match/default",
            params={"threshold": 0.0, "limit": 3, "exclude_entity_ids": first},
            json={"queries": {"a": PESKOV_LIKE}},
        ).json()["responses"]["a"]["results"]
        assert first not in [r["id"] for r in excluded] and len(excluded) == 3
        high = client.post("/match/default?threshold=0.999", json={"queries": {"a": PESKOV_LIKE}})
        assert all(not r["match"] for r in high.json()["responses"]["a"]["results"])
        yente_algo = client.post(
            "/match/default?algorithm=logic-v2", json={"queries": {"a": PESKOV_LIKE}}
        )
        assert yente_algo.status_code == 200
        other = client.post(
            "/match/us_ofac_sdn", json={"queries": {"a": PESKOV_LIKE}}
        )  # a known source that is not imported
        assert "not imported" in _problem(other, 404)["detail"]


def test_search_entity_catalog_lists(server: Server) -> None:
    with server.client("reader") as client:
        found = client.get("/search/default", params={"q": "Kim Jong Un", "limit": 2}).json()
        assert found["limit"] == 2 and len(found["results"]) == 2 and found["total"]["value"] >= 2
        entity_id = found["results"][0]["id"]
        entity = client.get(f"/entities/{entity_id}").json()
        assert entity["id"] == entity_id and entity["datasets"] == ["un_sc"]
        sanctions = entity["properties"]["sanctions"]
        assert sanctions and sanctions[0]["schema"] == "Sanction"
        assert sanctions[0]["properties"]["entity"] == [entity_id]
        _problem(client.get("/entities/no-such-entity"), 404)
        catalog = client.get("/catalog").json()
        names = {d["name"]: d for d in catalog["datasets"]}
        assert names["default"]["children"] == ["un_sc"] and "un_sc" in catalog["current"]
        lists = client.get("/lists").json()
        (version,) = lists["versions"]
        assert version["source"] == "un_sc" and version["current"] is True
        assert lists["index"] == catalog["datasets"][0]["index_version"]


def test_native_screen(server: Server) -> None:
    body = {
        "queries": [
            {"id": "c1", "names": ["Kim Jong Un"], "schema": "Person", "countries": ["kp"]},
            {"id": "c2", "names": ["Zzyzx Qwrtp Unlisted"], "schema": "Person"},
        ],
        "limit": 2,
    }
    with server.client("screener") as client:
        response = client.post("/screen", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    first, second = data["results"]
    assert first["id"] == "c1" and first["query"]["countries"] == ["kp"]
    assert first["matches"] and first["matches"][0]["explanation"]["features"]
    assert 1 <= len(first["matches"]) <= 2
    assert second["id"] == "c2" and second["matches"] == []
    assert data["threshold"] == pytest.approx(0.39, abs=0.2)


def test_authentication_and_roles(server: Server) -> None:
    match = {"queries": {"a": PESKOV_LIKE}}
    with server.client(None) as anonymous:
        body = _problem(anonymous.post("/match/default", json=match), 401)
        assert "tripwire keys create" in body["detail"]
        assert anonymous.post("/match/default", json=match).headers["www-authenticate"]
        bad = anonymous.get("/catalog", headers={"Authorization": "Bearer tw_nope_nope"})
        assert "malformed" in _problem(bad, 401)["detail"]
        unknown = "tw_0123456789ab_" + "x" * 43
        bad = anonymous.get("/catalog", headers={"Authorization": f"Bearer {unknown}"})
        assert "unknown" in _problem(bad, 401)["detail"]
        # The ApiKey scheme (OpenSanctions' clients) and the query parameter work too.
        key = server.home.keys["reader"]
        assert anonymous.get("/catalog", headers={"Authorization": f"ApiKey {key}"}).is_success
        assert anonymous.get("/catalog", params={"api_key": key}).is_success
    with server.client("revoked") as revoked:
        _problem(revoked.get("/catalog"), 401)
    with server.client("reader") as reader:
        body = _problem(reader.post("/match/default", json=match), 403)
        assert "'reader'" in body["detail"] and "'screener'" in body["detail"]
        _problem(reader.get("/admin/keys"), 403)
    with server.client("admin") as admin:
        keys = admin.get("/admin/keys").json()["keys"]
        assert {k["role"] for k in keys} == {"reader", "screener", "admin"}
        assert all("hash" not in str(k) and "tw_" not in str(k) for k in keys)


def test_rate_limit(server: Server) -> None:
    """The 'slow' key may make 2 requests per second: a quick burst is cut off with 429."""
    with server.client("slow") as client:
        statuses = [client.get("/lists").status_code for _ in range(6)]
        refused = client.get("/lists")
    assert statuses[0] == 200 and 429 in statuses
    if refused.status_code == 429:
        assert int(refused.headers["retry-after"]) >= 1
        assert "rate limit" in _problem(refused, 429)["detail"]


BAD_INPUT = [
    ("malformed JSON", "/match/default", b'{"queries": {', "application/json", 400, "JSON"),
    ("not an object", "/match/default", b"[1, 2]", "application/json", 422, "dictionary"),
    ("empty queries", "/match/default", b'{"queries": {}}', "application/json", 422, "at least 1"),
    (
        "unknown schema",
        "/match/default",
        b'{"queries": {"a": {"schema": "Martian", "properties": {"name": ["x"]}}}}',
        "application/json",
        422,
        "Martian",
    ),
    (
        "schema that cannot be screened",
        "/match/default",
        b'{"queries": {"a": {"schema": "Address", "properties": {"full": ["x"]}}}}',
        "application/json",
        422,
        "cannot be screened",
    ),
    (
        "unknown property",
        "/match/default",
        b'{"queries": {"a": {"schema": "Person", "properties": {"colour": ["red"]}}}}',
        "application/json",
        422,
        "colour",
    ),
    (
        "no name",
        "/match/default",
        b'{"queries": {"a": {"schema": "Person", "properties": {"nationality": ["ru"]}}}}',
        "application/json",
        422,
        "properties.name",
    ),
    (
        "bad birth date",
        "/match/default",
        b'{"queries": {"a": {"schema": "Person", "properties": '
        b'{"name": ["x y"], "birthDate": ["1967-13-45"]}}}}',
        "application/json",
        422,
        "birthDate",
    ),
    (
        "nested value",
        "/match/default",
        b'{"queries": {"a": {"schema": "Person", "properties": {"name": [{"x": 1}]}}}}',
        "application/json",
        422,
        "strings",
    ),
    (
        "invalid dataset",
        "/match/nonsense",
        b'{"queries": {"a": {"schema": "Person", "properties": {"name": ["x"]}}}}',
        "application/json",
        404,
        "nonsense",
    ),
    (
        "name too long",
        "/match/default",
        b'{"queries": {"a": {"schema": "Person", "properties": {"name": ["'
        + b"y" * 301
        + b'"]}}}}',
        "application/json",
        422,
        "longer than 300",
    ),
    (
        "too many names",
        "/screen",
        b'{"queries": [{"names": [' + b",".join([b'"a b"'] * 51) + b"]}]}",
        "application/json",
        422,
        "at most 50",
    ),
    ("wrong content type", "/match/default", b"queries=x", "text/plain", 415, "application/json"),
    ("no content type", "/screen", b'{"queries": []}', "", 415, "none"),
    ("empty native batch", "/screen", b'{"queries": []}', "application/json", 422, "queries"),
    (
        "unknown native field",
        "/screen",
        b'{"queries": [{"names": ["x"], "colour": "red"}]}',
        "application/json",
        422,
        "colour",
    ),
    (
        "bad native country",
        "/screen",
        b'{"queries": [{"names": ["Kim"], "countries": ["Atlantis"]}]}',
        "application/json",
        422,
        "queries.0.country",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "content_type", "status", "says"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_is_a_clear_4xx(
    server: Server, path: str, body: bytes, content_type: str, status: int, says: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    with server.client("admin") as client:
        response = client.post(path, content=body, headers=headers)
    assert says in _problem(response, status)["detail"]


def test_limits_on_size_batch_and_parameters(server: Server) -> None:
    with server.client("admin") as client:
        big = (
            b'{"queries": {"a": {"schema": "Person", "properties": {"name": ["'
            + b"x" * (2 << 20)
            + b'"]}}}}'
        )
        assert (
            "larger than the limit"
            in _problem(
                client.post(
                    "/match/default", content=big, headers={"Content-Type": "application/json"}
                ),
                413,
            )["detail"]
        )

        def chunks() -> Any:
            for _ in range(40):
                yield b"x" * 65536

        chunked = client.post(
            "/match/default", content=chunks(), headers={"Content-Type": "application/json"}
        )
        _problem(chunked, 413)
        many = {"queries": {f"q{i}": PESKOV_LIKE for i in range(101)}}
        assert "limit is 100" in _problem(client.post("/match/default", json=many), 422)["detail"]
        _problem(
            client.post("/match/default?limit=1000", json={"queries": {"a": PESKOV_LIKE}}), 422
        )
        _problem(
            client.post("/match/default?threshold=abc", json={"queries": {"a": PESKOV_LIKE}}), 422
        )
        _problem(client.get("/search/default"), 422)
        _problem(client.get("/no/such/path"), 404)
        _problem(client.delete("/catalog"), 405)


@pytest.mark.slow
def test_every_worker_is_ready_when_the_server_says_so(un_home: Home) -> None:
    """With two workers, no request gets a 503 once /readyz has answered 200 (each worker
    loads the lists before it takes connections)."""
    server = start_server(un_home, "--workers", "2")
    try:
        with server.client("screener") as client:
            statuses = set()
            for _ in range(12):
                with httpx.Client(base_url=server.base_url, headers=client.headers) as fresh:
                    statuses.add(
                        fresh.post(
                            "/match/default", json={"queries": {"a": PESKOV_LIKE}}
                        ).status_code
                    )
    finally:
        stop_server(server.process)
    assert statuses == {200}
