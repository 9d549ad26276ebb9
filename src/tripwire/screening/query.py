"""A screening query: who is asked about, checked once, with errors that name the field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from followthemoney import registry

from tripwire.screening.identifiers import normalize_identifier
from tripwire.screening.index import QUERY_GROUPS
from tripwire.screening.normalize import clean_text, tokenize

_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def _real_date(match: re.Match[str]) -> bool:
    year, month, day = match.group(1), match.group(2), match.group(3)
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return False
    return True


class QueryError(ValueError):
    """A query field that cannot be used; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


@dataclass(frozen=True, slots=True)
class Query:
    names: tuple[str, ...]
    tokens: tuple[tuple[str, ...], ...]
    schema: str = ""
    birth_date: str | None = None
    countries: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()

    @property
    def birth_year(self) -> int | None:
        return int(self.birth_date[:4]) if self.birth_date else None

    @classmethod
    def create(
        cls,
        names: str | Iterable[str],
        *,
        schema: str | None = None,
        birth_date: str | None = None,
        countries: str | Iterable[str] | None = None,
        identifiers: str | Iterable[str] | None = None,
    ) -> Query:
        """Validate and normalise; raises QueryError naming the field at fault."""
        raw = [names] if isinstance(names, str) else list(names)
        schema = (schema or "").strip()
        if schema and schema not in QUERY_GROUPS:
            allowed = ", ".join(s for s in QUERY_GROUPS if s)
            raise QueryError("schema", f"unknown schema {schema!r}; use one of {allowed}")
        kept: list[str] = []
        tokens: list[tuple[str, ...]] = []
        # Without a schema a name may be a person's or a company's: read it both ways
        # (titles stripped as for a person, legal forms made generic as for a company).
        readings = (schema,) if schema else ("Person", "Organization")
        for name in raw:
            text = clean_text(name or "")
            for reading in readings:
                toks = tokenize(text, reading)
                if toks and toks not in tokens:
                    kept.append(text)
                    tokens.append(toks)
        if not tokens:
            raise QueryError("name", "no name to screen (empty, or only punctuation or titles)")
        date = (birth_date or "").strip() or None
        if date is not None:
            match = _DATE.match(date)
            if match is None or not _real_date(match):
                raise QueryError("birth_date", f"{date!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        codes: list[str] = []
        for country in [countries] if isinstance(countries, str) else list(countries or []):
            if not country or not country.strip():
                continue
            code = registry.country.clean(country.strip())
            if code is None:
                raise QueryError("country", f"{country!r} is not a country name or ISO code")
            codes.append(code)
        ids = [identifiers] if isinstance(identifiers, str) else list(identifiers or [])
        clean_ids = tuple(i.strip() for i in ids if i and normalize_identifier(i))
        return cls(
            names=tuple(kept),
            tokens=tuple(tokens),
            schema=schema,
            birth_date=date,
            countries=tuple(dict.fromkeys(codes)),
            identifiers=clean_ids,
        )
