"""Safe XML reading for list files: no entity expansion, no network, a size limit.

Sanctions files come from the internet; a hostile or broken one must not
read local files (XXE), call out (external DTD), or exhaust memory
(billion laughs). Every XML parser in tripwire goes through here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from lxml import etree

from tripwire.parsers.base import FormatError, open_maybe_gzip

# Large enough for the full EU FSF file (about 25 MB) many times over.
DEFAULT_MAX_BYTES = 512 * 1024 * 1024

# What may stand before the root element: white space, the XML declaration,
# processing instructions, comments and a DOCTYPE.
_PROLOG = re.compile(rb"^(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.S)


class _LimitedReader:
    """A file wrapper that fails once more than ``limit`` bytes were read."""

    def __init__(self, raw: IO[bytes], limit: int, path: Path) -> None:
        self._raw = raw
        self._limit = limit
        self._path = path
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        self.read_bytes += len(chunk)
        if self.read_bytes > self._limit:
            raise FormatError(self._path, f"XML larger than the limit of {self._limit} bytes")
        return chunk


def _check_head(path: Path, head: bytes) -> None:
    upper = head.upper()
    if b"<!DOCTYPE" in upper and (b"<!ENTITY" in upper or b"SYSTEM" in upper or b"PUBLIC" in upper):
        raise FormatError(
            path, "XML with a DTD declaring entities or external resources is refused"
        )


def _check_doctype(path: Path, element: Any) -> None:
    """Refuse any DOCTYPE, wherever it stands (the head check sees only the first 64 KB).

    lxml already neither expands entities nor loads DTDs here; a list file has no
    business declaring them, and silently dropped entity references would corrupt names.
    """
    docinfo = element.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise FormatError(path, "XML with a DTD (DOCTYPE) is refused")


def iter_elements(
    path: Path,
    tags: set[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Any]:
    """Stream the elements named in ``tags`` (local names, any namespace) from ``path``.

    Each yielded element is complete; it is cleared after the caller moves on,
    so memory stays flat on large files. The root element is available as
    ``element.getroottree().getroot()`` while iterating.
    """
    with open_maybe_gzip(path) as raw:
        head = raw.read(65536)
        _check_head(path, head)
    with open_maybe_gzip(path) as raw:
        reader = _LimitedReader(raw, max_bytes, path)
        context = etree.iterparse(
            reader,
            events=("end",),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
        )
        checked = False
        try:
            for _event, element in context:
                if not checked:
                    _check_doctype(path, element)
                    checked = True
                if etree.QName(element).localname in tags:
                    yield element
                    element.clear(keep_tail=False)
                    parent = element.getparent()
                    if parent is not None:
                        while element.getprevious() is not None:
                            del parent[0]
        except etree.XMLSyntaxError as exc:
            raise FormatError(path, f"XML syntax error: {exc}") from exc


def root_attributes(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[str, dict[str, str]]:
    """Local name and attributes of the root element, read without parsing the rest."""
    with open_maybe_gzip(path) as raw:
        head = raw.read(65536)
    _check_head(path, head)
    with open_maybe_gzip(path) as raw:
        reader = _LimitedReader(raw, max_bytes, path)
        try:
            for _event, element in etree.iterparse(
                reader,
                events=("start",),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
            ):
                _check_doctype(path, element)
                return etree.QName(element).localname, dict(element.attrib)
        except etree.XMLSyntaxError as exc:
            raise FormatError(path, f"XML syntax error: {exc}") from exc
    raise FormatError(path, "empty XML document")


def local(tag: Any) -> str:
    """Local name of an element tag, without namespace."""
    return str(etree.QName(tag).localname)


def skip_prolog(head: bytes) -> bytes:
    """The first bytes of a file from its root element on, for sniffing the format."""
    prolog = _PROLOG.match(head)
    return head[prolog.end() :] if prolog else head
