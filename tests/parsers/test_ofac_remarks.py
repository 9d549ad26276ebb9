"""The OFAC remarks reader on real remark facts, copied verbatim from the legacy CSV files.

Table-driven: each row is one fact as OFAC writes it and what it must become.
A coverage test runs the reader over every remark of the real SDN file and
checks that the share of facts it cannot place stays small.
"""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from tests.conftest import shared_file
from tripwire.parsers.ofac_remarks import (
    collapse_range,
    normalize_name,
    parse_date,
    parse_fact,
    parse_remarks,
    split_remarks,
    strip_period,
)

# (fact as in the file, kind, value, other expected Fact fields)
FACTS: list[tuple[str, str, str, dict[str, object]]] = [
    # birth dates
    ("DOB 10 Dec 1948", "birth_date", "1948-12-10", {}),
    ("DOB 25 Oct 1952.", "birth_date", "1952-10-25", {}),
    ("DOB Oct 1952", "birth_date", "1952-10", {}),
    ("DOB 1936", "birth_date", "1936", {}),
    ("alt. DOB 1936", "birth_date", "1936", {"alt": True}),
    ("DOB circa 1951", "birth_date", "1951", {"circa": True, "date_to": None}),
    ("DOB circa 1979-1982", "birth_date", "1979", {"circa": True, "date_to": "1982"}),
    ("alt. DOB 01 Jan 1961 to 31 Dec 1963", "birth_date", "1961", {"date_to": "1963"}),
    ("DOB 01 Dec 1952 to 31 Dec 1952", "birth_date", "1952-12", {"date_to": None}),
    ("DOB 01 Jan 1934 to 31 Dec 1934", "birth_date", "1934", {"date_to": None}),
    ("DOB 01 Mar 1961 to 31 Mar 1962", "birth_date", "1961-03-01", {"date_to": "1962-03-31"}),
    ("DOB 29 Feb 1956", "birth_date", "1956-02-29", {"partial": False}),
    # places, nationality, gender
    ("POB Tehran, Iran", "birth_place", "Tehran, Iran", {}),
    ("POB Mexico.", "birth_place", "Mexico", {}),
    ("nationality Korea, North", "nationality", "Korea, North", {}),
    ("alt. nationality Russia", "nationality", "Russia", {"alt": True}),
    ("citizen Mexico.", "citizenship", "Mexico", {}),
    ("Gender Male", "gender", "Male", {}),
    ("Gender Female.", "gender", "Female", {}),
    # passports and identity documents
    (
        "Passport G025057 issued 23 Jun 1999 expires 05 Feb 2004",
        "identifier",
        "G025057",
        {
            "props": ("passportNumber",),
            "document": "Passport",
            "issued": "1999-06-23",
            "expires": "2004-02-05",
        },
    ),
    (
        "Passport C284181 (Saudi Arabia) issued 12 Aug 2000 expires 19 Jun 2005",
        "identifier",
        "C284181",
        {"country": "Saudi Arabia", "issued": "2000-08-12", "expires": "2005-06-19"},
    ),
    ("Passport D366 871 (Jordan).", "identifier", "D366 871", {"country": "Jordan"}),
    (
        "Diplomatic Passport 00000017 (Yemen) issued 27 Oct 2008 expires 26 Oct 2014",
        "identifier",
        "00000017",
        {"label": "Diplomatic Passport", "document": "Passport", "country": "Yemen"},
    ),
    (
        "National ID No. 216040 (Yemen)",
        "identifier",
        "216040",
        {"props": ("idNumber",), "document": "Identification", "country": "Yemen"},
    ),
    (
        "National ID No. CNIC: 35202-5400413-9 (Pakistan)",
        "identifier",
        "CNIC: 35202-5400413-9",
        {"country": "Pakistan"},
    ),
    ("Cedula No. 6068015 (Colombia)", "identifier", "6068015", {"label": "Cedula No."}),
    ("D.N.I. 78.865.882 (Spain)", "identifier", "78.865.882", {"props": ("idNumber",)}),
    (
        "SSN 523-33-8386 (United States)",
        "identifier",
        "523-33-8386",
        {"props": ("socialSecurityNumber",)},
    ),
    # tax and registration numbers, with the Russian special cases
    ("Tax ID No. 100036386 (Serbia)", "identifier", "100036386", {"props": ("taxNumber",)}),
    (
        "Tax ID No. 010200122926 (Russia).",
        "identifier",
        "010200122926",
        {"props": ("taxNumber", "innCode"), "document": None},
    ),
    (
        "Registration ID 1020203226230 (Russia)",
        "identifier",
        "1020203226230",
        {"props": ("registrationNumber", "ogrnCode")},
    ),
    (
        "Registration Number 26740 (Iran)",
        "identifier",
        "26740",
        {"props": ("registrationNumber",), "country": "Iran"},
    ),
    (
        "Government Gazette Number 00005061 (Russia)",
        "identifier",
        "00005061",
        {"props": ("okpoCode",)},
    ),
    (
        "Government Gazette Number 44323193.",
        "identifier",
        "44323193",
        {"props": ("registrationNumber",)},
    ),
    (
        "Registration Number HRA 738077 (Stuttgart) (Germany)",
        "identifier",
        "HRA 738077 (Stuttgart)",
        {"country": "Germany"},
    ),
    (
        "Folio Mercantil No. 343997 (Mexico) issued 14 Dec 2005.",
        "identifier",
        "343997",
        {"issued": "2005-12-14"},
    ),
    ("NIT # 800018928-0 (Colombia).", "identifier", "800018928-0", {"props": ("taxNumber",)}),
    (
        "Unified Social Credit Code (USCC) 9113100033607322XK (China)",
        "identifier",
        "9113100033607322XK",
        {"props": ("uscCode",)},
    ),
    (
        "Legal Entity Number 253400V1H6ART1UQ0N98 (Russia)",
        "identifier",
        "253400V1H6ART1UQ0N98",
        {"props": ("leiCode",)},
    ),
    ("SWIFT/BIC SABRRUMM", "identifier", "SABRRUMM", {"props": ("swiftBic",)}),
    ("BIK (RU) 044030707", "identifier", "044030707", {"props": ("bikCode",)}),
    ("D-U-N-S Number 542957624", "identifier", "542957624", {"props": ("dunsCode",)}),
    ("ISIN RU000A0HHK26", "identifier", "RU000A0HHK26", {"props": ("isinCode",)}),
    ("Equity Ticker PME US", "identifier", "PME US", {"props": ("ticker",)}),
    # vessels and aircraft
    (
        "Vessel Registration Identification IMO 9187629",
        "identifier",
        "IMO9187629",
        {"props": ("imoNumber",)},
    ),
    ("Company Number IMO 5055293.", "identifier", "IMO5055293", {"props": ("imoNumber",)}),
    ("Identification Number IMO 5342883.", "identifier", "IMO5342883", {}),
    ("MMSI 273340060", "identifier", "273340060", {"props": ("mmsi",)}),
    ("Former Vessel Flag Malta", "property", "Malta", {"props": ("pastFlags",)}),
    ("Vessel Year of Build 1999", "property", "1999", {"props": ("buildDate",)}),
    ("Nationality of Registration Korea, North", "property", "Korea, North", {"props": ("flag",)}),
    ("Other Vessel Type Roll-on Roll-off", "property", "Roll-on Roll-off", {"props": ("type",)}),
    (
        "Aircraft Construction Number (also called L/N or S/N or F/N) 8401",
        "identifier",
        "8401",
        {"props": ("serialNumber",)},
    ),
    (
        "Aircraft Manufacturer's Serial Number (MSN) 1023409321",
        "identifier",
        "1023409321",
        {"props": ("serialNumber",)},
    ),
    ("Aircraft Manufacture Date 1992", "property", "1992", {"props": ("buildDate",)}),
    ("Aircraft Manufacture Date Jan 1985", "property", "1985-01", {}),
    ("Aircraft Model IL76-TD", "property", "IL76-TD", {"props": ("model",)}),
    ("Aircraft Tail Number EP-MMH", "identifier", "EP-MMH", {"props": ("registrationNumber",)}),
    ("Aircraft Operator YAS AIR", "operator", "YAS AIR", {}),
    (
        "Aircraft Mode S Transponder Code 140AE7",
        "note",
        "Aircraft Mode S Transponder Code 140AE7",
        {},
    ),
    ("Previous Aircraft Tail Number YI-NAE", "note", "Previous Aircraft Tail Number YI-NAE", {}),
    # contact details, organisation facts
    (
        "Website www.havanaintbank.co.uk",
        "property",
        "www.havanaintbank.co.uk",
        {"props": ("website",)},
    ),
    ("Email Address dam.d.free@net.sy.", "property", "dam.d.free@net.sy", {"props": ("email",)}),
    ("Phone Number 982188526300", "property", "982188526300", {"props": ("phone",)}),
    ("Telephone (98)(21)(66153220)", "property", "(98)(21)(66153220)", {"props": ("phone",)}),
    ("Organization Established Date 1969.", "property", "1969", {"props": ("incorporationDate",)}),
    ("Organization Established Date 19 Nov 1991", "property", "1991-11-19", {}),
    (
        "Organization Type: Passenger air transport",
        "property",
        "Passenger air transport",
        {"props": ("sector",)},
    ),
    (
        "Target Type Government Entity",
        "property",
        "Government Entity",
        {"props": ("classification",)},
    ),
    ("Alt. Position: General Manager", "position", "General Manager", {"alt": True}),
    # crypto
    (
        "Digital Currency Address - XBT 1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V",
        "crypto",
        "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V",
        {"label": "XBT"},
    ),
    (
        "alt. Digital Currency Address - ETH 0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c",
        "crypto",
        "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c",
        {"label": "ETH", "alt": True},
    ),
    # weak aliases (quoted in the remarks)
    ("a.k.a. 'BNC'.", "alias", "BNC", {"label": "a.k.a.", "quality": "weak"}),
    ("f.k.a. 'SAND SWAN'.", "alias", "SAND SWAN", {"label": "f.k.a."}),
    ("n.k.a. 'LGOK'", "alias", "LGOK", {"label": "n.k.a."}),
    ("a.k.a. 'ABU-'UMAR'.", "alias", "ABU-'UMAR", {}),
    ("a.k.a. 'MERA'I'.", "alias", "MERA'I", {}),
    # relations
    ("Linked To: HIZBALLAH.", "link", "HIZBALLAH", {}),
    (
        "Linked To: PERSIAN GULF PETROCHEMICAL INDUSTRY CO.",
        "link",
        "PERSIAN GULF PETROCHEMICAL INDUSTRY CO.",
        {},
    ),
    (
        "Linked To: PUBLIC JOINT STOCK COMPANY SBERBANK OF RUSSIA.",
        "link",
        "PUBLIC JOINT STOCK COMPANY SBERBANK OF RUSSIA",
        {},
    ),
    ("Linked To: AL QA'IDA.", "link", "AL QA'IDA", {}),
    # sanction provisions
    (
        "Additional Sanctions Information - Subject to Secondary Sanctions",
        "provision",
        "Additional Sanctions Information - Subject to Secondary Sanctions",
        {"program_hint": None},
    ),
    (
        "Listing Date (EO 14024 Directive 3): 24 Feb 2022",
        "provision",
        "Listing Date (EO 14024 Directive 3): 24 Feb 2022",
        {"listing_date": "2022-02-24", "program_hint": "RUSSIA-EO14024"},
    ),
    (
        "Effective Date (EO 14024 Directive 2): 26 Mar 2022",
        "provision",
        "Effective Date (EO 14024 Directive 2): 26 Mar 2022",
        {"start_date": "2022-03-26"},
    ),
    (
        "Effective Date (CMIC) 02 Aug 2021",
        "provision",
        "Effective Date (CMIC) 02 Aug 2021",
        {"start_date": "2021-08-02", "program_hint": "CMIC"},
    ),
    (
        "Executive Order 13662 Directive Determination - Subject to Directive 1",
        "provision",
        "Executive Order 13662 Directive Determination - Subject to Directive 1",
        {"program_hint": "UKRAINE-EO13662"},
    ),
    (
        "Secondary sanctions risk: North Korea Sanctions Regulations, sections 510.201 and 510.210",
        "provision",
        "Secondary sanctions risk: North Korea Sanctions Regulations, sections 510.201 and 510.210",
        {"program_hint": "DPRK|NPWMD"},
    ),
    # understood as notes, and unknown (kept verbatim)
    ("all offices worldwide.", "note", "all offices worldwide", {}),
    ("Fax (98)(21)(22224537)", "note", "Fax (98)(21)(22224537)", {}),
    ("ICTY indictee.", "unknown", "ICTY indictee", {}),
    (
        "Member of the State Duma of the Federal Assembly of the Russian Federation.",
        "unknown",
        "Member of the State Duma of the Federal Assembly of the Russian Federation",
        {},
    ),
    # a sentence that starts like an identifier is not one
    (
        "Passport and National ID were issued in Ulm, Germany",
        "unknown",
        "Passport and National ID were issued in Ulm, Germany",
        {},
    ),
]


@pytest.mark.parametrize(("text", "kind", "value", "extra"), FACTS, ids=[f[0][:40] for f in FACTS])
def test_fact(text: str, kind: str, value: str, extra: dict[str, object]) -> None:
    fact = parse_fact(text)
    assert fact.kind == kind, fact
    assert fact.value == value, fact
    assert fact.raw == text
    for name, expected in extra.items():
        assert getattr(fact, name) == expected, (name, fact)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 Dec 1948", "1948-12-10"),
        ("Dec 1948", "1948-12"),
        ("1948", "1948"),
        ("21 August 2006", "2006-08-21"),
        ("31 Apr 2001", None),
        ("29 Feb 1999", None),
        ("21 Jun 1992 in Amman, Jordan", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: str | None) -> None:
    assert parse_date(text) == expected


def test_partial_facts_are_flagged() -> None:
    fact = parse_fact("alt. Passport 654781 (Jordan) issued 01 Jan 2008 to 31 Dec 2010")
    assert fact.kind == "identifier" and fact.value == "654781" and fact.partial
    fact = parse_fact("Passport 4117921 issued under the name Dilawar Khan Zain Khan")
    assert fact.partial
    assert parse_fact("Listing Date (EO 14024 Directive 3)").partial


def test_collapse_range() -> None:
    assert collapse_range("1960-01-01", "1962-12-31") == ("1960", "1962")
    assert collapse_range("1958-02-01", "1958-02-28") == ("1958-02", None)
    assert collapse_range("1960-02-01", "1960-02-28") == ("1960-02-01", "1960-02-28")  # leap year
    assert collapse_range("1961-03-01", "1962-03-31") == ("1961-03-01", "1962-03-31")


def test_split_and_helpers() -> None:
    text = "DOB 1962; POB Shati."
    assert split_remarks(text) == ["DOB 1962", "POB Shati."]
    assert split_remarks("-0- ") == []
    assert [f.kind for f in parse_remarks(text)] == ["birth_date", "birth_place"]
    assert parse_remarks(None) == []
    assert strip_period("HIZBALLAH.") == "HIZBALLAH"
    assert strip_period("CIMEX, S.A.") == "CIMEX, S.A."
    assert strip_period("TRILIANCE PETROCHEMICAL CO. LTD.") == "TRILIANCE PETROCHEMICAL CO. LTD."
    assert normalize_name("Al Qa'ida.") == normalize_name("AL QAIDA")
    assert normalize_name("ANGLO-CARIBBEAN CO., LTD.") == "ANGLO CARIBBEAN CO LTD"


def test_real_remarks_row() -> None:
    """The remarks of GREF (ent_num 34796) in sdn.csv, fact by fact."""
    remarks = (
        "DOB 08 Feb 1964; POB Panfilovo, Kazakhstan; nationality Russia; Gender Male; "
        "Passport 760508990 (Russia); National ID No. 4509555545 (Russia)."
    )
    facts = parse_remarks(remarks)
    assert [(f.kind, f.value) for f in facts] == [
        ("birth_date", "1964-02-08"),
        ("birth_place", "Panfilovo, Kazakhstan"),
        ("nationality", "Russia"),
        ("gender", "Male"),
        ("identifier", "760508990"),
        ("identifier", "4509555545"),
    ]


def _remarks(relative: str) -> list[str]:
    text = shared_file(relative).read_text(encoding="utf-8").rstrip("\x1a\r\n")
    return [row[11] for row in csv.reader(text.splitlines()) if len(row) == 12]


def test_coverage_on_real_sdn() -> None:
    """Nearly every fact of the real list is placed; the rest (job titles mostly) are few."""
    kinds: Counter[str] = Counter()
    for remarks in _remarks("lists/ofac/sdn.csv"):
        for fact in parse_remarks(remarks):
            kinds[fact.kind] += 1
            assert fact.value, fact
    total = sum(kinds.values())
    assert total > 60_000
    assert kinds["unknown"] / total < 0.05, kinds
    assert kinds["birth_date"] > 7_000 and kinds["identifier"] > 15_000
    assert kinds["alias"] == sum(
        r.count("a.k.a. '") + r.count("f.k.a. '") + r.count("n.k.a. '")
        for r in _remarks("lists/ofac/sdn.csv")
    )
