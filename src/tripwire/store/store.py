"""The list store: SQLite (WAL) by default, PostgreSQL by URL, the same code for both.

Writers of one source are serialised (SQLite ``BEGIN IMMEDIATE``, PostgreSQL an
advisory transaction lock), and a new version becomes the serving one in the
same transaction that writes it: readers see the old version or the new one,
never half of it.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from tripwire.store.schema import (
    entity_content,
    entity_ref,
    list_event,
    list_version,
    parse_issue,
    source_state,
    version_entity,
)

_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class StoredEntity:
    """An entity body as stored: FtM JSON plus ``source_ref`` and ``annotations``."""

    entity_id: str
    schema: str
    caption: str
    listed: bool
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class VersionRow:
    id: int
    source: str
    format: str
    published: dt.date | None
    sha256: str
    files: list[dict[str, Any]]
    origin: str
    records_read: int
    records_rejected: int
    parties: int
    entities: int
    counts: dict[str, int]
    warnings: int
    errors: int
    imported_at: dt.datetime
    current: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__slots__}
        data["published"] = self.published.isoformat() if self.published else None
        data["imported_at"] = self.imported_at.isoformat()
        return data


@dataclass(frozen=True, slots=True)
class NewVersion:
    """Everything the importer hands the store for one version."""

    source: str
    format: str
    published: dt.date | None
    sha256: str
    files: list[dict[str, Any]]
    origin: str
    records_read: int
    records_rejected: int
    counts: dict[str, int]
    # (entity_id, schema, caption, listed, canonical JSON, sha256 of it, [(prop, target)])
    entities: Sequence[tuple[str, str, str, bool, str, str, list[tuple[str, str]]]]
    issues: Sequence[tuple[str, str, str, str, str]]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see _begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("tripwire_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; creates the SQLite file's folder and turns on WAL."""
    sa_url = sa.make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(sa_url, connect_args={"timeout": 60})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    if sa_url.get_backend_name() == "postgresql" and sa_url.get_driver_name() in ("", "psycopg2"):
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    return sa.create_engine(sa_url, pool_pre_ping=True)


def _lock_key(source: str) -> int:
    return zlib.crc32(f"tripwire:{source}".encode()) - 2**31


class Store:
    """Versions of lists and their entities, in SQLite or PostgreSQL."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if migrate:
            self.migrate()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent, serialised across processes)."""
        cfg = Config()
        cfg.set_main_option(
            "script_location", str(resources.files("tripwire.store") / "migrations")
        )
        # Each feature (lists, ownership, monitoring, API keys) adds its own tables in its
        # own migration branch from 0001, so the schema is current when every head is applied.
        heads = set(ScriptDirectory.from_config(cfg).get_heads())
        with self.engine.connect() as conn:
            # A plain read first: readers must not queue behind an import for the write lock.
            if set(MigrationContext.configure(conn).get_current_heads()) == heads:
                return
        with self.engine.connect() as conn:
            conn = conn.execution_options(tripwire_write=True)
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key("")})
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "heads")

    @contextmanager
    def writing(self, source: str) -> Iterator[Connection]:
        """A write transaction holding the lock of ``source`` (one writer per source)."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(tripwire_write=True)
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(source)}
                    )
                yield conn

    # -- reading -------------------------------------------------------------------

    def current_version(self, source: str, conn: Connection | None = None) -> VersionRow | None:
        query = (
            sa.select(list_version)
            .join(source_state, source_state.c.current_version_id == list_version.c.id)
            .where(source_state.c.source == source)
        )
        with self._conn(conn) as c:
            row = c.execute(query).mappings().first()
        return _version(row, current=True) if row else None

    def versions(self, source: str | None = None) -> list[VersionRow]:
        """All versions, newest first, marking the ones serving now."""
        query = sa.select(
            list_version,
            (source_state.c.current_version_id == list_version.c.id).label("is_current"),
        ).outerjoin(source_state, source_state.c.source == list_version.c.source)
        if source is not None:
            query = query.where(list_version.c.source == source)
        query = query.order_by(list_version.c.source, list_version.c.id.desc())
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [_version(r, current=bool(r["is_current"])) for r in rows]

    def current_versions(self) -> list[VersionRow]:
        return [v for v in self.versions() if v.current]

    def entity_index(self, version_id: int) -> dict[str, tuple[str, bool]]:
        """entity id -> (content hash, listed) for one version: what a diff starts from."""
        query = sa.select(
            version_entity.c.entity_id, version_entity.c.hash, version_entity.c.listed
        ).where(version_entity.c.version_id == version_id)
        with self.engine.connect() as conn:
            return {r.entity_id: (r.hash, bool(r.listed)) for r in conn.execute(query)}

    def version_entities(
        self, version_id: int, ids: Iterable[str] | None = None, *, listed_only: bool = False
    ) -> list[StoredEntity]:
        """Entities of one version (all, or those in ``ids``; only listed parties if asked),
        in entity id order on every backend."""
        base = (
            sa.select(
                version_entity.c.entity_id,
                version_entity.c.listed,
                entity_content.c.schema,
                entity_content.c.caption,
                entity_content.c.data,
            )
            .join(entity_content, entity_content.c.hash == version_entity.c.hash)
            .where(version_entity.c.version_id == version_id)
            .order_by(version_entity.c.entity_id)
        )
        if listed_only:
            base = base.where(version_entity.c.listed.is_(True))
        out: list[StoredEntity] = []
        with self.engine.connect() as conn:
            if ids is None:
                rows: Iterable[Any] = conn.execute(base)
                out.extend(_stored(r) for r in rows)
            else:
                wanted = sorted(set(ids))
                for start in range(0, len(wanted), _CHUNK):
                    chunk = wanted[start : start + _CHUNK]
                    rows = conn.execute(base.where(version_entity.c.entity_id.in_(chunk)))
                    out.extend(_stored(r) for r in rows)
        return out

    def find_entity(self, entity_id: str) -> list[tuple[VersionRow, StoredEntity]]:
        """The entity with ``entity_id`` in every serving version that has it."""
        found = []
        for version in self.current_versions():
            for entity in self.version_entities(version.id, [entity_id]):
                found.append((version, entity))
        return found

    def referencing(self, version_id: int, target_ids: Iterable[str]) -> list[StoredEntity]:
        """Entities of a version that point at any of ``target_ids`` (sanctions, relations...)."""
        wanted = sorted(set(target_ids))
        ids: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                query = sa.select(entity_ref.c.entity_id).where(
                    entity_ref.c.version_id == version_id,
                    entity_ref.c.target_id.in_(wanted[start : start + _CHUNK]),
                )
                ids.update(r.entity_id for r in conn.execute(query))
        return self.version_entities(version_id, ids)

    def issues(self, version_id: int, limit: int | None = None) -> list[dict[str, str]]:
        query = (
            sa.select(
                parse_issue.c.file,
                parse_issue.c.record,
                parse_issue.c.field,
                parse_issue.c.message,
                parse_issue.c.severity,
            )
            .where(parse_issue.c.version_id == version_id)
            .order_by(parse_issue.c.id)
        )
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def events(self, source: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        query = sa.select(list_event).order_by(list_event.c.id.desc()).limit(limit)
        if source is not None:
            query = query.where(list_event.c.source == source)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def http_cache(self, source: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(source_state.c.http_cache).where(source_state.c.source == source)
            ).scalar()
        return dict(value or {})

    # -- writing -------------------------------------------------------------------

    def add_version(self, conn: Connection, new: NewVersion) -> int:
        """Write a version and make it the serving one; call inside :meth:`writing`."""
        now = dt.datetime.now(dt.UTC)
        counts = dict(new.counts)
        parties = sum(1 for e in new.entities if e[3])
        version_id = conn.execute(
            list_version.insert().returning(list_version.c.id),
            {
                "source": new.source,
                "format": new.format,
                "published": new.published,
                "sha256": new.sha256,
                "files": new.files,
                "origin": new.origin,
                "records_read": new.records_read,
                "records_rejected": new.records_rejected,
                "parties": parties,
                "entities": len(new.entities),
                "counts": counts,
                "warnings": sum(1 for i in new.issues if i[4] == "warning"),
                "errors": sum(1 for i in new.issues if i[4] == "error"),
                "imported_at": now,
            },
        ).scalar_one()
        self._insert_contents(conn, new.entities)
        self._insert_many(
            conn,
            version_entity,
            [
                {"version_id": version_id, "entity_id": e[0], "hash": e[5], "listed": e[3]}
                for e in new.entities
            ],
        )
        self._insert_many(
            conn,
            entity_ref,
            [
                {"version_id": version_id, "entity_id": e[0], "prop": prop, "target_id": target}
                for e in new.entities
                for prop, target in e[6]
            ],
        )
        self._insert_many(
            conn,
            parse_issue,
            [
                {
                    "version_id": version_id,
                    "file": f,
                    "record": r,
                    "field": fl,
                    "message": m,
                    "severity": s,
                }
                for f, r, fl, m, s in new.issues
            ],
        )
        self.set_current(conn, new.source, version_id)
        return int(version_id)

    def set_current(self, conn: Connection, source: str, version_id: int) -> None:
        self._upsert_state(conn, source, {"current_version_id": version_id})

    def set_http_cache(self, conn: Connection, source: str, cache: dict[str, Any]) -> None:
        self._upsert_state(
            conn, source, {"http_cache": cache, "checked_at": dt.datetime.now(dt.UTC)}
        )

    def log_event(
        self,
        conn: Connection,
        source: str,
        outcome: str,
        message: str,
        version_id: int | None = None,
    ) -> None:
        conn.execute(
            list_event.insert(),
            {
                "source": source,
                "at": dt.datetime.now(dt.UTC),
                "outcome": outcome,
                "version_id": version_id,
                "message": message,
            },
        )

    def _upsert_state(self, conn: Connection, source: str, values: dict[str, Any]) -> None:
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        stmt = insert(source_state).values({"source": source, "http_cache": {}, **values})
        conn.execute(stmt.on_conflict_do_update(index_elements=["source"], set_=values))

    def _insert_contents(
        self, conn: Connection, entities: Sequence[tuple[str, str, str, bool, str, str, Any]]
    ) -> None:
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        seen: set[str] = set()
        rows = []
        for entity_id, schema, caption, _listed, data, digest, _refs in entities:
            if digest in seen:
                continue
            seen.add(digest)
            rows.append(
                {
                    "hash": digest,
                    "entity_id": entity_id,
                    "schema": schema,
                    "caption": caption,
                    "data": data,
                }
            )
        stmt = insert(entity_content).on_conflict_do_nothing(index_elements=["hash"])
        for start in range(0, len(rows), _CHUNK):
            conn.execute(stmt, rows[start : start + _CHUNK])

    @staticmethod
    def _insert_many(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), _CHUNK):
            conn.execute(table.insert(), rows[start : start + _CHUNK])

    @contextmanager
    def _conn(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.engine.connect() as fresh:
                yield fresh


def _version(row: Any, current: bool) -> VersionRow:
    return VersionRow(
        id=row["id"],
        source=row["source"],
        format=row["format"],
        published=row["published"],
        sha256=row["sha256"],
        files=list(row["files"] or []),
        origin=row["origin"],
        records_read=row["records_read"],
        records_rejected=row["records_rejected"],
        parties=row["parties"],
        entities=row["entities"],
        counts=dict(row["counts"] or {}),
        warnings=row["warnings"],
        errors=row["errors"],
        imported_at=_aware(row["imported_at"]),
        current=current,
    )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _stored(row: Any) -> StoredEntity:
    return StoredEntity(
        entity_id=row.entity_id,
        schema=row.schema,
        caption=row.caption,
        listed=bool(row.listed),
        data=json.loads(row.data),
    )
