"""A list update while the server is under load: new requests switch to the new version,
none fails during the switch, and a party listed by the update is found afterwards.

OFAC's SDN list of 21 March 2022 is served; requests run continuously from two
threads while the list of 24 March 2022 (the State Duma designations) is imported
through the library, as ``tripwire lists import`` does from another process.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import make_home, start_server, stop_server
from tests.conftest import shared_file
from tripwire.lists.importer import import_publication
from tripwire.store import Store

BEFORE = "lists/ofac/history/sdn-2022-03-21.csv"
AFTER = "lists/ofac/history/sdn-2022-03-24.csv"
# Listed on 24 March 2022 as a member of the State Duma.
NEWLY_LISTED = {
    "schema": "Person",
    "properties": {"name": ["Sergey Aleksandrovich Shargunov"], "birthDate": ["1980-05-12"]},
}
ALREADY_LISTED = {"schema": "Person", "properties": {"name": ["Vladimir Vladimirovich Putin"]}}


@pytest.mark.slow
def test_update_under_load_switches_without_errors(tmp_path: Path) -> None:
    home = make_home(tmp_path, [shared_file(BEFORE)])
    after = shared_file(AFTER)
    server = start_server(home, "--reload-seconds", "0.2", "--rate-limit", "0")
    stop = threading.Event()
    seen: list[list[tuple[str, bool]]] = [[], []]  # per thread: (index, newly listed found)
    failures: list[str] = []

    def hammer(slot: int) -> None:
        with server.client("screener") as client:
            while not stop.is_set():
                try:
                    response = client.post(
                        "/match/default",
                        json={"queries": {"new": NEWLY_LISTED, "old": ALREADY_LISTED}},
                    )
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.text[:200]}")
                    continue
                body = response.json()["responses"]
                if not body["old"]["results"]:
                    failures.append("an already listed party was not found")
                found = any(r["match"] for r in body["new"]["results"])
                seen[slot].append((response.headers["x-tripwire-index"], found))

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        with Store(home.url) as store:
            assert import_publication(store, after).ok
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if any(found for per in seen for _i, found in per[-3:]):
                break
            time.sleep(0.2)
        time.sleep(1.0)  # keep the load on after the switch
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        stop_server(server.process)

    assert failures == []
    for per in seen:
        indexes = [index for index, _found in per]
        first, last = indexes[0], indexes[-1]
        assert first != last, "the server never switched to the new version"
        # Each thread sees the old version, then the new one, never the old one again.
        switch = indexes.index(last)
        assert set(indexes[:switch]) == {first} and set(indexes[switch:]) == {last}
        assert not any(found for _i, found in per[:switch])
        assert all(found for _i, found in per[switch:])
    assert sum(len(per) for per in seen) > 20
