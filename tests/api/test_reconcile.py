"""An OpenRefine-style reconciliation exchange: manifest, a batch of names, preview, JSONP."""

from __future__ import annotations

import json

from tests.api.conftest import Server


def test_openrefine_exchange(server: Server) -> None:
    key = server.home.keys["screener"]
    # OpenRefine is given the service as a bare URL, key included.
    with server.client(None) as client:
        manifest = client.get("/reconcile/default", params={"api_key": key}).json()
        assert manifest["versions"] == ["0.2"]
        assert {"id": "Person", "name": "Person"} in manifest["defaultTypes"]
        assert manifest["preview"]["url"].endswith(f"&api_key={key}")
        assert "{{id}}" in manifest["view"]["url"]

        queries = {
            "q0": {"query": "Kim Jong Un", "type": "Person", "limit": 3},
            "q1": {
                "query": "Korea Mining Development Trading Corporation",
                "type": "Organization",
                "properties": [{"pid": "country", "v": "kp"}],
            },
            "q2": {"query": "Zzyzx Qwrtp Unlisted"},
        }
        # OpenRefine posts the batch as a form field.
        response = client.post(
            f"/reconcile/default?api_key={key}", data={"queries": json.dumps(queries)}
        )
        assert response.status_code == 200, response.text
        answers = response.json()
        assert set(answers) == {"q0", "q1", "q2"}
        first = answers["q0"]["result"]
        assert 1 <= len(first) <= 3
        assert first[0]["type"] == [{"id": "Person", "name": "Person"}]
        assert 39 <= first[0]["score"] <= 100 and first[0]["id"].startswith("unsc-")
        assert [r["score"] for r in first] == sorted((r["score"] for r in first), reverse=True)
        company = answers["q1"]["result"][0]
        assert company["match"] is True and "KOREA MINING" in company["name"].upper()
        assert not any(r["match"] for r in answers["q2"]["result"])

        # The preview URL from the manifest, filled in as OpenRefine does.
        preview_url = manifest["preview"]["url"].replace("{{id}}", company["id"])
        preview = client.get(preview_url.replace(server.base_url, ""))
        assert preview.status_code == 200 and "text/html" in preview.headers["content-type"]
        assert company["name"] in preview.text

        # GET with queries, JSONP, and a JSON body work too.
        jsonp = client.get(
            "/reconcile/un_sc",
            params={"api_key": key, "callback": "cb", "queries": json.dumps({"a": queries["q0"]})},
        )
        assert jsonp.text.startswith("cb(") and jsonp.text.endswith(");")
        as_json = client.post(
            f"/reconcile/un_sc?api_key={key}", json={"queries": {"a": queries["q0"]}}
        )
        assert as_json.json()["a"]["result"][0]["id"] == first[0]["id"]


def test_reconcile_refusals(server: Server) -> None:
    with server.client("reader") as reader:
        assert reader.get("/reconcile/default").status_code == 200  # the manifest
        refused = reader.get("/reconcile/default", params={"queries": '{"a": {"query": "x"}}'})
        assert refused.status_code == 403
    with server.client("screener") as client:
        cases = [
            ({"queries": "{not json"}, 400, "not valid JSON"),
            ({"queries": "{}"}, 422, "non-empty"),
            ({"queries": '{"a": {"query": ""}}'}, 422, "queries.a.query"),
            ({"queries": '{"a": {"query": "x", "type": "Martian"}}'}, 422, "Martian"),
            ({"queries": '{"a": {"query": "x", "limit": 0}}'}, 422, "limit"),
            (
                {"queries": '{"a": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}}'},
                422,
                "colour",
            ),
            ({"queries": '{"a": {"query": "x"}}', "callback": "alert(1)"}, 422, "callback"),
        ]
        for params, status, says in cases:
            response = client.get("/reconcile/default", params=params)
            assert response.status_code == status, (params, response.text)
            assert says in response.json()["detail"], response.text
        wrong_type = client.post(
            "/reconcile/default", content=b"x", headers={"Content-Type": "text/plain"}
        )
        assert wrong_type.status_code == 415
        assert client.get("/reconcile/nonsense").status_code == 404
        assert client.get("/reconcile/default/preview", params={"id": "nope"}).status_code == 404
