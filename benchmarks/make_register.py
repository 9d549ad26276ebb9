"""A synthetic customer register with a known 0.1% of listed names planted in varied spellings.

    python benchmarks/make_register.py 1000000 [--output register.csv|.parquet] [--seed 1]

Names come from Faker's per-country name tables (the ``bench`` extra): US Census
weighted first and family names for the United States, weighted family names for
China, the published name lists of Russia (Cyrillic, and romanised), Germany, France,
Spain, Turkey, Poland, Italy and the Arab world (Arabic script). Companies get a
legal form of their country (OOO, PAO, GmbH, AG, LLC, Inc, Ltd, PLC, SA, SARL, ...).
About 70% of persons carry a birth date; most records a country.

Exactly ``round(N * 0.001)`` records are listed parties from the store's serving lists
(``TRIPWIRE_DATABASE_URL``; spread over every source, persons and organisations),
each spelt with one variation of DOMAIN.md section 5.3: transliteration variant,
order swap, typo, dropped middle name, initials, case, legal-form change. The ground
truth (record id -> entity id, variation) goes to ``<output>.truth.csv``. The same
``--seed`` gives the same file.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from faker.providers.person import (
    ar_AA,
    de_DE,
    en_US,
    es_ES,
    fr_FR,
    it_IT,
    pl_PL,
    ru_RU,
    tr_TR,
    zh_CN,
)
from rigour.text import ascii_text

from tripwire.screening.targets import Target

COLUMNS = ("id", "name", "schema", "birth_date", "country")
PLANTED_SHARE = 0.001

# (module, country, share of records, legal forms, script of the names)
LOCALES = (
    (en_US, "us", 0.22, ("LLC", "Inc", "Corp", "Co"), "latin"),
    (ru_RU, "ru", 0.14, ("ООО", "АО", "ПАО"), "cyrillic"),
    (ru_RU, "ru", 0.08, ("OOO", "AO", "PJSC", "LLC"), "romanised"),
    (de_DE, "de", 0.10, ("GmbH", "AG", "KG"), "latin"),
    (fr_FR, "fr", 0.07, ("SA", "SARL", "SAS"), "latin"),
    (es_ES, "es", 0.07, ("SA", "SL"), "latin"),
    (it_IT, "it", 0.05, ("SpA", "Srl"), "latin"),
    (pl_PL, "pl", 0.05, ("Sp. z o.o.", "SA"), "latin"),
    (tr_TR, "tr", 0.06, ("A.Ş.", "Ltd. Şti."), "latin"),
    (ar_AA, "ae", 0.08, ("LLC", "FZE", "FZCO"), "arabic"),
    (zh_CN, "cn", 0.08, ("有限公司", "Co., Ltd."), "chinese"),
)
COMPANY_WORDS = (
    "Trading", "Holding", "Logistics", "Industries", "Group", "Energy", "Consulting",
    "Shipping", "Capital", "Technologies", "Invest", "Engineering", "Metals", "Foods",
)  # fmt: skip
COMPANY_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class Table:
    """One weighted name table (weights from the census where Faker has them)."""

    names: tuple[str, ...]
    weights: np.ndarray

    @classmethod
    def of(cls, values: object) -> Table:
        if isinstance(values, dict):
            names = tuple(values)
            weights = np.array([float(values[n]) for n in names])
        else:
            names = tuple(values)  # type: ignore[call-overload]
            weights = np.ones(len(names))
        return cls(names, weights / weights.sum())

    def draw(self, rng: np.random.Generator, n: int) -> list[str]:
        return [self.names[i] for i in rng.choice(len(self.names), size=n, p=self.weights)]


def _tables(module: object, script: str) -> dict[str, Table]:
    p = module.Provider  # type: ignore[attr-defined]
    tables = {
        "first_m": Table.of(p.first_names_male),
        "first_f": Table.of(p.first_names_female),
        "last_m": Table.of(getattr(p, "last_names_male", p.last_names)),
        "last_f": Table.of(getattr(p, "last_names_female", p.last_names)),
    }
    if hasattr(p, "middle_names_male"):
        tables["middle_m"] = Table.of(p.middle_names_male)
        tables["middle_f"] = Table.of(p.middle_names_female)
    if script == "romanised":
        roman = {n: ascii_text(n).replace("'", "") for t in tables.values() for n in t.names}
        tables = {k: Table(tuple(roman[n] for n in t.names), t.weights) for k, t in tables.items()}
    return tables


def _people_and_companies(
    rng: np.random.Generator, n: int, tables: dict[str, Table], forms: Sequence[str], script: str
) -> list[tuple[str, str]]:
    female = rng.random(n) < 0.5
    company = rng.random(n) < COMPANY_SHARE
    draws = {k: t.draw(rng, n) for k, t in tables.items()}
    words = rng.integers(0, len(COMPANY_WORDS), n)
    form_ix = rng.integers(0, len(forms), n)
    with_middle = rng.random(n) < 0.6
    out: list[tuple[str, str]] = []
    for i in range(n):
        g = "f" if female[i] else "m"
        first, last = draws[f"first_{g}"][i], draws[f"last_{g}"][i]
        if company[i]:
            if script == "cyrillic":
                out.append((f"{forms[form_ix[i]]} «{last}»", "Company"))
            elif script == "chinese":
                form = forms[form_ix[i]]
                out.append((f"{last}{first}{'' if ord(form[0]) > 127 else ' '}{form}", "Company"))
            else:
                out.append((f"{last} {COMPANY_WORDS[words[i]]} {forms[form_ix[i]]}", "Company"))
            continue
        if script == "chinese":
            out.append((f"{last}{first}", "Person"))
        elif f"middle_{g}" in draws and with_middle[i]:
            out.append((f"{last} {first} {draws[f'middle_{g}'][i]}", "Person"))
        else:
            out.append((f"{first} {last}", "Person"))
    return out


# -- planted names -------------------------------------------------------------------------

_TRANSLIT = (
    ("iy", "y"), ("y", "iy"), ("ii", "iy"), ("yev", "ev"), ("kh", "h"), ("ks", "x"),
    ("x", "ks"), ("ov", "off"), ("yu", "iu"), ("ya", "ia"), ("ei", "ey"), ("ey", "ei"),
    ("zh", "j"), ("ts", "tz"), ("sch", "sh"), ("ph", "f"),
)  # fmt: skip
_FORMS = (
    ("JSC", "AO"), ("AO", "JSC"), ("LLC", "OOO"), ("OOO", "LLC"), ("LIMITED", "Ltd"),
    ("LTD", "Limited"), ("PJSC", "PAO"), ("COMPANY", "Co"), ("CO.", "Company"),
)  # fmt: skip


def _person_parts(name: str) -> list[str]:
    """'SURNAME, Given Middle' -> [Given, Middle, SURNAME]; other names as written."""
    if name.count(",") == 1:
        last, given = (p.strip() for p in name.split(","))
        return [*given.split(), last]
    return name.split()


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 5:
        return word
    i = int(rng.integers(1, len(word) - 1))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i] + word[i:]


def vary(name: str, schema: str, rng: np.random.Generator) -> tuple[str, str]:
    """One spelling variation of a listed name, and its category."""
    if schema == "Person":
        parts = _person_parts(name)
        choice = ("translit", "order", "typo", "drop_middle", "initial", "case", "natural")
        kind = choice[int(rng.integers(0, len(choice)))]
        if kind == "translit":
            for old, new in rng.permutation(np.array(_TRANSLIT, dtype=object)):
                pattern = re.compile(re.escape(old), re.IGNORECASE)
                if any(pattern.search(p) for p in parts):
                    parts = [pattern.sub(new, p, count=1) for p in parts]
                    return " ".join(p.title() for p in parts), kind
            kind = "natural"
        if kind == "order" and len(parts) >= 2:
            return " ".join([parts[-1], *parts[:-1]]), kind
        if kind == "typo":
            longest = max(range(len(parts)), key=lambda k: len(parts[k]))
            parts[longest] = _typo(parts[longest], rng)
            return " ".join(parts), kind
        if kind == "drop_middle" and len(parts) >= 3:
            return f"{parts[0]} {parts[-1]}", kind
        if kind == "initial" and len(parts) >= 2 and len(parts[0]) > 1:
            return f"{parts[0][0]}. {' '.join(parts[1:])}", kind
        if kind == "case":
            return " ".join(parts).lower(), kind
        return " ".join(p.title() for p in parts), "natural"
    kind = ("legal_form", "case", "typo")[int(rng.integers(0, 3))]
    if kind == "legal_form":
        for old, new in _FORMS:
            pattern = re.compile(rf"\b{re.escape(old)}(?=\W|$)", re.IGNORECASE)
            if pattern.search(name):
                return pattern.sub(new, name, count=1), kind
        return f"{name} LLC", kind
    if kind == "case":
        return name.title(), kind
    words = name.split()
    longest = max(range(len(words)), key=lambda k: len(words[k]))
    words[longest] = _typo(words[longest], rng)
    return " ".join(words), "typo"


def pick_parties(targets: Sequence[Target], count: int, rng: np.random.Generator) -> list[Target]:
    """``count`` persons and organisations, spread evenly over the sources."""
    usable = [t for t in targets if t.schema in ("Person", "Organization", "Company")]
    by_source: dict[str, list[Target]] = {}
    for t in usable:
        by_source.setdefault(t.source, []).append(t)
    order = {s: list(rng.permutation(len(ts))) for s, ts in by_source.items()}
    picked: list[Target] = []
    sources = sorted(by_source)
    while len(picked) < count and any(order.values()):
        for source in sources:
            if order[source] and len(picked) < count:
                picked.append(by_source[source][int(order[source].pop())])
    return picked


# -- the register ----------------------------------------------------------------------------


def generate(
    n: int, seed: int, parties: Sequence[Target]
) -> tuple[list[tuple[str, str, str, str, str]], list[tuple[str, str, str, str, str, str]]]:
    """(register rows, truth rows); ``parties`` are the listed parties to plant (0.1%)."""
    rng = np.random.default_rng(seed)
    shares = np.array([loc[2] for loc in LOCALES])
    counts = rng.multinomial(n, shares / shares.sum())
    named: list[tuple[str, str, str]] = []
    for (module, country, _share, forms, script), count in zip(LOCALES, counts, strict=True):
        tables = _tables(module, script)
        for name, schema in _people_and_companies(rng, int(count), tables, forms, script):
            named.append((name, schema, country))
    order = rng.permutation(n)
    planted_count = round(n * PLANTED_SHARE)
    chosen = list(parties[:planted_count])
    planted_at = set(rng.choice(n, size=len(chosen), replace=False).tolist()) if chosen else set()
    years = rng.integers(1940, 2004, n)
    days = rng.integers(0, 365, n)
    has_date = rng.random(n) < 0.7
    has_country = rng.random(n) < 0.85
    rows: list[tuple[str, str, str, str, str]] = []
    truth: list[tuple[str, str, str, str, str, str]] = []
    plant = iter(chosen)
    for i in range(n):
        record_id = f"R{i:07d}"
        if i in planted_at:
            party = next(plant)
            listed = party.names[int(rng.integers(0, len(party.names)))][0]
            name, kind = vary(listed, party.schema, rng)
            schema = "Person" if party.schema == "Person" else "Organization"
            rows.append((record_id, name, schema, "", ""))
            truth.append((record_id, party.entity_id, party.source, kind, listed, name))
            continue
        name, schema, country = named[order[i]]
        date = ""
        if schema == "Person" and has_date[i]:
            date = str(np.datetime64(f"{years[i]}-01-01") + np.timedelta64(int(days[i]), "D"))
        rows.append((record_id, name, schema, date, country if has_country[i] else ""))
    return rows, truth


def write(rows: Sequence[tuple[str, ...]], path: Path, columns: Sequence[str]) -> None:
    """CSV, or Parquet for a ``.parquet`` name; written under a temporary name, then renamed."""
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
        pq.write_table(table, tmp)
    else:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
    os.replace(tmp, path)


def store_parties(url: str) -> list[Target]:
    """Listed parties of the serving versions of the store at ``url``."""
    from tripwire.screening.engine import load_targets
    from tripwire.store import Store

    with Store(url) as store:
        versions = store.current_versions()
        if not versions:
            raise SystemExit(f"no lists imported in {url}: tripwire lists import FILE...")
        return load_targets(store, versions)


def main(argv: Sequence[str] | None = None) -> None:
    from tripwire.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", type=int, help="how many records")
    parser.add_argument("--output", type=Path, help="CSV or .parquet (default register-N.csv)")
    parser.add_argument("--parquet", action="store_true", help="write Parquet")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", help="store to take listed names from (default: settings)"
    )
    args = parser.parse_args(argv)
    output = args.output or Path(f"register-{args.records}.{'parquet' if args.parquet else 'csv'}")
    if args.parquet and output.suffix != ".parquet":
        output = output.with_suffix(".parquet")
    started = time.perf_counter()
    rng = np.random.default_rng(args.seed + 1)
    targets = store_parties(args.database_url or Settings.from_env().database_url)
    parties = pick_parties(targets, round(args.records * PLANTED_SHARE), rng)
    rows, truth = generate(args.records, args.seed, parties)
    write(rows, output, COLUMNS)
    truth_path = output.with_name(output.name + ".truth.csv")
    write(truth, truth_path, ("id", "entity_id", "source", "variation", "listed_name", "name"))
    sys.stderr.write(
        f"{len(rows)} records ({len(truth)} planted) -> {output}, truth -> {truth_path} "
        f"in {time.perf_counter() - started:.1f}s\n"
    )


if __name__ == "__main__":
    main()
