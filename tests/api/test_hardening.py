"""Regression tests for the review of the API: no-auth locality, key checks, rate per worker,
screening off the event loop, parties per source, cutoff, score rounding, /readyz, polling."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from tests.api.conftest import Home, start_server, stop_server
from tripwire.api import auth as auth_module
from tripwire.api import state as state_module
from tripwire.api.app import app_from_env, create_app
from tripwire.api.auth import Authenticator, is_local_host_header
from tripwire.api.config import ApiConfig
from tripwire.api.deps import runs_inline
from tripwire.api.state import Serving, fingerprint, signature
from tripwire.api.yente import scored_dict
from tripwire.cli import app as cli_app
from tripwire.cli.serve import Proxy
from tripwire.screening import Match, Query, Screener
from tripwire.settings import Settings
from tripwire.store import Store, StoredEntity, VersionRow

KIM = {"schema": "Person", "properties": {"name": ["Kim Jong Un"], "nationality": ["kp"]}}


def _app(home: Home, **options: Any) -> FastAPI:
    settings = Settings(home=home.path, database_url=home.url, lists_dir=None, lists_url=None)
    app = create_app(settings, ApiConfig(**options))
    assert app.state.serving.refresh()
    return app


def _call(
    app: FastAPI,
    method: str,
    url: str,
    *,
    base_url: str = "http://localhost:8000",
    client: tuple[str, int] = ("127.0.0.1", 5000),
    **kwargs: Any,
) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            return await http.request(method, url, **kwargs)

    return asyncio.run(run())


def _bearer(home: Home, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {home.keys[role]}"}


@pytest.fixture
def no_auth_app(un_home: Home) -> Iterator[FastAPI]:
    app = _app(un_home, no_auth=True)
    yield app
    app.state.serving.store.close()


@pytest.fixture
def key_app(un_home: Home) -> Iterator[FastAPI]:
    app = _app(un_home)
    yield app
    app.state.serving.store.close()


# -- 1. --no-auth serves local clients only ------------------------------------------------


def test_local_host_header() -> None:
    for good in ("localhost", "localhost:8000", "127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:9"):
        assert is_local_host_header(good), good
    for bad in (
        None,
        "",
        "evil.example",
        "localhost.evil.example",
        "evil.example:8000",
        "127.0.0.1.nip.io",
        "localhost:",
        "localhost:80x",
        "[::1]x",
        "[::1",
        "::1",
        "10.0.0.1",
    ):
        assert not is_local_host_header(bad), bad


def test_no_auth_refuses_foreign_hosts_and_proxied_requests(no_auth_app: FastAPI) -> None:
    for base in ("http://localhost:8000", "http://127.0.0.1", "http://[::1]:8000"):
        assert _call(no_auth_app, "GET", "/lists", base_url=base).status_code == 200, base
    rebound = _call(no_auth_app, "GET", "/lists", base_url="http://attacker.example:8000")
    assert rebound.status_code == 403
    assert rebound.headers["content-type"].startswith("application/problem+json")
    assert "Host" in rebound.json()["detail"]
    for header in ("X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded"):
        proxied = _call(no_auth_app, "GET", "/lists", headers={header: "for=127.0.0.1"})
        assert proxied.status_code == 403, header
        assert "proxied" in proxied.json()["detail"]
    outside = _call(no_auth_app, "GET", "/lists", client=("192.0.2.7", 5000))
    assert outside.status_code == 403


def test_no_auth_refuses_jsonp(no_auth_app: FastAPI) -> None:
    manifest = _call(no_auth_app, "GET", "/reconcile/default", params={"callback": "cb"})
    assert manifest.status_code == 403 and "JSONP" in manifest.json()["detail"]
    queries = '{"a": {"query": "Kim Jong Un"}}'
    answer = _call(
        no_auth_app, "GET", "/reconcile/default", params={"callback": "cb", "queries": queries}
    )
    assert answer.status_code == 403
    plain = _call(no_auth_app, "GET", "/reconcile/default", params={"queries": queries})
    assert plain.status_code == 200 and plain.json()["a"]["result"]


def test_keys_still_work_behind_a_proxy(un_home: Home, key_app: FastAPI) -> None:
    response = _call(
        key_app,
        "GET",
        "/reconcile/default",
        base_url="http://api.example.org",
        headers={**_bearer(un_home, "reader"), "X-Forwarded-For": "198.51.100.1"},
        params={"callback": "cb"},
    )
    assert response.status_code == 200 and response.text.startswith("cb(")


def test_serve_ignores_proxy_headers_unless_told(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("TRIPWIRE_HOME", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli_app, ["serve", "--no-auth"]).exit_code == 0
    assert runner.invoke(cli_app, ["serve"]).exit_code == 0
    proxied = ["serve", "--forwarded-allow-ips", "10.0.0.1"]
    assert runner.invoke(cli_app, proxied).exit_code == 0
    assert [c["proxy_headers"] for c in calls] == [False, False, True]
    assert calls[2]["forwarded_allow_ips"] == "10.0.0.1"
    refused = runner.invoke(cli_app, ["serve", "--no-auth", "--forwarded-allow-ips", "*"])
    assert refused.exit_code == 2 and "proxy headers" in refused.output
    assert Proxy().options() == {"proxy_headers": False}  # the SO_REUSEPORT workers


@pytest.mark.slow
def test_no_auth_server_refuses_forged_forwarded_for(un_home: Home) -> None:
    server = start_server(un_home, "--no-auth")
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            assert client.get("/lists").status_code == 200
            forged = client.get("/lists", headers={"X-Forwarded-For": "127.0.0.1"})
            assert forged.status_code == 403
            rebound = client.get("/lists", headers={"Host": "rebind.example"})
            assert rebound.status_code == 403
    finally:
        stop_server(server.process)


# -- 2. key checks: format first, hashed bounded cache, lookups off the event loop ---------


def test_malformed_tokens_are_refused_without_lookup_or_cache(
    un_home: Home, key_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    monkeypatch.setattr(auth_module, "verify_key", lambda _store, token: looked_up.append(token))
    for token in ("garbage", "tw_nope_nope", "tw_" + "a" * 16_000, "tw_0123456789ab_" + "_" * 43):
        response = _call(key_app, "GET", "/lists", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and "malformed" in response.json()["detail"]
        assert _call(key_app, "GET", "/lists", params={"api_key": token}).status_code == 401
    assert looked_up == []
    assert len(key_app.state.auth._cache) == 0


def test_key_lookups_run_on_a_worker_thread_and_cache_by_digest(
    un_home: Home, key_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    real = auth_module.verify_key

    def recording(store: Store, token: str) -> Any:
        threads.append(threading.get_ident())
        return real(store, token)

    monkeypatch.setattr(auth_module, "verify_key", recording)
    loop_threads: list[int] = []

    async def run() -> int:
        loop_threads.append(threading.get_ident())
        transport = httpx.ASGITransport(app=key_app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            first = await http.get("/lists", headers=_bearer(un_home, "reader"))
            again = await http.get("/lists", headers=_bearer(un_home, "reader"))
            return first.status_code + again.status_code

    assert asyncio.run(run()) == 400
    assert len(threads) == 1 and threads[0] != loop_threads[0]  # once, and not on the loop
    cache = key_app.state.auth._cache
    token = un_home.keys["reader"]
    assert list(cache) == [Authenticator.digest(token)]
    assert token not in repr(cache)


def test_key_cache_is_a_bounded_lru(
    un_home: Home, key_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth_module, "KEY_CACHE_SIZE", 4)
    auth: Authenticator = key_app.state.auth
    reader = un_home.keys["reader"]
    assert auth.lookup(reader) is not None
    for i in range(10):
        assert auth.lookup(f"tw_{i:012x}_" + "x" * 43) is None
        assert auth.lookup(reader) is not None  # recently used: kept
    assert len(auth._cache) == 4 and Authenticator.digest(reader) in auth._cache


# -- 3. every worker enforces a key's full rate ---------------------------------------------


def test_each_worker_enforces_the_full_rate(un_home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIPWIRE_HOME", str(un_home.path))
    monkeypatch.setenv("TRIPWIRE_DATABASE_URL", un_home.url)
    monkeypatch.setenv("TRIPWIRE_API_WORKERS", "4")
    app = app_from_env()
    try:
        limiter = app.state.auth.limiter
        assert [limiter.take("key", 4) for _ in range(5)][:4] == [0.0] * 4
        assert limiter.take("key", 4) > 0
    finally:
        app.state.serving.store.close()


# -- 4. big screening jobs leave the event loop ---------------------------------------------


def test_runs_inline_only_for_small_jobs() -> None:
    one = Query.create("Kim Jong Un", schema="Person")
    assert runs_inline([one], 5)
    assert runs_inline([Query.create(["Kim Jong Un", "Kim Jong-un"])], 10)
    assert not runs_inline([one, one], 5)
    assert not runs_inline([Query.create(["Kim Jong Un", "Ri Sol Ju", "Kim Yo Jong"])], 5)
    assert not runs_inline([Query.create("Kim " * 40)], 5)
    assert not runs_inline([one], 100)


def test_big_queries_are_screened_off_the_event_loop(
    un_home: Home, key_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    real = Screener.screen

    def recording(self: Screener, query: Query, **kwargs: Any) -> list[Match]:
        threads.append(threading.get_ident())
        return real(self, query, **kwargs)

    monkeypatch.setattr(Screener, "screen", recording)
    three = ["Kim Jong Un", "Ri Sol Ju", "Kim Yo Jong"]
    requests = [
        ("/screen", {"queries": [{"names": three}]}),
        ("/match/default", {"queries": {"a": {"schema": "Person", "properties": {"name": three}}}}),
    ]
    small = ("/screen", {"queries": [{"names": ["Kim Jong Un"]}]})
    main = threading.get_ident()
    for path, body in [*requests, small]:
        threads.clear()
        response = _call(key_app, "POST", path, json=body, headers=_bearer(un_home, "screener"))
        assert response.status_code == 200, response.text
        assert threads, path
        on_loop = threads[0] == main
        assert on_loop is (body is small[1]), path


# -- 5. parties are kept per source ----------------------------------------------------------


class _TwoListStore:
    """The two OFAC lists, each with a party ``ofac-1`` of its own."""

    def version_entities(self, version_id: int, listed_only: bool = False) -> list[StoredEntity]:
        name = {1: "SDN BODY", 2: "CONSOLIDATED BODY"}[version_id]
        return [StoredEntity("ofac-1", "Person", name, True, {"properties": {"name": [name]}})]


def test_parties_are_looked_up_with_the_matching_source(un_home: Home) -> None:
    with Store(un_home.url) as store:
        (real,) = store.current_versions()
    versions = [
        dataclasses.replace(real, id=1, source="us_ofac_sdn"),
        dataclasses.replace(real, id=2, source="us_ofac_cons"),
    ]
    serving = Serving.load(None, versions, _TwoListStore())  # type: ignore[arg-type]
    assert len(serving.parties) == 2
    for source, name in (("us_ofac_cons", "CONSOLIDATED BODY"), ("us_ofac_sdn", "SDN BODY")):
        match = Match("ofac-1", source, "1", "Person", name, 0.9, name, name, {})
        party = serving.party(match)
        assert party is not None and party.source == source
        shown = orjson.loads(orjson.dumps(scored_dict(match, party, 0.5)["properties"]))
        assert shown == {"name": [name]}


# -- 6. cutoff, rounding, /readyz, polling -----------------------------------------------------


def test_a_cutoff_above_the_threshold_is_honoured(un_home: Home, key_app: FastAPI) -> None:
    headers = _bearer(un_home, "screener")
    body = {"queries": {"a": KIM}}
    plain = _call(key_app, "POST", "/match/default?limit=10", json=body, headers=headers)
    scores = [r["score"] for r in plain.json()["responses"]["a"]["results"]]
    threshold = key_app.state.serving.current.screener.threshold
    assert scores and scores[0] >= threshold and scores[0] < 1
    cutoff = round(scores[0] + 0.0001, 4)
    high = _call(
        key_app, "POST", f"/match/default?limit=10&cutoff={cutoff}", json=body, headers=headers
    )
    assert high.status_code == 200
    assert all(r["score"] >= cutoff for r in high.json()["responses"]["a"]["results"])
    assert len(high.json()["responses"]["a"]["results"]) < len(scores)


def test_match_agrees_with_the_rounded_score() -> None:
    match = Match("x", "un_sc", "1", "Person", "X", 0.49996, "x", "x", {})
    shown = scored_dict(match, None, 0.5)
    assert shown["score"] == 0.5 and shown["match"] is True
    below = scored_dict(dataclasses.replace(match, score=0.49994), None, 0.5)
    assert below["score"] == 0.4999 and below["match"] is False


def test_readyz_hides_error_details_from_anonymous_callers(
    un_home: Home, key_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_store: Store) -> Any:
        raise RuntimeError("password=hunter2 at db.internal")

    monkeypatch.setattr(state_module, "fingerprint", broken)
    assert key_app.state.serving.refresh() is False
    anonymous = _call(key_app, "GET", "/readyz").json()
    assert anonymous["status"] == "ready" and "hunter2" not in str(anonymous)
    assert "reload failed" in anonymous["detail"]
    reader = _call(key_app, "GET", "/readyz", headers=_bearer(un_home, "reader")).json()
    assert "hunter2" not in str(reader)
    admin = _call(key_app, "GET", "/readyz", headers=_bearer(un_home, "admin")).json()
    assert "hunter2" in admin["detail"]


def test_polling_reads_only_the_serving_versions(
    key_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = key_app.state.serving
    assert fingerprint(state.store) == signature(state.current.versions)

    def everything(*_args: Any) -> list[VersionRow]:
        raise AssertionError("polling read every stored version")

    monkeypatch.setattr(state.store, "versions", everything)
    monkeypatch.setattr(state.store, "current_versions", everything)
    assert state.refresh() is False and state.last_error is None
