"""Screening: names and attributes against the serving lists, scored and explained."""

from tripwire.screening.engine import Match, Screener
from tripwire.screening.query import Query, QueryError

__all__ = ["Match", "Query", "QueryError", "Screener"]
