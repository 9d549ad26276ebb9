"""Keys take effect and stop taking effect; the rate limiter's buckets."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.api.conftest import Home
from tripwire.api.app import create_app
from tripwire.api.config import ApiConfig
from tripwire.api.keys import Role, create_key, revoke_key
from tripwire.api.limits import RateLimiter
from tripwire.settings import Settings
from tripwire.store import Store


def test_a_revoked_key_is_refused_once_its_cache_entry_expires(un_home: Home) -> None:
    settings = Settings(home=un_home.path, database_url=un_home.url, lists_dir=None, lists_url=None)
    app = create_app(settings, ApiConfig(key_cache_seconds=0.2))
    assert app.state.serving.refresh()
    with Store(un_home.url) as store:
        key, token = create_key(store, "to be revoked", Role.reader)

        async def status() -> int:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/lists", headers={"Authorization": f"Bearer {token}"})
                return response.status_code

        assert asyncio.run(status()) == 200
        revoke_key(store, key.id)
        time.sleep(0.3)
        assert asyncio.run(status()) == 401


def test_rate_limiter_buckets() -> None:
    limiter = RateLimiter()
    assert [limiter.take("a", 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("a", 3)
    assert 0 < wait <= 1 / 3 + 0.01
    assert limiter.take("b", 3) == 0.0  # buckets are per key
    assert all(limiter.take("c", 0) == 0.0 for _ in range(100))  # 0: unlimited
    time.sleep(wait + 0.02)
    assert limiter.take("a", 3) == 0.0  # refilled
