"""FollowTheMoney JSON lines: one FtM entity per line, as OpenSanctions and aleph publish.

Entities keep their own ids (they are already stable). Listed parties are
those marked ``"target": true``, or, in files without that flag, every
LegalEntity/Vessel/Airplane; their ``source_ref`` is their FtM id. A line that
is not JSON, has no id or names an unknown schema is rejected with its line
number; property values FtM cannot clean are reported, never dropped quietly.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from followthemoney import model

from tripwire.model.entity import ListEntity, make_entity
from tripwire.parsers.base import FormatError, ListParser, ParseContext, text_stream

_PARTY_SCHEMATA = ("LegalEntity", "Vessel", "Airplane")
_SLUG = re.compile(r"[^a-z0-9]+")


def _is_party(schema_name: str) -> bool:
    schema = model.get(schema_name)
    return schema is not None and any(schema.is_a(s) for s in _PARTY_SCHEMATA)


class FtMJSONParser(ListParser):
    NAME: ClassVar[str] = "ftm_json"
    SOURCE: ClassVar[str] = "ftm"
    TITLE: ClassVar[str] = "FollowTheMoney JSON lines"

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
        if not first.startswith(b"{"):
            return False
        return b'"schema"' in first and (b'"properties"' in first or b'"id"' in first)

    @classmethod
    def default_source(cls, path: Path) -> str:
        """``ftm_<file stem>``, so two FtM files never replace each other's versions."""
        stem = path.name.split(".")[0]
        return ("ftm_" + _SLUG.sub("_", stem.lower()).strip("_"))[:64]

    def parse(self, path: Path, ctx: ParseContext) -> Iterator[ListEntity]:
        latest: str | None = None
        has_target_flag: bool | None = None
        with text_stream(path) as stream:
            for lineno, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    if lineno == 1:
                        raise FormatError(path, f"line 1 is not JSON: {exc.msg}") from exc
                    ctx.reject(path, f"line {lineno}", "json", f"not valid JSON: {exc.msg}")
                    continue
                if not isinstance(data, dict):
                    ctx.reject(path, f"line {lineno}", "json", "not a JSON object")
                    continue
                if has_target_flag is None:
                    has_target_flag = "target" in data
                entity = self._entity(path, lineno, data, ctx, bool(has_target_flag))
                if entity is None:
                    continue
                for key in ("last_change", "last_seen"):
                    value = data.get(key)
                    if isinstance(value, str) and (latest is None or value > latest):
                        latest = value
                        break
                ctx.counts[entity.schema] += 1
                yield entity
        if latest is not None and ctx.published is None:
            try:
                ctx.published = dt.date.fromisoformat(latest[:10])
            except ValueError:
                ctx.issue(path, "file", "last_change", f"date {latest!r} not understood")

    def _entity(
        self, path: Path, lineno: int, data: dict[str, Any], ctx: ParseContext, flagged: bool
    ) -> ListEntity | None:
        entity_id = data.get("id")
        schema_name = data.get("schema")
        record = f"line {lineno}" if not entity_id else f"line {lineno} ({entity_id})"
        if not isinstance(entity_id, str) or not entity_id.strip():
            ctx.reject(path, record, "id", "entity has no id")
            return None
        if not isinstance(schema_name, str) or model.get(schema_name) is None:
            ctx.reject(path, record, "schema", f"unknown FtM schema {schema_name!r}")
            return None
        properties = data.get("properties") or {}
        if not isinstance(properties, dict):
            ctx.reject(path, record, "properties", "properties is not an object")
            return None
        proxy = make_entity(schema_name, entity_id)
        for prop, values in sorted(properties.items()):
            if proxy.schema.get(prop) is None:
                ctx.issue(path, record, prop, f"{schema_name} has no property {prop!r}")
                continue
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, (dict, list)) or value is None:
                    ctx.issue(path, record, prop, f"value {value!r} is not text or a number")
                    continue
                if not isinstance(value, str):
                    value = str(value)
                ctx.add(proxy, prop, value, file=path, record=record, field_name=prop)
        party = _is_party(schema_name)
        if party:
            ctx.records_read += 1
        listed = bool(data.get("target")) if flagged else party
        # tripwire's own export carries the list reference and annotations along.
        source_ref = data.get("source_ref") if isinstance(data.get("source_ref"), str) else None
        annotations = data.get("annotations")
        return ListEntity(
            proxy=proxy,
            source_ref=(source_ref or entity_id) if listed else None,
            annotations=dict(annotations) if isinstance(annotations, dict) else {},
        )
