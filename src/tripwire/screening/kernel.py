"""The list names packed into flat arrays for the compiled comparison (``_kernel``).

``names.compare_names`` is the reference implementation and builds the
explanation of a reported match; the compiled kernel computes the same name
features for every candidate, which is where screening spends its time. The
packing is done once, when the index is built, and pickled with it.
"""

from __future__ import annotations

import struct
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
    """Every list name as one record of a byte blob (layout in ``_kernel.c``), by row."""

    blob: NDArray[np.uint8]
    name_off: NDArray[np.int64]
    core_ids: dict[tuple[str, ...], int]


_HEAD = struct.Struct("=iiqii")


def pack_names(prepared: Sequence[Prepared], kinds: Sequence[str], rarity: Rarity) -> PackedNames:
    """Pack the index's prepared list names (row order kept).

    A name's record holds its tokens with their skeletons and consonant keys, its
    weights, the rarity of each token, its joined forms, its core and whether it is
    a weak alias: all a comparison reads, in one place.
    """
    core_ids: dict[tuple[str, ...], int] = {}
    blob = bytearray()
    offsets = [0]
    for name, kind in zip(prepared, kinds, strict=True):
        tokens = name.tokens
        parts: list[bytes] = []
        for token in tokens:
            parts += [token.encode("ascii"), skeleton(token).encode("ascii")]
            parts.append(consonants(token).encode("ascii"))
        parts += [form.encode("ascii") for form in name.joined]
        blob += _HEAD.pack(
            len(tokens),
            len(name.joined),
            core_ids.setdefault(name.core, len(core_ids)),
            kind == "weak",
            0,
        )
        blob += struct.pack(f"={2 * len(tokens)}d", *name.weights, *map(rarity.weight, tokens))
        blob += struct.pack(f"={len(parts)}H", *map(len, parts))
        blob += b"".join(parts)
        blob += bytes(-len(blob) % 8)
        offsets.append(len(blob))
    return PackedNames(
        blob=np.frombuffer(bytes(blob), dtype=np.uint8).copy(),
        name_off=np.array(offsets, dtype=np.int64),
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
