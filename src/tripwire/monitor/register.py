"""The register in the store: records, their key index, hit states, alerts, screened versions.

All writes go through one lock (``Store.writing``), so two ``monitor add`` runs, or an
add and a re-screen, never interleave. SQLite and PostgreSQL run the same statements.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tripwire.monitor.alerts import Alert, AlertReason, HitState
from tripwire.monitor.records import RegisterRecord, query_from_json
from tripwire.screening.query import Query
from tripwire.store import Store
from tripwire.store.schema import (
    monitor_alert,
    monitor_hit,
    monitor_key,
    monitor_record,
    monitor_source,
)

_CHUNK = 2000
_LOCK = "monitor:register"


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A register record as stored, with whether it still waits for screening."""

    record_id: str
    name: str
    query: Query
    hash: str
    screened_hash: str | None
    added_at: dt.datetime
    updated_at: dt.datetime

    @property
    def pending(self) -> bool:
        return self.screened_hash != self.hash

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.record_id,
            "name": self.name,
            "names": list(self.query.names),
            "schema": self.query.schema or None,
            "birth_date": self.query.birth_date,
            "countries": list(self.query.countries),
            "identifiers": list(self.query.identifiers),
            "pending": self.pending,
            "added_at": self.added_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """A record's prepared query with the hashes that say whether it was ever screened."""

    record_id: str
    name: str
    hash: str
    screened_hash: str | None
    query: Query


@dataclass(slots=True)
class AddResult:
    """What adding records did: which were new, which changed, how many were unchanged."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"new": len(self.new), "changed": len(self.changed), "unchanged": self.unchanged}


@dataclass(frozen=True, slots=True)
class HitUpdate:
    """The new state of one (record, party) pair after a re-screen."""

    record_id: str
    entity_id: str
    source: str
    score: float
    version_id: int
    active: bool


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Register:
    """The monitoring register of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    # -- records ---------------------------------------------------------------------

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(monitor_record)).scalar_one()
            )

    def add(self, records: Iterable[RegisterRecord], *, chunk: int = 5000) -> AddResult:
        """Add new records and update changed ones (by id); unchanged ones are left alone.

        Records are read from ``records`` as they come (a file is never held whole) and
        written ``chunk`` at a time. A changed record becomes pending: its hash no longer
        equals the screened one, so the next re-screen screens it against all lists.
        """
        result = AddResult()
        batch: list[RegisterRecord] = []
        for record in records:
            batch.append(record)
            if len(batch) >= chunk:
                self._add_batch(batch, result)
                batch = []
        if batch:
            self._add_batch(batch, result)
        return result

    def _add_batch(self, batch: list[RegisterRecord], result: AddResult) -> None:
        """One chunk in its own transaction: the lock is held for its writes only, so a
        list import is not kept waiting by a long add; re-running an interrupted add is
        safe (what was stored is unchanged and skipped)."""
        with self.store.writing(_LOCK) as conn:
            self._write_batch(conn, batch, result)

    def _write_batch(
        self, conn: Connection, batch: list[RegisterRecord], result: AddResult
    ) -> None:
        ids = [r.record_id for r in batch]
        known: dict[str, str] = {}
        for part in _chunks(ids):
            query = sa.select(monitor_record.c.record_id, monitor_record.c.hash).where(
                monitor_record.c.record_id.in_(part)
            )
            known.update((row.record_id, row.hash) for row in conn.execute(query))
        now = dt.datetime.now(dt.UTC)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        keyed: list[RegisterRecord] = []
        for record in batch:
            digest = record.hash
            old = known.get(record.record_id)
            if old == digest:
                result.unchanged += 1
                continue
            values = {
                "record_id": record.record_id,
                "name": record.name,
                "query": record.query_json,
                "hash": digest,
                "updated_at": now,
            }
            if old is None:
                inserts.append({**values, "screened_hash": None, "added_at": now})
                result.new.append(record.record_id)
            else:
                updates.append({**values, "rid": record.record_id})
                result.changed.append(record.record_id)
            keyed.append(record)
        if inserts:
            conn.execute(monitor_record.insert(), inserts)
        if updates:
            stmt = (
                monitor_record.update()
                .where(monitor_record.c.record_id == sa.bindparam("rid"))
                .values(
                    name=sa.bindparam("b_name"),
                    query=sa.bindparam("b_query"),
                    hash=sa.bindparam("b_hash"),
                    updated_at=sa.bindparam("b_updated_at"),
                )
            )
            conn.execute(
                stmt,
                [
                    {"rid": u["rid"], **{f"b_{k}": u[k] for k in ("name", "query", "hash")}}
                    | {"b_updated_at": now}
                    for u in updates
                ],
            )
            for part in _chunks([u["rid"] for u in updates]):
                conn.execute(monitor_key.delete().where(monitor_key.c.record_id.in_(part)))
        key_rows: list[dict[str, Any]] = []
        for record in keyed:
            keys = record.keys()
            key_rows.extend(
                {"key": key, "record_id": record.record_id, "nkeys": len(keys)} for key in keys
            )
        for part in _chunks(key_rows, 10_000):
            conn.execute(monitor_key.insert(), list(part))

    def remove(self, ids: Iterable[str]) -> int:
        """Take records off the register (their alerts stay, as the audit trail)."""
        wanted = sorted(set(ids))
        removed = 0
        with self.store.writing(_LOCK) as conn:
            for part in _chunks(wanted):
                removed += conn.execute(
                    monitor_record.delete().where(monitor_record.c.record_id.in_(part))
                ).rowcount
                conn.execute(monitor_key.delete().where(monitor_key.c.record_id.in_(part)))
                conn.execute(monitor_hit.delete().where(monitor_hit.c.record_id.in_(part)))
        return removed

    def records(self, ids: Iterable[str] | None = None) -> list[StoredRecord]:
        """Stored records (all, or those in ``ids``), in id order."""
        base = sa.select(monitor_record).order_by(monitor_record.c.record_id)
        out: list[StoredRecord] = []
        with self.engine.connect() as conn:
            if ids is None:
                out.extend(_record(r) for r in conn.execute(base).mappings())
            else:
                for part in _chunks(sorted(set(ids))):
                    query = base.where(monitor_record.c.record_id.in_(part))
                    out.extend(_record(r) for r in conn.execute(query).mappings())
        out.sort(key=lambda r: r.record_id)
        return out

    def queries(self, ids: Iterable[str]) -> list[RecordQuery]:
        """The prepared queries of the given records: what a re-screen needs of them."""
        columns = (
            monitor_record.c.record_id,
            monitor_record.c.name,
            monitor_record.c.hash,
            monitor_record.c.screened_hash,
            monitor_record.c.query,
        )
        out: list[RecordQuery] = []
        with self.engine.connect() as conn:
            for part in _chunks(sorted(set(ids))):
                query = sa.select(*columns).where(monitor_record.c.record_id.in_(part))
                out.extend(
                    RecordQuery(
                        r.record_id, r.name, r.hash, r.screened_hash, query_from_json(r.query)
                    )
                    for r in conn.execute(query)
                )
        out.sort(key=lambda r: r.record_id)
        return out

    def pending_ids(self) -> list[str]:
        """Records new or changed since they were last screened against all lists."""
        query = sa.select(monitor_record.c.record_id).where(
            sa.or_(
                monitor_record.c.screened_hash.is_(None),
                monitor_record.c.screened_hash != monitor_record.c.hash,
            )
        )
        with self.engine.connect() as conn:
            return sorted(r.record_id for r in conn.execute(query))

    # -- the key index -----------------------------------------------------------------

    def key_frequencies(self) -> dict[str, int]:
        """Every key of the register with the number of records holding it."""
        query = sa.select(monitor_key.c.key, sa.func.count()).group_by(monitor_key.c.key)
        with self.engine.connect() as conn:
            return {key: int(n) for key, n in conn.execute(query)}

    def candidates(self, probes: Sequence[tuple[int, int, str, int]]) -> list[tuple[int, str]]:
        """(probe name, record id) pairs where the record shares enough keys with the name.

        ``probes`` are (name number, word number, key, words in the name): a key may be
        a word's own skeleton or a typo-neighbour of it in the register. A record
        qualifies for a name when it matches two of its words, or all of them (one-word
        names), or all of its own keys (one-word records, "V. Volodin"). The join and
        the counting run in the database, over the posting lists of the probed keys only.
        """
        if not probes:
            return []
        probe = sa.Table(
            "monitor_probe",
            sa.MetaData(),
            sa.Column("name_no", sa.Integer, nullable=False),
            sa.Column("word_no", sa.Integer, nullable=False),
            sa.Column("key", sa.String(128), nullable=False),
            sa.Column("words", sa.Integer, nullable=False),
            prefixes=["TEMPORARY"],
        )
        matched = sa.func.count(sa.distinct(probe.c.word_no))
        query = (
            sa.select(probe.c.name_no, monitor_key.c.record_id)
            .join(monitor_key, monitor_key.c.key == probe.c.key)
            .group_by(probe.c.name_no, monitor_key.c.record_id)
            .having(
                sa.or_(
                    matched >= 2,
                    matched >= sa.func.max(probe.c.words),
                    matched >= sa.func.max(monitor_key.c.nkeys),
                )
            )
        )
        rows = [{"name_no": n, "word_no": w, "key": k, "words": c} for n, w, k, c in probes]
        with self.engine.connect() as conn:
            try:
                with conn.begin():
                    probe.create(conn)
                    for part in _chunks(rows, 10_000):
                        conn.execute(probe.insert(), list(part))
                    out = [(int(r.name_no), str(r.record_id)) for r in conn.execute(query)]
                    probe.drop(conn)
            except Exception:
                # The failed transaction was rolled back (and the table with it where DDL
                # is transactional); dropping inside it would hide the error on PostgreSQL.
                with contextlib.suppress(Exception), conn.begin():
                    probe.drop(conn, checkfirst=True)
                raise
        return out

    # -- hit states ----------------------------------------------------------------------

    def hits_of_records(self, ids: Iterable[str]) -> dict[tuple[str, str], HitState]:
        return self._hits(monitor_hit.c.record_id, ids)

    def hits_of_entities(self, ids: Iterable[str]) -> dict[tuple[str, str], HitState]:
        return self._hits(monitor_hit.c.entity_id, ids)

    def _hits(self, column: sa.Column[Any], ids: Iterable[str]) -> dict[tuple[str, str], HitState]:
        out: dict[tuple[str, str], HitState] = {}
        with self.engine.connect() as conn:
            for part in _chunks(sorted(set(ids))):
                query = sa.select(
                    monitor_hit.c.record_id,
                    monitor_hit.c.entity_id,
                    monitor_hit.c.score,
                    monitor_hit.c.active,
                ).where(column.in_(part))
                for r in conn.execute(query):
                    out[(r.record_id, r.entity_id)] = HitState(
                        r.record_id, r.entity_id, float(r.score), bool(r.active)
                    )
        return out

    def count_active_hits(self) -> int:
        """How many pairs hit now."""
        query = (
            sa.select(sa.func.count())
            .select_from(monitor_hit)
            .where(monitor_hit.c.active.is_(True))
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def count_alerts(self, status: str | None = None) -> int:
        """How many alerts there are (with this status, or all)."""
        query = sa.select(sa.func.count()).select_from(monitor_alert)
        if status is not None:
            query = query.where(monitor_alert.c.status == status)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def active_hits(self, record_id: str | None = None) -> list[dict[str, Any]]:
        """Pairs hitting now (of one record, or all), best first."""
        query = (
            sa.select(monitor_hit)
            .where(monitor_hit.c.active.is_(True))
            .order_by(monitor_hit.c.record_id, monitor_hit.c.score.desc())
        )
        if record_id is not None:
            query = query.where(monitor_hit.c.record_id == record_id)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    # -- re-screen results -------------------------------------------------------------------

    def screened_versions(self) -> dict[str, int]:
        """source -> the version of it the register was last screened against."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(monitor_source.c.source, monitor_source.c.version_id))
            return {r.source: int(r.version_id) for r in rows}

    def apply(
        self,
        *,
        hits: Sequence[HitUpdate],
        alerts: Sequence[Alert],
        screened: dict[str, str],
        versions: dict[str, int],
    ) -> list[Alert]:
        """Store one re-screen in one transaction: hit states, alerts, screened records
        (only if unchanged meanwhile) and versions. Returns the alerts with their ids.

        The hit states are read again under the lock: two re-screens running at once (a
        list update and a ``monitor add``) both started from the old state, and the
        second to get here finds the first one's hits and drops its copies of the alerts.
        """
        now = dt.datetime.now(dt.UTC)
        stored: list[Alert] = []
        # One state per pair (the last given wins): a pair twice would be inserted twice.
        hits = list({(h.record_id, h.entity_id): h for h in hits}.values())
        with self.store.writing(_LOCK) as conn:
            states = self._states(conn, {h.record_id for h in hits} | {a.record_id for a in alerts})
            alerts = [a for a in alerts if _still_new(a, states.get((a.record_id, a.entity_id)))]
            updates = [h for h in hits if (h.record_id, h.entity_id) in states]
            inserts = [h for h in hits if (h.record_id, h.entity_id) not in states]
            if updates:
                stmt = (
                    monitor_hit.update()
                    .where(
                        monitor_hit.c.record_id == sa.bindparam("rid"),
                        monitor_hit.c.entity_id == sa.bindparam("eid"),
                    )
                    .values(
                        score=sa.bindparam("b_score"),
                        version_id=sa.bindparam("b_version_id"),
                        active=sa.bindparam("b_active"),
                        last_seen=sa.bindparam("b_last_seen"),
                    )
                )
                rows = [
                    {
                        "rid": h.record_id,
                        "eid": h.entity_id,
                        "b_score": h.score,
                        "b_version_id": h.version_id,
                        "b_active": h.active,
                        "b_last_seen": now,
                    }
                    for h in updates
                ]
                for part in _chunks(rows):
                    conn.execute(stmt, list(part))
            rows = [
                {
                    "record_id": h.record_id,
                    "entity_id": h.entity_id,
                    "source": h.source,
                    "score": h.score,
                    "version_id": h.version_id,
                    "active": h.active,
                    "first_seen": now,
                    "last_seen": now,
                }
                for h in inserts
            ]
            for part in _chunks(rows):
                conn.execute(monitor_hit.insert(), list(part))
            for alert in alerts:
                alert_id = conn.execute(
                    monitor_alert.insert().returning(monitor_alert.c.id), alert.row(now)
                ).scalar_one()
                stored.append(_with_id(alert, int(alert_id), now))
            if screened:
                stmt = (
                    monitor_record.update()
                    .where(
                        monitor_record.c.record_id == sa.bindparam("rid"),
                        monitor_record.c.hash == sa.bindparam("h"),
                    )
                    .values(screened_hash=sa.bindparam("h"))
                )
                marks = [{"rid": rid, "h": digest} for rid, digest in screened.items()]
                for part in _chunks(marks):
                    conn.execute(stmt, list(part))
            self._set_versions(conn, versions, now)
        return stored

    @staticmethod
    def _states(conn: Connection, record_ids: Iterable[str]) -> dict[tuple[str, str], HitState]:
        out: dict[tuple[str, str], HitState] = {}
        for part in _chunks(sorted(set(record_ids))):
            query = sa.select(
                monitor_hit.c.record_id,
                monitor_hit.c.entity_id,
                monitor_hit.c.score,
                monitor_hit.c.active,
            ).where(monitor_hit.c.record_id.in_(part))
            for r in conn.execute(query):
                out[(r.record_id, r.entity_id)] = HitState(
                    r.record_id, r.entity_id, float(r.score), bool(r.active)
                )
        return out

    def accept_as_screened(self, versions: dict[str, int]) -> int:
        """Mark every record screened against ``versions`` without screening it.

        For registers brought over from a system whose hits were already reviewed
        (and for benchmarks of the delta alone): from here on only changes alert.
        """
        now = dt.datetime.now(dt.UTC)
        with self.store.writing(_LOCK) as conn:
            marked = conn.execute(
                monitor_record.update().values(screened_hash=monitor_record.c.hash)
            ).rowcount
            self._set_versions(conn, versions, now)
        return int(marked)

    def _set_versions(self, conn: Connection, versions: dict[str, int], now: dt.datetime) -> None:
        if not versions:
            return
        conn.execute(monitor_source.delete().where(monitor_source.c.source.in_(list(versions))))
        conn.execute(
            monitor_source.insert(),
            [{"source": s, "version_id": v, "screened_at": now} for s, v in versions.items()],
        )

    # -- alerts ----------------------------------------------------------------------------

    def alerts(
        self,
        *,
        record_id: str | None = None,
        status: str | None = None,
        version_id: int | None = None,
        after_id: int | None = None,
        limit: int | None = None,
    ) -> list[Alert]:
        """Alerts, newest first, filtered as asked."""
        query = sa.select(monitor_alert).order_by(monitor_alert.c.id.desc())
        if record_id is not None:
            query = query.where(monitor_alert.c.record_id == record_id)
        if status is not None:
            query = query.where(monitor_alert.c.status == status)
        if version_id is not None:
            query = query.where(monitor_alert.c.version_id == version_id)
        if after_id is not None:
            query = query.where(monitor_alert.c.id > after_id)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_alert(r) for r in conn.execute(query).mappings()]

    def set_alert_status(self, ids: Iterable[int], status: str) -> int:
        """Mark alerts reviewed (``closed``) or open again; returns how many exist."""
        wanted = sorted(set(ids))
        changed = 0
        with self.store.writing(_LOCK) as conn:
            for part in _chunks(wanted):
                changed += conn.execute(
                    monitor_alert.update().where(monitor_alert.c.id.in_(part)).values(status=status)
                ).rowcount
        return changed


def _still_new(alert: Alert, state: HitState | None) -> bool:
    """Whether the pair is still in the state the re-screen that raised ``alert`` saw."""
    if alert.reason == AlertReason.SCORE_ROSE:
        return (
            state is not None
            and state.active
            and alert.previous_score is not None
            and state.score <= alert.previous_score
        )
    return state is None or not state.active


def _record(row: Any) -> StoredRecord:
    return StoredRecord(
        record_id=row["record_id"],
        name=row["name"],
        query=query_from_json(row["query"]),
        hash=row["hash"],
        screened_hash=row["screened_hash"],
        added_at=_aware(row["added_at"]),
        updated_at=_aware(row["updated_at"]),
    )


def _alert(row: Any) -> Alert:
    return Alert(
        id=int(row["id"]),
        record_id=row["record_id"],
        record_name=row["record_name"],
        entity_id=row["entity_id"],
        source=row["source"],
        version_id=int(row["version_id"]),
        score=float(row["score"]),
        previous_score=None if row["previous_score"] is None else float(row["previous_score"]),
        reason=AlertReason(row["reason"]),
        status=row["status"],
        caption=row["caption"],
        list_name=row["list_name"],
        explanation=json.loads(row["explanation"]),
        created_at=_aware(row["created_at"]),
    )


def _with_id(alert: Alert, alert_id: int, now: dt.datetime) -> Alert:
    return dataclasses.replace(alert, id=alert_id, created_at=now)
