"""API fixtures: a home with the real UN list imported, keys of every role, a live server.

Fixture policy: one session-wide home (the UN list, about 1,000 parties, imported
and indexed once); one real ``tripwire serve`` process on a free localhost port for
the end-to-end tests; in-process apps only where a test needs to look inside.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import shared_file
from tripwire.api.keys import Role, create_key, revoke_key
from tripwire.lists.importer import import_publication
from tripwire.screening import Screener
from tripwire.store import Store

UN_FILE = "lists/un/UN_consolidated-2026-02-27.xml"


@dataclass(frozen=True)
class Home:
    path: Path
    url: str
    keys: dict[str, str]  # role name (and "revoked", "slow") -> token

    def env(self) -> dict[str, str]:
        env = {**os.environ, "TRIPWIRE_HOME": str(self.path), "TRIPWIRE_DATABASE_URL": self.url}
        for name in [k for k in env if k.startswith("TRIPWIRE_API_")]:
            del env[name]
        return env


def make_home(path: Path, files: list[Path], url: str | None = None) -> Home:
    url = url or f"sqlite:///{path / 'tripwire.db'}"
    with Store(url) as store:
        for file in files:
            result = import_publication(store, file)
            assert result.ok, result.message
        Screener.from_store(store, path / "index")  # the server then loads the cached index
        keys = {role.name: create_key(store, f"test {role.name}", role)[1] for role in Role}
        revoked, keys["revoked"] = create_key(store, "test revoked", Role.admin)
        revoke_key(store, revoked.id)
        keys["slow"] = create_key(store, "test slow", Role.screener, rate_limit=2)[1]
    return Home(path, url, keys)


@pytest.fixture(scope="session")
def un_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    return make_home(tmp_path_factory.mktemp("api-home"), [shared_file(UN_FILE)])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    home: Home

    def client(self, role: str | None = "admin", **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.home.keys[role]}"} if role else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def start_server(home: Home, *args: str, timeout: float = 60) -> Server:
    """``tripwire serve`` as a child process, returned once ``/readyz`` says ready."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tripwire.cli", "serve", "--port", str(port), *args],
        env=home.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"server exited with {process.returncode}: {err}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return Server(base, process, home)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_server(process)
    raise AssertionError(f"server not ready within {timeout} s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr:
        process.stderr.close()


@pytest.fixture(scope="session")
def server(un_home: Home) -> Iterator[Server]:
    started = start_server(un_home)
    try:
        yield started
    finally:
        stop_server(started.process)
