"""What every list parser shares: the parse context, issues and the parser contract.

A parser reads one publication (a main file plus, for OFAC, companion files)
and yields :class:`~tripwire.model.ListEntity` objects. It never drops bad
data silently: a field it cannot use is reported with :meth:`ParseContext.issue`
(file, record, field, reason) and the record is kept without it; a record it
cannot use at all is reported as an error and counted as rejected, and the
rest of the file still parses. Only a file that is not the format at all
raises :class:`FormatError`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar, Literal, cast

from followthemoney import EntityProxy, registry

from tripwire.model.entity import ListEntity

Severity = Literal["warning", "error"]

GZIP_MAGIC = b"\x1f\x8b"


class FormatError(ValueError):
    """The file is not in the expected (or any known) format, or is unsafe to read."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.reason = message


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """A problem with one field or record, precise enough to find it in the file."""

    file: str
    record: str
    field: str
    message: str
    severity: Severity = "warning"

    def __str__(self) -> str:
        return f"{self.file} record {self.record} field {self.field}: {self.message}"


@dataclass(slots=True)
class ParseContext:
    """Collects issues, counters and file metadata while a parser runs."""

    source: str
    files: list[Path] = field(default_factory=list)
    published: dt.date | None = None
    issues: list[ParseIssue] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    # How many primary records the file holds (read), and how many were rejected whole.
    records_read: int = 0
    records_rejected: int = 0

    def issue(
        self,
        file: Path | str,
        record: str | int,
        field_name: str,
        message: str,
        severity: Severity = "warning",
    ) -> None:
        name = Path(file).name if isinstance(file, Path) else file
        self.issues.append(ParseIssue(name, str(record), field_name, message, severity))

    def reject(self, file: Path | str, record: str | int, field_name: str, message: str) -> None:
        """Report a record that cannot be imported at all; the parser then skips it."""
        self.records_rejected += 1
        self.issue(file, record, field_name, message, "error")

    def add(
        self,
        entity: EntityProxy,
        prop: str,
        value: str | None,
        *,
        file: Path | str,
        record: str | int,
        field_name: str,
        fuzzy: bool = False,
    ) -> bool:
        """Add a value to an FtM property, reporting it when FtM's cleaning rejects it.

        FtM drops values it cannot clean (an unknown country, a malformed date)
        without a word; a sanctions import must not. Returns whether it was kept.
        """
        if value is None:
            return False
        value = value.strip()
        if not value:
            return False
        schema_prop = entity.schema.get(prop)
        if schema_prop is None:
            raise KeyError(f"{entity.schema.name} has no property {prop!r}")
        cleaned = schema_prop.type.clean(value, proxy=entity, fuzzy=fuzzy)
        if cleaned is None:
            self.issue(
                file, record, field_name, f"{schema_prop.type.name} value {value!r} not understood"
            )
            return False
        entity.add(prop, cleaned, cleaned=True)
        return True

    def counted(self, entities: Iterable[ListEntity]) -> Iterator[ListEntity]:
        """Yield ``entities``, counting each by schema in :attr:`counts` as it goes out."""
        for entity in entities:
            self.counts[entity.schema] += 1
            yield entity

    def summary(self) -> dict[str, Any]:
        return {
            "records_read": self.records_read,
            "records_rejected": self.records_rejected,
            "entities": dict(self.counts),
            "warnings": sum(1 for i in self.issues if i.severity == "warning"),
            "errors": sum(1 for i in self.issues if i.severity == "error"),
        }


class ListParser:
    """Base class of a parser for one official format; subclasses register by ``NAME``."""

    NAME: ClassVar[str]
    SOURCE: ClassVar[str]
    TITLE: ClassVar[str]

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        """Whether the first bytes of ``path`` (decompressed) look like this format."""
        raise NotImplementedError

    @classmethod
    def default_source(cls, path: Path) -> str:
        """The source a file of this format belongs to when the user names none."""
        return cls.SOURCE

    @classmethod
    def companions(cls, path: Path) -> list[Path]:
        """Other files of the same publication next to ``path`` (OFAC alt/add/comments)."""
        return []

    def parse(self, path: Path, ctx: ParseContext) -> Iterator[ListEntity]:
        """Yield the entities of the publication whose main file is ``path``."""
        raise NotImplementedError


def open_maybe_gzip(path: Path) -> IO[bytes]:
    """Open a list file for binary reading, decompressing ``.gz`` (by content, not name)."""
    handle = path.open("rb")
    magic = handle.read(2)
    handle.seek(0)
    if magic == GZIP_MAGIC:
        return cast(IO[bytes], gzip.GzipFile(fileobj=handle, mode="rb"))
    return handle


def read_head(path: Path, size: int = 4096) -> bytes:
    with open_maybe_gzip(path) as handle:
        try:
            return handle.read(size)
        except (OSError, EOFError) as exc:
            raise FormatError(path, f"cannot read file: {exc}") from exc


def text_stream(path: Path, encoding: str = "utf-8") -> io.TextIOWrapper:
    """A text stream over a (maybe gzipped) file; undecodable bytes become U+FFFD."""
    return io.TextIOWrapper(open_maybe_gzip(path), encoding=encoding, errors="replace", newline="")


def clean_country(value: str) -> str | None:
    """ISO code for a country name as lists spell it, or None."""
    return registry.country.clean(value, fuzzy=True)
