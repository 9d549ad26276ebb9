"""Test fixtures.

Fixture policy: tests read the real published lists from ``../shared/data``
beside the project root (never copied into the repo) and skip with a clear
message where that folder is absent. Small hand-made files are written into
``tmp_path`` only for malformed or hostile input that no publisher ships.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TRIPWIRE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def shared_file(relative: str) -> Path:
    """Path of a file under ../shared/data, skipping the test when it is not there."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(
            f"shared data file {path} is absent (tests read real lists from ../shared/data)"
        )
    return path


@pytest.fixture
def shared() -> type[object]:
    """Access to ``shared_file`` from tests: ``shared.file('lists/ofac/sdn.csv')``."""

    class _Shared:
        file = staticmethod(shared_file)

    return _Shared


# -- stores -----------------------------------------------------------------------------
# Store tests run against SQLite always and against PostgreSQL when
# TRIPWIRE_TEST_POSTGRES_URL names a server (.ci/run starts one and sets
# TRIPWIRE_REQUIRE_POSTGRES=1, so there a missing server fails instead of skipping).
# Each xdist worker gets its own PostgreSQL database, emptied before every test.

POSTGRES_URL = os.environ.get("TRIPWIRE_TEST_POSTGRES_URL")


def _postgres_url(worker: str) -> str:
    import sqlalchemy as sa

    if not POSTGRES_URL:
        if os.environ.get("TRIPWIRE_REQUIRE_POSTGRES"):
            pytest.fail("TRIPWIRE_REQUIRE_POSTGRES is set but TRIPWIRE_TEST_POSTGRES_URL is not")
        pytest.skip("PostgreSQL tests need TRIPWIRE_TEST_POSTGRES_URL (CI sets it)")
    base = sa.make_url(POSTGRES_URL)
    name = f"{base.database}_{worker}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty store, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return _postgres_url(worker)


@pytest.fixture
def store(store_url: str):  # type: ignore[no-untyped-def]
    from tripwire.store import Store

    with Store(store_url) as opened:
        yield opened


@pytest.fixture
def sqlite_store(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tripwire.store import Store

    with Store(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


# -- a home with the UN list imported, for CLI tests -------------------------------------
UN_FILE = "lists/un/UN_consolidated-2026-02-27.xml"
_HOME_ENV = ("TRIPWIRE_HOME", "COLUMNS", "TRIPWIRE_DATABASE_URL", "TRIPWIRE_LISTS_DIR")


@pytest.fixture(scope="module")
def un_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A home holding the real UN list only, once per module; the environment is restored.

    The screening index is built on the first screen and cached in the home, which
    keeps CLI tests fast while they still screen real listed names.
    """
    from typer.testing import CliRunner

    from tripwire.cli import app

    un = shared_file(UN_FILE)
    home = tmp_path_factory.mktemp("un_home")
    saved = {key: os.environ.get(key) for key in _HOME_ENV}
    os.environ["TRIPWIRE_HOME"] = str(home)
    os.environ["COLUMNS"] = "200"
    os.environ.pop("TRIPWIRE_DATABASE_URL", None)
    os.environ.pop("TRIPWIRE_LISTS_DIR", None)
    try:
        result = CliRunner().invoke(app, ["lists", "import", str(un), "--json"])
        assert result.exit_code == 0, result.output
        yield home
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
