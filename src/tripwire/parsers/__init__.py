"""Parsers for the official list formats (registry in :mod:`tripwire.parsers.registry`)."""

from tripwire.parsers.base import FormatError, ListParser, ParseContext, ParseIssue

__all__ = ["FormatError", "ListParser", "ParseContext", "ParseIssue"]
