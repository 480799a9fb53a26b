"""``python -m afirgen_fixtures.services start|stop|status|env|watch``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from afirgen_fixtures.services.runtime import (
    DEFAULT_IDLE_S,
    ServiceError,
    ServiceRuntime,
    default_state_dir,
    watch,
)

SHOW_PASSWORD_HELP = "print the database password too (`env` always does)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m afirgen_fixtures.services")
    parser.add_argument("--state-dir", type=Path, default=None, help="default: $AFIRGEN_STATE_DIR")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start the private MariaDB and Redis (or reuse them)")
    start.add_argument(
        "--idle",
        type=float,
        default=DEFAULT_IDLE_S,
        help="stop them after this many idle seconds (0: never)",
    )
    start.add_argument("--show-password", action="store_true", help=SHOW_PASSWORD_HELP)
    sub.add_parser("stop", help="stop them now, whoever uses them")
    status = sub.add_parser("status", help="show what runs and what holds it")
    status.add_argument("--show-password", action="store_true", help=SHOW_PASSWORD_HELP)
    sub.add_parser("env", help="print AFIRGEN_*_URL exports for a shell (starts them if needed)")
    sub.add_parser("watch", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    runtime = ServiceRuntime(args.state_dir or default_state_dir())
    try:
        if args.command == "start":
            urls = runtime.ensure(idle_stop_s=args.idle or None)
            mysql_url = urls.mysql_url if args.show_password else _hide_password(urls.mysql_url)
            print(f"MariaDB: {mysql_url}\nRedis:   {urls.redis_url}")
        elif args.command == "env":
            for key, value in runtime.ensure().environ().items():
                print(f"export {key}='{value}'")
        elif args.command == "stop":
            stopped = runtime.stop()
            print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        elif args.command == "status":
            print(json.dumps(runtime.status(show_password=args.show_password), indent=2))
        elif args.command == "watch":
            print(watch(runtime.state_dir), flush=True)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    return 0


def _hide_password(url: str) -> str:
    """The URL with ``***`` for its password: a terminal or CI log is no place for it."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


if __name__ == "__main__":
    sys.exit(main())
