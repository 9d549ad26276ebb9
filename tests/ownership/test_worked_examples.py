"""DOMAIN.md section 1 worked examples, one row per example and regime.

O1 to O10 give the OFAC answer in DOMAIN.md; the EU and UK columns for them
follow from the rules of 1.2 and 1.3 (EU: aggregated, > 50 % before
3 July 2024 and >= 50 % from then, control counts; UK: > 50 %, no aggregation
across designated persons, board rights count). R1 to R6 give all columns.
"""

from __future__ import annotations

import pytest

from tests.ownership.helpers import POST_2024, PRE_2024, evaluate

# (id, structure, {column: hit entities}); columns: us, eu (post-2024), eu_pre, uk
CASES = [
    ("O1", "X 50 A; A 50 B", {"us": "A B", "eu": "A B", "eu_pre": "", "uk": ""}),
    (
        "O2",
        "X 50 A; X 50 B; A 25 C; B 25 C",
        {"us": "A B C", "eu": "A B C", "eu_pre": "", "uk": ""},
    ),
    ("O3", "X 50 A; X 10 B; A 40 B", {"us": "A B", "eu": "A B", "eu_pre": "", "uk": ""}),
    ("O4", "X 25 C; Y 25 C", {"us": "C", "eu": "C", "eu_pre": "", "uk": ""}),
    ("O5", "X 40 C; X 60 B; B 30 C", {"us": "B C", "eu": "B C", "eu_pre": "B C", "uk": "B C"}),
    ("O6", "X 20 C; X 60 B; B 30 C", {"us": "B C", "eu": "B C", "eu_pre": "B", "uk": "B"}),
    ("O7", "X 49 A; A 100 B", {"us": "", "eu": "", "eu_pre": "", "uk": ""}),
    ("O8", "X 30 A; Y 20 A; A 100 B", {"us": "A B", "eu": "A B", "eu_pre": "", "uk": ""}),
    ("O9", "X link A; X board A", {"us": "", "eu": "A", "eu_pre": "A", "uk": "A"}),
    ("O10", "A 50 B; B 50 A", {"us": "", "eu": "", "eu_pre": "", "uk": ""}),
    ("R1", "DP1 30 C; DP2 25 C", {"us": "C", "eu": "C", "eu_pre": "C", "uk": ""}),
    (
        "R2",
        "DP1 30 C; DP2 25 C; DP1 joint C; DP2 joint C",
        {"us": "C", "eu": "C", "eu_pre": "C", "uk": "C"},
    ),
    ("R3", "DP 50 C", {"us": "C", "eu": "C", "eu_pre": "", "uk": ""}),
    ("R4", "DP 50 B; B 100 C", {"us": "B C", "eu": "B C", "eu_pre": "", "uk": ""}),
    ("R5", "DP board C", {"us": "", "eu": "C", "eu_pre": "C", "uk": "C"}),
    (
        "R6",
        "DP 60 B; B 30 C; DP 25 C",
        {"us": "B C", "eu": "B C", "eu_pre": "B C", "uk": "B C"},
    ),
]

COLUMNS = {
    "us": ("us", POST_2024),
    "eu": ("eu", POST_2024),
    "eu_pre": ("eu", PRE_2024),
    "uk": ("uk", POST_2024),
}

PARAMS = [
    pytest.param(structure, column, expected[column], id=f"{case}-{column}")
    for case, structure, expected in CASES
    for column in COLUMNS
]


@pytest.mark.parametrize(("structure", "column", "expected"), PARAMS)
def test_worked_example(structure: str, column: str, expected: str) -> None:
    regime, as_of = COLUMNS[column]
    evaluation = evaluate(structure, regime, as_of)
    assert sorted(evaluation.hit_ids()) == sorted(expected.split())
    for entity in expected.split():
        answer = evaluation.answer(entity)
        assert answer.hit and answer.proofs, entity
        assert answer.status == evaluation.regime.hit_status


def test_o4_proof_aggregates_and_cites_faq_399() -> None:
    answer = evaluate("X 25 C; Y 25 C", "us").answer("C")
    (proof,) = answer.proofs
    assert proof.text.startswith("X (SDN) 25% + Y (SDN) 25% of C = 50% >= 50%: C blocked")
    assert "FAQ 399" in proof.rule


def test_o6_proof_counts_the_blocked_intermediary_whole_stake() -> None:
    answer = evaluate("X 20 C; X 60 B; B 30 C", "us").answer("C")
    (proof,) = answer.proofs
    assert proof.total == 50.0
    by_owner = {h.owner: h for h in proof.holdings}
    assert by_owner["B"].share == 30.0 and by_owner["B"].proof is not None
    assert by_owner["B"].proof.text.startswith("X (SDN) 60% of B = 60% >= 50%")
    assert "FAQ 401" in proof.rule
    assert proof.lines()[0].startswith("X (SDN) 60% of B")


def test_minimal_path_uses_fewest_holders() -> None:
    answer = evaluate("X 60 C; Y 20 C; DP 10 C", "us").answer("C")
    (proof,) = answer.proofs
    assert [h.owner for h in proof.holdings] == ["X"]


def test_o7_is_flagged_with_an_exposure_score_not_blocked() -> None:
    evaluation = evaluate("X 49 A; A 100 B", "us")
    answer = evaluation.answer("A")
    assert answer.status == "flagged"
    assert answer.exposure == pytest.approx(0.49 / 0.5 * 0.9)
    assert evaluation.answer("B").status == "clear"


def test_o9_control_flags_under_ofac_and_controls_under_eu() -> None:
    us = evaluate("X link A; X board A", "us").answer("A")
    assert us.status == "flagged" and any("FAQ 398" in r for r in us.reasons)
    eu = evaluate("X link A; X board A", "eu").answer("A")
    assert eu.status == "owned-or-controlled"
    assert "para. 63" in eu.proofs[0].rule


def test_r1_uk_flags_the_unaggregated_holdings() -> None:
    answer = evaluate("DP1 30 C; DP2 25 C", "uk").answer("C")
    assert answer.status == "flagged"
    assert answer.exposure > 0.5
    assert any("not aggregated" in r for r in answer.reasons)


def test_r2_uk_proof_names_the_joint_arrangement() -> None:
    answer = evaluate("DP1 30 C; DP2 25 C; DP1 joint C; DP2 joint C", "uk").answer("C")
    assert answer.status == "owned-or-controlled"
    assert "joint arrangement" in answer.proofs[0].text
    assert "para. 3" in answer.proofs[0].rule


def test_r6_uk_proof_is_per_person() -> None:
    answer = evaluate("DP 60 B; B 30 C; DP 25 C", "uk").answer("C")
    (proof,) = answer.proofs
    assert proof.person == "DP" and proof.total == 55.0


def test_eu_threshold_changes_on_3_july_2024() -> None:
    import datetime as dt

    assert evaluate("DP 50 C", "eu", dt.date(2024, 7, 2)).hit_ids() == []
    assert evaluate("DP 50 C", "eu", dt.date(2024, 7, 3)).hit_ids() == ["C"]


def test_listed_entity_answers_listed() -> None:
    answer = evaluate("X 50 A", "us").answer("X")
    assert answer.listed and answer.status == "blocked" and answer.reasons == ("listed (SDN)",)


@pytest.mark.parametrize(
    ("structure", "hit", "flagged"),
    [
        ("BANK 60 S", ["S"], []),
        ("BANK 60 T", [], ["T"]),
        ("BANK 50 S", [], ["S"]),
        ("BANK 60 S; S 60 T2; T2 60 S2", ["S", "S2"], ["T2"]),
    ],
)
def test_eu_art_5h_needs_russia_and_more_than_half(
    structure: str, hit: list[str], flagged: list[str]
) -> None:
    countries = {"S": frozenset({"ru"}), "S2": frozenset({"ru"}), "T": frozenset({"de"})}
    evaluation = evaluate(structure, "eu_5h", listed="BANK", countries=countries)
    assert sorted(evaluation.hit_ids()) == hit
    for entity in flagged:
        assert evaluation.answer(entity).status == "flagged"
