"""Identifiers as screening compares them: one normal form, and a kind where it can be told.

A customer file's identifier column rarely says what the number is; the kind
is recognised from the value (IMO with its check digit, BIC, LEI, Russian INN
and OGRN with their checksums) so that two different numbers of the same kind
can count against a match, while an unknown number only ever counts for it.
"""

from __future__ import annotations

import re

from stdnum import lei as std_lei
from stdnum.ru import inn as std_inn
from stdnum.ru import ogrn as std_ogrn

#: FtM property -> identifier kind; list values of these properties are indexed.
PROPERTY_KINDS: dict[str, str] = {
    "imoNumber": "imo",
    "mmsi": "mmsi",
    "passportNumber": "passport",
    "idNumber": "id",
    "innCode": "inn",
    "ogrnCode": "ogrn",
    "taxNumber": "tax",
    "registrationNumber": "registration",
    "swiftBic": "bic",
    "leiCode": "lei",
    "callSign": "callsign",
    "socialSecurityNumber": "id",
    "vatCode": "tax",
    "okpoCode": "registration",
    "kppCode": "registration",
}

#: Kinds whose numbers are unique worldwide (or by their checksum, near enough) and so
#: identify a party on their own. Register, tax and ID numbers repeat across countries
#: and registries: they are shown, but never decide a match.
STRONG_KINDS = frozenset({"imo", "mmsi", "lei", "bic", "inn", "ogrn", "passport"})
#: Shorter "identifiers" ("1", "A12") are too easily equal by chance.
MIN_LENGTH = 6

_ALNUM = re.compile(r"[^A-Z0-9]")
_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def normalize_identifier(value: str) -> str:
    """Upper-case letters and digits only; ``IMO 9074729`` -> ``9074729``; BIC to 8 characters."""
    text = _ALNUM.sub("", value.upper())
    if text.startswith("IMO") and text[3:].isdigit():
        return text[3:]
    if _BIC.match(text) and len(text) == 11 and text.endswith("XXX"):
        return text[:8]
    return text


def is_imo(number: str) -> bool:
    """IMO ship number: 7 digits, the last a check digit (weights 7..2)."""
    if len(number) != 7 or not number.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(number[6])


def guess_kind(value: str) -> str | None:
    """The kind of a bare identifier, when its form and checksum leave no doubt."""
    raw = _ALNUM.sub("", value.upper())
    number = normalize_identifier(value)
    if raw.startswith("IMO") or is_imo(number):
        return "imo"
    if _BIC.match(raw) and len(raw) in (8, 11):
        return "bic"
    if std_lei.is_valid(number):
        return "lei"
    if number.isdigit() and len(number) in (10, 12) and std_inn.is_valid(number):
        return "inn"
    if number.isdigit() and len(number) in (13, 15) and std_ogrn.is_valid(number):
        return "ogrn"
    return None
