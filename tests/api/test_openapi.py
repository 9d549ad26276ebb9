"""schemathesis against the OpenAPI description: generated requests never get a 500, and
every response (success or problem) matches the documented status, media type and schema.

Not checked: that every schema-valid request is accepted. What makes a query usable
(an FtM schema that can be screened, its property names, a real date, a name left after
titles are stripped) is checked by the API and answered with a 422 naming the field;
JSON Schema cannot express it.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.api.conftest import Home
from tripwire.api.app import create_app
from tripwire.api.config import ApiConfig
from tripwire.settings import Settings


@pytest.fixture(scope="module")
def app(un_home: Home) -> FastAPI:
    built = create_app(
        Settings(home=un_home.path, database_url=un_home.url, lists_dir=None, lists_url=None),
        ApiConfig(rate_limit=0),
    )
    assert built.state.serving.refresh()  # load now; the lifespan thread is not needed here
    return built


@pytest.fixture(scope="module")
def api_schema(app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


# (schemathesis' pytest plugin does not support this pytest yet; hypothesis runs it directly.)
OPERATIONS = [
    "GET /catalog",
    "GET /algorithms",
    "GET /entities/{entity_id}",
    "GET /search/{dataset}",
    "POST /match/{dataset}",
    "POST /screen",
    "GET /lists",
    "GET /reconcile/{dataset}",
    "POST /reconcile/{dataset}",
    "GET /reconcile/{dataset}/preview",
    "GET /healthz",
    "GET /readyz",
    "GET /admin/keys",
]


@pytest.mark.parametrize("label", OPERATIONS)
def test_generated_requests(api_schema: schemathesis.BaseSchema, un_home: Home, label: str) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label
    headers = {"Authorization": f"Bearer {un_home.keys['admin']}"}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    check()


def test_all_operations_are_exercised(api_schema: schemathesis.BaseSchema) -> None:
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert labels == set(OPERATIONS)


def test_every_route_is_described(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for path in (
        "/match/{dataset}",
        "/search/{dataset}",
        "/entities/{entity_id}",
        "/catalog",
        "/healthz",
        "/readyz",
        "/reconcile/{dataset}",
        "/reconcile/{dataset}/preview",
        "/screen",
        "/lists",
    ):
        assert path in paths, path
    schemes = app.openapi()["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
