"""``tripwire exposure``: who is blocked or owned-or-controlled through ownership, and why."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from tripwire.cli.common import (
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    JSON_OPTION,
    console,
    err_console,
    open_store,
    print_json,
)
from tripwire.ownership.evaluate import Answer
from tripwire.ownership.quality import cyclic_nodes, graph_summary
from tripwire.ownership.regimes import ALL_REGIMES, REGIMES
from tripwire.ownership.report import render_report
from tripwire.ownership.resolve import Resolution, ScreenerResolver
from tripwire.ownership.service import Exposure
from tripwire.screening.engine import Screener
from tripwire.settings import Settings


def _regimes(value: str) -> list[str]:
    if value.lower() == "all":
        return list(ALL_REGIMES)
    keys = [v.strip().lower() for v in value.split(",") if v.strip()]
    unknown = [k for k in keys if k not in REGIMES]
    if unknown or not keys:
        allowed = ", ".join([*REGIMES, "all"])
        err_console.print(f"unknown regime {value!r} (allowed: {allowed})", markup=False)
        raise typer.Exit(EXIT_USAGE)
    return keys


def _date(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        err_console.print(f"--as-of {value!r} is not YYYY-MM-DD", markup=False)
        raise typer.Exit(EXIT_USAGE) from None


def exposure_command(
    entity: Annotated[str | None, typer.Argument(help="entity id (list or graph)")] = None,
    regime: Annotated[
        str, typer.Option("--regime", help="us, eu, uk, eu_5h, or all (us, eu and uk)")
    ] = "all",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="date of the answer, YYYY-MM-DD (today)")
    ] = None,
    all_entities: Annotated[
        bool, typer.Option("--all", help="every entity hit through ownership or control")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="write an HTML report with chain drawings")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="entities per regime in --all")] = 500,
    json_output: bool = JSON_OPTION,
) -> None:
    """Status (blocked / owned-or-controlled / flagged / clear) with the proof path."""
    if (entity is None) == (not all_entities):
        err_console.print("give an ENTITY or --all (not both)", markup=False)
        raise typer.Exit(EXIT_USAGE)
    if report is not None and not all_entities:
        err_console.print("--report goes with --all", markup=False)
        raise typer.Exit(EXIT_USAGE)
    keys = _regimes(regime)
    day = _date(as_of)
    with open_store() as store:
        exposure = Exposure.load(store, day)
    notes = exposure.data.notes
    if entity is not None:
        resolved = None
        if not exposure.known(entity):
            resolved = _by_name(entity, exposure)
            if resolved is None:
                err_console.print(
                    f"{entity}: not an entity id of the lists or of the ownership graph, and "
                    f"no listed name matches it",
                    markup=False,
                )
                raise typer.Exit(EXIT_NOT_FOUND)
            notes = [
                *notes,
                f"{entity!r} resolved to {resolved.entity_id} "
                f"({resolved.caption}, score {resolved.score:.2f})",
            ]
            entity = resolved.entity_id
        answers = exposure.answers(entity, keys)
        if json_output:
            print_json(
                {
                    "entity_id": entity,
                    "as_of": day.isoformat(),
                    "notes": notes,
                    "resolved": None
                    if resolved is None
                    else {"entity_id": resolved.entity_id, "score": resolved.score},
                    "answers": [a.to_dict() for a in answers],
                }
            )
        else:
            for note in notes:
                err_console.print(f"note: {note}", markup=False, highlight=False)
            for answer in answers:
                _print_answer(answer)
        raise typer.Exit(EXIT_OK)
    sections = []
    found: dict[str, list[dict[str, object]]] = {}
    for key in keys:
        evaluation = exposure.evaluation(key)
        hit = evaluation.hit_ids()
        answers = [evaluation.answer(i) for i in hit[:limit]]
        sections.append((key, evaluation.regime.name, answers, max(0, len(hit) - limit)))
        found[key] = [a.to_dict() for a in answers]
    summary = graph_summary(exposure.graph, cyclic_nodes(exposure.graph))
    if report is not None:
        report.write_text(
            render_report(
                f"Ownership and control exposure as of {day.isoformat()}",
                sections,
                summary=summary,
                notes=notes,
            ),
            encoding="utf-8",
        )
    if json_output:
        print_json({"as_of": day.isoformat(), "summary": summary, "notes": notes, "hits": found})
    else:
        for _key, name, answers, left_out in sections:
            console.print(f"[bold]{name}[/bold]: {len(answers) + left_out} hit through ownership")
            for answer in answers:
                console.print(
                    f"  {answer.name} ({answer.entity_id}): {answer.proofs[0].text}",
                    highlight=False,
                    markup=False,
                )
        if report is not None:
            console.print(f"report written to {report}", highlight=False, markup=False)
    raise typer.Exit(EXIT_OK)


def _by_name(name: str, exposure: Exposure) -> Resolution | None:
    """The best listed match of ``name`` (screening threshold), if any list is imported."""
    settings = Settings.from_env()
    with open_store(settings) as store:
        if not store.current_versions():
            return None
        screener = Screener.from_store(store, settings.home / "index")
    found = ScreenerResolver(screener, threshold=screener.threshold)([name], None)
    return found if found is not None and exposure.known(found.entity_id) else None


def _print_answer(answer: Answer) -> None:
    console.print(
        f"[bold]{answer.regime.upper()}[/bold] {answer.name} ({answer.entity_id}): "
        f"[bold]{answer.status}[/bold]  threshold {answer.threshold}, "
        f"exposure {answer.exposure:.2f}",
        highlight=False,
    )
    for reason in answer.reasons:
        console.print(f"  {reason}", highlight=False, markup=False)
    for proof in answer.proofs:
        for line in proof.lines():
            console.print(f"  {line}", highlight=False, markup=False)
    for finding in answer.findings:
        console.print(f"  ! {finding.message}", highlight=False, markup=False)
