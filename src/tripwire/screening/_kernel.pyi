"""Types of the compiled candidate step and name comparison (_kernel.c)."""

from collections.abc import Sequence
from typing import Any

PackedQuery = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[float, ...], str, int]

class Kernel:
    def __init__(self, packed: Any, weights: Sequence[float]) -> None: ...
    def align(
        self, query_name: PackedQuery, row: int
    ) -> tuple[tuple[float, ...], list[tuple[str, int, int, int, int, float]]]: ...
    def best(
        self,
        query_names: Sequence[PackedQuery],
        candidates: Sequence[Sequence[int]],
        min_logit: float,
    ) -> list[tuple[int, float, int, int, tuple[float, ...]]]: ...

class Retriever:
    def __init__(self, packed: Any) -> None: ...
    def rank(
        self,
        texts: Sequence[str],
        group_bits: int,
        limit: int,
        names_per_target: int,
        birth_year: int,
        found: dict[int, tuple[float, list[int]]],
    ) -> None: ...
    def typo(
        self, words: Sequence[str], group_bits: int, limit: int
    ) -> list[tuple[int, list[int]]]: ...
    def all_words(
        self, words: Sequence[str], group_bits: int, limit: int
    ) -> list[tuple[int, list[int]]]: ...

def osa(a: str, b: str) -> int: ...
def lcs(a: str, b: str) -> int: ...
