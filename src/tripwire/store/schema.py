"""Tables of the list store. Migrations in ``migrations/versions`` create exactly these.

Entities are stored content-addressed: ``entity_content`` holds each distinct
entity body once (keyed by the sha256 of its canonical JSON) and
``version_entity`` says which body each version had. An unchanged entity costs
one small row per version, and a diff is a join on hashes.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

list_version = sa.Table(
    "list_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False, index=True),
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

entity_content = sa.Table(
    "entity_content",
    metadata,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("entity_id", sa.String(255), nullable=False),
    sa.Column("schema", sa.String(64), nullable=False),
    sa.Column("caption", sa.Text, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)

version_entity = sa.Table(
    "version_entity",
    metadata,
    sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("list_version.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("entity_id", sa.String(255), primary_key=True),
    sa.Column("hash", sa.String(64), sa.ForeignKey("entity_content.hash"), nullable=False),
    sa.Column("listed", sa.Boolean, nullable=False),
    sa.Index("ix_version_entity_entity_id", "entity_id"),
)

# Entity-valued properties (Sanction.entity, Ownership.owner, ...) so that the
# relations of an entity are found without scanning JSON.
entity_ref = sa.Table(
    "entity_ref",
    metadata,
    sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("list_version.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("entity_id", sa.String(255), nullable=False),
    sa.Column("prop", sa.String(64), nullable=False),
    sa.Column("target_id", sa.String(255), nullable=False),
    sa.Index("ix_entity_ref_target", "target_id", "version_id"),
)

parse_issue = sa.Table(
    "parse_issue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("list_version.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("record", sa.Text, nullable=False),
    sa.Column("field", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
)

# Which version of each source is serving, and what the publisher last told us.
source_state = sa.Table(
    "source_state",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("current_version_id", sa.Integer, sa.ForeignKey("list_version.id"), nullable=True),
    sa.Column("http_cache", sa.JSON, nullable=False),
    sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
)

# Every import or update attempt and its outcome, including the refused ones.
list_event = sa.Table(
    "list_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("version_id", sa.Integer, nullable=True),
    sa.Column("message", sa.Text, nullable=False),
)

# API keys of the HTTP server (migration 0003). Only a sha256 of each key is kept: keys are
# 256-bit random secrets, so a fast hash is enough and a stolen table gives no usable key.
api_key = sa.Table(
    "api_key",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("rate_limit", sa.Float, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

# -- monitoring register (migration 0004) ------------------------------------------------
# The customers and counterparties that are re-screened whenever a list changes: each
# record keeps its prepared query (so re-screening never re-reads the user's file) and a
# content hash (re-adding a file tells new, changed and unchanged records apart).
monitor_record = sa.Table(
    "monitor_record",
    metadata,
    sa.Column("record_id", sa.String(255), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # The hash last screened against all lists; differs from ``hash`` while pending.
    sa.Column("screened_hash", sa.String(64), nullable=True),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Inverted index of the register: name-token skeletons -> records, so that reverse
# screening finds the few records that could match a new party without reading them all.
monitor_key = sa.Table(
    "monitor_key",
    metadata,
    sa.Column("key", sa.String(128), nullable=False),
    sa.Column("record_id", sa.String(255), nullable=False),
    # How many distinct keys the record has: a one-word record matches on one key.
    sa.Column("nkeys", sa.Integer, nullable=False),
    sa.Index("ix_monitor_key_key", "key"),
    sa.Index("ix_monitor_key_record", "record_id"),
)

# The hit state of every (record, party) pair ever above the threshold: what tells a new
# hit from an unchanged one.
monitor_hit = sa.Table(
    "monitor_hit",
    metadata,
    sa.Column("record_id", sa.String(255), primary_key=True),
    sa.Column("entity_id", sa.String(255), primary_key=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("version_id", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_monitor_hit_entity", "entity_id"),
)

# Alerts: append-only, one per new or changed hit, with the list version and the reason.
monitor_alert = sa.Table(
    "monitor_alert",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", sa.String(255), nullable=False, index=True),
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

# Which version of each source the register was last screened against.
monitor_source = sa.Table(
    "monitor_source",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("version_id", sa.Integer, nullable=False),
    sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
)

# -- ownership and control (tripwire.ownership) ------------------------------------------
# Edges imported from FtM files and user CSV files; list relations are read from the list
# versions themselves. A source's edges are replaced by its newest import.
ownership_import = sa.Table(
    "ownership_import",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text, nullable=False, index=True),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("issues", sa.JSON, nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
)

ownership_edge = sa.Table(
    "ownership_edge",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "import_id",
        sa.Integer,
        sa.ForeignKey("ownership_import.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("owner_id", sa.Text, nullable=False, index=True),
    sa.Column("owned_id", sa.Text, nullable=False, index=True),
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

# Parties of imported files (FtM ids, names from CSV files) and the list entity each
# resolves to through the screening engine, with the match score as confidence.
ownership_party = sa.Table(
    "ownership_party",
    metadata,
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("party_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("schema", sa.String(64), nullable=False),
    sa.Column("countries", sa.JSON, nullable=False),
    sa.Column("entity_id", sa.Text, nullable=True, index=True),
    sa.Column("confidence", sa.Float, nullable=True),
    sa.Column("since", sa.Date, nullable=True),  # listed on a measure's annex from this date
)
