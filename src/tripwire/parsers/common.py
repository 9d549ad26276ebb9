"""Building blocks that several list parsers share, kept once so they cannot drift apart.

Why a module of its own: the parsers were written side by side and each grew
its own copy of the same small pieces: collapsing whitespace in list text,
the per-record state that adds values through :meth:`ParseContext.add`, the
``Sanction`` and ``Passport``/``Identification`` entities every list states,
country spellings FtM does not read, and resolving relations a list gives by
name only once the whole file is known. What is here is only what behaves
the same in every parser that uses it; what merely looks alike (each list's
date formats, its own name normalisation, its own relation roles) stays in
the parser it belongs to.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from followthemoney import EntityProxy, registry
from rigour.ids import get_identifier_format

from tripwire.model.entity import ListEntity, derived_id, make_entity
from tripwire.model.sources import Source, get_source
from tripwire.parsers.base import ParseContext

# --- text ------------------------------------------------------------------------------

# A letter that is not Latin: [^\W\d_] is "a letter"; the Latin blocks are excluded.
NON_LATIN = re.compile(
    r"[^\W\d_A-Za-z\u00aa\u00ba\u00c0-\u024f\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff]"
)


def clean_text(text: str | None) -> str:
    """Whitespace collapsed (lists wrap long values across indented lines); "" for none."""
    return " ".join(text.split()) if text else ""


def element_text(element: Any | None) -> str | None:
    """An XML element's text with whitespace collapsed, or None when it has none."""
    if element is None or element.text is None:
        return None
    return clean_text(element.text) or None


def has_non_latin(text: str) -> bool:
    """Whether ``text`` holds a letter of a script other than Latin."""
    return NON_LATIN.search(text) is not None


def name_key(name: str) -> str:
    """A name reduced for matching a name-only link against the file's parties."""
    return " ".join(re.sub(r"[\W_]+", " ", name.casefold()).split())


# --- values ----------------------------------------------------------------------------

COUNTRY_CODES = frozenset(registry.country.codes)


def country_code(text: str, spellings: Mapping[str, str | None]) -> str | None:
    """ISO code of a country as a list spells it: the list's own table first, then FtM.

    ``spellings`` maps lower-case spellings FtM does not read (or reads wrongly)
    to a code, or to None for values that say "no country".
    """
    key = text.lower()
    if key in spellings:
        return spellings[key]
    code = registry.country.clean(text)
    return str(code) if code is not None else None


def is_real_date(value: str) -> bool:
    """Whether ``value`` is an ISO date (YYYY, YYYY-MM or YYYY-MM-DD) that exists."""
    if not re.fullmatch(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", value):
        return False
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        dt.date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return True


def valid_identifier(format_name: str, value: str, lengths: tuple[int, ...]) -> bool:
    """Whether ``value`` has one of ``lengths`` and passes the checksum of its format."""
    if len(value) not in lengths:
        return False
    checker = get_identifier_format(format_name)
    return checker is not None and bool(checker.is_valid(value))


def source_for(name: str, default: str) -> Source:
    """The source being imported, or the parser's own (``default``) when it is not a known one."""
    try:
        return get_source(name)
    except KeyError:
        return get_source(default)


# --- entities --------------------------------------------------------------------------


def annotate(annotations: dict[str, Any], key: str, item: dict[str, Any]) -> None:
    """Append ``item`` to the list annotation ``key`` unless it is there already."""
    bucket = annotations.setdefault(key, [])
    if item not in bucket:
        bucket.append(item)


def new_sanction(
    party_id: str, authority: str, country: str, *id_parts: str | int | None
) -> EntityProxy:
    """A ``Sanction`` on ``party_id`` by ``authority``; its id derived from ``id_parts``.

    Only trusted values are set here (the party's id and the parser's constants),
    already in FtM's clean form; the caller adds what the list states.
    """
    sanction = make_entity("Sanction", derived_id(party_id, "sanction", *id_parts))
    sanction.add("entity", party_id, cleaned=True)
    sanction.add("authority", authority, cleaned=True)
    sanction.add("country", country, cleaned=True)
    return sanction


def document_id(schema: str, holder_id: str, *id_parts: str | int | None) -> str:
    """Id of a ``Passport``/``Identification`` of ``holder_id``, derived from its content."""
    return derived_id(holder_id, schema.lower(), *id_parts)


def new_document(
    schema: str, holder_id: str, *id_parts: str | int | None, number: str | None = None
) -> EntityProxy:
    """A ``Passport`` or ``Identification`` (``schema``) held by ``holder_id``.

    ``number`` is set as given when the parser has already read it; a parser
    that wants it checked adds it through :meth:`ParseContext.add` instead.
    """
    doc = make_entity(schema, document_id(schema, holder_id, *id_parts))
    doc.add("holder", holder_id, cleaned=True)
    if number is not None:
        doc.add("number", number, cleaned=True)
    return doc


class RecordBuilder:
    """Shared state while one list record is turned into its party and auxiliary entities.

    Values go through :meth:`ParseContext.add` with the record's file and
    reference, so a value FtM cannot clean is reported where it came from.
    """

    def __init__(self, ctx: ParseContext, path: Path, ref: str, entity: ListEntity) -> None:
        self.ctx = ctx
        self.path = path
        self.ref = ref
        self.entity = entity
        self.extra: list[ListEntity] = []

    @property
    def proxy(self) -> EntityProxy:
        return self.entity.proxy

    def keep(self, proxy: EntityProxy) -> None:
        """Keep an auxiliary entity; one stated twice (a passport in three languages) is merged."""
        for other in self.extra:
            if other.proxy.id == proxy.id:
                other.proxy.merge(proxy)
                return
        self.extra.append(ListEntity(proxy=proxy))

    def add(
        self, prop: str, value: str | None, field_name: str, proxy: EntityProxy | None = None
    ) -> bool:
        """Add a value to the party (or to ``proxy``); whether FtM kept it."""
        return self.ctx.add(
            proxy if proxy is not None else self.proxy,
            prop,
            value,
            file=self.path,
            record=self.ref,
            field_name=field_name,
        )

    def note(self, text: str) -> None:
        if text:
            self.proxy.add("notes", text, cleaned=True)

    def annotate(self, key: str, item: dict[str, Any]) -> None:
        annotate(self.entity.annotations, key, item)

    def alias_quality(self, name: str, quality: str) -> None:
        """Record how the list rates an alias (``alias_quality`` annotation)."""
        self.entity.annotations.setdefault("alias_quality", {})[name] = quality

    def issue(self, field_name: str, message: str) -> None:
        """Report a problem with a field of this record."""
        self.ctx.issue(self.path, self.ref, field_name, message)


# --- relations stated by name ----------------------------------------------------------


@dataclass(slots=True)
class NamedLink:
    """A relation the list states by the other party's name (``kind`` is the parser's)."""

    kind: str
    name: str
    field_name: str


@dataclass(slots=True)
class _Pending:
    entity: ListEntity
    links: list[NamedLink]
    others: list[ListEntity]


# Builds the relation entity for a resolved link (party, link, target id), or None.
RelationMaker = Callable[[ListEntity, NamedLink, str], ListEntity | None]


class NamedLinks:
    """Parties of a file by name, and the parties waiting for the names they link to.

    A party with name-only links is held back until the whole file is read;
    each link then resolves when its name (reduced by :func:`name_key`) belongs
    to exactly one other party. A name that belongs to none, or to several, is
    kept in the party's ``unresolved_links`` annotation and reported.
    """

    def __init__(self, ctx: ParseContext, path: Path, noun: str, nouns: str) -> None:
        self.ctx = ctx
        self.path = path
        self._noun = noun
        self._nouns = nouns
        self.names: dict[str, set[str]] = defaultdict(set)
        self.schemas: dict[str, str] = {}
        self.pending: list[_Pending] = []

    def index(self, entity: ListEntity) -> None:
        """Make a party's names known to the links of the file."""
        self.schemas[entity.id] = entity.schema
        for prop in ("name", "alias", "previousName"):
            for value in entity.proxy.get(prop):
                key = name_key(value)
                if key:
                    self.names[key].add(entity.id)

    def defer(self, entity: ListEntity, links: list[NamedLink], others: list[ListEntity]) -> None:
        """Hold a party and its other entities back until every name is known."""
        self.pending.append(_Pending(entity, links, others))

    def target(self, party: ListEntity, link: NamedLink) -> str | None:
        """The id of the one other party ``link`` names; None (reported) otherwise."""
        targets = self.names.get(name_key(link.name), set()) - {party.id}
        if len(targets) == 1:
            return next(iter(targets))
        why = f"names several {self._nouns}" if targets else f"is not a {self._noun} of this file"
        party.annotations.setdefault("unresolved_links", []).append(
            {"relation": link.kind, "name": link.name}
        )
        self.ctx.issue(
            self.path,
            party.source_ref or party.id,
            link.field_name,
            f"{link.name!r} {why}; kept in unresolved_links",
        )
        return None

    def resolve(self, relation: RelationMaker) -> Iterator[ListEntity]:
        """The held-back parties with their entities and the relations their links resolve to."""
        for pending in self.pending:
            relations: list[ListEntity] = []
            for link in pending.links:
                target = self.target(pending.entity, link)
                if target is None:
                    continue
                made = relation(pending.entity, link, target)
                if made is not None:
                    relations.append(made)
            yield from self.ctx.counted([pending.entity, *pending.others, *relations])
        self.pending = []
