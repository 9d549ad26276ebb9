"""Screening fixtures: a screener over the real UN list, parsed directly (no store), once."""

from __future__ import annotations

import pytest

from tests.conftest import shared_file
from tripwire.lists.canonical import canonical_dict
from tripwire.parsers.base import ParseContext
from tripwire.parsers.un_xml import UNXMLParser
from tripwire.screening import Screener
from tripwire.screening.targets import Target, targets_from_entities


@pytest.fixture(scope="session")
def un_targets() -> list[Target]:
    path = shared_file("lists/un/UN_consolidated-2026-02-27.xml")
    ctx = ParseContext(source="un_sc")
    entities = [e for e in UNXMLParser().parse(path, ctx) if e.primary]
    return targets_from_entities(("un_sc", e.caption, canonical_dict(e)) for e in entities)


@pytest.fixture(scope="session")
def un_screener(un_targets: list[Target]) -> Screener:
    return Screener.from_targets(un_targets)
