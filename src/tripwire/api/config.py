"""Server options, read from ``TRIPWIRE_API_*`` variables so every uvicorn worker sees them.

``tripwire serve`` sets these from its options before starting the workers
(uvicorn starts each worker from an import string, so options cannot be passed
as objects).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True, slots=True)
class ApiConfig:
    #: Serve without API keys: only when asked for, and only to loopback clients.
    no_auth: bool = False
    #: Largest request body accepted, in bytes.
    max_body: int = 1 << 20
    #: Most queries in one ``/match``, ``/screen`` or reconciliation request.
    max_batch: int = 100
    #: Most results per query.
    max_limit: int = 100
    #: Requests per second per key, for keys without their own limit (0: unlimited).
    #: Counted per worker process: each worker enforces the full rate.
    rate_limit: float = 50.0
    #: Seconds between checks for a new serving list version.
    reload_seconds: float = 1.0
    #: How long an accepted or refused key is remembered (revocations take this long).
    key_cache_seconds: float = 5.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ApiConfig:
        env = dict(os.environ) if env is None else env
        default = cls()
        return cls(
            no_auth=_flag(env.get("TRIPWIRE_API_NO_AUTH")),
            max_body=int(env.get("TRIPWIRE_API_MAX_BODY") or default.max_body),
            max_batch=int(env.get("TRIPWIRE_API_MAX_BATCH") or default.max_batch),
            max_limit=default.max_limit,
            rate_limit=float(env.get("TRIPWIRE_API_RATE_LIMIT") or default.rate_limit),
            reload_seconds=float(env.get("TRIPWIRE_API_RELOAD_SECONDS") or default.reload_seconds),
            key_cache_seconds=default.key_cache_seconds,
        )

    def to_env(self) -> dict[str, str]:
        """The variables that give this configuration to worker processes."""
        return {
            "TRIPWIRE_API_NO_AUTH": "1" if self.no_auth else "0",
            "TRIPWIRE_API_MAX_BODY": str(self.max_body),
            "TRIPWIRE_API_MAX_BATCH": str(self.max_batch),
            "TRIPWIRE_API_RATE_LIMIT": str(self.rate_limit),
            "TRIPWIRE_API_RELOAD_SECONDS": str(self.reload_seconds),
        }
