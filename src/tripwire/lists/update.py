"""Fetch lists from their publishers and import what is new.

Each publication is downloaded whole into a staging folder (with retries,
conditional requests and checksum checks), parsed and imported as a new
version; only then does it replace the kept copy. A download that fails, is
truncated, does not parse or shrinks the list too far leaves the previous
version serving, and the reason is logged as a list event. Offline
installations point ``TRIPWIRE_LISTS_DIR`` at a folder of files instead.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import functools
import hashlib
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Concatenate, ParamSpec

import httpx

from tripwire import __version__
from tripwire.lists.importer import DEFAULT_MAX_SHRINK, ImportResult, import_publication
from tripwire.model.sources import Source, SourceFile
from tripwire.store import Store

P = ParamSpec("P")
USER_AGENT = f"tripwire/{__version__} (+https://github.com/tripwire-sanctions/tripwire)"
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class DownloadError(Exception):
    """A file could not be fetched intact; the message says which and why."""


@dataclass(slots=True)
class Fetched:
    """One downloaded (or unchanged) file of a publication."""

    file: SourceFile
    path: Path | None
    not_modified: bool
    cache: dict[str, Any] = field(default_factory=dict)


def _digest_header(response: httpx.Response) -> tuple[str, bytes] | None:
    """A checksum the server sent with the body (RFC 9530 Content-Digest, Digest, Content-MD5)."""
    for header in ("content-digest", "digest"):
        value = response.headers.get(header)
        if not value:
            continue
        for part in value.split(","):
            algo, _, encoded = part.strip().partition("=")
            encoded = encoded.strip().strip(":")
            if algo.lower() in ("sha-256", "sha256"):
                return "sha256", _b64(encoded, header)
    md5 = response.headers.get("content-md5")
    if md5:
        return "md5", _b64(md5, "content-md5")
    return None


def _b64(value: str, header: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DownloadError(f"malformed {header} header: {value!r}") from exc


def download(
    client: httpx.Client,
    url: str,
    dest: Path,
    *,
    cache: dict[str, Any],
    retries: int = 3,
    backoff: float = 1.0,
) -> tuple[bool, dict[str, Any]]:
    """Download ``url`` to ``dest`` conditionally; return (not_modified, new cache entry).

    Retries transport errors and 5xx/429 answers with exponential backoff.
    Raises :class:`DownloadError` when the file cannot be had intact.
    """
    headers = {}
    if cache.get("etag"):
        headers["If-None-Match"] = cache["etag"]
    if cache.get("last_modified"):
        headers["If-Modified-Since"] = cache["last_modified"]
    last_error = "no attempt made"
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return True, cache
                if response.status_code in _RETRY_STATUS:
                    last_error = f"HTTP {response.status_code}"
                    continue
                if response.status_code != 200:
                    raise DownloadError(f"{url}: HTTP {response.status_code}")
                return False, _save(response, url, dest)
        except DownloadError:
            raise
        except (httpx.TransportError, _Truncated) as exc:
            last_error = str(exc) or type(exc).__name__
            if isinstance(exc, httpx.RemoteProtocolError) and "message body" in last_error:
                last_error = f"truncated download: {last_error}"
    raise DownloadError(f"{url}: failed after {retries + 1} attempts: {last_error}")


class _Truncated(Exception):
    pass


def _save(response: httpx.Response, url: str, dest: Path) -> dict[str, Any]:
    sha256 = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)
    size = 0
    partial = dest.with_name(dest.name + ".part")
    with partial.open("wb") as handle:
        for chunk in response.iter_raw():
            handle.write(chunk)
            sha256.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    expected = response.headers.get("content-length")
    encoded = response.headers.get("content-encoding", "identity") != "identity"
    if expected is not None and not encoded and int(expected) != size:
        partial.unlink(missing_ok=True)
        raise _Truncated(f"truncated: received {size} of {expected} bytes")
    if size == 0:
        partial.unlink(missing_ok=True)
        raise DownloadError(f"{url}: empty response")
    announced = _digest_header(response)
    if announced is not None:
        algo, want = announced
        got = sha256.digest() if algo == "sha256" else md5.digest()
        if got != want:
            partial.unlink(missing_ok=True)
            raise DownloadError(f"{url}: {algo} checksum does not match the one the server sent")
    partial.replace(dest)
    return {
        "etag": response.headers.get("etag"),
        "last_modified": response.headers.get("last-modified"),
        "sha256": sha256.hexdigest(),
        "size": size,
        "url": url,
    }


def _published(cache: dict[str, Any]) -> dt.date | None:
    value = cache.get("last_modified")
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None


def file_url(source: Source, file: SourceFile, mirror: str | None) -> str:
    if mirror:
        return f"{mirror.rstrip('/')}/{source.name}/{file.name}"
    return file.url


def _keeps_previous(
    fn: Callable[Concatenate[Store, Source, P], ImportResult],
) -> Callable[Concatenate[Store, Source, P], ImportResult]:
    """Whatever goes wrong with one source (network, disk, a bad mirror URL) becomes a
    "failed" result with a logged event, so that the other sources still update."""

    @functools.wraps(fn)
    def wrapper(store: Store, source: Source, /, *args: P.args, **kwargs: P.kwargs) -> ImportResult:
        try:
            return fn(store, source, *args, **kwargs)
        except (OSError, httpx.HTTPError, DownloadError, ValueError) as exc:
            message = f"{source.name}: {exc or type(exc).__name__}; previous version kept"
            return _refuse(store, source, "failed", message)

    return wrapper


@_keeps_previous
def update_source(
    store: Store,
    source: Source,
    *,
    downloads: Path,
    client: httpx.Client,
    mirror: str | None = None,
    force: bool = False,
    max_shrink: float = DEFAULT_MAX_SHRINK,
    retries: int = 3,
    backoff: float = 1.0,
) -> ImportResult:
    """Download ``source`` and import it if it changed; the serving version survives failure."""
    kept = downloads / source.name
    kept.mkdir(parents=True, exist_ok=True)
    cache = store.http_cache(source.name)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=kept))
    try:
        fetched: list[Fetched] = []
        for file in source.files:
            url = file_url(source, file, mirror)
            previous = dict(cache.get(file.name) or {})
            if not (kept / file.name).exists() or force:
                previous = {}
            try:
                not_modified, entry = download(
                    client,
                    url,
                    staging / file.name,
                    cache=previous,
                    retries=retries,
                    backoff=backoff,
                )
            except DownloadError as exc:
                if not file.required and "HTTP 404" in str(exc):
                    continue
                return _refuse(store, source, "failed", f"{exc}; previous version kept")
            if not_modified:
                shutil.copy2(kept / file.name, staging / file.name)
            fetched.append(Fetched(file, staging / file.name, not_modified, entry))
        if all(f.not_modified for f in fetched) and store.current_version(source.name):
            message = f"{source.name}: not modified at the publisher (conditional request)"
            with store.writing(source.name) as conn:
                store.set_http_cache(conn, source.name, cache)
                store.log_event(conn, source.name, "unchanged", message)
            current = store.current_version(source.name)
            return ImportResult(
                source.name,
                "unchanged",
                message,
                format=source.format,
                version_id=current.id if current else None,
            )
        main = staging / source.main_file.name
        result = import_publication(
            store,
            main,
            format=source.format,
            source=source.name,
            force=force,
            max_shrink=max_shrink,
            published=_published(fetched[0].cache),
            origin=file_url(source, source.main_file, mirror),
        )
        if result.ok:
            for item in fetched:
                if item.path is not None and not item.not_modified:
                    item.path.replace(kept / item.file.name)
            new_cache = {item.file.name: item.cache for item in fetched}
            with store.writing(source.name) as conn:
                store.set_http_cache(conn, source.name, new_cache)
        else:
            result.message += "; previous version kept"
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _refuse(store: Store, source: Source, outcome: str, message: str) -> ImportResult:
    with store.writing(source.name) as conn:
        store.log_event(conn, source.name, outcome, message)
    current = store.current_version(source.name)
    return ImportResult(
        source.name,
        "failed",
        message,
        format=source.format,
        previous_version_id=current.id if current else None,
    )


_DATE_IN_NAME = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def _name_date(path: Path) -> str:
    match = _DATE_IN_NAME.search(path.name)
    return "".join(match.groups()) if match else ""


def find_local(source: Source, folder: Path) -> Path | None:
    """The newest file of ``source`` in an offline folder.

    Files named with a date (``UN_consolidated-2026-02-27.xml``) rank by that
    date above undated ones; trimmed ``excerpt`` files, published only to show
    a format, are never taken for the list.
    """
    main = source.main_file
    candidates: set[Path] = set()
    for pattern in main.patterns or (main.name,):
        candidates.update(
            p for p in folder.rglob(pattern) if p.is_file() and "excerpt" not in p.name.lower()
        )
    if not candidates:
        return None
    return max(candidates, key=lambda p: (_name_date(p), p.name, str(p)))


def update_from_folder(
    store: Store,
    source: Source,
    folder: Path,
    *,
    force: bool = False,
    max_shrink: float = DEFAULT_MAX_SHRINK,
) -> ImportResult:
    """Offline update: import the newest file of ``source`` found under ``folder``."""
    path = find_local(source, folder)
    if path is None:
        patterns = ", ".join(source.main_file.patterns or (source.main_file.name,))
        return _refuse(
            store, source, "failed", f"{source.name}: no file matching {patterns} under {folder}"
        )
    result = import_publication(
        store, path, format=source.format, source=source.name, force=force, max_shrink=max_shrink
    )
    if not result.ok:
        result.message += "; previous version kept"
    return result


def make_client(timeout: float = 60.0) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )
