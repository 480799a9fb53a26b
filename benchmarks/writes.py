"""Writes: FIRs bulk-inserted through the repository (the seed's ``bulk_insert``).

They go into an empty, migrated database of their own, made afresh by ``setup_cache``.
Writing into the shared data sets meant rebuilding their FULLTEXT indexes afterwards (InnoDB
keeps deleted ids until then): 18 s before every round, and a burst of background I/O that
slowed whichever benchmark came next.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from .backend import check_requirements, feature, has_feature
from .calls import Call, measures
from .common import P99_SAMPLES, Latency, Skipped, repeat_for, skip_if_unprepared
from .resources import server_target, service_urls, unique_token

WRITES_DATABASE = "afirgen_bench_writes"


@cache
def writes_repository() -> Any:
    target = server_target().with_database(WRITES_DATABASE)
    settings = feature("config", "Settings")(
        mysql_url=target.url(), redis_url=service_urls().redis_url, pool_size=4
    )
    pool = feature("db.pool", "Pool")(target, settings)
    return feature("db.repositories", "FIRRepository")(pool, cursor_secret=settings.cursor_secret)


def fir_batch(rows: int, prefix: str) -> list[Any]:
    """``rows`` new FIRs, each with two violation links, numbered ``<prefix>-<n>``."""
    new_fir = feature("models.records", "NewFIR")
    return [
        new_fir(
            fir_number=f"{prefix}-{20300101000000 + j:014d}",
            police_station="Benchmark Police Station, New Delhi",
            complaint_text="My phone was stolen at the bus stop near the market. " * 18,
            fir_content="FIRST INFORMATION REPORT " * 60,
            violations=[{"section_number": "BNS 303(2)", "title": "Theft"}],
            section_ids=(1, 2),
        )
        for j in range(rows)
    ]


def bulk_insert(repository: Any, batches: list[list[Any]]) -> Call:
    """Call ``i`` inserts batch ``i`` in one transaction."""
    return lambda i: repository.bulk_insert(batches[i])


@dataclass(frozen=True)
class WritesDatabase:
    """``BulkInsert.setup_cache``: the empty database the inserts go to."""

    name: str


class BulkInsert(Latency):
    """Seed ``bulk_insert``: 10 and 100 FIRs (with violation links) in one transaction."""

    requires = (
        "db.repositories:FIRRepository",
        "db.pool:Pool",
        "db.migrate:migrate",
        "db.connection:create_database",
        "db.connection:drop_database",
        "models.records:NewFIR",
    )
    params = [[10, 100]]
    param_names = ["rows"]
    repeat = repeat_for(P99_SAMPLES)  # for the SLA's P99 of 10 rows

    def setup_cache(self) -> WritesDatabase | Skipped:
        missing = [r for r in self.requires if not has_feature(*r.split(":"))]
        if missing:
            return Skipped(f"this commit lacks {', '.join(missing)}")
        target = server_target().with_database(WRITES_DATABASE)
        feature("db.connection", "drop_database")(target)
        feature("db.connection", "create_database")(target)
        with feature("db.connection", "connect")(target) as conn:
            feature("db.migrate", "migrate")(conn)
        return WritesDatabase(WRITES_DATABASE)

    setup_cache.timeout = 600

    def setup(self, prepared: WritesDatabase | Skipped, rows: int) -> None:
        skip_if_unprepared(prepared)
        check_requirements(self)
        batch = fir_batch(rows, prefix=f"FIR-{unique_token()[:8]}")
        self.call = bulk_insert(writes_repository(), [batch])

    @measures(bulk_insert)
    def time_bulk_insert(self, prepared: WritesDatabase, rows: int) -> None:
        self.call(0)
