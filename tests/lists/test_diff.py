"""The pure diff: parties compared field by field, auxiliary records folded into parties."""

from __future__ import annotations

from typing import Any

from tripwire.lists.diff import diff_views, party_views


def _party(entity_id: str, **props: list[str]) -> dict[str, Any]:
    return {"id": entity_id, "schema": "Person", "properties": props, "source_ref": entity_id}


def _sanction(entity_id: str, party: str, program: str) -> dict[str, Any]:
    return {
        "id": entity_id,
        "schema": "Sanction",
        "properties": {"entity": [party], "program": [program], "modifiedAt": ["2022-03-24"]},
    }


def test_added_removed_and_changed_fields() -> None:
    old = [_party("a", name=["Ivan Petrov"]), _party("b", name=["Old Gone"])]
    new = [_party("a", name=["Ivan Petrov"], alias=["Ivan Petroff"]), _party("c", name=["New"])]
    diff = diff_views(party_views(old, {"a", "b"}), party_views(new, {"a", "c"}))
    assert [c.entity_id for c in diff.added] == ["c"]
    assert [c.entity_id for c in diff.removed] == ["b"]
    assert len(diff.changed) == 1
    (change,) = diff.changed[0].fields
    assert (change.field, change.added, change.removed) == ("alias", ("Ivan Petroff",), ())


def test_new_sanction_is_a_change_of_its_party() -> None:
    old = [_party("a", name=["X"]), _sanction("s1", "a", "UKRAINE-EO13662")]
    new = [*old, _sanction("s2", "a", "RUSSIA-EO14024")]
    diff = diff_views(party_views(old, {"a"}), party_views(new, {"a"}))
    assert not diff.added and not diff.removed
    (field,) = diff.changed[0].fields
    assert field.field == "Sanction"
    assert field.added == ("entity=(this); program=RUSSIA-EO14024",)


def test_bookkeeping_dates_alone_are_not_a_change() -> None:
    old = [_party("a", name=["X"], modifiedAt=["2022-01-01"]), _sanction("s1", "a", "P")]
    new = [_party("a", name=["X"], modifiedAt=["2022-03-24"]), _sanction("s1", "a", "P")]
    new[1]["properties"]["modifiedAt"] = ["2023-01-01"]
    diff = diff_views(party_views(old, {"a"}), party_views(new, {"a"}))
    assert not diff.changed


def test_identical_versions_have_an_empty_diff() -> None:
    data = [_party("a", name=["X"]), _sanction("s1", "a", "P")]
    diff = diff_views(party_views(data, {"a"}), party_views(data, {"a"}))
    assert diff.to_dict()["counts"] == {"added": 0, "removed": 0, "changed": 0}
