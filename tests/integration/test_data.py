"""The loader seeds real MariaDB once, reuses it, and never touches a database it did not make."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from afirgen_fixtures.config import MySQLTarget
from afirgen_fixtures.data import (
    DEFAULT_SEED,
    Dataset,
    DatasetGenerator,
    ForeignDatabaseError,
    database_name,
    drop_dataset,
    list_datasets,
    load_dataset,
    reset_dataset,
)
from afirgen_fixtures.data import vocabulary as vocab
from afirgen_fixtures.data.generator import TABLE_COLUMNS, serialise_rows
from afirgen_fixtures.data.loader import MARKER_TABLE, fulltext_debt
from afirgen_fixtures.db import connection, migrate

pytestmark = pytest.mark.integration

ORDERED_BY_KEY = {  # tables whose key order is their generation order
    "legal_sections": "id",
    "fir_records": "id",
    "fir_violations": "fir_id, section_id",
    "background_tasks": "id",
}


def _scalar(target: MySQLTarget, sql: str, args: tuple = ()) -> object:
    with connection.connect(target) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


def _rows(target: MySQLTarget, table: str, order_by: str) -> list[tuple]:
    with connection.connect(target) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT {', '.join(TABLE_COLUMNS[table])} FROM {table} ORDER BY {order_by}")
        return list(cur.fetchall())


def test_row_counts_match_the_dataset(dataset_10k: Dataset) -> None:
    assert dataset_10k.counts["fir_records"] == 10_000
    for table, expected in dataset_10k.counts.items():
        assert _scalar(dataset_10k.target, f"SELECT COUNT(*) FROM {table}") == expected, table


def test_stored_rows_match_the_generator_checksums(dataset_10k: Dataset) -> None:
    generator = DatasetGenerator(dataset_10k.scale, dataset_10k.seed)
    sessions: list[tuple] = []
    for chunk in generator.chunks():
        sessions.extend(chunk.rows["sessions"])
    assert dataset_10k.checksum == generator.checksum
    stored = _scalar(dataset_10k.target, f"SELECT checksum FROM {MARKER_TABLE}")
    assert stored == generator.checksum
    for table, order_by in ORDERED_BY_KEY.items():
        digest = DatasetGenerator.digest(serialise_rows(_rows(dataset_10k.target, table, order_by)))
        assert digest == generator.table_checksums[table], table
    assert _rows(dataset_10k.target, "sessions", "id") == sorted(sessions)


def test_second_call_reuses_without_reloading(
    mysql_server: MySQLTarget, dataset_10k: Dataset
) -> None:
    loaded_at = _scalar(dataset_10k.target, f"SELECT loaded_at FROM {MARKER_TABLE}")
    again = load_dataset(mysql_server, scale=10_000)
    assert again.reused and again.load_seconds is None
    assert (again.target, again.checksum, again.counts) == (
        dataset_10k.target,
        dataset_10k.checksum,
        dataset_10k.counts,
    )
    assert _scalar(dataset_10k.target, f"SELECT loaded_at FROM {MARKER_TABLE}") == loaded_at
    listed = {m.database: m for m in list_datasets(mysql_server)}
    assert listed[dataset_10k.target.database].status == "ready"


def test_schema_is_at_head_with_indexes_after_load(dataset_10k: Dataset) -> None:
    with connection.connect(dataset_10k.target) as conn, conn.cursor() as cur:
        assert migrate.current_version(conn) == migrate.head_version() == dataset_10k.schema_version
        cur.execute("SHOW INDEX FROM fir_records")
        indexes = {row[2] for row in cur.fetchall()}
    assert {"ft_fir_complaint_text", "idx_fir_status_created"} <= indexes
    assert "ft_fir_content" not in indexes


def test_fulltext_search_has_real_selectivity(dataset_10k: Dataset) -> None:
    match = (
        "SELECT COUNT(*) FROM fir_records WHERE MATCH(complaint_text) AGAINST (%s IN BOOLEAN MODE)"
    )
    firs = dataset_10k.counts["fir_records"]
    for offence in vocab.OFFENCES:
        hits = _scalar(dataset_10k.target, match, ("+" + offence.cues[0],))
        assert 0.005 * firs < hits < 0.3 * firs, (offence.name, hits)
    rare = _scalar(dataset_10k.target, match, ("+" + vocab.FIRST_NAMES[-1],))
    common = _scalar(dataset_10k.target, match, ("+" + vocab.FIRST_NAMES[0],))
    assert 0 < rare < 0.02 * firs
    assert common > 20 * rare


def test_a_database_without_marker_is_refused_and_left_alone(mysql_server: MySQLTarget) -> None:
    seed = 424242
    target = mysql_server.with_database(database_name(mysql_server, 10_000, seed))
    connection.create_database(target)
    try:
        with connection.connect(target) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE precious (id INT PRIMARY KEY)")
            cur.execute("INSERT INTO precious VALUES (1)")
        with pytest.raises(ForeignDatabaseError, match=target.database):
            load_dataset(mysql_server, scale=10_000, seed=seed)
        with pytest.raises(ForeignDatabaseError, match=target.database):
            drop_dataset(mysql_server, 10_000, seed)
        assert _scalar(target, "SELECT COUNT(*) FROM precious") == 1
    finally:
        connection.drop_database(target)


def test_crashed_load_is_redone_by_exactly_one_of_two_callers(
    mysql_server: MySQLTarget, dataset_10k: Dataset
) -> None:
    with connection.connect(dataset_10k.target) as conn, conn.cursor() as cur:
        cur.execute(f"UPDATE {MARKER_TABLE} SET status = 'loading'")
        cur.execute("DELETE FROM fir_records WHERE id > 10")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(load_dataset, mysql_server, scale=10_000) for _ in range(2)]
        results = [future.result() for future in futures]
    assert sorted(r.reused for r in results) == [False, True]
    assert {r.checksum for r in results} == {dataset_10k.checksum}
    assert _scalar(dataset_10k.target, "SELECT COUNT(*) FROM fir_records") == 10_000
    assert _scalar(dataset_10k.target, f"SELECT status FROM {MARKER_TABLE}") == "ready"


def test_drop_removes_only_a_dataset_that_exists(mysql_server: MySQLTarget) -> None:
    assert drop_dataset(mysql_server, 10_000, seed=DEFAULT_SEED + 1) is False


def test_reset_removes_what_a_run_wrote_and_purges_fulltext(dataset_10k) -> None:
    """Rows newer than the generated data go; FULLTEXT search finds the same as before."""
    from datetime import datetime

    from afirgen_fixtures.data import reset_dataset
    from afirgen_fixtures.db import connection as db

    def counts() -> tuple[int, int]:
        with db.connect(dataset_10k.target) as conn, conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM fir_records")
            total = cur.fetchone()[0]
            cur.execute(
                "SELECT COUNT(*) FROM fir_records WHERE MATCH(complaint_text) "
                "AGAINST ('zzbenchmarkword' IN BOOLEAN MODE)"
            )
            return total, cur.fetchone()[0]

    before = counts()
    with db.connect(dataset_10k.target) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO fir_records (fir_number, police_station, complaint_text, fir_content, "
            "violations, created_at) VALUES ('FIR-0000abcd-20991231000000', 'PS', "
            "'zzbenchmarkword written by a run', 'x', '[]', %s)",
            (datetime(2099, 12, 31),),
        )
    assert counts() == (before[0] + 1, before[1] + 1)
    removed = reset_dataset(dataset_10k.target)
    assert removed["fir_records"] == 1
    assert counts() == before


def test_fulltext_is_rebuilt_once_deleted_rows_reach_five_percent(dataset_10k) -> None:
    """Small take-backs only count up; past 5 % of the table the indexes are rebuilt."""
    target = dataset_10k.target

    def write(rows: int) -> None:
        with connection.connect(target) as conn, conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO fir_records (fir_number, police_station, complaint_text, "
                "fir_content, violations, created_at) "
                "VALUES (%s, 'PS', 'run text', 'x', '[]', %s)",
                [(f"FIR-debt{i:04d}-20991231000000", datetime(2099, 12, 31)) for i in range(rows)],
            )

    reset_dataset(target)
    before = fulltext_debt(target)  # below 5 % of 10,000 rows after any reset
    write(3)
    assert reset_dataset(target)["fir_records"] == 3
    assert fulltext_debt(target) == before + 3
    write(600)  # now over 5 % of 10,000 rows
    reset_dataset(target)
    assert fulltext_debt(target) == 0
