"""Seed a database with a generated dataset once, and reuse it on every later call.

A dataset is keyed by (scale, seed, schema version, generator version); the key names the
database. The loader creates that database itself and marks it with an ``afirgen_dataset`` row:
'loading' before the first data row, 'ready' after the last index. It reuses a ready database,
reloads one whose load crashed, and refuses any database without its marker, which it did not
create. A MariaDB named lock keeps two processes from loading the same key at once.

Loading is bulk-first: base schema (migration 1) only, multi-row INSERTs in transactions, then
the remaining migrations, whose secondary and FULLTEXT indexes build far faster over loaded
tables than row by row, then ANALYZE TABLE.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pymysql

from afirgen_fixtures.config import MySQLTarget
from afirgen_fixtures.data.generator import (
    DATA_END,
    GENERATOR_VERSION,
    TABLE_COLUMNS,
    DatasetGenerator,
)
from afirgen_fixtures.db import connection, migrate
from afirgen_fixtures.db.repositories import status_summary

SCALES = (10_000, 100_000, 1_000_000)
DEFAULT_SCALE = 100_000
DEFAULT_SEED = 20261031
MARKER_TABLE = "afirgen_dataset"
# Deleted rows the FULLTEXT indexes still hold. A rebuild purges them but costs 16 s at 100k
# rows and leaves a burst of background I/O, so it waits until they reach 5 % of the table:
# far below the 1,300 % that once made searches four times slower.
DEBT_TABLE = "afirgen_fulltext_debt"
FULLTEXT_DEBT_LIMIT = 0.05
_DEBT_DDL = (
    f"CREATE TABLE IF NOT EXISTS {DEBT_TABLE} (id TINYINT PRIMARY KEY, deleted_rows INT NOT NULL)"
)
ROWS_PER_STATEMENT = 1_000
LOAD_TIMEOUT_S = 3_600  # socket timeout while an index build or a big INSERT runs
LOCK_WAIT_S = 3_600  # how long to wait for another process loading the same dataset
_LOCK_POLL_S = 30  # each GET_LOCK waits this long, well inside the socket read timeout
_BASE_SCHEMA_VERSION = 1

Progress = Callable[[str], None]

_MARKER_DDL = f"""
CREATE TABLE {MARKER_TABLE} (
    dataset_key VARCHAR(64) NOT NULL PRIMARY KEY,
    params_digest CHAR(64) NOT NULL,
    scale INT NOT NULL,
    seed BIGINT NOT NULL,
    generator_version INT NOT NULL,
    schema_version INT NOT NULL,
    status ENUM('loading', 'ready') NOT NULL,
    checksum CHAR(64) NULL,
    counts JSON NULL,
    load_seconds DOUBLE NULL,
    loaded_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
"""


class DatasetError(RuntimeError):
    """A dataset cannot be loaded, reused or dropped; the message says why and what to do."""


class UnsupportedScaleError(DatasetError, ValueError):
    """The scale or seed is not one the loader offers."""


class ForeignDatabaseError(DatasetError):
    """The dataset's database exists but this loader did not create it; it stays untouched."""


class DatasetMismatchError(DatasetError):
    """The database holds a dataset, but for other parameters than the ones asked for."""


@dataclass(frozen=True)
class Dataset:
    """A seeded database ready for benchmarks; ``target`` has that database selected."""

    target: MySQLTarget
    scale: int
    seed: int
    checksum: str
    schema_version: int
    generator_version: int
    counts: dict[str, int]
    load_seconds: float | None
    reused: bool


@dataclass(frozen=True)
class DatasetMarker:
    """The loader's record inside a dataset database, as ``list_datasets`` reports it."""

    database: str
    scale: int
    seed: int
    status: str
    checksum: str | None
    generator_version: int
    schema_version: int
    params_digest: str
    counts: dict[str, int]
    load_seconds: float | None
    loaded_at: datetime


def scale_label(scale: int) -> str:
    """10_000 -> '10k', 1_000_000 -> '1m'."""
    return f"{scale // 1_000_000}m" if scale >= 1_000_000 else f"{scale // 1_000}k"


def check_parameters(scale: int, seed: int) -> None:
    """Raise ``UnsupportedScaleError`` unless the loader offers this scale and seed."""
    if scale not in SCALES:
        offered = ", ".join(f"{s:,}" for s in SCALES)
        raise UnsupportedScaleError(f"unsupported scale {scale:,}; choose one of {offered}")
    if not 0 <= seed < 2**63:
        raise UnsupportedScaleError(f"seed must be an integer in [0, 2**63), got {seed}")


def database_name(server: MySQLTarget, scale: int, seed: int) -> str:
    """``{server db}_{label}_s{schema}_g{generator}``, plus ``_r{seed}`` for a non-default seed."""
    check_parameters(scale, seed)
    name = f"{server.database}_{scale_label(scale)}_s{migrate.head_version()}_g{GENERATOR_VERSION}"
    if seed != DEFAULT_SEED:
        name += f"_r{seed}"
    connection.quote_identifier(name)  # raises unless a plain identifier of <= 64 characters
    return name


def params_digest(scale: int, seed: int) -> str:
    params = {
        "scale": scale,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "schema_version": migrate.head_version(),
    }
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def load_dataset(
    server: MySQLTarget,
    *,
    scale: int = DEFAULT_SCALE,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
) -> Dataset:
    """Return the dataset for (scale, seed), loading it first unless a ready copy exists."""
    report = progress or _silent
    target = server.with_database(database_name(server, scale, seed))
    digest = params_digest(scale, seed)
    with _dataset_lock(server, target.database, report):
        marker = _read_marker(target)
        if marker is not None and marker.status == "ready":
            if marker.params_digest != digest:
                raise DatasetMismatchError(
                    f"database {target.database} holds a dataset with other parameters "
                    f"(scale {marker.scale}, seed {marker.seed}, generator "
                    f"g{marker.generator_version}); drop it with `python -m afirgen_fixtures.data "
                    f"drop --scale {scale} --seed {seed}` and load again"
                )
            report(f"{target.database}: ready, reusing it (checksum {marker.checksum})")
            return Dataset(
                target=target,
                scale=marker.scale,
                seed=marker.seed,
                checksum=marker.checksum or "",  # a ready marker always has its checksum
                schema_version=marker.schema_version,
                generator_version=marker.generator_version,
                counts=marker.counts,
                load_seconds=None,
                reused=True,
            )
        if marker is not None:
            report(f"{target.database}: an earlier load did not finish; dropping and reloading")
            connection.drop_database(target)
        return _load(target, scale, seed, digest, report)


def drop_dataset(server: MySQLTarget, scale: int, seed: int = DEFAULT_SEED) -> bool:
    """Drop the dataset's database if this loader created it; False if there was none."""
    target = server.with_database(database_name(server, scale, seed))
    with _dataset_lock(server, target.database, _silent):
        if _read_marker(target) is None:
            return False
        connection.drop_database(target)
        return True


def reset_dataset(target: MySQLTarget) -> dict[str, int]:
    """Delete what was written into a loaded dataset after it was generated; return the
    rows removed per table.

    Benchmarks and load tests write FIRs and sessions into the shared dataset; every generated
    row is older than ``DATA_END``, so anything newer came from them. Resetting keeps counts
    and aggregates the same from run to run. The FULLTEXT indexes are rebuilt once the rows
    deleted since their last rebuild reach ``FULLTEXT_DEBT_LIMIT`` of the table. Refuses a
    database this loader did not create.
    """
    if _read_marker(target) is None:
        raise ForeignDatabaseError(f"{target.database} is not a dataset created by this loader")
    removed: dict[str, int] = {}
    with connection.connect(target) as conn, conn.cursor() as cur:
        conn.begin()
        removed["fir_violations"] = cur.execute(
            "DELETE v FROM fir_violations v JOIN fir_records f ON f.id = v.fir_id "
            "WHERE f.created_at > %s",
            (DATA_END,),
        )
        for table in ("fir_records", "sessions", "background_tasks"):
            removed[table] = cur.execute(f"DELETE FROM {table} WHERE created_at > %s", (DATA_END,))
        if removed["fir_records"]:
            status_summary.rebuild(conn)
        conn.commit()
    if removed["fir_records"]:
        debt = _add_fulltext_debt(target, removed["fir_records"])
        live = _read_marker(target).counts.get("fir_records", 0)
        if debt > FULLTEXT_DEBT_LIMIT * live:
            purge_fulltext(target)
    return removed


def fulltext_debt(target: MySQLTarget) -> int:
    """Rows deleted from ``fir_records`` since its FULLTEXT indexes were last rebuilt."""
    with connection.connect(target) as conn, conn.cursor() as cur:
        cur.execute(_DEBT_DDL)
        cur.execute(f"SELECT COALESCE(SUM(deleted_rows), 0) FROM {DEBT_TABLE}")
        return int(cur.fetchone()[0])


def _add_fulltext_debt(target: MySQLTarget, deleted: int) -> int:
    with connection.connect(target) as conn, conn.cursor() as cur:
        cur.execute(_DEBT_DDL)
        cur.execute(
            f"INSERT INTO {DEBT_TABLE} (id, deleted_rows) VALUES (1, %s) "
            "ON DUPLICATE KEY UPDATE deleted_rows = deleted_rows + VALUES(deleted_rows)",
            (deleted,),
        )
    return fulltext_debt(target)


def purge_fulltext(target: MySQLTarget) -> None:
    """Rebuild ``fir_records`` so its FULLTEXT indexes forget deleted rows.

    InnoDB keeps every deleted document id in a FULLTEXT index until the index is rebuilt.
    Rows that benchmarks and load runs wrote and took back piled up (129k deleted ids next to
    10k live rows were seen) and made searches up to four times slower, run after run.
    OPTIMIZE TABLE with ``innodb_optimize_fulltext_only`` needed over 40 passes of 2 s at 100k
    rows and still purged nothing; a rebuild takes 1.6 s at 10k rows, 16 s at 100k, and
    purges everything.
    """
    with connection.connect(target) as conn, conn.cursor() as cur:
        cur.execute("ALTER TABLE fir_records FORCE")
        cur.execute(_DEBT_DDL)
        cur.execute(f"DELETE FROM {DEBT_TABLE}")


def list_datasets(server: MySQLTarget) -> list[DatasetMarker]:
    """Every database on the server that carries this loader's marker, by name."""
    with connection.connect(server, database=False) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT TABLE_SCHEMA FROM information_schema.TABLES WHERE TABLE_NAME = %s "
            "ORDER BY TABLE_SCHEMA",
            (MARKER_TABLE,),
        )
        databases = [row[0] for row in cur.fetchall()]
    markers = []
    for name in databases:
        try:
            marker = _read_marker(server.with_database(name))
        except ForeignDatabaseError:
            continue  # a marker table without this database's row: not a dataset of ours
        if marker is not None:
            markers.append(marker)
    return markers


# -- loading ---------------------------------------------------------------------------------


def _load(target: MySQLTarget, scale: int, seed: int, digest: str, report: Progress) -> Dataset:
    started = time.perf_counter()
    report(f"{target.database}: loading {scale:,} FIRs (seed {seed})")
    connection.create_database(target)
    with _bulk_connection(target) as conn:
        with conn.cursor() as cur:
            cur.execute(_MARKER_DDL)
            cur.execute(
                f"INSERT INTO {MARKER_TABLE} (dataset_key, params_digest, scale, seed, "
                "generator_version, schema_version, status) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    target.database,
                    digest,
                    scale,
                    seed,
                    GENERATOR_VERSION,
                    migrate.head_version(),
                    "loading",
                ),
            )
        migrate.migrate(conn, _BASE_SCHEMA_VERSION)
        generator = DatasetGenerator(scale, seed)
        generate_s, insert_s = _insert_all(conn, generator, report)
        report(f"generate {generate_s:.1f} s, insert {insert_s:.1f} s")
        phase = time.perf_counter()
        migrate.migrate(conn)
        report(
            f"index build (migrations to {migrate.head_version()}) "
            f"{time.perf_counter() - phase:.1f} s"
        )
        phase = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute("ANALYZE TABLE " + ", ".join(TABLE_COLUMNS))
            cur.fetchall()
        report(f"analyze {time.perf_counter() - phase:.1f} s")
        load_seconds = time.perf_counter() - started
        with conn.cursor() as cur:
            cur.execute(
                f"UPDATE {MARKER_TABLE} SET status = 'ready', checksum = %s, counts = %s, "
                "load_seconds = %s, loaded_at = CURRENT_TIMESTAMP(6) WHERE dataset_key = %s",
                (generator.checksum, json.dumps(generator.counts), load_seconds, target.database),
            )
    return Dataset(
        target=target,
        scale=scale,
        seed=seed,
        checksum=generator.checksum,
        schema_version=migrate.head_version(),
        generator_version=GENERATOR_VERSION,
        counts=dict(generator.counts),
        load_seconds=load_seconds,
        reused=False,
    )


def _insert_all(
    conn: pymysql.Connection, generator: DatasetGenerator, report: Progress
) -> tuple[float, float]:
    """Insert every chunk, one transaction each; return (generate, insert) seconds."""
    statements = {
        table: f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        f"({', '.join(['%s'] * len(columns))})"
        for table, columns in TABLE_COLUMNS.items()
    }
    with conn.cursor() as cur:
        cur.execute("SELECT @@max_allowed_packet")
        (max_packet,) = cur.fetchone()
    generate_s = insert_s = 0.0
    report_every = max(generator.chunk_firs, generator.scale // 10)
    chunks = generator.chunks()
    while True:
        tick = time.perf_counter()
        chunk = next(chunks, None)
        tock = time.perf_counter()
        generate_s += tock - tick
        if chunk is None:
            return generate_s, insert_s
        conn.begin()
        with conn.cursor() as cur:
            # pymysql turns executemany of one-row INSERTs into multi-row statements and
            # splits them at max_stmt_length bytes; keep that well under the packet limit.
            cur.max_stmt_length = min(max_packet // 2, 16 * 1024 * 1024)
            for table, rows in chunk.rows.items():
                for start in range(0, len(rows), ROWS_PER_STATEMENT):
                    cur.executemany(statements[table], rows[start : start + ROWS_PER_STATEMENT])
        conn.commit()
        insert_s += time.perf_counter() - tock
        if chunk.firs_done and (
            chunk.firs_done % report_every == 0 or chunk.firs_done == generator.scale
        ):
            rate = sum(generator.counts.values()) / (generate_s + insert_s)
            report(f"inserted {chunk.firs_done:,}/{generator.scale:,} FIRs ({rate:,.0f} rows/s)")


@contextmanager
def _bulk_connection(target: MySQLTarget) -> Iterator[pymysql.Connection]:
    """A connection whose socket timeouts outlast an index build over a million rows."""
    kwargs = target.connect_kwargs() | {
        "read_timeout": LOAD_TIMEOUT_S,
        "write_timeout": LOAD_TIMEOUT_S,
    }
    conn = pymysql.connect(**kwargs)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def _dataset_lock(server: MySQLTarget, database: str, report: Progress) -> Iterator[None]:
    """Hold the server-wide named lock of one dataset; wait while another process holds it."""
    name = "afirgen_dataset_" + hashlib.sha256(database.encode()).hexdigest()[:32]
    with connection.connect(server, database=False) as conn, conn.cursor() as cur:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            cur.execute("SELECT GET_LOCK(%s, %s)", (name, _LOCK_POLL_S))
            if cur.fetchone()[0] == 1:
                break
            if time.monotonic() > deadline:
                raise DatasetError(
                    f"another process has been loading {database} for over {LOCK_WAIT_S} s; "
                    "wait for it to finish or stop it, then try again"
                )
            report(f"{database}: another process is loading it; waiting")
        try:
            yield
        finally:
            cur.execute("SELECT RELEASE_LOCK(%s)", (name,))
            cur.fetchall()


def _read_marker(target: MySQLTarget) -> DatasetMarker | None:
    """The marker row; None if the database does not exist; raises if it is not ours."""
    if not connection.database_exists(target):
        return None
    with connection.connect(target) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
            (target.database, MARKER_TABLE),
        )
        row = None
        if cur.fetchone() is not None:
            cur.execute(
                "SELECT scale, seed, status, checksum, generator_version, schema_version, "
                f"params_digest, counts, load_seconds, loaded_at FROM {MARKER_TABLE} "
                "WHERE dataset_key = %s",
                (target.database,),
            )
            row = cur.fetchone()
    if row is None:
        raise ForeignDatabaseError(
            f"database {target.database} exists but has no {MARKER_TABLE} marker, so this loader "
            "did not create it (or a load died before writing its marker); it was left "
            "untouched: inspect it, then drop it yourself or point AFIRGEN_MYSQL_URL elsewhere"
        )
    scale, seed, status, checksum, generator_version, schema_version, digest = row[:7]
    counts, load_seconds, loaded_at = row[7:]
    return DatasetMarker(
        target.database,
        scale,
        seed,
        status,
        checksum,
        generator_version,
        schema_version,
        digest,
        json.loads(counts) if counts else {},
        load_seconds,
        loaded_at,
    )


def _silent(_message: str) -> None:
    """Progress sink used when the caller does not want progress."""
