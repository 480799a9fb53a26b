"""``python -m afirgen_fixtures.services start|stop|status|env|watch``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from afirgen_fixtures.services.runtime import (
    DEFAULT_IDLE_S,
    ServiceError,
    ServiceRuntime,
    default_state_dir,
    watch,
)


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
    sub.add_parser("stop", help="stop them")
    sub.add_parser("status", help="show what runs")
    sub.add_parser("env", help="print AFIRGEN_*_URL exports for a shell (starts them if needed)")
    watcher = sub.add_parser("watch", help=argparse.SUPPRESS)
    watcher.add_argument("--idle", type=float, default=None)
    watcher.add_argument("--owner-pid", type=int, default=None)
    args = parser.parse_args(argv)

    runtime = ServiceRuntime(args.state_dir or default_state_dir())
    try:
        if args.command == "start":
            urls = runtime.ensure(idle_stop_s=args.idle or None)
            print(f"MariaDB: {urls.mysql_url}\nRedis:   {urls.redis_url}")
        elif args.command == "env":
            for key, value in runtime.ensure().environ().items():
                print(f"export {key}='{value}'")
        elif args.command == "stop":
            stopped = runtime.stop()
            print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        elif args.command == "status":
            print(json.dumps(runtime.status(), indent=2))
        elif args.command == "watch":
            print(watch(runtime.state_dir, args.idle, args.owner_pid), flush=True)
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
