"""The exposure report: one HTML file, an SVG drawing per blocked chain.

Each drawing puts the listed seeds on the left, intermediaries in the middle
and the entity on the right, every edge labelled with the share (or control
kind) that counts; the edges of the deciding path are drawn heavy. The file is
self-contained (no scripts, no external assets) so it opens in any browser
and can be attached to a case.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from tripwire.ownership.evaluate import Answer, Proof
from tripwire.ownership.quality import Finding

_BOX_W = 190
_BOX_H = 44
_GAP_X = 90
_GAP_Y = 22
_COLOURS = {"seed": "#c62828", "hit": "#ef6c00", "target": "#37474f"}


def anchor(regime: str, entity_id: str) -> str:
    """The HTML id of an entity's section: ``report.html#us-<entity id>``."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in entity_id)
    return f"{regime}-{safe}"


def _walk(proof: Proof, depth: dict[str, int], names: dict[str, str], edges: list[Any]) -> int:
    """Depth of each node (0 for seeds), and every (owner, owned, label) edge of a proof."""
    names[proof.entity] = proof.entity_name
    level = 0
    for holding in proof.holdings:
        names[holding.owner] = holding.owner_name
        if holding.proof is None:
            depth.setdefault(holding.owner, 0)
            owner_level = 0
        else:
            owner_level = _walk(holding.proof, depth, names, edges)
        label = holding.kind if holding.share is None else f"{holding.share:g}%"
        edges.append((holding.owner, proof.entity, label))
        level = max(level, owner_level + 1)
    depth[proof.entity] = max(depth.get(proof.entity, 0), level)
    return depth[proof.entity]


def chain_svg(proof: Proof) -> str:
    """An SVG drawing of one proof: seeds left, the entity right, shares on the edges."""
    depth: dict[str, int] = {}
    names: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    _walk(proof, depth, names, edges)
    columns: dict[int, list[str]] = {}
    for node, level in sorted(depth.items(), key=lambda item: (item[1], item[0])):
        columns.setdefault(level, []).append(node)
    pos: dict[str, tuple[int, int]] = {}
    for level, nodes in columns.items():
        for row, node in enumerate(nodes):
            pos[node] = (10 + level * (_BOX_W + _GAP_X), 10 + row * (_BOX_H + _GAP_Y))
    width = 20 + (max(columns) + 1) * (_BOX_W + _GAP_X) - _GAP_X
    height = 20 + max(len(n) for n in columns.values()) * (_BOX_H + _GAP_Y) - _GAP_Y
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="8" refY="4" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#455a64"/></marker></defs>',
    ]
    for owner, owned, label in dict.fromkeys(edges):
        x1, y1 = pos[owner]
        x2, y2 = pos[owned]
        ax, ay, bx, by = x1 + _BOX_W, y1 + _BOX_H // 2, x2, y2 + _BOX_H // 2
        parts.append(
            f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" stroke="#455a64" '
            f'stroke-width="2.5" marker-end="url(#arrow)"/>'
            f'<text x="{(ax + bx) // 2}" y="{(ay + by) // 2 - 5}" text-anchor="middle" '
            f'font-weight="bold">{html.escape(label)}</text>'
        )
    for node, (x, y) in pos.items():
        role = "target" if node == proof.entity else ("seed" if depth[node] == 0 else "hit")
        name = names.get(node, node)
        short = name if len(name) <= 30 else name[:28] + "…"
        parts.append(
            f"<g><title>{html.escape(name)} ({html.escape(node)})</title>"
            f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="6" '
            f'fill="white" stroke="{_COLOURS[role]}" stroke-width="2"/>'
            f'<text x="{x + 8}" y="{y + 18}">{html.escape(short)}</text>'
            f'<text x="{x + 8}" y="{y + 34}" fill="{_COLOURS[role]}">'
            f"{'listed' if role == 'seed' else role if role == 'hit' else proof.status}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _findings(findings: Sequence[Finding]) -> str:
    if not findings:
        return ""
    items = "".join(
        f"<li><code>{html.escape(f.code)}</code> {html.escape(f.message)}</li>" for f in findings
    )
    return f"<p>Data quality:</p><ul>{items}</ul>"


def entity_section(answer: Answer) -> str:
    proofs = "".join(
        f"<div class='proof'>{chain_svg(p)}<ol>"
        + "".join(f"<li>{html.escape(line)}</li>" for line in p.lines())
        + "</ol></div>"
        for p in answer.proofs
    )
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in answer.reasons)
    return (
        f"<section id='{anchor(answer.regime, answer.entity_id)}'>"
        f"<h3>{html.escape(answer.name)} <small>{html.escape(answer.entity_id)}</small></h3>"
        f"<p class='status {html.escape(answer.status)}'>{answer.regime.upper()}: "
        f"<b>{html.escape(answer.status)}</b> (threshold {html.escape(answer.threshold)}, "
        f"exposure {answer.exposure:.2f})</p>"
        + (f"<ul>{reasons}</ul>" if reasons else "")
        + proofs
        + _findings(answer.findings)
        + "</section>"
    )


_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #263238; }
section { border-top: 1px solid #cfd8dc; padding: 0.5em 0 1em; }
small { color: #78909c; font-weight: normal; }
.status.blocked b, .status.owned-or-controlled b { color: #c62828; }
.status.flagged b { color: #ef6c00; }
.proof { overflow-x: auto; margin: 0.5em 0; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: left; }
"""


def render_report(
    title: str,
    regimes: Sequence[tuple[str, str, Sequence[Answer], int]],
    *,
    summary: dict[str, int],
    notes: Iterable[str] = (),
) -> str:
    """The HTML page: per regime (key, name, answers, how many were left out)."""
    head = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in summary.items())
    note_items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f"<table>{head}</table>",
        f"<ul>{note_items}</ul>" if note_items else "",
    ]
    for key, name, answers, left_out in regimes:
        body.append(f"<h2 id='{html.escape(key)}'>{html.escape(name)}: {len(answers)}</h2>")
        body.extend(entity_section(a) for a in answers)
        if left_out:
            body.append(f"<p>… {left_out} more not shown.</p>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )
