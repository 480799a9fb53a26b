"""``python -m afirgen_fixtures.api serve``: the API with uvicorn on 127.0.0.1.

By default it uses the private MariaDB and Redis (started if needed) and the seeded data set
of ``--scale`` FIRs; ``AFIRGEN_MYSQL_URL`` / ``AFIRGEN_REDIS_URL`` point it elsewhere, and
``--database`` picks a database by name instead of the data set. It refuses, before starting
anything, to serve on any other ``--host`` than loopback with a published default secret.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from afirgen_fixtures.api.app import create_app
from afirgen_fixtures.config import ConfigError, MySQLTarget, Settings
from afirgen_fixtures.services import ServiceError, resolve
from afirgen_fixtures.services._process import is_alive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m afirgen_fixtures.api")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    source = serve.add_mutually_exclusive_group()
    source.add_argument("--scale", type=int, default=None, help="seed/reuse this data set")
    source.add_argument("--database", default=None, help="use this existing database")
    serve.add_argument("--log-level", default="warning")
    serve.add_argument(
        "--idle-exit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="exit after this long without a request (benchmark servers)",
    )
    serve.add_argument(
        "--owner-pid",
        type=int,
        default=None,
        help="exit when this process exits (servers started for a test run)",
    )
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
        settings.refuse_published_secrets(args.host)
        urls = resolve()
        target = MySQLTarget.from_url(urls.mysql_url)
        if args.database:
            target = target.with_database(args.database)
        else:
            from afirgen_fixtures.data import DEFAULT_SCALE, load_dataset

            dataset = load_dataset(target, scale=args.scale or DEFAULT_SCALE, progress=print)
            target = dataset.target
        settings = settings.model_copy(
            update={"mysql_url": target.url(), "redis_url": urls.redis_url}
        )
    except (ServiceError, ConfigError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    app = ActivityTracker(create_app(settings))
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=False,
            timeout_graceful_shutdown=10,
        )
    )
    if args.idle_exit or args.owner_pid:
        threading.Thread(
            target=_stop_when_unneeded,
            args=(server, app, args.idle_exit, args.owner_pid),
            daemon=True,
        ).start()
    server.run()
    return 0


class ActivityTracker:
    """Remembers when the last request arrived, for ``--idle-exit``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.last_request = time.monotonic()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.last_request = time.monotonic()
        await self.app(scope, receive, send)


def _stop_when_unneeded(
    server: uvicorn.Server, app: ActivityTracker, idle_s: float | None, owner_pid: int | None
) -> None:
    while not server.should_exit:
        time.sleep(0.5)
        idle = idle_s is not None and time.monotonic() - app.last_request > idle_s
        if idle or (owner_pid is not None and not is_alive(owner_pid)):
            server.should_exit = True


if __name__ == "__main__":
    sys.exit(main())
