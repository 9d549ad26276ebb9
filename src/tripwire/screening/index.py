"""The candidate index: which listed names could a query name be? Fast, generous, embedded.

Every list name is folded to skeleton tokens (romanisation-insensitive) and
cut into character trigrams over the spaced string, weighted by TF-IDF and
stored as a sparse matrix (names x trigrams). A query is cut the same way; one
sparse product ranks all names at once, order-free, tolerant of typos, joined
or split words and transliteration variants. Identifiers (IMO, INN, BIC, ...)
are exact lookups on the side. The precise scorer then looks only at the top
candidates. No search server: the matrix is built with scipy and searched, in
process, by the compiled retriever (``_kernel.c``), which also runs the
typo-tolerant word lookup.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from tripwire.screening._kernel import Retriever
from tripwire.screening.identifiers import MIN_LENGTH, STRONG_KINDS, normalize_identifier
from tripwire.screening.kernel import PackedNames, pack_names, strings
from tripwire.screening.names import Prepared, Rarity, prepare_listed
from tripwire.screening.normalize import skeleton, tokenize
from tripwire.screening.targets import Target

GRAM = 3
#: Below this best retrieval score, a typo-tolerant word lookup adds candidates.
WEAK_RETRIEVAL = 0.5
#: Retrieval score given to names holding all the query's words (found by the word lookup).
ALL_WORDS = 0.45
#: Trigrams found in more than this share of names say nothing and cost the most.
COMMON_GRAM_SHARE = 0.05

#: Which list schemata a query schema may hit ("" = no schema given: any).
SCHEMA_GROUPS = {
    "Person": 0,
    "Organization": 1,
    "Company": 1,
    "PublicBody": 1,
    "LegalEntity": 1,
    "Vessel": 2,
    "Airplane": 3,
}
QUERY_GROUPS: dict[str, tuple[int, ...]] = {
    "Person": (0,),
    "Organization": (1,),
    "Company": (1,),
    "PublicBody": (1,),
    "LegalEntity": (0, 1),
    "Vessel": (2,),
    "Airplane": (3,),
    "": (0, 1, 2, 3),
}


def grams(tokens: Iterable[str]) -> Counter[str]:
    """Character trigrams of the skeleton tokens, with word boundaries."""
    text = _spaced(tokens)
    return Counter(text[i : i + GRAM] for i in range(len(text) - GRAM + 1))


@dataclass(slots=True)
class CandidateIndex:
    """Targets, their names, and the sparse trigram matrix over those names."""

    targets: list[Target]
    name_target: NDArray[np.int32]
    name_group: NDArray[np.int8]
    name_tokens: list[tuple[str, ...]]
    name_kind: list[str]
    name_text: list[str]
    rarity: Rarity
    identifiers: dict[str, list[int]]
    target_names: list[list[int]]
    initials: dict[str, list[int]]
    name_prepared: list[Prepared]
    name_length: NDArray[np.int16]
    packed: PackedNames
    retriever: Retriever
    key: str = ""

    @classmethod
    def build(
        cls, targets: Sequence[Target], key: str = "", rarity: Rarity | None = None
    ) -> CandidateIndex:
        """Index ``targets``; token rarity comes from them unless ``rarity`` is given.

        A subset of the lists (the parties a list update added or changed) is indexed
        with the rarity of the whole lists, so its scores equal those of full screening.
        """
        name_target: list[int] = []
        name_tokens: list[tuple[str, ...]] = []
        name_kind: list[str] = []
        name_text: list[str] = []
        for t_index, target in enumerate(targets):
            seen: set[tuple[str, ...]] = set()
            for text, kind in target.names:
                tokens = tokenize(text, target.schema)
                if not tokens or tokens in seen:
                    continue
                seen.add(tokens)
                name_target.append(t_index)
                name_tokens.append(tokens)
                name_kind.append(kind)
                name_text.append(text)
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        token_df: Counter[str] = Counter()
        for row, tokens in enumerate(name_tokens):
            token_df.update({skeleton(t) for t in tokens})
            for gram, count in grams(tokens).items():
                col = vocab.setdefault(gram, len(vocab))
                rows.append(row)
                cols.append(col)
                vals.append(float(count))
        n_names = max(len(name_tokens), 1)
        matrix = sparse.csr_matrix(
            (np.array(vals, dtype=np.float32), (np.array(rows), np.array(cols))),
            shape=(n_names, max(len(vocab), 1)),
        )
        df = np.bincount(np.array(cols, dtype=np.int64), minlength=max(len(vocab), 1))
        gram_idf = np.log((1 + n_names) / (1 + df)).astype(np.float32) + 1.0
        matrix = matrix.multiply(gram_idf).tocsr()
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix = sparse.diags(1.0 / norms).dot(matrix).astype(np.float32).tocsc()
        max_idf = math.log(n_names + 1)
        idf = {
            tok: math.log((n_names + 1) / (count + 1)) / max_idf for tok, count in token_df.items()
        }
        if rarity is None:
            rarity = Rarity(idf, default=1.0)
        identifiers: dict[str, list[int]] = {}
        for t_index, target in enumerate(targets):
            for kind, value, _raw in target.identifiers:
                if kind not in STRONG_KINDS or len(value) < MIN_LENGTH:
                    continue
                bucket = identifiers.setdefault(value, [])
                if t_index not in bucket:
                    bucket.append(t_index)
        initials: dict[str, list[int]] = {}
        for row, tokens in enumerate(name_tokens):
            if 2 <= len(tokens) <= 6:
                for full in tokens:
                    if len(full) < 3:
                        continue
                    for other in tokens:
                        if other is not full:
                            initials.setdefault(f"{skeleton(full)}|{other[0]}", []).append(row)
        name_group_array = np.array(
            [SCHEMA_GROUPS.get(targets[t].schema, 1) for t in name_target], dtype=np.int8
        )
        token_rows: dict[str, list[int]] = {}
        for row, tokens in enumerate(name_tokens):
            for token in {skeleton(t) for t in tokens if len(t) >= 3}:
                token_rows.setdefault(token, []).append(row)
        target_names: list[list[int]] = [[] for _ in targets]
        for row, t_index in enumerate(name_target):
            target_names[t_index].append(row)
        name_prepared = [
            prepare_listed(tokens, targets[t].schema, rarity)
            for tokens, t in zip(name_tokens, name_target, strict=True)
        ]
        name_length = np.array([len(tokens) for tokens in name_tokens], dtype=np.int16)
        target_years = [
            sorted({int(d[:4]) for d in t.birth_dates if d[:4].isdigit()} | t.birth_years)
            for t in targets
        ]
        # Words by first letter and length: two edits or less keep the length within two.
        words = sorted(token_rows, key=lambda w: (w[0], len(w), w))
        word_chars, word_off = strings(words)
        grams_by_col = sorted(vocab, key=vocab.__getitem__)
        n_cols = len(grams_by_col)
        retrieval = PackedRetrieval(
            col_ptr=matrix.indptr[: n_cols + 1].astype(np.int64),
            col_rows=matrix.indices.astype(np.int32),
            col_vals=matrix.data.astype(np.float32),
            gram_idf=gram_idf[:n_cols].astype(np.float32),
            gram_common=(df[:n_cols] > COMMON_GRAM_SHARE * n_names).astype(np.int8),
            gram_chars=strings(grams_by_col)[0],
            name_target=np.array(name_target, dtype=np.int32),
            name_group=name_group_array,
            name_length=name_length,
            year_off=np.cumsum([0] + [len(y) for y in target_years], dtype=np.int64),
            years=np.array([y for ys in target_years for y in ys], dtype=np.int32),
            word_chars=word_chars,
            word_off=word_off,
            word_row_off=np.cumsum([0] + [len(token_rows[w]) for w in words], dtype=np.int64),
            word_rows=np.array([r for w in words for r in token_rows[w]], dtype=np.int32),
        )
        return cls(
            targets=list(targets),
            name_target=retrieval.name_target,
            name_group=name_group_array,
            name_tokens=name_tokens,
            name_kind=name_kind,
            name_text=name_text,
            rarity=rarity,
            identifiers=identifiers,
            target_names=target_names,
            initials=initials,
            name_prepared=name_prepared,
            name_length=name_length,
            packed=pack_names(name_prepared, name_kind, rarity),
            retriever=Retriever(retrieval),
            key=key,
        )

    def candidates(
        self,
        names: Sequence[tuple[str, ...]],
        schema: str = "",
        identifiers: Sequence[str] = (),
        limit: int = 25,
        names_per_target: int = 3,
        birth_year: int | None = None,
    ) -> list[tuple[int, float, list[int]]]:
        """(target index, retrieval score, best name rows), best first.

        ``limit`` parties from the trigram ranking with their ``names_per_target``
        best names (the precise scorer need not look at the others), plus, on
        top, identifier hits (score 1.0, all their names) and, for queries with
        initials, up to ``limit // 2`` parties from the initials lookup. With a
        ``birth_year``, parties born that year (or a year off) found further down the
        trigram ranking (common names: many Mohammeds, a whole family) join too,
        up to ``limit // 2``. Names holding every word of a query name, shortest
        first (the query left out middle names: "Chol Kim" for Chol Nam Kim), join
        too, up to ``limit // 2``. The trigram ranking looks at the ``8 * limit`` best
        names, best score first and lowest row among equals, so that the same
        query always gets the same candidates.
        """
        groups = QUERY_GROUPS.get(schema, QUERY_GROUPS[""])
        group_bits = sum(1 << g for g in groups)
        found: dict[int, tuple[float, list[int]]] = {}
        for value in identifiers:
            for t_index in self.identifiers.get(normalize_identifier(value), []):
                if SCHEMA_GROUPS.get(self.targets[t_index].schema, 1) in groups:
                    found[t_index] = (1.0, list(self.target_names[t_index]))
        for t_index, rows in self._initials_candidates(names, groups, limit // 2):
            found.setdefault(t_index, (0.5, rows))
        self.retriever.rank(
            [_spaced(tokens) for tokens in names],
            group_bits,
            limit,
            names_per_target,
            -1 if birth_year is None else birth_year,
            found,
        )
        for tokens in names:
            words = sorted({skeleton(t) for t in tokens if len(t) >= 3})
            for t_index, rows in self.retriever.all_words(words, group_bits, limit // 2):
                found.setdefault(t_index, (ALL_WORDS, rows))
        best_score = max((score for score, _rows in found.values()), default=0.0)
        if best_score < WEAK_RETRIEVAL:
            # Two typos in a short name ("Praizan", "Sbefia") leave it too few trigrams
            # in common: the names with words two edits or less from the query's words
            # (same first letter; the ten closest words of each, most shared first).
            words = [
                w for tokens in names for w in sorted({skeleton(t) for t in tokens if len(t) >= 4})
            ]
            for t_index, rows in self.retriever.typo(words, group_bits, limit // 2):
                found.setdefault(t_index, (0.4, rows))
        ranked = sorted(found.items(), key=lambda kv: -kv[1][0])
        return [(t, score, rows) for t, (score, rows) in ranked]

    def _initials_candidates(
        self, names: Sequence[tuple[str, ...]], groups: tuple[int, ...], limit: int
    ) -> list[tuple[int, list[int]]]:
        """Names holding a query's full word and a word starting with each of its initials.

        "V. V. Ivankovich" or "J S Chol" share too few trigrams with the listed
        name to rank high among the many names with the same surname; here the
        names matching the most initials, and shortest, come first.
        """
        hits: Counter[int] = Counter()
        for tokens in names:
            letters = [t for t in tokens if len(t) == 1]
            full = [t for t in tokens if len(t) >= 3]
            if not letters or not full:
                continue
            for word in full:
                for letter in letters:
                    for row in self.initials.get(f"{skeleton(word)}|{letter}", ()):
                        hits[row] += 1
        if not hits:
            return []
        if not hits:
            return []
        rows = np.fromiter(hits.keys(), dtype=np.int64, count=len(hits))
        counts = np.fromiter(hits.values(), dtype=np.int64, count=len(hits))
        # Most shared words first, then the shortest name, then the row.
        ranked = rows[np.lexsort((rows, self.name_length[rows], -counts))]
        out: dict[int, list[int]] = {}
        for row in ranked.tolist():
            t_index = int(self.name_target[row])
            if self.name_group[row] not in groups:
                continue
            if t_index not in out:
                if len(out) >= limit:
                    continue
                out[t_index] = []
            if len(out[t_index]) < 3:
                out[t_index].append(row)
        return list(out.items())

    def names_of(self, t_index: int) -> list[int]:
        """Name rows of one target."""
        return self.target_names[t_index]


def _spaced(tokens: Iterable[str]) -> str:
    """The skeleton text whose trigrams the index holds (word boundaries as spaces)."""
    return " " + " ".join(skeleton(t) for t in tokens) + " "


@dataclass(slots=True)
class PackedRetrieval:
    """The trigram matrix (by column), name attributes, birth years and the word list,
    as flat arrays for the compiled retriever."""

    col_ptr: NDArray[np.int64]
    col_rows: NDArray[np.int32]
    col_vals: NDArray[np.float32]
    gram_idf: NDArray[np.float32]
    gram_common: NDArray[np.int8]
    gram_chars: NDArray[np.uint8]
    name_target: NDArray[np.int32]
    name_group: NDArray[np.int8]
    name_length: NDArray[np.int16]
    year_off: NDArray[np.int64]
    years: NDArray[np.int32]
    word_chars: NDArray[np.uint8]
    word_off: NDArray[np.int64]
    word_row_off: NDArray[np.int64]
    word_rows: NDArray[np.int32]
