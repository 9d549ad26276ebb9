"""Delta re-screening after a list update: the OFAC designations of 24 March 2022."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import ROOT
from tests.monitor.conftest import (
    DUMA,
    ORDINARY,
    SDN_0321,
    SDN_0324,
    import_file,
    records,
    screener,
)
from tripwire.lists.changes import diff_versions
from tripwire.monitor import AlertReason, Register, rescreen
from tripwire.monitor.records import RegisterFile
from tripwire.screening.engine import load_targets
from tripwire.store import Store


def test_duma_designations_alert_on_their_records_and_nothing_else(
    store_0321: Store, tmp_path: Path
) -> None:
    """Reverse screening of the 397 new parties finds exactly the records full screening
    finds among them, alerts once per new hit, and never again for an unchanged one."""
    store = store_0321
    register = Register(store)
    # Gennady Timchenko is listed on 21 March; his entry changes on 24 March.
    listed = {"t1": ("Gennady Timchenko", "Person")}
    register.add(records({**DUMA, **ORDINARY, **listed}))
    first = rescreen(store, screener(store, tmp_path))
    assert first.forward_records == len(DUMA) + len(ORDINARY) + 1
    assert [(a.record_id, a.reason) for a in first.alerts] == [("t1", AlertReason.RECORD_NEW)]
    timchenko = first.alerts[0].entity_id

    assert import_file(store, SDN_0324) == "imported"
    full = screener(store, tmp_path)
    delta = rescreen(store, full)
    version = next(v.id for v in store.current_versions() if v.source == "us_ofac_sdn")
    assert delta.parties_added == 397
    assert delta.forward_records == 0  # unchanged records are not screened again
    alerted = {a.record_id for a in delta.alerts}
    assert alerted == set(DUMA)  # not t1: its hit on the changed entry is unchanged
    assert delta.parties_changed == 8 and delta.reverse_records > len(DUMA)
    assert [h["entity_id"] for h in register.active_hits("t1")] == [timchenko]
    assert {a.reason for a in delta.alerts} == {AlertReason.PARTY_LISTED}
    assert {a.version_id for a in delta.alerts} == {version}

    # The same pairs, with the same scores, as full forward screening restricted to
    # the parties the update added.
    old, new = sorted(v.id for v in store.versions("us_ofac_sdn"))
    diff = diff_versions(store, old, new)
    added = {c.entity_id for c in diff.added}
    expected = {}
    for item in register.queries(r.record_id for r in register.records()):
        for match in full.screen(item.query, limit=10):
            if match.entity_id in added:
                expected[(item.record_id, match.entity_id)] = round(match.score, 6)
    got = {(a.record_id, a.entity_id): round(a.score, 6) for a in delta.alerts}
    assert got == expected
    # The unchanged hit on the changed entry was re-scored with the full screening score.
    (t1,) = full.screen(register.queries(["t1"])[0].query, limit=1)
    assert round(register.active_hits("t1")[0]["score"], 6) == round(t1.score, 6)

    again = rescreen(store, full)
    assert again.alerts == [] and again.parties_added == 0
    assert import_file(store, SDN_0324) == "unchanged"
    assert rescreen(store, screener(store, tmp_path)).alerts == []
    assert len(register.alerts()) == len(delta.alerts) + 1


def test_changed_record_alerts_once_and_removed_record_keeps_its_alerts(
    store_0321: Store,
) -> None:
    store = store_0321
    register = Register(store)
    register.add(records(ORDINARY))
    full = screener(store)
    assert rescreen(store, full).alerts == []
    assert register.add(records(ORDINARY)).unchanged == len(ORDINARY)

    # o1 changes its name to a listed person's: screened again, one alert, reason changed.
    changed = register.add(records({**ORDINARY, "o1": ("Volodin Viacheslav Viktorovich", None)}))
    assert changed.changed == ["o1"] and changed.unchanged == len(ORDINARY) - 1
    result = rescreen(store, full)
    assert result.forward_records == 1
    assert [(a.record_id, a.reason) for a in result.alerts] == [("o1", AlertReason.RECORD_CHANGED)]
    assert "VOLODIN" in result.alerts[0].caption
    assert rescreen(store, full).alerts == []

    # Back to the old name: the hit ends; a second change to Volodin alerts again.
    register.add(records(ORDINARY))
    assert rescreen(store, full).hits_ended == 1
    register.add(records({**ORDINARY, "o1": ("Vyacheslav Volodin", "Person")}))
    assert [a.reason for a in rescreen(store, full).alerts] == [AlertReason.RECORD_CHANGED]

    assert register.remove(["o1", "nobody"]) == 1
    assert register.count() == len(ORDINARY) - 1
    assert len(register.alerts(record_id="o1")) == 2


@pytest.mark.slow
def test_reverse_path_finds_what_forward_screening_finds_on_a_generated_register(
    tmp_path: Path,
) -> None:
    """Recall of the reverse path against full forward screening, on a synthetic register
    with 0.1% planted spellings of the parties OFAC added on 24 March 2022."""
    pytest.importorskip("faker")
    gen = _load_generator()
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    import_file(store, SDN_0321)
    register = Register(store)
    scratch = Store(f"sqlite:///{tmp_path / 'scratch.db'}")
    import_file(scratch, SDN_0321)
    import_file(scratch, SDN_0324)
    old, new = sorted(v.id for v in scratch.versions("us_ofac_sdn"))
    added = {c.entity_id for c in diff_versions(scratch, old, new).added}
    parties = [t for t in load_targets(scratch, scratch.current_versions()) if t.entity_id in added]
    rows, truth = gen.generate(30_000, 3, parties)
    path = tmp_path / "register.csv"
    gen.write(rows, path, gen.COLUMNS)
    register.add(RegisterFile(path).records())
    register.accept_as_screened({v.source: v.id for v in store.current_versions()})
    import_file(store, SDN_0324)
    full = screener(store)
    delta = rescreen(store, full)
    alerted = {(a.record_id, a.entity_id) for a in delta.alerts}
    items = register.queries(rid for rid, *_ in truth)
    forward = {
        (item.record_id, m.entity_id)
        for item, matches in zip(items, full.screen_many([i.query for i in items]), strict=True)
        for m in matches
        if m.entity_id in added
    }
    planted = {(rid, eid) for rid, eid, *_ in truth}
    assert len(planted) == 30
    assert forward <= alerted  # everything full screening finds, the delta finds
    assert len(planted & alerted) / len(planted) >= 0.98


def _load_generator() -> ModuleType:
    path = ROOT / "benchmarks" / "make_register.py"
    spec = importlib.util.spec_from_file_location("tripwire_bench_make_register", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
