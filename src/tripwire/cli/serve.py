"""``tripwire serve``: the HTTP API on uvicorn.

Without keys the server would be open to anyone who can reach it, so
``--no-auth`` is refused unless the server binds to a loopback address.

Proxy headers (``X-Forwarded-For``, ``X-Forwarded-Proto``) are ignored unless
``--forwarded-allow-ips`` names the proxies to trust: uvicorn would otherwise
rewrite the client address from them. ``--no-auth`` never trusts them.

Several workers on Linux each get their own listening socket on the same port
(``SO_REUSEPORT``): the kernel then spreads connections evenly over them, where
a shared socket lets whichever worker wakes first take most keep-alive
connections and leaves the other cores idle. Each worker starts listening only
once its lists are loaded. Elsewhere uvicorn's own worker processes are used.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from tripwire.api.config import LOOPBACK, ApiConfig
from tripwire.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, err_console

_DEFAULT = ApiConfig()
APP = "tripwire.api.app:app_from_env"
REUSEPORT = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (one per CPU core serves most).")
    ] = 1,
    no_auth: Annotated[
        bool,
        typer.Option("--no-auth", help="Serve without API keys (loopback addresses only)."),
    ] = False,
    rate_limit: Annotated[
        float,
        typer.Option(min=0, help="Requests per second per key without its own limit (0: none)."),
    ] = _DEFAULT.rate_limit,
    max_body: Annotated[
        int, typer.Option(min=1024, help="Largest request body, in bytes.")
    ] = _DEFAULT.max_body,
    max_batch: Annotated[
        int, typer.Option(min=1, help="Most queries in one request.")
    ] = _DEFAULT.max_batch,
    reload_seconds: Annotated[
        float, typer.Option(min=0.1, help="Seconds between checks for new list versions.")
    ] = _DEFAULT.reload_seconds,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Trust X-Forwarded-For/-Proto from these proxy addresses (comma-separated, "
            "'*' for any); proxy headers are ignored without it. Not with --no-auth."
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Serve the HTTP API: yente-compatible /match, reconciliation, /screen, with API keys."""
    import uvicorn

    if no_auth and host not in LOOPBACK:
        err_console.print(
            f"--no-auth only binds to a loopback address ({', '.join(sorted(LOOPBACK))}), "
            f"not {host!r}: create keys with 'tripwire keys create' instead"
        )
        raise typer.Exit(EXIT_USAGE)
    if no_auth and forwarded_allow_ips:
        err_console.print(
            "--no-auth serves local clients only and cannot trust proxy headers: "
            "drop --forwarded-allow-ips, or create keys with 'tripwire keys create'"
        )
        raise typer.Exit(EXIT_USAGE)
    proxy = Proxy(forwarded_allow_ips)
    config = ApiConfig(
        no_auth=no_auth,
        max_body=max_body,
        max_batch=max_batch,
        rate_limit=rate_limit,
        reload_seconds=reload_seconds,
    )
    os.environ.update(config.to_env())
    err_console.print(
        f"tripwire API on http://{host}:{port} ({workers} worker(s), "
        f"{'NO AUTHENTICATION (loopback only)' if no_auth else 'API keys required'}); "
        "docs at /docs",
        highlight=False,
    )
    if workers > 1 and REUSEPORT:
        raise typer.Exit(serve_reuseport(host, port, workers, log_level, proxy))
    uvicorn.run(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        **proxy.options(),
    )


@dataclass(frozen=True, slots=True)
class Proxy:
    """Which proxies' ``X-Forwarded-*`` headers uvicorn believes (None: no proxy's)."""

    allow_ips: str | None = None

    def options(self) -> dict[str, Any]:
        if not self.allow_ips:
            return {"proxy_headers": False}
        return {"proxy_headers": True, "forwarded_allow_ips": self.allow_ips}


def _socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, log_level: str, proxy: Proxy) -> None:
    """One worker process: its own socket on the shared port, listening once loaded."""
    import uvicorn

    sock = _socket(host, port, reuse_port=True)
    config = uvicorn.Config(
        APP, factory=True, log_level=log_level, access_log=False, **proxy.options()
    )
    uvicorn.Server(config).run(sockets=[sock])


def serve_reuseport(
    host: str, port: int, workers: int, log_level: str, proxy: Proxy | None = None
) -> int:
    """Run ``workers`` processes until one exits or we are told to stop; the exit code."""
    try:  # refuse a port that anything (another tripwire serve included) holds
        _socket(host, port, reuse_port=False).close()
    except OSError as exc:
        err_console.print(f"cannot listen on {host}:{port}: {exc.strerror}")
        return EXIT_FAILED
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(
            target=_worker,
            args=(host, port, log_level, proxy or Proxy()),
            name=f"tripwire-worker-{i}",
        )
        for i in range(workers)
    ]
    for process in processes:
        process.start()

    def stop(_signum: int = 0, _frame: object = None) -> None:
        for process in processes:
            if process.is_alive():
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(p.is_alive() for p in processes):
            processes[0].join(timeout=0.5)
    finally:
        stop()
        for process in processes:
            process.join()
    return EXIT_FAILED if any(p.exitcode for p in processes) else EXIT_OK
