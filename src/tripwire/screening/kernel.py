"""The list names packed into flat arrays for the compiled comparison (``_kernel``).

``names.compare_names`` is the reference implementation and builds the
explanation of a reported match; the compiled kernel computes the same name
features for every candidate, which is where screening spends its time. The
packing is done once, when the index is built, and pickled with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tripwire.screening._kernel import Kernel
from tripwire.screening.names import Aligned, NameComparison, Prepared, Rarity
from tripwire.screening.normalize import consonants, skeleton

__all__ = ["Kernel", "PackedNames", "comparison", "pack_names", "pack_query"]

#: One query name as the kernel reads it: tokens, skeletons, consonant keys,
#: rarity weights, the joined skeleton, and the id of its core among list names.
PackedQuery = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[float, ...], str, int]


def strings(values: Sequence[str]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """ASCII strings as one byte array and the offsets of each (n + 1)."""
    encoded = [v.encode("ascii") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


@dataclass(slots=True)
class PackedNames:
    """Every list name's tokens, weights, joined forms and core, as C-contiguous arrays."""

    tok_chars: NDArray[np.uint8]
    tok_off: NDArray[np.int64]
    skel_chars: NDArray[np.uint8]
    skel_off: NDArray[np.int64]
    cons_chars: NDArray[np.uint8]
    cons_off: NDArray[np.int64]
    tok_weight: NDArray[np.float64]
    name_tok_off: NDArray[np.int64]
    name_tok: NDArray[np.int32]
    name_weight: NDArray[np.float64]
    join_chars: NDArray[np.uint8]
    join_off: NDArray[np.int64]
    name_join_off: NDArray[np.int64]
    name_core: NDArray[np.int64]
    name_weak: NDArray[np.int8]
    core_ids: dict[tuple[str, ...], int]


def pack_names(prepared: Sequence[Prepared], kinds: Sequence[str], rarity: Rarity) -> PackedNames:
    """Pack the index's prepared list names (row order kept)."""
    token_ids: dict[str, int] = {}
    name_tok: list[int] = []
    name_tok_off = [0]
    name_weight: list[float] = []
    joined: list[str] = []
    name_join_off = [0]
    core_ids: dict[tuple[str, ...], int] = {}
    name_core: list[int] = []
    for name in prepared:
        for token in name.tokens:
            name_tok.append(token_ids.setdefault(token, len(token_ids)))
        name_tok_off.append(len(name_tok))
        name_weight.extend(name.weights)
        joined.extend(name.joined)
        name_join_off.append(len(joined))
        name_core.append(core_ids.setdefault(name.core, len(core_ids)))
    tokens = list(token_ids)
    tok_chars, tok_off = strings(tokens)
    skel_chars, skel_off = strings([skeleton(t) for t in tokens])
    cons_chars, cons_off = strings([consonants(t) for t in tokens])
    join_chars, join_off = strings(joined)
    return PackedNames(
        tok_chars=tok_chars,
        tok_off=tok_off,
        skel_chars=skel_chars,
        skel_off=skel_off,
        cons_chars=cons_chars,
        cons_off=cons_off,
        tok_weight=np.array([rarity.weight(t) for t in tokens], dtype=np.float64),
        name_tok_off=np.array(name_tok_off, dtype=np.int64),
        name_tok=np.array(name_tok, dtype=np.int32),
        name_weight=np.array(name_weight, dtype=np.float64),
        join_chars=join_chars,
        join_off=join_off,
        name_join_off=np.array(name_join_off, dtype=np.int64),
        name_core=np.array(name_core, dtype=np.int64),
        name_weak=np.array([kind == "weak" for kind in kinds], dtype=np.int8),
        core_ids=core_ids,
    )


def pack_query(name: Prepared, packed: PackedNames) -> PackedQuery:
    """One prepared query name in the kernel's form."""
    return (
        name.tokens,
        tuple(skeleton(t) for t in name.tokens),
        tuple(consonants(t) for t in name.tokens),
        name.weights,
        name.joined[0],
        packed.core_ids.get(name.core, -1),
    )


_KINDS = {"t": "token", "j": "joined", "i": "initial"}


def comparison(
    kernel: Kernel, packed: PackedQuery, query: Prepared, listed: Prepared, row: int
) -> NameComparison:
    """The kernel's comparison of one pair with its alignment, as ``compare_names`` gives it."""
    features, pairs = kernel.align(packed, row)
    q_tokens, l_tokens = query.tokens, listed.tokens
    aligned = []
    q_used: set[int] = set()
    l_used: set[int] = set()
    for kind, qa, qb, la, lb, similarity in pairs:
        q_text = q_tokens[qa] if qb < 0 else f"{q_tokens[qa]} {q_tokens[qb]}"
        l_text = l_tokens[la] if lb < 0 else f"{l_tokens[la]} {l_tokens[lb]}"
        aligned.append(Aligned(q_text, l_text, similarity, _KINDS[kind]))
        q_used.update(i for i in (qa, qb) if i >= 0)
        l_used.update(j for j in (la, lb) if j >= 0)
    (q_cov, l_cov, mean, joined, un_q, un_l, single, initials, rarity, exact, first_last) = (
        features[:11]
    )
    return NameComparison(
        query_coverage=q_cov,
        list_coverage=l_cov,
        mean_similarity=mean,
        joined_similarity=joined,
        unmatched_query=un_q,
        unmatched_list=un_l,
        single_token=single,
        initials=initials,
        rarity=rarity,
        exact=exact,
        first_last=first_last,
        pairs=tuple(aligned),
        unmatched_query_tokens=tuple(t for i, t in enumerate(q_tokens) if i not in q_used),
        unmatched_list_tokens=tuple(t for j, t in enumerate(l_tokens) if j not in l_used),
    )
