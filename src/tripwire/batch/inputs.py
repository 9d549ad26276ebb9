"""Batch input files (CSV, JSON lines, Parquet) read as numbered records, in chunks.

Every format yields the same thing: ``(row, values)`` with ``row`` the record's
position (1 = the first record after any header) and ``values`` the mapped query
fields as strings, or a :class:`BadRecord` saying why the record cannot be read.
Files are checked before screening starts (encoding, header, the mapped
columns), so a wrong file fails at once with a message naming it, not halfway.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from tripwire.batch.records import BadRecord, ColumnMap, Record

_BLOCK = 1 << 20
FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


class InputFileError(Exception):
    """A file that cannot be read as a whole; the message names the file and the cause."""


def file_format(path: Path) -> str:
    """The format named by the file's extension."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        known = ", ".join(sorted(FORMATS))
        raise InputFileError(f"{path}: unknown file type {path.suffix!r}; use one of {known}")
    return found


def scan_utf8(path: Path) -> int:
    """Check that ``path`` is UTF-8 (a BOM is fine) and count its lines.

    The whole file is checked before screening starts, so that a file saved in
    Latin-1 or UTF-16 is refused with the byte offset of the first bad byte
    instead of failing halfway through a batch. The line count sizes the
    progress bar.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = newlines = 0
    last = b""
    try:
        with path.open("rb") as handle:
            while True:
                chunk = handle.read(_BLOCK)
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    local = exc.start - pending
                    at = offset + local
                    line = newlines + chunk[: max(local, 0)].count(b"\n") + 1
                    bad = (exc.object[exc.start : exc.start + 1] or b"?")[0]
                    raise InputFileError(
                        f"{path} is not UTF-8 text: byte 0x{bad:02x} at byte offset {at} "
                        f"(line {line}) cannot be decoded; save the file as UTF-8 "
                        f"(in a spreadsheet: CSV UTF-8)"
                    ) from None
                if not chunk:
                    break
                newlines += chunk.count(b"\n")
                offset += len(chunk)
                last = chunk[-1:]
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    return newlines + (1 if last not in (b"", b"\n") else 0)


def fingerprint(path: Path) -> str:
    """The content hash of an input: a resumed batch must read the very same file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(_text(v) for v in value if v is not None)
    return str(value).strip()


class BatchInput:
    """A checked input file; ``records()`` streams it, ``total`` sizes the progress bar."""

    def __init__(self, path: Path, mapping: ColumnMap) -> None:
        self.path = path
        self.mapping = mapping
        self.format = file_format(path)
        self.total = 0
        self._columns: dict[str, int | str] = {}
        if not path.is_file():
            raise InputFileError(f"no such file: {path}")
        getattr(self, f"_check_{self.format}")()

    # -- checks ---------------------------------------------------------------------------

    def _missing(self, available: list[str], where: str) -> None:
        wanted = self.mapping.as_dict()
        lower = {name.strip().lower(): name for name in available}
        for field_name, column in wanted.items():
            found = lower.get(column.strip().lower())
            if found is not None:
                self._columns[field_name] = found
        missing = [f"{f} (column {wanted[f]!r})" for f in ("id", "name") if f not in self._columns]
        if missing:
            raise InputFileError(
                f"{self.path}: missing {' and '.join(missing)}; {where}: "
                f"{', '.join(available) or '(none)'}. Map columns with --id-column, "
                "--name-column or --mapping FILE"
            )

    def _check_csv(self) -> None:
        lines = scan_utf8(self.path)
        header: list[str] | None = None
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as handle:
                for record in csv.reader(handle):
                    if any(cell.strip() for cell in record):
                        header = record
                        break
        except csv.Error as exc:
            raise InputFileError(f"{self.path}: not a readable CSV file: {exc}") from None
        if header is None:
            raise InputFileError(f"{self.path} is empty: a CSV file with a header line is expected")
        self._missing(header, "its header has")
        positions = {name.strip().lower(): i for i, name in enumerate(header)}
        self._columns = {f: positions[str(c).strip().lower()] for f, c in self._columns.items()}
        self._width = len(header)
        self.total = max(lines - 1, 0)

    def _check_jsonl(self) -> None:
        self.total = scan_utf8(self.path)
        if self.total == 0:
            raise InputFileError(f"{self.path} is empty: one JSON object per line is expected")
        self._columns = dict(self.mapping.columns)

    def _check_parquet(self) -> None:
        try:
            meta = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises several types for a non-Parquet file
            raise InputFileError(f"{self.path}: not a readable Parquet file: {exc}") from None
        self._missing(list(meta.schema_arrow.names), "its columns are")
        self.total = meta.metadata.num_rows
        if self.total == 0:
            raise InputFileError(f"{self.path} is empty: it has no rows")

    # -- reading --------------------------------------------------------------------------

    def records(self, skip: int = 0) -> Iterator[Record]:
        """Every record in file order; the first ``skip`` are passed over unread where possible."""
        reader: Iterator[Record] = getattr(self, f"_read_{self.format}")(skip)
        return reader

    def _read_csv(self, skip: int) -> Iterator[Record]:
        columns = {f: int(c) for f, c in self._columns.items()}
        id_col = columns["id"]
        row = 0
        header_seen = False
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            try:
                for record in reader:
                    if not any(cell.strip() for cell in record):
                        continue  # blank lines hold nobody
                    if not header_seen:
                        header_seen = True
                        continue
                    row += 1
                    if row <= skip:
                        continue
                    if len(record) < self._width or any(c.strip() for c in record[self._width :]):
                        ident = record[id_col].strip() if id_col < len(record) else ""
                        yield (
                            row,
                            BadRecord(
                                ident,
                                "row",
                                f"line {reader.line_num}: {len(record)} fields where the "
                                f"header has {self._width} (an unquoted comma or a missing one?)",
                            ),
                        )
                        continue
                    yield row, {f: record[i].strip() for f, i in columns.items()}
            except csv.Error as exc:
                raise InputFileError(
                    f"{self.path}, line {reader.line_num + 1}: not readable as CSV: {exc}"
                ) from None

    def _read_jsonl(self, skip: int) -> Iterator[Record]:
        row = 0
        with self.path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                row += 1
                if row <= skip:
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield row, BadRecord("", "row", f"line {number}: not valid JSON: {exc.msg}")
                    continue
                if not isinstance(data, dict):
                    yield row, BadRecord("", "row", f"line {number}: not a JSON object")
                    continue
                yield row, {f: _text(data.get(str(c))) for f, c in self._columns.items()}

    def _read_parquet(self, skip: int) -> Iterator[Record]:
        source = pq.ParquetFile(self.path)
        fields = list(self._columns)
        names = [str(self._columns[f]) for f in fields]
        row = 0
        for batch in source.iter_batches(batch_size=8192, columns=names):
            if row + batch.num_rows <= skip:
                row += batch.num_rows
                continue
            columns = [batch.column(i).to_pylist() for i in range(len(names))]
            for values in zip(*columns, strict=True):
                row += 1
                if row <= skip:
                    continue
                yield row, {f: _text(v) for f, v in zip(fields, values, strict=True)}
