"""Names to comparable tokens: one script, one case, no titles, generic legal forms.

Every name, on the list side and the query side, goes through the same steps:
cut to a sane length, drop control characters, map company legal forms to
generic ones (OOO = LLC = Obshchestvo s Ogranichennoy Otvetstvennostyu -> llc;
PAO = PJSC = AO = JSC -> jsc; rigour's org-type data), strip leading
honorifics from person names (rigour's list plus ``data/honorifics.txt``) and
vessel prefixes (MV, MT), transliterate to Latin ASCII with ICU (rigour /
normality), lower-case, and split into tokens. Apostrophes join
(O'Brien -> obrien), other punctuation separates.

:func:`skeleton` then folds a token to a key on which the common romanisation
differences of Russian (and some Arabic) names disappear (DOMAIN.md section
6, ``TR-FOLD``): Dmitriy = Dmitrii = Dmitry, Yevgeny = Evgenii = Jewgeni,
Shchukin = Schukin, -off = -ov, x = ks, double letters single.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources

from rapidfuzz.distance import OSA
from rigour.names import (
    remove_obj_prefixes,
    remove_person_prefixes,
    replace_org_types_compare,
)
from rigour.text import ascii_text

#: Longer names are cut here (a payment field is at most 140 characters; lists' longest
#: names are about 300). Nothing longer is a name, and comparison cost grows with length.
MAX_NAME_LENGTH = 400

ORG_SCHEMATA = frozenset({"Organization", "Company", "LegalEntity", "PublicBody"})
LEGAL_FORMS = frozenset(
    {
        "llc",
        "jsc",
        "ltd",
        "plc",
        "lp",
        "llp",
        "gp",
        "inc",
        "corp",
        "co",
        "sa",
        "ag",
        "gmbh",
        "bv",
        "nv",
        "spa",
        "srl",
        "sarl",
        "as",
        "ab",
        "oy",
        "kg",
        "pjsc",
        "ojsc",
        "cjsc",
        "ooo",
        "oao",
        "zao",
        "pao",
        "ao",
        "fze",
        "fzco",
        "fzc",
        "fzllc",
        "dmcc",
        "pte",
        "pty",
        "bhd",
        "sdn",
        "tov",
        "ip",
        "up",
        "gup",
        "fgup",
        "mup",
        "ue",
        "kft",
        "zrt",
        "doo",
        "sro",
        "sp",
        "zoo",
        "company",
        "limited",
        "corporation",
        "incorporated",
    }
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\ufeff]")
_APOSTROPHES = re.compile(r"['`´‘’ʹʺʻʼʽˈ\"]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@cache
def _honorifics_regex() -> re.Pattern[str]:
    """Titles beyond rigour's person prefixes (Sheikh, Haji, Mullah, ranks), from data."""
    extra = resources.files("tripwire.screening").joinpath("data/honorifics.txt")
    words = sorted(
        {
            line.strip().rstrip(".")
            for line in extra.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        },
        key=len,
        reverse=True,
    )
    escaped = "|".join(re.escape(w) for w in words)
    return re.compile(rf"^\W*(?:(?:{escaped})\.?\s+)+", re.IGNORECASE)


def clean_text(name: str) -> str:
    """NFC, no control or zero-width characters, single spaces, at most MAX_NAME_LENGTH."""
    text = unicodedata.normalize("NFC", name)
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())[:MAX_NAME_LENGTH]


def strip_prefixes(name: str, schema: str) -> str:
    """Leading honorifics (persons) or MV/MT-style prefixes (vessels), if a name remains."""
    if schema == "Person":
        text = name
        for _ in range(4):  # "Sheikh Dr ...", "Mr Haji ...": the two lists take turns
            stripped = _honorifics_regex().sub("", remove_person_prefixes(text))
            if stripped == text:
                break
            text = stripped
    elif schema == "Vessel":
        text = remove_obj_prefixes(name)
    else:
        return name
    return text if text.strip() else name


@lru_cache(maxsize=200_000)
def tokenize(name: str, schema: str = "") -> tuple[str, ...]:
    """Comparable tokens of a name (see the module docstring for the steps)."""
    text = clean_text(name)
    if not text:
        return ()
    text = _APOSTROPHES.sub("", strip_prefixes(text, schema))  # Sa'd is one word, not "Sa"
    is_org = schema in ORG_SCHEMATA or schema == ""
    if is_org:
        # Before transliteration (GmbH with its umlaut, ООО in Cyrillic, S.A. with dots) ...
        text = replace_org_types_compare(text, generic=True)
    text = _APOSTROPHES.sub("", _ascii(text).lower().replace("?", ""))  # ICU may add some
    tokens = tuple(t for t in _NON_ALNUM.split(text) if t)
    if is_org:
        # ... and after, on clean tokens, with misspelt long forms folded first.
        text = replace_org_types_compare(" ".join(_fuzzy_legal_forms(tokens)), generic=True)
        tokens = tuple(t for t in _NON_ALNUM.split(text) if t)
    return tokens


@lru_cache(maxsize=200_000)
def _ascii_word(word: str) -> str:
    return word if word.isascii() else ascii_text(word)


def _ascii(text: str) -> str:
    """ASCII transliteration word by word, each word's cached.

    Transliteration (ICU) costs 0.1 to 0.4 ms a name outside Latin script, and
    registers repeat the same given names and surnames: word by word, it is paid
    once per word. Over the lists, the benchmark and a register, word-wise and
    whole-name transliteration differ only in the letter case of three mixed-script
    names, which tokenisation lower-cases anyway.
    """
    return " ".join(_ascii_word(word) for word in text.split())


@cache
def _legal_phrases() -> tuple[tuple[str, tuple[str, ...]], ...]:
    path = resources.files("tripwire.screening").joinpath("data/legal_forms.txt")
    phrases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            generic, _, phrase = line.partition(":")
            phrases.append((generic.strip(), tuple(phrase.split())))
    return tuple(sorted(phrases, key=lambda p: -len(p[1])))


def _word_distance(token: str, word: str) -> int | None:
    """Typos between a token and a legal-form word; None when too far (or word too short)."""
    if token == word:
        return 0
    if len(word) < 5 or abs(len(token) - len(word)) > 2:
        return None
    distance = int(OSA.distance(skeleton(token), skeleton(word)))
    return distance if distance <= 2 else None


@lru_cache(maxsize=100_000)
def _may_start_phrase(token: str) -> bool:
    """Whether a legal-form phrase could start at this token (its first word is close)."""
    return any(_word_distance(token, phrase[0]) is not None for _g, phrase in _legal_phrases())


def _phrase_at(tokens: tuple[str, ...], start: int, phrase: tuple[str, ...]) -> bool:
    """A phrase matches with one typo per word of ten letters or more, and in all at most
    one typo (single words) or one fewer than it has words (phrases)."""
    if start + len(phrase) > len(tokens):
        return False
    total = 0
    for token, word in zip(tokens[start : start + len(phrase)], phrase, strict=True):
        distance = _word_distance(token, word)
        if distance is None or (distance == 2 and len(word) < 10 and len(phrase) == 1):
            return False
        total += distance
    return total <= max(1, len(phrase) - 1)


def _fuzzy_legal_forms(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Replace misspelt legal forms (Obshhchestvo s ..., Limitted) by their generic form."""
    if len(tokens) < 2 or all(len(t) < 6 for t in tokens):
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if not _may_start_phrase(tokens[i]):
            out.append(tokens[i])
            i += 1
            continue
        for generic, phrase in _legal_phrases():
            if _phrase_at(tokens, i, phrase):
                out.append(generic)
                i += len(phrase)
                break
        else:
            out.append(tokens[i])
            i += 1
    return tuple(out)


# Ordered folding rules; each is (pattern, replacement) on a lower-case ASCII token.
_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"(ff|ow)$", "v"),  # Smirnoff, Chruschtschow
        (r"(.)\1+", r"\1"),  # double letters
        (r"^(ye|je|ie)", "e"),  # Yevgeny, Jewgeni -> evgeny
        (r"x", "ks"),  # Alexey -> Aleksey
        (r"w", "v"),
        (r"(shch|shtsh|sch|shh|chtch|szcz|sc)", "S"),  # Shchukin, Schukin, Chtchoukine
        (r"(zh|dj)", "Z"),
        (r"(kh|gh)", "H"),
        (r"(tsch|tch|ch|cz|ts|tc|tz)", "C"),  # ч and ц fold together for retrieval
        (r"sh", "S"),
        (r"(yu|iu|ju|ou)", "u"),
        (r"(ya|ia|ja)", "a"),
        (r"(yo|io|jo)", "o"),
        (r"ph", "f"),
        (r"(ck|q|c)", "k"),
        (r"th", "t"),
        (r"dh", "d"),
        (r"(iy|ii|ij|yy|ey|ei|ej|y|j)$", "I"),  # Dmitriy, Dmitrii, Dmitry, Sergey, Sergei
        (r"(?<=.)(y|j)(?=.)", "i"),
        (r"ee", "i"),
        (r"oo", "u"),
        (r"(.)\1+", r"\1"),
    )
)


@lru_cache(maxsize=500_000)
def skeleton(token: str) -> str:
    """A romanisation-insensitive key of one token (lower-case ASCII)."""
    key = token
    for pattern, replacement in _FOLDS:
        key = pattern.sub(replacement, key)
    return key.lower()


_VOWELS = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=500_000)
def consonants(token: str) -> str:
    """The skeleton without inner vowels: Mohammed = Muhammad = Mohamad -> mhmd."""
    key = skeleton(token)
    return key[:1] + _VOWELS.sub("", key[1:]) if len(key) > 1 else key


_PATRONYMIC = re.compile(r"(ovich|evich|ovych|evych|ich|ovna|evna|ichna|inichna|ovic|evic)$")


def is_patronymic_form(token: str) -> bool:
    """Ends like a Russian/Ukrainian patronymic; only meaningful after a given name."""
    return len(token) > 5 and _PATRONYMIC.search(token) is not None
