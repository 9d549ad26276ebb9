"""The ``tripwire`` command. Each command parses options, calls the library, prints.

Exit codes scripts can rely on: 0 success (imported or unchanged), 1 a list
failed or was refused and the previous version is still serving, 2 usage
error, 3 the thing asked for does not exist.
"""

from __future__ import annotations

import typer

from tripwire.cli.entity import entity_command
from tripwire.cli.lists import lists_app

app = typer.Typer(
    name="tripwire",
    help="Sanctions lists in, versioned and diffable (screening, batch and review build on them).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(lists_app, name="lists")
app.command("entity")(entity_command)


def main() -> None:
    app()


__all__ = ["app", "main"]
