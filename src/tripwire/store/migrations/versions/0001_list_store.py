"""List store: versions, content-addressed entities, references, issues, source state.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("published", sa.Date, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("records_read", sa.Integer, nullable=False),
        sa.Column("records_rejected", sa.Integer, nullable=False),
        sa.Column("parties", sa.Integer, nullable=False),
        sa.Column("entities", sa.Integer, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_list_version_source", "list_version", ["source"])
    op.create_table(
        "entity_content",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("caption", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "version_entity",
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("list_version.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("hash", sa.String(64), sa.ForeignKey("entity_content.hash"), nullable=False),
        sa.Column("listed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_version_entity_entity_id", "version_entity", ["entity_id"])
    op.create_table(
        "entity_ref",
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("list_version.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("prop", sa.String(64), nullable=False),
        sa.Column("target_id", sa.String(255), nullable=False),
    )
    op.create_index("ix_entity_ref_target", "entity_ref", ["target_id", "version_id"])
    op.create_table(
        "parse_issue",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("list_version.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
    )
    op.create_index("ix_parse_issue_version_id", "parse_issue", ["version_id"])
    op.create_table(
        "source_state",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column(
            "current_version_id", sa.Integer, sa.ForeignKey("list_version.id"), nullable=True
        ),
        sa.Column("http_cache", sa.JSON, nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "list_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("version_id", sa.Integer, nullable=True),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_list_event_source", "list_event", ["source"])


def downgrade() -> None:
    for table in (
        "list_event",
        "source_state",
        "parse_issue",
        "entity_ref",
        "version_entity",
        "entity_content",
        "list_version",
    ):
        op.drop_table(table)
