"""What the server is serving: one screener and the list versions it was built from.

Hot reload: a thread checks the store's serving versions every
``reload_seconds`` (one small query over the current versions only, see
:func:`fingerprint`); when they change it builds the new
screener beside the old one and then swaps a single reference. A request reads
that reference once and keeps the :class:`Serving` it got, so requests in flight
finish on the old version and new ones start on the new version, with no
moment where neither is there.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

try:
    import fcntl
except ImportError:  # Windows: workers build their own index
    fcntl = None  # type: ignore[assignment]

from tripwire.screening import Match, Screener
from tripwire.screening.engine import index_key
from tripwire.store import Store, StoredEntity, VersionRow
from tripwire.store.schema import list_version, source_state

log = logging.getLogger(__name__)


@contextmanager
def build_lock(cache_dir: Path | None) -> Iterator[None]:
    """One index build at a time across the worker processes sharing ``cache_dir``.

    The first worker builds and caches the new index; the others wait, then load it
    from the cache instead of building it again on the same cores.
    """
    if cache_dir is None or fcntl is None:
        yield
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".build.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


Signature = tuple[tuple[str, int, str], ...]


def signature(versions: Iterable[VersionRow]) -> Signature:
    return tuple(sorted((v.source, v.id, v.sha256) for v in versions))


def fingerprint(store: Store) -> Signature:
    """The :func:`signature` of the serving versions, from one query over them alone."""
    query = sa.select(list_version.c.source, list_version.c.id, list_version.c.sha256).join(
        source_state, source_state.c.current_version_id == list_version.c.id
    )
    with store.engine.connect() as conn:
        return tuple(sorted((str(s), int(i), str(h)) for s, i, h in conn.execute(query)))


@dataclass(frozen=True, slots=True)
class Party:
    """A listed party as match results show it: properties kept as ready-made JSON."""

    entity_id: str
    schema: str
    caption: str
    source: str
    properties: orjson.Fragment


@dataclass(slots=True)
class Serving:
    """A screener with the versions it screens against; never changed once published.

    The listed parties' properties are loaded with it (as serialised JSON, a few tens
    of megabytes for the four big lists), so that a match response needs no database
    round trip and cannot show a body from another version than the one that scored.
    They are keyed by (source, entity id): two lists may use the same id (the OFAC SDN
    and consolidated lists share the ``ofac`` prefix), and a match shows the body from
    the list it scored on.
    """

    screener: Screener
    versions: tuple[VersionRow, ...]
    store: Store
    loaded_at: dt.datetime
    parties: dict[tuple[str, str], Party] = field(default_factory=dict)

    @classmethod
    def load(cls, screener: Screener, versions: Iterable[VersionRow], store: Store) -> Serving:
        ordered = tuple(sorted(versions, key=lambda v: v.source))
        parties: dict[tuple[str, str], Party] = {}
        for version in ordered:
            for entity in store.version_entities(version.id, listed_only=True):
                parties.setdefault(
                    (version.source, entity.entity_id),
                    Party(
                        entity.entity_id,
                        entity.schema,
                        entity.caption,
                        version.source,
                        orjson.Fragment(orjson.dumps(entity.data.get("properties", {}))),
                    ),
                )
        return cls(screener, ordered, store, dt.datetime.now(dt.UTC), parties)

    def party(self, match: Match) -> Party | None:
        """The listed party a match is about, from the list it matched on."""
        return self.parties.get((match.source, match.entity_id))

    @property
    def sources(self) -> dict[str, VersionRow]:
        return {v.source: v for v in self.versions}

    @property
    def index_key(self) -> str:
        return self.screener.index.key

    def entity_versions(self, entity_id: str) -> list[tuple[VersionRow, StoredEntity]]:
        """Every version of this state that holds ``entity_id`` (listed party or not)."""
        found = []
        for version in self.versions:
            for entity in self.store.version_entities(version.id, [entity_id]):
                found.append((version, entity))
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index_key,
            "loaded_at": self.loaded_at.isoformat(),
            "threshold": self.screener.threshold,
            "versions": [v.to_dict() for v in self.versions],
        }


class ServingState:
    """Holds the current :class:`Serving` and replaces it when the lists change."""

    def __init__(
        self, store: Store, cache_dir: Path | None, *, reload_seconds: float = 1.0
    ) -> None:
        self.store = store
        self.cache_dir = cache_dir
        self.reload_seconds = reload_seconds
        self.current: Serving | None = None
        #: Why the state is not (or no longer) current, with the exception text: for logs
        #: and admins.
        self.last_error: str | None = None
        #: The same without details, for anyone who asks.
        self.public_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        """Load the serving versions if they differ from what is served; True if swapped."""
        with self._lock:  # one build at a time, whoever asks
            try:
                current = self.current
                if current is not None and signature(current.versions) == fingerprint(self.store):
                    return False
                versions = self.store.current_versions()
                if not versions:
                    self._error("no lists imported")
                    return False
                with build_lock(self.cache_dir):
                    screener = Screener.from_store(self.store, self.cache_dir)
                if screener.index.key != index_key(versions):
                    # A list changed while the index was built: try again on the next check.
                    return False
                self.current = Serving.load(screener, versions, self.store)
                self._error(None)
                log.info("serving %s (%d versions)", screener.index.key, len(versions))
                return True
            except Exception as exc:  # keep serving the old version; report on /readyz
                log.exception("reloading the lists failed; the previous version keeps serving")
                self._error(f"reload failed: {exc}", "reload failed (details in the server log)")
                return False

    def _error(self, detail: str | None, public: str | None = None) -> None:
        self.last_error = detail
        self.public_error = public or detail

    def start(self) -> None:
        """Check for new versions in a background thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="tripwire-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.refresh()
            self._stop.wait(self.reload_seconds)
