"""Hot reload on SQLite and PostgreSQL: a new serving version is picked up and swapped in,
while a request holding the previous state still screens on it; not ready until loaded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.api.conftest import make_home, start_server, stop_server
from tests.conftest import shared_file
from tripwire.api.app import create_app
from tripwire.api.config import ApiConfig
from tripwire.api.state import ServingState
from tripwire.lists.importer import import_publication
from tripwire.screening import Query
from tripwire.settings import Settings
from tripwire.store import Store

OLD_UN = "lists/un/UN_consolidated-2022-09-15.xml"
NEW_UN = "lists/un/UN_consolidated-2026-02-27.xml"


def test_swaps_to_a_new_version_and_keeps_the_old_one_usable(store: Store, tmp_path: Path) -> None:
    state = ServingState(store, tmp_path / "index")
    assert state.refresh() is False and state.current is None
    assert state.last_error == "no lists imported"

    assert import_publication(store, shared_file(OLD_UN)).ok
    assert state.refresh() is True
    old = state.current
    assert old is not None and [v.source for v in old.versions] == ["un_sc"]
    assert len(old.parties) == old.versions[0].parties
    assert state.refresh() is False and state.current is old  # nothing changed

    assert import_publication(store, shared_file(NEW_UN)).ok
    assert state.refresh() is True
    new = state.current
    assert new is not None and new is not old and new.index_key != old.index_key
    assert new.versions[0].id != old.versions[0].id
    # A request that took the old state before the swap finishes on it.
    query = Query.create("Kim Jong Un", schema="Person")
    assert old.screener.screen(query) and new.screener.screen(query)
    assert all(old.party(m) is not None for m in old.screener.screen(query))


def _app(home: Path, url: str) -> FastAPI:
    settings = Settings(home=home, database_url=url, lists_dir=None, lists_url=None)
    return create_app(settings, ApiConfig(no_auth=True))


def test_not_ready_without_lists(tmp_path: Path) -> None:
    app = _app(tmp_path, f"sqlite:///{tmp_path / 'empty.db'}")
    app.state.serving.refresh()
    asyncio.run(_not_ready(app))


async def _not_ready(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["detail"] == "no lists imported"
        match = await client.post(
            "/match/default",
            json={"queries": {"a": {"schema": "Person", "properties": {"name": ["x"]}}}},
        )
        assert match.status_code == 503 and "no lists imported" in match.json()["detail"]
        assert match.headers["retry-after"] == "5"
    # Without keys, a client that is not on loopback is refused.
    outside = httpx.ASGITransport(app=app, client=("192.0.2.7", 5000))
    async with httpx.AsyncClient(transport=outside, base_url="http://localhost") as client:
        refused = await client.get("/lists")
        assert refused.status_code == 403 and "localhost only" in refused.json()["detail"]


@pytest.mark.slow
def test_server_on_either_store(store_url: str, tmp_path: Path) -> None:
    """The whole server on SQLite and on PostgreSQL: keys, index, matching."""
    home = make_home(tmp_path, [shared_file(NEW_UN)], url=store_url)
    server = start_server(home)
    try:
        with server.client("screener") as client:
            body = {"queries": {"a": {"schema": "Person", "properties": {"name": ["Kim Jong Un"]}}}}
            response = client.post("/match/default", json=body)
            assert response.status_code == 200, response.text
            assert response.json()["responses"]["a"]["results"][0]["datasets"] == ["un_sc"]
        with server.client("revoked") as client:
            assert client.get("/lists").status_code == 401
    finally:
        stop_server(server.process)
