"""``tripwire monitor`` end to end: the must-pass scenario of the OFAC update of 24 March 2022."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import shared_file
from tests.monitor.conftest import DUMA, ORDINARY, SDN_0324
from tripwire.cli import app
from tripwire.settings import Settings


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TRIPWIRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("TRIPWIRE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRIPWIRE_LISTS_DIR", raising=False)
    return CliRunner()


def _run(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def test_list_update_alerts_on_new_designees_only(
    runner: CliRunner, tmp_path: Path, sqlite_0321: Path
) -> None:
    register = tmp_path / "register.csv"
    lines = ["id,name,schema,segment"]
    lines += [f"{i},{n},{s or ''},retail" for i, (n, s) in {**DUMA, **ORDINARY}.items()]
    lines.append("bad,,Person,retail")
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # The store as `tripwire lists import sdn-2022-03-21.csv` leaves it (imported once per run).
    home = Settings.from_env().home
    home.mkdir(parents=True)
    shutil.copyfile(sqlite_0321, home / "tripwire.db")
    assert "us_ofac_sdn" in _run(runner, "lists", "show")
    added = json.loads(_run(runner, "monitor", "add", str(register), "--json"))
    assert added["new"] == len(DUMA) + len(ORDINARY) and added["rejected"] == 1
    assert added["rescreen"]["alerts"] == []
    errors = Path(added["errors_file"]).read_text(encoding="utf-8").splitlines()
    assert errors[1].startswith(f"{len(lines) - 1},bad,name,")

    # The import re-screens the register itself: alerts for the Duma records only.
    result = runner.invoke(app, ["lists", "import", str(shared_file(SDN_0324))])
    assert result.exit_code == 0, result.output
    assert "monitor: 397 parties added" in result.output
    alerts = json.loads(_run(runner, "monitor", "alerts", "--json"))["alerts"]
    assert {a["record_id"] for a in alerts} == set(DUMA)
    assert {a["reason"] for a in alerts} == {"party_listed"}
    assert all(a["source"] == "us_ofac_sdn" and a["score"] >= 0.39 for a in alerts)
    table = _run(runner, "monitor", "alerts")
    # Narrow consoles (as under pytest-xdist) shorten cells: look for the start of the reason.
    assert "party_l" in table and "d3" in table, table

    # The same file again, and an unchanged register: nothing new.
    _run(runner, "lists", "import", str(shared_file(SDN_0324)))
    again = json.loads(_run(runner, "monitor", "add", str(register), "--json"))
    assert again["unchanged"] == len(DUMA) + len(ORDINARY) and again["rescreen"]["alerts"] == []
    rescreened = json.loads(_run(runner, "monitor", "rescreen", "--json"))
    assert rescreened["alerts"] == [] and rescreened["forward_records"] == 0
    assert len(json.loads(_run(runner, "monitor", "alerts", "--json"))["alerts"]) == len(alerts)

    shown = json.loads(_run(runner, "monitor", "show", "d3", "--json"))
    assert shown["hits"] and shown["alerts"][0]["reason"] == "party_listed"
    summary = json.loads(_run(runner, "monitor", "show", "--json"))
    assert summary["records"] == len(DUMA) + len(ORDINARY) and summary["pending"] == 0

    first = alerts[0]["id"]
    _run(runner, "monitor", "close", str(first))
    still_open = json.loads(_run(runner, "monitor", "alerts", "--json"))["alerts"]
    assert first not in {a["id"] for a in still_open} and len(still_open) == len(alerts) - 1
    _run(runner, "monitor", "close", "99999", code=3)
    _run(runner, "monitor", "remove", "o1", "--json")
    _run(runner, "monitor", "show", "o1", code=3)


def test_monitor_add_refuses_unusable_files(runner: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "empty" in runner.invoke(app, ["monitor", "add", str(empty)]).output
    _run(runner, "monitor", "add", str(empty), code=2)
    _run(runner, "monitor", "add", str(tmp_path / "missing.csv"), code=2)
    _run(runner, "monitor", "add", str(empty), "--schema", "Ship", code=2)
