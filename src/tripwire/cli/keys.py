"""``tripwire keys create|list|revoke``: API keys for the HTTP server, stored hashed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from tripwire.api.keys import ApiKey, Role, create_key, list_keys, revoke_key
from tripwire.cli.common import (
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    JSON_OPTION,
    console,
    err_console,
    open_store,
    print_json,
)

keys_app = typer.Typer(
    help="API keys of the HTTP server (roles: reader, screener, admin).",
    no_args_is_help=True,
)


@keys_app.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="Who or what uses the key, e.g. 'payments-team'.")],
    role: Annotated[str, typer.Option(help="reader, screener or admin.")] = "screener",
    rate: Annotated[
        float | None,
        typer.Option(min=0.001, help="Requests per second (default: the server's limit)."),
    ] = None,
    json_output: bool = JSON_OPTION,
) -> None:
    """Create a key and print it once: only its hash is stored."""
    try:
        key, token = create_key_checked(name, role, rate)
    except ValueError as exc:
        err_console.print(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    if json_output:
        print_json({**key.to_dict(), "key": token})
        return
    console.print(f"created key {key.id} ({key.role.name}) for {key.name!r}:", highlight=False)
    console.print(token, highlight=False, soft_wrap=True)
    err_console.print("store it now: it cannot be shown again")


def create_key_checked(name: str, role: str, rate: float | None) -> tuple[ApiKey, str]:
    with open_store() as store:
        return create_key(store, name, Role.parse(role), rate_limit=rate)


@keys_app.command("list")
def list_command(
    all_keys: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    json_output: bool = JSON_OPTION,
) -> None:
    """The keys (never their secrets)."""
    with open_store() as store:
        keys = list_keys(store, include_revoked=all_keys)
    if json_output:
        print_json({"keys": [k.to_dict() for k in keys]})
        return
    table = Table("id", "name", "role", "rate/s", "created", "revoked")
    for key in keys:
        table.add_row(
            key.id,
            key.name,
            key.role.name,
            f"{key.rate_limit:g}" if key.rate_limit else "-",
            key.created_at.strftime("%Y-%m-%d %H:%M"),
            key.revoked_at.strftime("%Y-%m-%d %H:%M") if key.revoked_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
def revoke_command(
    key_id: Annotated[str, typer.Argument(help="The key's id (from 'tripwire keys list').")],
    json_output: bool = JSON_OPTION,
) -> None:
    """Revoke a key; servers refuse it within seconds (their key cache)."""
    with open_store() as store:
        key = revoke_key(store, key_id)
    if key is None:
        err_console.print(f"no key {key_id!r}")
        raise typer.Exit(EXIT_NOT_FOUND)
    if json_output:
        print_json(key.to_dict())
        return
    console.print(f"revoked key {key.id} ({key.name!r})", highlight=False)
