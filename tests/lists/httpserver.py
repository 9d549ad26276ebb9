"""A real HTTP server on localhost that serves list files and misbehaves on demand.

It stands in for the publishers (OFAC, UN, EU, UK) in update tests: ETag and
Last-Modified with 304 answers, and per-path faults: failing N times with 503,
cutting the body short, sending a wrong Content-Digest.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LAST_MODIFIED = "Thu, 24 Mar 2022 16:00:00 GMT"


@dataclass
class Route:
    body: bytes
    fail_times: int = 0
    truncate: bool = False
    bad_digest: bool = False
    digest: bool = True
    conditional: bool = True

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class ListServer:
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    full_responses: Counter[str] = field(default_factory=Counter)
    server: Any = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def serve(self, path: str, body: bytes, **faults: Any) -> None:
        self.routes[path] = Route(body, **faults)


def start(state: ListServer) -> ListServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            state.hits[self.path] += 1
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            if route.fail_times > 0:
                route.fail_times -= 1
                self.send_error(503)
                return
            if route.conditional and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.end_headers()
                return
            state.full_responses[self.path] += 1
            body = route.body
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", route.etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
            if route.digest:
                digest = hashlib.sha256(b"tampered" if route.bad_digest else body).digest()
                self.send_header("Content-Digest", f"sha-256=:{base64.b64encode(digest).decode()}:")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if route.truncate else body)
            if route.truncate:
                self.close_connection = True

    state.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=state.server.serve_forever, daemon=True).start()
    return state
