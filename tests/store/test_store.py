"""The store on SQLite and PostgreSQL: migrations, versions, content dedup, lookups, locking."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import shared_file
from tripwire.lists.importer import import_publication
from tripwire.store import Store
from tripwire.store.schema import entity_content, list_version, metadata, version_entity


def test_migrations_create_exactly_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    store.migrate()  # idempotent


def test_sqlite_store_runs_in_wal_mode(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_import_then_reimport_unchanged(store: Store) -> None:
    path = shared_file("ftm/zala.ftm.json")
    first = import_publication(store, path)
    assert first.outcome == "imported", first.message
    assert first.source == "ftm_zala"
    second = import_publication(store, path)
    assert second.outcome == "unchanged"
    assert second.version_id == first.version_id
    versions = store.versions("ftm_zala")
    assert [v.id for v in versions] == [first.version_id]
    version = versions[0]
    assert version.current and version.entities == 91 and version.parties == 14
    assert version.counts["Ownership"] == 14
    assert len(version.sha256) == 64 and version.published is not None


def test_forced_reimport_makes_a_version_sharing_all_contents(store: Store) -> None:
    path = shared_file("ftm/zala.ftm.json")
    first = import_publication(store, path)
    second = import_publication(store, path, force=True)
    assert second.outcome == "imported" and second.version_id != first.version_id
    with store.engine.connect() as conn:
        contents = conn.execute(sa.select(sa.func.count()).select_from(entity_content)).scalar()
        rows = conn.execute(sa.select(sa.func.count()).select_from(version_entity)).scalar()
    assert contents == 91 and rows == 182
    assert store.current_version("ftm_zala").id == second.version_id  # type: ignore[union-attr]


def test_entity_lookup_and_references(store: Store) -> None:
    path = shared_file("ftm/zala.ftm.json")
    result = import_publication(store, path)
    assert result.version_id is not None
    ownerships = [e for e in store.version_entities(result.version_id) if e.schema == "Ownership"]
    asset = ownerships[0].data["properties"]["asset"][0]
    ((version, entity),) = store.find_entity(asset)
    assert version.id == result.version_id and entity.entity_id == asset
    related = store.referencing(result.version_id, [asset])
    assert ownerships[0].entity_id in {r.entity_id for r in related}
    assert store.find_entity("no-such-entity") == []


def test_parse_issues_are_stored_with_file_record_and_field(store: Store) -> None:
    result = import_publication(store, shared_file("ftm/zala.ftm.json"))
    issues = store.issues(result.version_id)  # type: ignore[arg-type]
    assert issues and issues[0]["file"] == "zala.ftm.json"
    assert issues[0]["field"] == "phone" and issues[0]["record"].startswith("line ")


def _import_in_process(url: str, path: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    with Store(url) as store:
        result = import_publication(store, Path(path))
        queue.put(result.outcome)


def test_concurrent_imports_of_one_source_make_one_version(store_url: str) -> None:
    path = shared_file("ftm/zala.ftm.json")
    Store(store_url).close()  # migrate once, as a running installation would be
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [
        ctx.Process(target=_import_in_process, args=(store_url, str(path), queue)) for _ in range(3)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    outcomes = sorted(queue.get(timeout=5) for _ in procs)
    assert outcomes == ["imported", "unchanged", "unchanged"]
    with Store(store_url) as store:
        with store.engine.connect() as conn:
            versions = conn.execute(sa.select(sa.func.count()).select_from(list_version)).scalar()
            rows = conn.execute(sa.select(sa.func.count()).select_from(version_entity)).scalar()
        assert versions == 1 and rows == 91
