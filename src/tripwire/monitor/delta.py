"""Re-screening after a list changes: only what changed, with the scores full screening gives.

Two directions, both scored by the screening engine with the register record as the
query and the listed party as the target:

* **forward**: register records that are new or changed since they were last
  screened go through the full screener against every serving list;
* **reverse**: parties that a list update added or changed are screened against
  the records that could match them. The register's key index (skeletons of the
  records' words, ``monitor_key``) gives those records: the ones sharing two words,
  or all their words, with one of the party's names, counting typo-neighbours in the
  register's own vocabulary as shared. Each party is then scored against its
  candidates alone through ``Screener.subset``, which keeps the whole lists' word
  rarity, so a pair scores exactly as in full screening. Records already hitting a
  changed or removed party are re-scored (or let go) too.

A hit alerts only when it is new or its score rose (see :mod:`tripwire.monitor.alerts`);
the screened versions are recorded, so the next re-screen starts from them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from tripwire.lists.changes import diff_versions
from tripwire.monitor.alerts import Alert, AlertReason, HitState, alert_reason
from tripwire.monitor.records import name_keys
from tripwire.monitor.register import HitUpdate, RecordQuery, Register
from tripwire.screening.engine import Match, Screener
from tripwire.screening.normalize import tokenize
from tripwire.screening.targets import Target, targets_from_entities
from tripwire.store import Store

#: Matches kept per record in forward screening (each is a hit state, maybe an alert).
FORWARD_LIMIT = 10
#: Records screened forward per call of the engine's batch path.
FORWARD_CHUNK = 1000
#: Keys this short are only matched exactly; longer ones also by their typo-neighbours.
TYPO_MIN = 5
#: Keys this long or longer may be two edits from their neighbours, shorter ones one.
TYPO_TWO = 8
TYPO_NEIGHBOURS = 20

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class RescreenResult:
    """What one re-screen looked at and what it raised."""

    versions: dict[str, tuple[int | None, int]] = field(default_factory=dict)
    parties_added: int = 0
    parties_changed: int = 0
    parties_removed: int = 0
    forward_records: int = 0  # new and changed records screened against all lists
    reverse_records: int = 0  # records scored against the changed parties
    pairs_scored: int = 0  # (record, changed party) pairs scored by the reverse path
    hits_ended: int = 0
    alerts: list[Alert] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "versions": {s: {"old": o, "new": n} for s, (o, n) in self.versions.items()},
            "parties_added": self.parties_added,
            "parties_changed": self.parties_changed,
            "parties_removed": self.parties_removed,
            "forward_records": self.forward_records,
            "reverse_records": self.reverse_records,
            "pairs_scored": self.pairs_scored,
            "hits_ended": self.hits_ended,
            "alerts": [a.to_dict() for a in self.alerts],
            "seconds": round(self.seconds, 3),
        }


@dataclass(slots=True)
class _Changes:
    """Parties that changed since the register was last screened, per cause."""

    added: dict[str, int] = field(default_factory=dict)  # entity id -> version id
    changed: dict[str, int] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Outcome:
    """Hit states and alerts collected by both directions, stored in one transaction."""

    versions: dict[str, int]
    hits: list[HitUpdate] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    screened: dict[str, str] = field(default_factory=dict)
    stored: list[Alert] = field(default_factory=list)
    pairs: int = 0
    ended: int = 0

    def record(
        self,
        item: RecordQuery,
        matches: Iterable[Match],
        previous: dict[tuple[str, str], HitState],
        cause: AlertReason,
        only: str | None = None,
    ) -> None:
        """Hit states and alerts of one record; its old hits (with party ``only``, or all)
        that were not found again end."""
        found: set[str] = set()
        for match in matches:
            found.add(match.entity_id)
            key = (item.record_id, match.entity_id)
            version_id = self.versions[match.source]
            before = previous.get(key)
            reason = alert_reason(before, match.score, cause)
            self.hits.append(
                HitUpdate(
                    item.record_id, match.entity_id, match.source, match.score, version_id, True
                )
            )
            if reason is not None:
                self.alerts.append(
                    Alert(
                        record_id=item.record_id,
                        record_name=item.name,
                        entity_id=match.entity_id,
                        source=match.source,
                        version_id=version_id,
                        score=match.score,
                        previous_score=before.score if before and before.active else None,
                        reason=reason,
                        caption=match.caption,
                        list_name=match.list_name,
                        explanation=match.explanation,
                    )
                )
        for (record_id, entity_id), state in previous.items():
            if record_id == item.record_id and state.active and entity_id not in found:
                if only is None or entity_id == only:
                    self.end(state)

    def flush(self, register: Register, versions: dict[str, int] | None = None) -> None:
        """Store what was collected so far (a long forward pass survives an interruption:
        the records it screened are marked and not screened again)."""
        self.stored.extend(
            register.apply(
                hits=self.hits, alerts=self.alerts, screened=self.screened, versions=versions or {}
            )
        )
        self.hits, self.alerts, self.screened = [], [], {}

    def end(self, state: HitState) -> None:
        """A pair that no longer hits: kept inactive, so that a later hit alerts again."""
        self.hits.append(
            HitUpdate(state.record_id, state.entity_id, "", state.score, 0, active=False)
        )
        self.ended += 1


def rescreen(
    store: Store,
    screener: Screener,
    *,
    register: Register | None = None,
    threshold: float | None = None,
    progress: Progress | None = None,
) -> RescreenResult:
    """Bring the register up to the serving lists; returns what was done and the new alerts.

    ``screener`` must be built over the store's serving versions (``Screener.from_store``).
    """
    started = time.perf_counter()
    register = register or Register(store)
    cutoff = screener.threshold if threshold is None else threshold
    current = {v.source: v.id for v in store.current_versions()}
    screened = register.screened_versions()
    result = RescreenResult(
        versions={s: (screened.get(s), v) for s, v in current.items() if screened.get(s) != v}
    )
    outcome = _Outcome(versions=current)
    if register.count():
        changes = _list_changes(store, current, screened)
        result.parties_added = len(changes.added)
        result.parties_changed = len(changes.changed)
        result.parties_removed = len(changes.removed)
        pending = register.pending_ids()
        result.forward_records = len(pending)
        _forward(register, screener, pending, cutoff, outcome, progress)
        result.reverse_records = _reverse(
            store, register, screener, changes, set(pending), cutoff, outcome, progress
        )
    outcome.flush(register, current)
    result.alerts = outcome.stored
    result.pairs_scored = outcome.pairs
    result.hits_ended = outcome.ended
    result.seconds = time.perf_counter() - started
    return result


def _list_changes(store: Store, current: dict[str, int], screened: dict[str, int]) -> _Changes:
    """Parties added, changed and removed between the screened and the serving versions.

    A source the register was never screened against counts as wholly added.
    """
    changes = _Changes()
    for source, version_id in sorted(current.items()):
        old = screened.get(source)
        if old == version_id:
            continue
        if old is None:
            for entity in store.version_entities(version_id, listed_only=True):
                changes.added[entity.entity_id] = version_id
            continue
        diff = diff_versions(store, old, version_id)
        changes.added.update((c.entity_id, version_id) for c in diff.added)
        changes.changed.update((c.entity_id, version_id) for c in diff.changed)
        changes.removed.update(c.entity_id for c in diff.removed)
    return changes


def _forward(
    register: Register,
    screener: Screener,
    pending: Sequence[str],
    cutoff: float,
    outcome: _Outcome,
    progress: Progress | None,
) -> None:
    """New and changed records against all serving lists (the engine's batch path)."""
    for start in range(0, len(pending), FORWARD_CHUNK):
        items = register.queries(pending[start : start + FORWARD_CHUNK])
        previous = register.hits_of_records(i.record_id for i in items)
        results = screener.screen_many(
            [i.query for i in items], limit=FORWARD_LIMIT, threshold=cutoff
        )
        for item, matches in zip(items, results, strict=True):
            new = item.screened_hash is None
            cause = AlertReason.RECORD_NEW if new else AlertReason.RECORD_CHANGED
            outcome.record(item, matches, previous, cause)
            outcome.screened[item.record_id] = item.hash
        outcome.flush(register)
        if progress is not None:
            progress("forward", min(start + FORWARD_CHUNK, len(pending)), len(pending))


def party_probes(
    targets: Sequence[Target], vocabulary: dict[str, int]
) -> tuple[list[tuple[int, int, str, int]], list[str]]:
    """Probes of the register's key index for the parties' names, and the party of each name.

    A probe is (name number, word number, register key, words in the name); each word of
    a name probes its own skeleton and the typo-neighbours of it among the register's keys
    (one edit, two for long words; same first letter).
    """
    by_initial: dict[str, list[str]] = defaultdict(list)
    for key in vocabulary:
        by_initial[key[:1]].append(key)
    probes: set[tuple[int, int, str, int]] = set()
    owners: list[str] = []
    for target in targets:
        seen: set[tuple[str, ...]] = set()
        for text, _kind in target.names:
            keys = tuple(sorted(name_keys(tokenize(text, target.schema))))
            if not keys or keys in seen:
                continue
            seen.add(keys)
            name_no = len(owners)
            owners.append(target.entity_id)
            for word_no, key in enumerate(keys):
                if key in vocabulary:
                    probes.add((name_no, word_no, key, len(keys)))
                if len(key) < TYPO_MIN:
                    continue
                cutoff = 2 if len(key) >= TYPO_TWO else 1
                for other, _distance, _i in process.extract(
                    key,
                    by_initial.get(key[:1], []),
                    scorer=OSA.distance,
                    score_cutoff=cutoff,
                    limit=TYPO_NEIGHBOURS,
                ):
                    probes.add((name_no, word_no, other, len(keys)))
    return sorted(probes), owners


def _reverse(
    store: Store,
    register: Register,
    screener: Screener,
    changes: _Changes,
    pending: set[str],
    cutoff: float,
    outcome: _Outcome,
    progress: Progress | None,
) -> int:
    """Added and changed parties against the records that could match them."""
    touched = {**changes.added, **changes.changed}
    previous = register.hits_of_entities([*touched, *changes.removed])
    previous = {k: v for k, v in previous.items() if k[0] not in pending}
    for (_record_id, entity_id), state in previous.items():
        if entity_id in changes.removed and state.active:
            outcome.end(state)
    if not touched:
        return 0
    targets = _targets(store, touched)
    probes, owners = party_probes(targets, register.key_frequencies())
    wanted: dict[str, set[str]] = defaultdict(set)
    for name_no, record_id in register.candidates(probes):
        if record_id not in pending:
            wanted[owners[name_no]].add(record_id)
    for (record_id, entity_id), state in previous.items():
        if entity_id in touched and state.active:
            wanted[entity_id].add(record_id)
    records = {r.record_id: r for r in register.queries({r for s in wanted.values() for r in s})}
    done = 0
    for entity_id in sorted(wanted):
        items = [records[r] for r in sorted(wanted[entity_id]) if r in records]
        listed = entity_id in changes.added
        reason = AlertReason.PARTY_LISTED if listed else AlertReason.PARTY_CHANGED
        party = screener.subset([entity_id])
        results = party.screen_many([i.query for i in items], limit=1, threshold=cutoff)
        for item, matches in zip(items, results, strict=True):
            key = (item.record_id, entity_id)
            mine = {key: previous[key]} if key in previous else {}
            outcome.record(item, matches, mine, reason, only=entity_id)
        outcome.pairs += len(items)
        done += 1
        if progress is not None:
            progress("reverse", done, len(wanted))
    return len(records)


def _targets(store: Store, parties: dict[str, int]) -> list[Target]:
    """The screened parties among ``parties`` (entity id -> version id), as the index sees them."""
    by_version: dict[int, list[str]] = defaultdict(list)
    for entity_id, version_id in parties.items():
        by_version[version_id].append(entity_id)
    sources = {v.id: v.source for v in store.current_versions()}
    entities = []
    for version_id, ids in sorted(by_version.items()):
        for entity in store.version_entities(version_id, ids):
            entities.append((sources.get(version_id, ""), entity.caption, entity.data))
    return targets_from_entities(entities)
