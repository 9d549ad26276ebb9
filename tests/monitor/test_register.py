"""The register in the store (SQLite and PostgreSQL): change detection, keys, removal."""

from __future__ import annotations

from tests.monitor.conftest import records
from tripwire.monitor import Alert, AlertReason, Register
from tripwire.monitor.records import name_keys
from tripwire.monitor.register import HitUpdate
from tripwire.screening.normalize import tokenize
from tripwire.store import Store

PEOPLE = {
    "c1": ("Anatoliy Bifov", "Person"),
    "c2": ("Denis Parfenov", "Person"),
    "c3": ("Acme Trading GmbH", "Company"),
}


def _probes(name: str, schema: str) -> list[tuple[int, int, str, int]]:
    keys = sorted(name_keys(tokenize(name, schema)))
    return [(0, i, k, len(keys)) for i, k in enumerate(keys)]


def test_re_adding_tells_new_changed_and_unchanged_apart(store_url: str) -> None:
    register = Register(Store(store_url))
    first = register.add(records(PEOPLE))
    assert sorted(first.new) == ["c1", "c2", "c3"] and first.unchanged == 0
    assert register.pending_ids() == ["c1", "c2", "c3"]

    again = register.add(
        records({**PEOPLE, "c2": ("Denis Parfyonov", "Person"), "c4": ("X Y", None)})
    )
    assert again.new == ["c4"] and again.changed == ["c2"] and again.unchanged == 2
    assert register.count() == 4
    assert register.records(["c2"])[0].name == "Denis Parfyonov"

    # The key index follows the change: the old spelling's keys are gone.
    assert register.candidates(_probes("Denis Parfyonov", "Person")) == [(0, "c2")]
    assert register.candidates(_probes("Denis Parfenov", "Person")) == []
    # A one-word company name matches on its one key; a person needs two shared words.
    assert register.candidates(_probes("Acme", "Company")) == [(0, "c3")]
    assert register.candidates(_probes("Anatoliy Ivanov", "Person")) == []


def test_accepting_and_removing(store_url: str) -> None:
    register = Register(Store(store_url))
    register.add(records(PEOPLE))
    assert register.accept_as_screened({"us_ofac_sdn": 7}) == 3
    assert register.pending_ids() == []
    assert register.screened_versions() == {"us_ofac_sdn": 7}
    register.add(records({**PEOPLE, "c1": ("Anatoly Bifov", "Person")}))
    assert register.pending_ids() == ["c1"]
    assert register.remove(["c1", "c9"]) == 1
    assert register.count() == 2
    assert register.candidates(_probes("Anatoly Bifov", "Person")) == []


def test_a_second_re_screen_from_the_same_old_state_raises_no_duplicate(store_url: str) -> None:
    """Two re-screens that ran at once both computed the same new hit; only the first
    to store it alerts (the hit states are read again under the register's lock)."""
    register = Register(Store(store_url))
    register.add(records(PEOPLE))
    hit = HitUpdate("c1", "ofac-35399", "us_ofac_sdn", 0.8, 2, active=True)
    alert = Alert(
        record_id="c1",
        record_name="Anatoliy Bifov",
        entity_id="ofac-35399",
        source="us_ofac_sdn",
        version_id=2,
        score=0.8,
        previous_score=None,
        reason=AlertReason.PARTY_LISTED,
        caption="BIFOV, Anatoly Zhamalovich",
        list_name="BIFOV, Anatoly Zhamalovich",
        explanation={},
    )
    for expected in (1, 0):
        stored = register.apply(hits=[hit], alerts=[alert], screened={}, versions={})
        assert len(stored) == expected
    assert len(register.alerts()) == 1
    assert register.active_hits("c1")[0]["score"] == 0.8
