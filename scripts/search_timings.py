"""Single-user search latency by class of query, the way the suite's benchmark calls it.

Times every query of ``benchmarks/search_queries.json`` ``--passes`` times through
``FIRRepository.search`` on the data set of ``--scale`` (seeded or reused on the private
MariaDB), after one untimed pass, and prints each class's P50, P95 and slowest query. The
backend is whichever ``afirgen_fixtures`` Python imports, so an older commit is measured from
a worktree of it (the data set is the same for every commit of generator version 1):

    git worktree add /tmp/afirgen-old 34e71b4
    PYTHONPATH=/tmp/afirgen-old .venv/bin/python scripts/search_timings.py --scale 100000

A query slower than ``--give-up`` seconds on the untimed pass is reported as such and left
out of the timed passes (the old backend takes 6-12 s for some phrases).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path

import afirgen_fixtures
from afirgen_fixtures.config import MySQLTarget, Settings
from afirgen_fixtures.data import load_dataset
from afirgen_fixtures.db.pool import Pool
from afirgen_fixtures.db.repositories import FIRRepository
from afirgen_fixtures.services import resolve

MIX = Path(__file__).resolve().parents[1] / "benchmarks" / "search_queries.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--give-up", type=float, default=2.0, help="seconds")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    urls = resolve()  # $AFIRGEN_MYSQL_URL, else the private servers, started if need be
    dataset = load_dataset(MySQLTarget.from_url(urls.mysql_url), scale=args.scale)
    pool = Pool(dataset.target, Settings(mysql_url=dataset.target.url()))
    firs = FIRRepository(pool, cursor_secret="search-timings")
    mix = json.loads(MIX.read_text())["classes"]
    print(f"backend {Path(afirgen_fixtures.__file__).parent}, {args.scale:,} FIRs")
    print("| class | P50 | P95 | slowest query | gave up |\n|---|---:|---:|---|---:|")
    figures = {}
    for name, entry in mix.items():
        kept, gave_up = [], []
        for query in entry["queries"]:
            started = time.perf_counter()
            firs.search(query, mode=entry["mode"], limit=20)
            (gave_up if time.perf_counter() - started > args.give_up else kept).append(query)
        times: dict[str, list[float]] = {query: [] for query in kept}
        for _ in range(args.passes):
            for query in kept:
                started = time.perf_counter()
                firs.search(query, mode=entry["mode"], limit=20)
                times[query].append((time.perf_counter() - started) * 1000)
        every = sorted(t for ts in times.values() for t in ts)
        slowest = max(times, key=lambda q: max(times[q])) if times else "-"
        p50 = statistics.median(every) if every else float("nan")
        p95 = every[math.ceil(0.95 * len(every)) - 1] if every else float("nan")
        figures[name] = {"p50_ms": p50, "p95_ms": p95, "gave_up": gave_up}
        print(f"| `{name}` | {p50:.1f} ms | {p95:.1f} ms | `{slowest}` | {len(gave_up)} |")
    pool.dispose()
    if args.json:
        args.json.write_text(json.dumps({"scale": args.scale, "classes": figures}, indent=2))


if __name__ == "__main__":
    main()
