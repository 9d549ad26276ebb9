"""A screening hit on a company that no list names, but a listed person owns: the result says so.

The lists are OFAC's real SDN file of 24 March 2022 (Vyacheslav Volodin, the
State Duma speaker, is ``ofac-16714``). The company and its ownership are a
user's own registry extract in FollowTheMoney JSON lines, written into the
test's folder: no publisher ships such a file, and the point is a company
that is on no list.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import shared_file
from tripwire.cli import app

SDN_0324 = "lists/ofac/history/sdn-2022-03-24.csv"
HOLDINGS = [
    {
        "id": "volga-holding",
        "schema": "Company",
        "properties": {"name": ["Volga River Holding LLC"], "jurisdiction": ["ru"]},
    },
    {
        "id": "volga-holding-own",
        "schema": "Ownership",
        "properties": {
            "owner": ["ofac-16714"],
            "asset": ["volga-holding"],
            "percentage": ["60"],
            "startDate": ["2020-01-01"],
        },
    },
    {"id": "kama-trading", "schema": "Company", "properties": {"name": ["Kama Trading LLC"]}},
    {
        "id": "kama-trading-own",
        "schema": "Ownership",
        "properties": {"owner": ["ofac-16714"], "asset": ["kama-trading"], "percentage": ["30"]},
    },
]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TRIPWIRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("TRIPWIRE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRIPWIRE_LISTS_DIR", raising=False)
    holdings = tmp_path / "holdings.ftm.json"
    holdings.write_text("".join(json.dumps(e) + "\n" for e in HOLDINGS), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["lists", "import", str(shared_file(SDN_0324)), str(holdings)])
    assert result.exit_code == 0, result.output
    return runner


def _matches(runner: CliRunner, name: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["screen", name, "--json"])
    assert result.exit_code == 0, result.output
    matches: list[dict[str, object]] = json.loads(result.stdout)["matches"]
    return matches


def test_a_company_majority_owned_by_an_sdn_is_reported_blocked(runner: CliRunner) -> None:
    matches = _matches(runner, "Volga River Holding")
    top = matches[0]
    assert top["entity_id"] == "volga-holding" and top["source"] == "ftm_holdings"
    note = top["ownership"]
    assert isinstance(note, dict)
    assert note["statuses"]["us"] == "blocked"
    assert "VOLODIN" in note["summary"] and "60% >= 50%" in note["summary"]
    assert note["see"].startswith("tripwire exposure volga-holding")
    table = runner.invoke(app, ["screen", "Volga River Holding"])
    assert "ownership volga-holding: US: blocked" in table.stdout


def test_a_minority_stake_flags_and_listed_parties_carry_no_note(runner: CliRunner) -> None:
    kama = _matches(runner, "Kama Trading")[0]
    assert kama["entity_id"] == "kama-trading"
    note = kama["ownership"]
    assert isinstance(note, dict) and note["statuses"]["us"] == "flagged"
    listed = _matches(runner, "Vyacheslav Volodin")[0]
    assert listed["entity_id"] == "ofac-16714" and listed["ownership"] is None
