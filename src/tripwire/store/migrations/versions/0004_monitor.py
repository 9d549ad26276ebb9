"""Monitoring register: records, their token index, hit state, alerts, screened versions.

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_record",
        sa.Column("record_id", sa.String(255), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("screened_hash", sa.String(64), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "monitor_key",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("record_id", sa.String(255), nullable=False),
        sa.Column("nkeys", sa.Integer, nullable=False),
    )
    op.create_index("ix_monitor_key_key", "monitor_key", ["key"])
    op.create_index("ix_monitor_key_record", "monitor_key", ["record_id"])
    op.create_table(
        "monitor_hit",
        sa.Column("record_id", sa.String(255), primary_key=True),
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_monitor_hit_entity", "monitor_hit", ["entity_id"])
    op.create_table(
        "monitor_alert",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(255), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("previous_score", sa.Float, nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("record_name", sa.Text, nullable=False),
        sa.Column("caption", sa.Text, nullable=False),
        sa.Column("list_name", sa.Text, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_monitor_alert_record_id", "monitor_alert", ["record_id"])
    op.create_table(
        "monitor_source",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("monitor_source", "monitor_alert", "monitor_hit", "monitor_key"):
        op.drop_table(table)
    op.drop_table("monitor_record")
