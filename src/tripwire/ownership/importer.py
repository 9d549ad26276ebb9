"""(I/O) ``tripwire graph import``: a CSV or FtM file's edges into the store.

Parties named in the file are resolved to list entities through the screening
engine (``resolve.py``) when a resolver is given; the file's source replaces
its previous import as a whole.
"""

from __future__ import annotations

from pathlib import Path

from tripwire.ownership.resolve import Resolver
from tripwire.ownership.sources import (
    ANNEX_XIV_SOURCE,
    ReadResult,
    read_annex,
    read_csv,
    read_ftm,
)
from tripwire.ownership.store import ImportResult, OwnershipStore
from tripwire.store import Store

MAX_SOURCE_CHARS = 200


def detect_format(path: Path) -> str:
    """``csv``, ``annex`` (the Reg. 833/2014 annex transcription) or ``ftm``."""
    name = path.name.lower()
    if name.endswith(".csv"):
        with path.open("rb") as handle:
            header = handle.readline().lstrip(b"\xef\xbb\xbf").lower()
        return "annex" if header.startswith(b"celex,") and b",annex," in header else "csv"
    if name.endswith((".json", ".jsonl", ".ndjson")):
        return "ftm"
    with path.open("rb") as handle:
        head = handle.read(64).lstrip()
    return "ftm" if head.startswith(b"{") else "csv"


def default_source(path: Path) -> str:
    stem = path.name.lower()
    for suffix in (".csv", ".jsonl", ".ndjson", ".json", ".ftm"):
        stem = stem.removesuffix(suffix)
    return "graph_" + "".join(c if c.isalnum() else "_" for c in stem)


def list_entity_ids(store: Store) -> set[str]:
    """Ids of every entity in the serving list versions (what ``id:`` may refer to)."""
    ids: set[str] = set()
    for version in store.current_versions():
        ids.update(store.entity_index(version.id))
    return ids


def import_graph(
    store: Store,
    path: Path,
    *,
    source: str | None = None,
    resolver: Resolver | None = None,
    fmt: str | None = None,
) -> ImportResult:
    """Read ``path`` and make its edges the data of its source; bad rows become issues."""
    fmt = fmt or detect_format(path)
    if fmt not in ("csv", "ftm", "annex"):
        raise ValueError(f"unknown format {fmt!r} (allowed: csv, ftm, annex)")
    if fmt == "annex":
        source = ANNEX_XIV_SOURCE  # the seeds of the Art. 5h regime are read from this source
    source = source or default_source(path)
    if not source.strip() or len(source) > MAX_SOURCE_CHARS:
        raise ValueError(f"source name must be 1 to {MAX_SOURCE_CHARS} characters")
    ids = list_entity_ids(store)
    known = ids.__contains__
    read: ReadResult
    if fmt == "annex":
        read = read_annex(path, resolver=resolver)
    elif fmt == "csv":
        read = read_csv(path, source, resolver=resolver, known=known)
    else:
        read = read_ftm(path, source, resolver=resolver, known=known)
    return OwnershipStore(store).replace(
        source, str(path), fmt, read.rows_read, read.edges, read.parties, read.issues
    )
