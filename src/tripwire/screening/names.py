"""Compare two tokenised names: align their tokens and measure how well they cover each other.

Pure and deterministic. The alignment pairs each query token with at most one
list token (greedy, best similarity first), then tries the leftovers as joined
or split words (Abdul Rahman = Abdulrahman) and as initials (V. = Vladimir).
Coverage is weighted by token rarity (IDF learned from the lists), so that
"Mohammed" or "Trading" matching counts for less than a rare surname, and a
patronymic or a legal form left out costs little.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA, Indel

from tripwire.screening.normalize import LEGAL_FORMS, consonants, is_patronymic_form, skeleton

#: Token pairs below this similarity are not aligned (a wrong pairing is worse than none).
MIN_TOKEN_SIMILARITY = 0.6
#: Pairs at least this similar are aligned before joined words are tried.
STRICT_SIMILARITY = 0.8
#: Weight factors of list tokens that may be left out without changing who is meant.
PATRONYMIC_WEIGHT = 0.3
LEGAL_FORM_WEIGHT = 0.2
#: A person's middle names ("Zaidan El-Aissami" in Tareck Zaidan El-Aissami Maddah) are
#: often left out of a customer record; their absence costs less than a given name's.
MIDDLE_WEIGHT = 0.5


def total(values: Iterable[float]) -> float:
    """Left-to-right sum. Python 3.12's ``sum`` compensates rounding, which the compiled
    kernel does not; this keeps the reference and the kernel equal to the last bit."""
    result = 0.0
    for value in values:
        result += value
    return result


@lru_cache(maxsize=1_000_000)
def token_similarity(a: str, b: str) -> float:
    """Similarity of two tokens in [0, 1]: equal, same romanisation, same consonants, or typos.

    Typos are scaled to token length through OSA distance (a transposition is
    one edit): one edit in a 4-letter word is 0.75, in an 8-letter word 0.875.
    """
    if a == b:
        return 1.0
    sa, sb = skeleton(a), skeleton(b)
    if sa == sb:
        return 0.95
    best = 0.0
    ca, cb = consonants(a), consonants(b)
    if ca == cb and len(ca) >= 3:
        best = 0.85
    for x, y in ((sa, sb), (a, b)):
        longest = max(len(x), len(y))
        if longest:
            best = max(best, 0.95 * (1.0 - OSA.distance(x, y) / longest))
    return best


@dataclass(frozen=True, slots=True)
class Aligned:
    """One aligned pair (``query`` and ``listed`` may be joined words) and its similarity."""

    query: str
    listed: str
    similarity: float
    kind: str  # "token", "joined", "initial"


@dataclass(frozen=True, slots=True)
class NameComparison:
    """The features of one (query name, list name) pair and the alignment behind them."""

    query_coverage: float
    list_coverage: float
    mean_similarity: float
    joined_similarity: float
    unmatched_query: float
    unmatched_list: float
    single_token: float
    initials: float
    rarity: float
    exact: float
    first_last: float
    pairs: tuple[Aligned, ...]
    unmatched_query_tokens: tuple[str, ...]
    unmatched_list_tokens: tuple[str, ...]


class Rarity:
    """Token weights from the lists: IDF on skeletons, scaled to [0, 1]."""

    def __init__(self, idf: Mapping[str, float], default: float) -> None:
        self.idf = idf
        self.default = default

    def weight(self, token: str) -> float:
        return self.idf.get(skeleton(token), self.default)


def list_weights(tokens: tuple[str, ...], schema: str, rarity: Rarity) -> list[float]:
    """Rarity weights of a list name's tokens, patronymics and legal forms discounted."""
    weights = []
    for i, token in enumerate(tokens):
        w = rarity.weight(token)
        if token in LEGAL_FORMS:
            w *= LEGAL_FORM_WEIGHT
        elif schema == "Person" and 0 < i and is_patronymic_form(token):
            w *= PATRONYMIC_WEIGHT
        elif schema == "Person" and 0 < i < len(tokens) - 1:
            w *= MIDDLE_WEIGHT
        weights.append(w)
    return weights


def _core(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Tokens without legal forms, sorted: what "the same name" means for exact matching."""
    return tuple(sorted(t for t in tokens if t not in LEGAL_FORMS) or sorted(tokens))


@dataclass(frozen=True, slots=True)
class Prepared:
    """One side of a comparison, with what does not depend on the other side done once.

    List names are prepared when the index is built, query names once per query.
    """

    tokens: tuple[str, ...]
    weights: tuple[float, ...]
    core: tuple[str, ...]
    joined: tuple[str, ...]  # the query: one string; a list name: its word orders


def prepare_query(tokens: tuple[str, ...], rarity: Rarity) -> Prepared:
    joined = "".join(skeleton(t) for t in tokens if t not in LEGAL_FORMS) or "".join(tokens)
    return Prepared(tokens, tuple(rarity.weight(t) for t in tokens), _core(tokens), (joined,))


def prepare_listed(tokens: tuple[str, ...], schema: str, rarity: Rarity) -> Prepared:
    weights = list_weights(tokens, schema, rarity)
    # List words that may be left out (patronymics, legal forms) are left out of the
    # joined forms too.
    kept = (
        tuple(t for t, w in zip(tokens, weights, strict=True) if w >= 0.5 * rarity.weight(t))
        or tokens
    )
    orders = (kept, kept[::-1], tuple(sorted(kept)), kept[1:] + kept[:1])
    joined = tuple(dict.fromkeys("".join(skeleton(t) for t in order) for order in orders))
    return Prepared(tokens, tuple(weights), _core(tokens), joined)


def compare_names(
    query: Prepared | tuple[str, ...],
    listed: Prepared | tuple[str, ...],
    schema: str,
    rarity: Rarity,
) -> NameComparison:
    """Align the query name with the list name and compute the name features.

    Either side may be given as tokens or already :class:`Prepared`.
    """
    if not isinstance(query, Prepared):
        query = prepare_query(query, rarity)
    if not isinstance(listed, Prepared):
        listed = prepare_listed(listed, schema, rarity)
    q_tokens, l_tokens = query.tokens, listed.tokens
    q_weights = list(query.weights)
    l_weights = listed.weights
    candidates = []
    for i, qt in enumerate(q_tokens):
        if len(qt) == 1:
            continue
        for j, lt in enumerate(l_tokens):
            if len(lt) == 1:
                continue
            sim = token_similarity(qt, lt)
            if sim >= MIN_TOKEN_SIMILARITY:
                candidates.append((sim, i, j))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    q_used: dict[int, float] = {}
    l_used: dict[int, float] = {}
    pairs: list[Aligned] = []
    # Close pairs first, then joined/split words, then the looser pairs: a joined
    # "haleelcommodities" must not be taken by "commodities" alone.
    for strict in (True, False):
        for sim, i, j in candidates:
            if i in q_used or j in l_used or (strict and sim < STRICT_SIMILARITY):
                continue
            q_used[i] = l_used[j] = sim
            # A misspelt query token is as rare as the list token it stands for.
            q_weights[i] = rarity.weight(l_tokens[j])
            pairs.append(Aligned(q_tokens[i], l_tokens[j], sim, "token"))
        if strict and (len(q_used) < len(q_tokens) or len(l_used) < len(l_tokens)):
            _align_joined(q_tokens, l_tokens, q_used, l_used, pairs)
    initials = _align_initials(q_tokens, l_tokens, q_used, l_used, pairs)
    q_total = total(q_weights) or 1.0
    l_total = total(l_weights) or 1.0
    matched = [p.similarity for p in pairs if p.kind != "initial"]
    q_joined = query.joined[0]
    n_listed = len(l_tokens)
    return NameComparison(
        query_coverage=total(q_weights[i] * s for i, s in q_used.items()) / q_total,
        list_coverage=total(l_weights[j] * s for j, s in l_used.items()) / l_total,
        mean_similarity=total(matched) / len(matched) if matched else 0.0,
        joined_similarity=max(Indel.normalized_similarity(q_joined, j) for j in listed.joined),
        unmatched_query=total(w for i, w in enumerate(q_weights) if i not in q_used),
        unmatched_list=total(w for j, w in enumerate(l_weights) if j not in l_used),
        single_token=1.0 if len(matched) <= 1 else 0.0,
        initials=float(initials),
        # The rarest pair among matched words: max over pairs of the smaller weight.
        rarity=min(max(q_weights[i] for i in q_used), max(l_weights[j] for j in l_used))
        if q_used and l_used
        else 0.0,
        exact=1.0 if query.core == listed.core else 0.0,
        first_last=(float(0 in l_used) + float(n_listed - 1 in l_used)) / 2.0
        if n_listed > 1
        else float(0 in l_used),
        pairs=tuple(pairs),
        unmatched_query_tokens=tuple(t for i, t in enumerate(q_tokens) if i not in q_used),
        unmatched_list_tokens=tuple(t for j, t in enumerate(l_tokens) if j not in l_used),
    )


def _joined_pair_similarity(token: str, first: str, second: str) -> float:
    """Similarity of a token to two words written together (on skeletons, no regex work)."""
    if token == first + second:
        return 1.0
    one, two = skeleton(token), skeleton(first) + skeleton(second)
    if one == two:
        return 0.95
    return 0.95 * (1.0 - OSA.distance(one, two) / max(len(one), len(two)))


def _align_joined(
    query: tuple[str, ...],
    listed: tuple[str, ...],
    q_used: dict[int, float],
    l_used: dict[int, float],
    pairs: list[Aligned],
) -> None:
    """Match a leftover token with two adjacent leftovers of the other side, joined."""
    for one, two, one_used, two_used, flip in (
        (query, listed, q_used, l_used, False),
        (listed, query, l_used, q_used, True),
    ):
        for i, token in enumerate(one):
            if i in one_used or len(token) < 4:
                continue
            # Adjacent pairs, and last+first: "SURNAME, Given" names rotate.
            for j in range(len(two) if len(two) > 2 else len(two) - 1):
                k = (j + 1) % len(two)
                if j in two_used or k in two_used:
                    continue
                if abs(len(two[j]) + len(two[k]) - len(token)) > 0.16 * len(token) + 1:
                    continue  # too different in length to reach the similarity asked
                for first, second in ((two[j], two[k]), (two[k], two[j])):
                    sim = _joined_pair_similarity(token, first, second)
                    if sim >= 0.8:
                        one_used[i] = sim
                        two_used[j] = two_used[k] = sim
                        shown = f"{two[j]} {two[k]}"
                        pairs.append(
                            Aligned(shown, token, sim, "joined")
                            if flip
                            else Aligned(token, shown, sim, "joined")
                        )
                        break
                if i in one_used:
                    break


def _align_initials(
    query: tuple[str, ...],
    listed: tuple[str, ...],
    q_used: dict[int, float],
    l_used: dict[int, float],
    pairs: list[Aligned],
) -> int:
    """An initial on one side stands for a leftover token with that first letter."""
    count = 0
    for one, two, one_used, two_used, flip in (
        (query, listed, q_used, l_used, False),
        (listed, query, l_used, q_used, True),
    ):
        for i, token in enumerate(one):
            if i in one_used or len(token) != 1:
                continue
            for j, other in enumerate(two):
                if j not in two_used and other[0] == token:
                    one_used[i] = two_used[j] = 0.5
                    pairs.append(
                        Aligned(other, token, 0.5, "initial")
                        if flip
                        else Aligned(token, other, 0.5, "initial")
                    )
                    count += 1
                    break
    return count
