"""Ownership graph: imports, edges and resolved parties.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ownership_import",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("issues", sa.JSON, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ownership_import_source", "ownership_import", ["source"])
    op.create_table(
        "ownership_edge",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "import_id",
            sa.Integer,
            sa.ForeignKey("ownership_import.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Text, nullable=False),
        sa.Column("owned_id", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("share", sa.Float, nullable=True),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("observed", sa.Date, nullable=True),
        sa.Column("arrangement", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_ownership_edge_import_id", "ownership_edge", ["import_id"])
    op.create_index("ix_ownership_edge_owner_id", "ownership_edge", ["owner_id"])
    op.create_index("ix_ownership_edge_owned_id", "ownership_edge", ["owned_id"])
    op.create_table(
        "ownership_party",
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("party_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("countries", sa.JSON, nullable=False),
        sa.Column("entity_id", sa.Text, nullable=True),
        sa.Column("confidence", sa.Float, nullable=True),
        sa.Column("since", sa.Date, nullable=True),
    )
    op.create_index("ix_ownership_party_entity_id", "ownership_party", ["entity_id"])


def downgrade() -> None:
    op.drop_table("ownership_party")
    op.drop_table("ownership_edge")
    op.drop_table("ownership_import")
