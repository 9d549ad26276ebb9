"""The FastAPI application: ``create_app`` wires settings, store, serving state and routes.

One app per process. Each uvicorn worker builds its own from the environment
(:func:`app_from_env`), opens the store and loads the screening index before it
takes connections; with no list imported yet it starts anyway and ``/readyz``
answers 503 until one is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from tripwire import __version__
from tripwire.api import native, problems, reconcile, routes
from tripwire.api.auth import Authenticator
from tripwire.api.config import ApiConfig
from tripwire.api.limits import BodyLimit, RateLimiter
from tripwire.api.state import ServingState
from tripwire.settings import Settings
from tripwire.store import Store

DESCRIPTION = """\
Sanctions screening over the official lists, with every match explained.

* `/match/{dataset}`, `/search/{dataset}`, `/entities/{id}`, `/catalog`, `/algorithms`:
  compatible with OpenSanctions' yente, so existing clients can point here.
* `/reconcile/{dataset}`: the W3C Reconciliation API, for OpenRefine.
* `/screen`, `/lists`: tripwire's own query and explanation format.

Authenticate with an API key (`tripwire keys create`): `Authorization: Bearer <key>`
(`ApiKey <key>` works too) or `?api_key=<key>`. Errors are RFC 9457 problem details.
"""


def create_app(settings: Settings | None = None, config: ApiConfig | None = None) -> FastAPI:
    """The API over the store of ``settings``; lists load when the app starts."""
    settings = settings or Settings.from_env()
    config = config or ApiConfig()
    store = Store(settings.database_url)
    state = ServingState(store, settings.home / "index", reload_seconds=config.reload_seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Load before serving: a worker takes connections only once its startup is done,
        # so with several workers none answers 503 while the others are ready.
        await run_in_threadpool(state.refresh)
        state.start()
        try:
            yield
        finally:
            state.stop()
            store.close()

    app = FastAPI(
        title="tripwire",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.serving = state
    app.state.auth = Authenticator(store, config, RateLimiter())
    problems.install(app)
    app.include_router(routes.router)
    app.include_router(reconcile.router)
    app.include_router(native.router)
    app.add_middleware(BodyLimit, max_body=config.max_body)
    return app


def app_from_env() -> FastAPI:
    """The app as a uvicorn factory: settings and options from the environment."""
    return create_app(Settings.from_env(), ApiConfig.from_env())
