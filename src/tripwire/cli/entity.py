"""``tripwire entity ID``: everything the serving lists say about one entity."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from followthemoney import model, registry
from rich.table import Table

from tripwire.cli.common import (
    EXIT_NOT_FOUND,
    JSON_OPTION,
    console,
    err_console,
    open_store,
    print_json,
)
from tripwire.store import Store, StoredEntity, VersionRow

_NAME_PROPS = (
    "name",
    "alias",
    "weakAlias",
    "previousName",
    "firstName",
    "middleName",
    "secondName",
    "fatherName",
    "lastName",
)


def entity_report(store: Store, entity_id: str) -> list[dict[str, Any]]:
    """The entity in every serving version that has it, with its attached records."""
    reports = []
    for version, entity in store.find_entity(entity_id):
        attached = [
            a for a in store.referencing(version.id, [entity_id]) if a.entity_id != entity_id
        ]
        others = {
            v
            for a in attached
            for k, vs in a.data.get("properties", {}).items()
            for v in vs
            if _is_entity_prop(a.schema, k) and v != entity_id
        }
        captions = {e.entity_id: e.caption for e in store.version_entities(version.id, others)}
        captions[entity_id] = "(this)"
        reports.append(_report(version, entity, attached, captions))
    return reports


def _is_entity_prop(schema: str, prop: str) -> bool:
    found = model.get(schema)
    p = found.get(prop) if found else None
    return p is not None and p.type == registry.entity


def _report(
    version: VersionRow,
    entity: StoredEntity,
    attached: list[StoredEntity],
    captions: dict[str, str],
) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in sorted(attached, key=lambda a: (a.schema, a.entity_id)):
        props = record.data.get("properties", {})
        shown = {
            k: [captions.get(v, v) if _is_entity_prop(record.schema, k) else v for v in vs]
            for k, vs in props.items()
        }
        groups.setdefault(record.schema, []).append({"id": record.entity_id, "properties": shown})
    return {
        "id": entity.entity_id,
        "schema": entity.schema,
        "caption": entity.caption,
        "source": version.source,
        "source_ref": entity.data.get("source_ref"),
        "listed": entity.listed,
        "version": version.id,
        "published": version.published.isoformat() if version.published else None,
        "properties": entity.data.get("properties", {}),
        "annotations": entity.data.get("annotations", {}),
        "related": groups,
    }


def _print(report: dict[str, Any]) -> None:
    console.rule(f"[bold]{report['caption']}[/] ({report['schema']})")
    console.print(
        f"id {report['id']}  source {report['source']}  ref {report['source_ref']}  "
        f"version {report['version']} (published {report['published'] or '-'})",
        highlight=False,
    )
    props = report["properties"]
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    ordered = [p for p in _NAME_PROPS if p in props] + sorted(
        k for k in props if k not in _NAME_PROPS
    )
    for prop in ordered:
        table.add_row(prop, "\n".join(props[prop]))
    for key, value in report["annotations"].items():
        table.add_row(f"({key})", str(value))
    console.print(table)
    for schema, records in report["related"].items():
        console.print(f"[bold]{schema}[/] ({len(records)})")
        for record in records:
            line = "; ".join(
                f"{k}: {', '.join(v)}" for k, v in sorted(record["properties"].items())
            )
            console.print(f"  - {line}", highlight=False)


def entity_command(
    entity_id: Annotated[str, typer.Argument(help="Entity id, e.g. ofac-36 or unsc-qdi-001.")],
    json_output: bool = JSON_OPTION,
) -> None:
    """All the serving lists hold on one entity: names, identifiers, sanctions, relations."""
    with open_store() as store:
        reports = entity_report(store, entity_id)
    if not reports:
        err_console.print(f"no entity {entity_id!r} in the serving list versions")
        raise typer.Exit(EXIT_NOT_FOUND)
    if json_output:
        print_json(reports if len(reports) > 1 else reports[0])
        return
    for report in reports:
        _print(report)
