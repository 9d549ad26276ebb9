"""The HTTP API: yente-compatible matching, reconciliation for OpenRefine, keys and roles.

The app is imported lazily so that ``tripwire keys`` and other commands that only
need :mod:`tripwire.api.keys` do not load the web framework.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ApiConfig", "app_from_env", "create_app"]


def __getattr__(name: str) -> Any:
    if name in ("app_from_env", "create_app"):
        from tripwire.api import app

        return getattr(app, name)
    if name == "ApiConfig":
        from tripwire.api.config import ApiConfig

        return ApiConfig
    raise AttributeError(name)
