"""Re-screening stays consistent: with the screener's versions, between its two directions,
across lists serving one party, and on both backends (the review's regressions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.monitor import conftest
from tests.monitor.conftest import DUMA, ORDINARY, SDN_0324, import_file, records, screener
from tripwire.cli.monitor import run_rescreen
from tripwire.lists.diff import EntityChange, ListDiff
from tripwire.monitor import AlertReason, Register, StaleScreenerError, rescreen
from tripwire.monitor import delta as delta_module
from tripwire.monitor.delta import _list_changes, _Outcome
from tripwire.monitor.records import MAX_ID, RegisterFile
from tripwire.monitor.register import HitUpdate
from tripwire.screening.engine import Match, Screener
from tripwire.settings import Settings
from tripwire.store import Store
from tripwire.store.schema import monitor_record


def test_a_list_imported_while_the_index_loads_is_screened_not_skipped(
    store_0321: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A screener over older versions is refused before anything is stored, and the
    command loads the new index and screens the new parties (no permanent miss)."""
    store = store_0321
    register = Register(store)
    register.add(records({**DUMA, **ORDINARY}))

    # The first screen: every record is pending, so no reverse pass (no probes built).
    def no_probes(_self: Register) -> dict[str, int]:
        raise AssertionError("reverse pass run with every record pending")

    with monkeypatch.context() as patch:
        patch.setattr(Register, "key_frequencies", no_probes)
        first = rescreen(store, screener(store))
    assert first.forward_records == len(DUMA) + len(ORDINARY) and first.alerts == []
    at_0321 = register.screened_versions()

    stale = screener(store)
    assert import_file(store, SDN_0324) == "imported"
    with pytest.raises(StaleScreenerError):
        rescreen(store, stale)
    assert register.screened_versions() == at_0321  # nothing recorded

    real_from_store = Screener.from_store
    real_subset = Screener.subset
    loads: list[int] = []
    subsets: list[int] = []

    def from_store(store_: Store, cache_dir: Path | None = None, model: Any = None) -> Screener:
        loads.append(1)
        return stale if len(loads) == 1 else real_from_store(store_, conftest._INDEX, model)

    def subset(self: Screener, entity_ids: Any) -> Screener:
        subsets.append(1)
        return real_subset(self, entity_ids)

    monkeypatch.setattr(Screener, "from_store", staticmethod(from_store))
    monkeypatch.setattr(Screener, "subset", subset)
    monkeypatch.setenv("TRIPWIRE_HOME", str(tmp_path / "home"))
    result = run_rescreen(store, Settings.from_env(), quiet=True)
    assert result is not None and len(loads) == 2
    assert {a.record_id for a in result.alerts} == set(DUMA)
    assert {a.reason for a in result.alerts} == {AlertReason.PARTY_LISTED}
    assert register.screened_versions() == {v.source: v.id for v in store.current_versions()}
    assert subsets == [1]  # one screener over all the changed parties
    assert register.count_alerts("open") == len(result.alerts)
    assert register.count_active_hits() == len(register.active_hits())


def test_forward_screening_keeps_hits_outside_its_window(
    store_0321: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hit the forward screen no longer reports (here: beyond its match limit, as a
    reverse-path hit outside the candidate window) is scored, not ended; so the party's
    next change does not alert again."""
    store = store_0321
    register = Register(store)
    register.add(records({"r1": ("Boris Rotenberg", "Person")}))
    full = screener(store)
    first = rescreen(store, full)
    hits = {h["entity_id"]: h["score"] for h in register.active_hits("r1")}
    assert len(hits) == 2 and len(first.alerts) == 2

    monkeypatch.setattr(delta_module, "FORWARD_LIMIT", 1)
    with store.engine.begin() as conn:  # the record is screened forward again
        conn.execute(monitor_record.update().values(screened_hash="0" * 64))
    again = rescreen(store, full)
    assert again.forward_records == 1
    assert again.hits_ended == 0 and again.alerts == []
    after = {h["entity_id"]: h["score"] for h in register.active_hits("r1")}
    assert after.keys() == hits.keys()
    assert all(after[e] == pytest.approx(hits[e], abs=1e-6) for e in hits)


def _match(source: str, score: float) -> Match:
    return Match("ofac-1", source, "1", "Person", "ONE, Party", score, "q", "l", {})


def test_one_party_served_by_two_lists_is_one_hit(store_url: str) -> None:
    register = Register(Store(store_url))
    register.add(records({"r1": ("Party One", "Person")}))
    item = register.queries(["r1"])[0]
    outcome = _Outcome(versions={"us_ofac_sdn": 1, "us_ofac_cons": 2})
    matches = [_match("us_ofac_sdn", 0.8), _match("us_ofac_cons", 0.9)]
    outcome.record(item, matches, {}, AlertReason.RECORD_NEW)
    outcome.flush(register)
    (hit,) = register.active_hits("r1")
    assert (hit["source"], hit["score"], hit["version_id"]) == ("us_ofac_cons", 0.9, 2)
    assert [(a.source, a.score) for a in outcome.stored] == [("us_ofac_cons", 0.9)]
    # Two states of one pair in one apply: the last is stored, no key violation.
    twice = [HitUpdate("r1", "ofac-2", "us_ofac_sdn", s, 1, True) for s in (0.7, 0.75)]
    register.apply(hits=twice, alerts=[], screened={}, versions={})
    assert [h["score"] for h in register.active_hits("r1")] == [0.9, 0.75]


class _Index:
    def __init__(self, listed: dict[int, dict[str, bool]]) -> None:
        self.listed = listed

    def entity_index(self, version_id: int) -> dict[str, tuple[str, bool]]:
        return {e: ("h", flag) for e, flag in self.listed[version_id].items()}


class _Served:
    def __init__(self, ids: set[str]) -> None:
        self.ids = ids

    def served(self, entity_id: str) -> bool:
        return entity_id in self.ids


def test_listed_flag_transitions_choose_the_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    """An owner that becomes listed is listed (not changed); one no longer listed is
    removed; an entry that leaves one list but is served by another is changed."""
    changed = [EntityChange("changed", e, "Person", e, None) for e in ("owner", "same", "delisted")]
    diff = ListDiff(
        added=[EntityChange("added", "new", "Person", "new", None)],
        removed=[EntityChange("removed", e, "Person", e, None) for e in ("gone", "moved")],
        changed=changed,
    )
    monkeypatch.setattr(delta_module, "diff_versions", lambda _s, _o, _n: diff)
    store = _Index(
        {
            1: {"owner": False, "same": True, "delisted": True, "gone": True, "moved": True},
            2: {"owner": True, "same": True, "delisted": False, "new": True},
        }
    )
    served = _Served({"owner", "same", "new", "moved"})
    changes = _list_changes(store, {"src": 2}, {"src": 1}, served)  # type: ignore[arg-type]
    assert changes.added == {"new", "owner"}
    assert changes.changed == {"same", "moved"}
    assert changes.removed == {"delisted", "gone"}


def test_ids_no_backend_can_store_are_rejected_rows(tmp_path: Path) -> None:
    path = tmp_path / "register.jsonl"
    rows = [
        {"id": "ok", "name": "Denis Parfenov"},
        {"id": "nul\x00id", "name": "John Smith"},
        {"id": "x" * (MAX_ID + 1), "name": "Anna Petrova"},
        {"id": "y" * MAX_ID, "name": "Chen Wei"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    source = RegisterFile(path)
    assert [r.record_id for r in source.records()] == ["ok", "y" * MAX_ID]
    assert [(r.row, r.field) for r in source.rejected] == [(2, "id"), (3, "id")]
    assert "NUL" in source.rejected[0].reason and "\x00" not in source.rejected[0].record_id
    assert str(MAX_ID) in source.rejected[1].reason


def test_a_failing_candidates_query_raises_its_own_error(store_url: str) -> None:
    register = Register(Store(store_url))
    register.add(records({"c1": ("Denis Parfenov", "Person")}))
    bad: Any = [(0, 0, None, 1)]  # NOT NULL violated inside the transaction
    with pytest.raises(sa.exc.IntegrityError):
        register.candidates(bad)
    # The probe table did not outlive the failure; the next call works.
    keys = sorted(next(iter(records({"c1": ("Denis Parfenov", "Person")}))).keys())
    probes = [(0, i, k, len(keys)) for i, k in enumerate(keys)]
    assert register.candidates(probes) == [(0, "c1")]
