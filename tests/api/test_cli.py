"""``tripwire keys`` and ``tripwire serve`` from the command line."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tripwire.cli import app
from tripwire.cli.serve import REUSEPORT


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TRIPWIRE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("TRIPWIRE_DATABASE_URL", raising=False)
    return CliRunner()


def test_keys_create_list_revoke(runner: CliRunner) -> None:
    created = runner.invoke(app, ["keys", "create", "ops team", "--role", "admin", "--json"])
    assert created.exit_code == 0, created.output
    key = json.loads(created.stdout)
    assert key["role"] == "admin" and key["key"].startswith(f"tw_{key['id']}_")

    human = runner.invoke(app, ["keys", "create", "reconciler", "--role", "reader", "--rate", "3"])
    assert human.exit_code == 0 and "cannot be shown again" in human.output

    listed = json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout)["keys"]
    assert [k["name"] for k in listed] == ["ops team", "reconciler"]
    assert listed[1]["rate_limit"] == 3 and "key" not in listed[0]
    table = runner.invoke(app, ["keys", "list"])
    assert key["id"] in table.output and "reader" in table.output

    revoked = runner.invoke(app, ["keys", "revoke", key["id"], "--json"])
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["revoked_at"]
    active = json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout)["keys"]
    assert [k["name"] for k in active] == ["reconciler"]
    assert (
        len(json.loads(runner.invoke(app, ["keys", "list", "--all", "--json"]).stdout)["keys"]) == 2
    )


def test_keys_usage_errors(runner: CliRunner) -> None:
    assert runner.invoke(app, ["keys", "create", "x", "--role", "root"]).exit_code == 2
    assert runner.invoke(app, ["keys", "revoke", "nope"]).exit_code == 3


def test_serve_refuses_no_auth_beyond_loopback(runner: CliRunner) -> None:
    result = runner.invoke(app, ["serve", "--no-auth", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "loopback" in result.output


@pytest.mark.skipif(not REUSEPORT, reason="one socket per worker is the Linux mode")
def test_serve_refuses_a_port_in_use(runner: CliRunner) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port), "--workers", "2"])
    assert result.exit_code == 1 and "cannot listen" in result.output
