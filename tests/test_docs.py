"""The README stays true: its two commands, its commands list and the documented threshold."""

from __future__ import annotations

from pathlib import Path

from typer.main import get_command

from tripwire.cli import app
from tripwire.screening.model import ScoringModel

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_first_lines_give_exactly_two_commands() -> None:
    block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]


def test_every_command_is_documented() -> None:
    group = get_command(app)
    names = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        names.extend(f"tripwire {name} {s}" for s in sub) if sub else names.append(
            f"tripwire {name}"
        )
    missing = [n for n in names if n not in README]
    assert not missing, missing


def test_documented_default_threshold_is_the_packaged_one() -> None:
    assert f"currently {ScoringModel.load().threshold:.2f}" in README
