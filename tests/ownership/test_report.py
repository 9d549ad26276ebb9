"""The report's chain drawing is well-formed SVG with the deciding shares on its edges."""

from __future__ import annotations

from lxml import etree

from tests.ownership.helpers import evaluate
from tripwire.ownership.report import anchor, chain_svg, render_report

SVG = "{http://www.w3.org/2000/svg}"


def test_o6_chain_draws_seed_intermediary_and_entity() -> None:
    answer = evaluate("X 20 C; X 60 B; B 30 C", "us").answer("C")
    svg = etree.fromstring(chain_svg(answer.proofs[0]).encode())
    titles = sorted(t.text for t in svg.iter(f"{SVG}title"))
    assert titles == ["B (B)", "C (C)", "X (X)"]
    labels = sorted(t.text for t in svg.iter(f"{SVG}text") if t.text and t.text.endswith("%"))
    assert labels == ["20%", "30%", "60%"]
    # the seed sits left of the intermediary, which sits left of the entity
    xs = {
        r.getparent().find(f"{SVG}title").text[0]: float(r.get("x")) for r in svg.iter(f"{SVG}rect")
    }
    assert xs["X"] < xs["B"] < xs["C"]


def test_report_page_links_each_entity() -> None:
    evaluation = evaluate("X 20 C; X 60 B; B 30 C", "us")
    answers = [evaluation.answer(i) for i in sorted(evaluation.hit_ids())]
    page = render_report("t", [("us", "US", answers, 0)], summary={"edges": 3})
    assert f"id='{anchor('us', 'C')}'" in page and page.count("<svg") == 2
    etree.fromstring(page.encode(), etree.HTMLParser())  # parses as HTML
