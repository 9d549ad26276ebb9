"""Alembic environment: tripwire runs migrations itself on an open connection."""

from __future__ import annotations

from alembic import context

from tripwire.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - tripwire always passes a connection
    raise RuntimeError("tripwire migrations run through tripwire.store.Store.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
