"""Re-screening after a list changes: only what changed, with the scores full screening gives.

Two directions, both scored by the screening engine with the register record as the
query and the listed party as the target:

* **forward**: register records that are new or changed since they were last
  screened go through the full screener against every serving list;
* **reverse**: parties that a list update added or changed are screened against
  the records that could match them. The register's key index (skeletons of the
  records' words, ``monitor_key``) gives those records: the ones sharing two words,
  or all their words, with one of the party's names, counting typo-neighbours in the
  register's own vocabulary as shared. Each candidate record is then scored once
  against all the changed parties through ``Screener.subset``, which keeps the whole
  lists' word rarity, so a pair scores exactly as in full screening; only its pairs
  with its candidate parties are kept. Records already hitting a changed or removed
  party are re-scored (or let go) too.

A hit that a screening does not report again (outside the record's candidates or best
matches) is scored directly and ended only when its score fell below the threshold, so
the two directions never end each other's hits. A hit alerts only when it is new or its
score rose (see :mod:`tripwire.monitor.alerts`). The versions recorded as screened are
the ones the screener was built from (:func:`screener_versions`), so a list imported
while a re-screen runs is screened by the next one.
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
from tripwire.screening.engine import Match, Screener, index_key
from tripwire.screening.normalize import tokenize
from tripwire.screening.query import Query
from tripwire.screening.scorer import Scored
from tripwire.screening.targets import Target
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


class StaleScreenerError(RuntimeError):
    """The screener was not built over the store's serving versions (a list import ran
    since it was loaded): re-screening with it would record versions it never saw."""


def screener_versions(store: Store, screener: Screener) -> dict[str, int]:
    """source -> version id of the serving versions ``screener`` was built from.

    The index key names the versions (and code) an index was built from; if the serving
    versions no longer give the screener's key, raises :class:`StaleScreenerError`.
    """
    rows = store.current_versions()
    if index_key(rows) != screener.index.key:
        raise StaleScreenerError(
            "the serving list versions changed since the screening index was loaded"
        )
    return {v.source: v.id for v in rows}


@dataclass(slots=True)
class _Changes:
    """Parties that changed since the register was last screened, per cause."""

    added: set[str] = field(default_factory=set)  # listed now, not listed before
    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)  # no longer served by any list


class _Parties:
    """The screener's parties by entity id (one id may be served by two sources), scored
    directly: a hit outside a record's candidate or match window keeps its true score."""

    def __init__(self, screener: Screener) -> None:
        self.screener = screener
        self._by_id: dict[str, list[int]] | None = None

    @property
    def by_id(self) -> dict[str, list[int]]:
        if self._by_id is None:
            by_id: dict[str, list[int]] = defaultdict(list)
            for t_index, target in enumerate(self.screener.index.targets):
                by_id[target.entity_id].append(t_index)
            self._by_id = dict(by_id)
        return self._by_id

    def served(self, entity_id: str) -> bool:
        return entity_id in self.by_id

    def targets(self, entity_ids: Iterable[str]) -> list[Target]:
        targets = self.screener.index.targets
        return [targets[i] for e in sorted(set(entity_ids)) for i in self.by_id.get(e, [])]

    def score(self, query: Query, entity_ids: Iterable[str], cutoff: float) -> list[Match]:
        """Matches of ``query`` with these parties (their best-scoring entry) at ``cutoff``."""
        wanted = sorted(set(entity_ids))
        if not wanted:
            return []
        screener = self.screener
        prepared = screener.prepare(query)
        out: list[Match] = []
        for entity_id in wanted:
            best: tuple[Scored, int] | None = None
            for t_index in self.by_id.get(entity_id, []):
                scored = screener.score_target(query, t_index, None, prepared)
                if best is None or scored.score > best[0].score:
                    best = (scored, t_index)
            if best is not None and best[0].score >= cutoff:
                out.append(screener.match(*best))
        return out


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
        previous: dict[str, HitState],
        cause: AlertReason | dict[str, AlertReason],
    ) -> None:
        """Hit states and alerts of one record; its active hits in ``previous`` (entity id
        -> state) that were not found again end. ``cause`` may be given per party.

        A party served by two lists (one entity id) is one hit, with its best score.
        """
        found: set[str] = set()
        for match in sorted(matches, key=lambda m: (-m.score, m.entity_id, m.source)):
            if match.entity_id in found:
                continue
            found.add(match.entity_id)
            version_id = self.versions[match.source]
            before = previous.get(match.entity_id)
            why = cause if isinstance(cause, AlertReason) else cause[match.entity_id]
            reason = alert_reason(before, match.score, why)
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
        for entity_id, state in sorted(previous.items()):
            if state.active and entity_id not in found:
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


def _by_record(states: dict[tuple[str, str], HitState]) -> dict[str, dict[str, HitState]]:
    out: dict[str, dict[str, HitState]] = defaultdict(dict)
    for (record_id, entity_id), state in states.items():
        out[record_id][entity_id] = state
    return out


def rescreen(
    store: Store,
    screener: Screener,
    *,
    register: Register | None = None,
    threshold: float | None = None,
    progress: Progress | None = None,
) -> RescreenResult:
    """Bring the register up to the serving lists; returns what was done and the new alerts.

    ``screener`` must be built over the store's serving versions (``Screener.from_store``);
    the versions recorded as screened are the ones it was built from. If a list import
    made it stale, raises :class:`StaleScreenerError` before anything is stored (load
    the screener again and retry).
    """
    started = time.perf_counter()
    register = register or Register(store)
    cutoff = screener.threshold if threshold is None else threshold
    current = screener_versions(store, screener)
    screened = register.screened_versions()
    result = RescreenResult(
        versions={s: (screened.get(s), v) for s, v in current.items() if screened.get(s) != v}
    )
    outcome = _Outcome(versions=current)
    parties = _Parties(screener)
    total = register.count()
    if total:
        changes = _list_changes(store, current, screened, parties)
        result.parties_added = len(changes.added)
        result.parties_changed = len(changes.changed)
        result.parties_removed = len(changes.removed)
        pending = register.pending_ids()
        result.forward_records = len(pending)
        _forward(register, screener, parties, pending, cutoff, outcome, progress)
        if total > len(pending):  # else every record was just screened against all lists
            result.reverse_records = _reverse(
                register, screener, parties, changes, set(pending), cutoff, outcome, progress
            )
    outcome.flush(register, current)
    result.alerts = outcome.stored
    result.pairs_scored = outcome.pairs
    result.hits_ended = outcome.ended
    result.seconds = time.perf_counter() - started
    return result


def _list_changes(
    store: Store, current: dict[str, int], screened: dict[str, int], parties: _Parties
) -> _Changes:
    """Parties added, changed and removed between the screened and the serving versions.

    A source the register was never screened against counts as wholly added. A party
    that becomes listed (it was in the list file unlisted, as an owner say) counts as
    added, one that is no longer listed as removed. A party is removed only when no
    serving list has it (an entry moving from one list to another changed, at most).
    """
    changes = _Changes()
    for source, version_id in sorted(current.items()):
        old = screened.get(source)
        if old == version_id:
            continue
        if old is None:
            changes.added.update(
                e.entity_id for e in store.version_entities(version_id, listed_only=True)
            )
            continue
        diff = diff_versions(store, old, version_id)
        changes.added.update(c.entity_id for c in diff.added)
        changes.removed.update(c.entity_id for c in diff.removed)
        if diff.changed:
            was = store.entity_index(old)
            now = store.entity_index(version_id)
            for change in diff.changed:
                if not now.get(change.entity_id, ("", False))[1]:
                    changes.removed.add(change.entity_id)
                elif not was.get(change.entity_id, ("", False))[1]:
                    changes.added.add(change.entity_id)
                else:
                    changes.changed.add(change.entity_id)
    changes.changed -= changes.added
    still = {e for e in changes.removed - changes.added if parties.served(e)}
    changes.removed -= changes.added | still
    changes.changed |= still
    return changes


def _forward(
    register: Register,
    screener: Screener,
    parties: _Parties,
    pending: Sequence[str],
    cutoff: float,
    outcome: _Outcome,
    progress: Progress | None,
) -> None:
    """New and changed records against all serving lists (the engine's batch path).

    A record's hits that full screening no longer reports (the party fell outside the
    record's candidates or its best ``FORWARD_LIMIT`` matches, as a hit the reverse
    path found may) are scored directly and kept or ended by their score.
    """
    for start in range(0, len(pending), FORWARD_CHUNK):
        items = register.queries(pending[start : start + FORWARD_CHUNK])
        previous = _by_record(register.hits_of_records(i.record_id for i in items))
        results = screener.screen_many(
            [i.query for i in items], limit=FORWARD_LIMIT, threshold=cutoff
        )
        for item, matches in zip(items, results, strict=True):
            new = item.screened_hash is None
            cause = AlertReason.RECORD_NEW if new else AlertReason.RECORD_CHANGED
            mine = previous.get(item.record_id, {})
            seen = {m.entity_id for m in matches}
            missing = [e for e, state in mine.items() if state.active and e not in seen]
            extra = parties.score(item.query, missing, cutoff)
            outcome.record(item, [*matches, *extra], mine, cause)
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


#: Records scored against the changed parties per progress report.
REVERSE_CHUNK = 500


def _reverse(
    register: Register,
    screener: Screener,
    parties: _Parties,
    changes: _Changes,
    pending: set[str],
    cutoff: float,
    outcome: _Outcome,
    progress: Progress | None,
) -> int:
    """Added and changed parties against the records that could match them.

    One screener over all the changed parties scores each candidate record once; the
    pairs kept are the record's candidate parties, and its hits on changed parties that
    screening did not report again are scored directly (kept or ended by their score).
    """
    touched = changes.added | changes.changed
    everything = register.hits_of_entities([*touched, *changes.removed])
    previous = _by_record({k: v for k, v in everything.items() if k[0] not in pending})
    for states in previous.values():
        for entity_id, state in states.items():
            if entity_id in changes.removed and state.active:
                outcome.end(state)
    if not touched:
        return 0
    targets = parties.targets(touched)
    probes, owners = party_probes(targets, register.key_frequencies())
    wanted: dict[str, set[str]] = defaultdict(set)  # record id -> party ids
    for name_no, record_id in register.candidates(probes):
        if record_id not in pending:
            wanted[record_id].add(owners[name_no])
    for record_id, states in previous.items():
        for entity_id, state in states.items():
            if entity_id in touched and state.active:
                wanted[record_id].add(entity_id)
    if not wanted:
        return 0
    reasons = {e: AlertReason.PARTY_LISTED for e in changes.added}
    reasons.update((e, AlertReason.PARTY_CHANGED) for e in changes.changed)
    subset = screener.subset(touched)
    limit = max(len(subset.index.targets), 1)
    ids = sorted(wanted)
    done = 0
    for start in range(0, len(ids), REVERSE_CHUNK):
        items = register.queries(ids[start : start + REVERSE_CHUNK])
        results = subset.screen_many([i.query for i in items], limit=limit, threshold=cutoff)
        for item, matches in zip(items, results, strict=True):
            mine = wanted[item.record_id]
            found = [m for m in matches if m.entity_id in mine]
            states = {e: s for e, s in previous.get(item.record_id, {}).items() if e in touched}
            seen = {m.entity_id for m in found}
            missing = [e for e, s in states.items() if s.active and e not in seen]
            found.extend(parties.score(item.query, missing, cutoff))
            outcome.record(item, found, states, reasons)
            outcome.pairs += len(mine)
        done += len(items)
        if progress is not None:
            progress("reverse", done, len(ids))
    return done
