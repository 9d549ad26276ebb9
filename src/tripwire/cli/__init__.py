"""The ``tripwire`` command. Each command parses options, calls the library, prints.

Exit codes scripts can rely on: 0 success (imported or unchanged; for
``screen`` and ``compare``, whether or not anything matched), 1 a list failed
or was refused and the previous version is still serving, 2 usage error (a bad
query, option or input file), 3 the thing asked for does not exist (an entity,
a version, or any imported list to screen against).
"""

from __future__ import annotations

import typer

from tripwire.cli.batch import batch_command
from tripwire.cli.entity import entity_command
from tripwire.cli.exposure import exposure_command
from tripwire.cli.graph import graph_app
from tripwire.cli.keys import keys_app
from tripwire.cli.lists import lists_app
from tripwire.cli.monitor import monitor_app
from tripwire.cli.screen import compare_command, screen_command
from tripwire.cli.serve import serve_command

app = typer.Typer(
    name="tripwire",
    help="Sanctions lists in, versioned and diffable; names and customer files screened "
    "against them, every match explained.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(lists_app, name="lists")
app.add_typer(monitor_app, name="monitor")
app.command("entity")(entity_command)
app.command("screen")(screen_command)
app.command("compare")(compare_command)
app.command("exposure")(exposure_command)
app.add_typer(graph_app, name="graph")
app.command("batch")(batch_command)
app.command("serve")(serve_command)
app.add_typer(keys_app, name="keys")


def main() -> None:
    app()


__all__ = ["app", "main"]
