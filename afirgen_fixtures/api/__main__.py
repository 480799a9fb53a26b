"""``python -m afirgen_fixtures.api serve``: the API with uvicorn on 127.0.0.1.

By default it uses the private MariaDB and Redis (started if needed) and the seeded data set
of ``--scale`` FIRs; ``AFIRGEN_MYSQL_URL`` / ``AFIRGEN_REDIS_URL`` point it elsewhere, and
``--database`` picks a database by name instead of the data set.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from afirgen_fixtures.api.app import create_app
from afirgen_fixtures.config import ConfigError, MySQLTarget, Settings
from afirgen_fixtures.services import ServiceError, resolve


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
    args = parser.parse_args(argv)

    try:
        urls = resolve()
        target = MySQLTarget.from_url(urls.mysql_url)
        if args.database:
            target = target.with_database(args.database)
        else:
            from afirgen_fixtures.data import DEFAULT_SCALE, load_dataset

            dataset = load_dataset(target, scale=args.scale or DEFAULT_SCALE, progress=print)
            target = dataset.target
        settings = Settings(mysql_url=target.url(), redis_url=urls.redis_url)
    except (ServiceError, ConfigError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
