"""Parsers for the official list formats, found by name or detected from content.

This module is the registry; each format lives in its own module.
"""

from __future__ import annotations

from pathlib import Path

from tripwire.parsers.base import (
    FormatError,
    ListParser,
    ParseContext,
    ParseIssue,
    read_head,
)
from tripwire.parsers.eu_fsf import EUFSFParser
from tripwire.parsers.ftm_json import FtMJSONParser
from tripwire.parsers.ofac_advanced import OFACAdvancedParser
from tripwire.parsers.ofac_csv import OFACCSVParser
from tripwire.parsers.uk_xml import UKXMLParser
from tripwire.parsers.un_xml import UNXMLParser

PARSERS: dict[str, type[ListParser]] = {
    p.NAME: p
    for p in (
        OFACCSVParser,
        OFACAdvancedParser,
        UNXMLParser,
        EUFSFParser,
        UKXMLParser,
        FtMJSONParser,
    )
}


def get_parser(name: str) -> type[ListParser]:
    try:
        return PARSERS[name]
    except KeyError:
        allowed = ", ".join(sorted(PARSERS))
        raise KeyError(f"unknown format {name!r}; known formats: {allowed}") from None


def detect_format(path: Path) -> type[ListParser]:
    """The parser whose format the file's first bytes show; FormatError when none does."""
    if not path.is_file():
        raise FormatError(path, "no such file")
    head = read_head(path, 16384)
    if not head.strip():
        raise FormatError(path, "empty file")
    for parser in PARSERS.values():
        if parser.sniff(head, path):
            return parser
    known = ", ".join(f"{p.NAME} ({p.TITLE})" for p in PARSERS.values())
    raise FormatError(path, f"not a known list format; tripwire reads: {known}")


__all__ = [
    "PARSERS",
    "FormatError",
    "ListParser",
    "ParseContext",
    "ParseIssue",
    "detect_format",
    "get_parser",
]
