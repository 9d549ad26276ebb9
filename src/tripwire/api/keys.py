"""API keys: created once and shown once, stored as a sha256, with a role and a rate limit.

A key reads ``tw_<id>_<secret>``: the id is public (it names the key in listings
and revocations and finds its row), the secret is 32 random bytes. Because the
secret has 256 bits of entropy, a plain sha256 is as safe as a slow password
hash here and costs microseconds per request instead of milliseconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import sqlalchemy as sa

from tripwire.store import Store
from tripwire.store.schema import api_key

PREFIX = "tw"
#: What a token can look like: ``tw_``, a hex id, ``_``, a URL-safe secret without ``_``.
#: Anything else is refused before any lookup, and its length is bounded.
TOKEN_PATTERN = re.compile(r"tw_([0-9a-f]{8,32})_([A-Za-z0-9-]{32,128})")
MAX_TOKEN_LENGTH = 3 + 32 + 1 + 128


class Role(IntEnum):
    """What a key may do; each role includes the ones below it."""

    reader = 1  # catalog, lists, entities, search
    screener = 2  # + matching, screening, reconciliation queries
    admin = 3  # + key listing over HTTP

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name]
        except KeyError:
            allowed = ", ".join(r.name for r in cls)
            raise ValueError(f"unknown role {name!r}; use one of {allowed}") from None


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key's row, without its secret."""

    id: str
    name: str
    role: Role
    rate_limit: float | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.name,
            "rate_limit": self.rate_limit,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def well_formed(token: str) -> bool:
    """Whether ``token`` has the shape of a key (cheap: no lookup, bounded length)."""
    return len(token) <= MAX_TOKEN_LENGTH and TOKEN_PATTERN.fullmatch(token) is not None


def split_key(token: str) -> tuple[str, str] | None:
    """(key id, whole token) of a well-formed key, else None."""
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    found = TOKEN_PATTERN.fullmatch(token)
    if found is None:
        return None
    return found.group(1), token


def create_key(
    store: Store, name: str, role: Role, *, rate_limit: float | None = None
) -> tuple[ApiKey, str]:
    """A new key and its token; the token is not stored and cannot be shown again."""
    if not name.strip():
        raise ValueError("a key needs a name (who or what uses it)")
    if rate_limit is not None and rate_limit <= 0:
        raise ValueError("rate limit must be positive (requests per second)")
    key_id = secrets.token_hex(6)
    token = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32).replace('_', '-')}"
    now = dt.datetime.now(dt.UTC)
    with store.engine.begin() as conn:
        conn.execute(
            api_key.insert().values(
                id=key_id,
                name=name.strip(),
                role=role.name,
                key_hash=_hash(token),
                rate_limit=rate_limit,
                created_at=now,
                revoked_at=None,
            )
        )
    return ApiKey(key_id, name.strip(), role, rate_limit, now, None), token


def list_keys(store: Store, *, include_revoked: bool = True) -> list[ApiKey]:
    query = sa.select(api_key).order_by(api_key.c.created_at, api_key.c.id)
    if not include_revoked:
        query = query.where(api_key.c.revoked_at.is_(None))
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(query).mappings()]


def revoke_key(store: Store, key_id: str) -> ApiKey | None:
    """Revoke a key (kept for the record); None when there is no such key."""
    with store.engine.begin() as conn:
        conn.execute(
            api_key.update()
            .where(api_key.c.id == key_id, api_key.c.revoked_at.is_(None))
            .values(revoked_at=dt.datetime.now(dt.UTC))
        )
        row = conn.execute(sa.select(api_key).where(api_key.c.id == key_id)).mappings().first()
    return _row(row) if row else None


def verify_key(store: Store, token: str) -> ApiKey | None:
    """The active key that ``token`` is, or None (unknown, malformed, wrong secret, revoked)."""
    parsed = split_key(token)
    if parsed is None:
        return None
    key_id, whole = parsed
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(api_key).where(api_key.c.id == key_id)).mappings().first()
    if row is None or not hmac.compare_digest(row["key_hash"], _hash(whole)):
        return None
    key = _row(row)
    return key if key.active else None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _row(row: Any) -> ApiKey:
    created = _aware(row["created_at"])
    assert created is not None
    return ApiKey(
        id=row["id"],
        name=row["name"],
        role=Role.parse(row["role"]),
        rate_limit=row["rate_limit"],
        created_at=created,
        revoked_at=_aware(row["revoked_at"]),
    )
