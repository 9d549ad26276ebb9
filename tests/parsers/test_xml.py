"""The one safe way tripwire reads XML: no entities, no network, bounded size."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tripwire.parsers.base import FormatError
from tripwire.parsers.xml import iter_elements, root_attributes

DOC = b'<?xml version="1.0"?><list date="2026-01-01">' + b"<item>x</item>" * 1000 + b"</list>"


def test_streams_elements_and_reads_root_attributes(tmp_path: Path) -> None:
    path = tmp_path / "list.xml.gz"
    path.write_bytes(gzip.compress(DOC))
    assert root_attributes(path) == ("list", {"date": "2026-01-01"})
    assert sum(1 for _ in iter_elements(path, {"item"})) == 1000


def test_size_limit_stops_an_oversized_document(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(DOC)
    with pytest.raises(FormatError, match="larger than the limit"):
        list(iter_elements(path, {"item"}, max_bytes=2000))


def test_gzip_bomb_is_bounded_by_decompressed_size(tmp_path: Path) -> None:
    body = b'<?xml version="1.0"?><list>' + b" " * 5_000_000 + b"</list>"
    path = tmp_path / "bomb.xml.gz"
    path.write_bytes(gzip.compress(body))
    assert path.stat().st_size < 20_000
    with pytest.raises(FormatError, match="larger than the limit"):
        list(iter_elements(path, {"list"}, max_bytes=1_000_000))


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
        b'<!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE l SYSTEM "http://127.0.0.1:9/evil.dtd">',
    ],
    ids=["entity-expansion", "xxe-file", "external-dtd"],
)
def test_doctypes_with_entities_or_external_resources_are_refused(
    tmp_path: Path, doctype: bytes
) -> None:
    path = tmp_path / "hostile.xml"
    path.write_bytes(b'<?xml version="1.0"?>' + doctype + b"<l><item>&b;</item></l>")
    with pytest.raises(FormatError, match="DTD"):
        list(iter_elements(path, {"item"}))
    with pytest.raises(FormatError, match="DTD"):
        root_attributes(path)


def test_broken_xml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_bytes(DOC[: len(DOC) // 2])
    with pytest.raises(FormatError, match="cut.xml: XML syntax error"):
        list(iter_elements(path, {"item"}))


def test_a_doctype_hidden_behind_a_long_comment_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "padded.xml"
    padding = b"<!--" + b"x" * 70_000 + b"-->"
    path.write_bytes(
        b'<?xml version="1.0"?>'
        + padding
        + b'<!DOCTYPE l [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><l><item>&xxe;</item></l>'
    )
    with pytest.raises(FormatError, match="DTD"):
        list(iter_elements(path, {"item"}))
