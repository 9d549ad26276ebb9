"""API keys in the store (SQLite and PostgreSQL): created once, kept hashed, revocable."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tripwire.api.keys import (
    Role,
    create_key,
    list_keys,
    revoke_key,
    split_key,
    verify_key,
    well_formed,
)
from tripwire.store import Store
from tripwire.store.schema import api_key


def test_create_verify_list_revoke(store: Store) -> None:
    key, token = create_key(store, "  payments team ", Role.screener, rate_limit=5)
    assert key.name == "payments team" and key.role is Role.screener and key.active
    assert token.startswith(f"tw_{key.id}_") and len(token) > 40
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(api_key)).mappings().one()
    assert token not in str(dict(stored)) and len(stored["key_hash"]) == 64

    found = verify_key(store, token)
    assert found is not None and found.id == key.id and found.rate_limit == 5
    assert verify_key(store, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert verify_key(store, f"tw_{key.id}") is None and verify_key(store, "garbage") is None

    other, _ = create_key(store, "admin", Role.admin)
    assert [k.id for k in list_keys(store)] == [key.id, other.id]
    revoked = revoke_key(store, key.id)
    assert revoked is not None and not revoked.active and revoked.revoked_at is not None
    assert verify_key(store, token) is None
    assert [k.id for k in list_keys(store, include_revoked=False)] == [other.id]
    assert revoke_key(store, "no-such-key") is None
    assert revoke_key(store, key.id).revoked_at == revoked.revoked_at  # type: ignore[union-attr]


def test_refuses_bad_names_roles_and_rates(store: Store) -> None:
    with pytest.raises(ValueError, match="name"):
        create_key(store, " ", Role.reader)
    with pytest.raises(ValueError, match="positive"):
        create_key(store, "x", Role.reader, rate_limit=0)
    with pytest.raises(ValueError, match="reader, screener, admin"):
        Role.parse("root")
    assert Role.admin > Role.screener > Role.reader


def test_split_key() -> None:
    token = "tw_0123456789ab_" + "s" * 43
    assert split_key(token) == ("0123456789ab", token)
    assert split_key("xx_0123456789ab_" + "s" * 43) is None and split_key("tw__s") is None
    assert split_key("tw_abc_secret") is None  # too short to be a key
    assert split_key("tw_0123456789ab_" + "s" * 20_000) is None  # too long
    assert split_key("tw_0123456789ab_" + "s_" * 20) is None  # not a secret's alphabet
    assert well_formed(token) and not well_formed(token + "\n") and not well_formed("")
