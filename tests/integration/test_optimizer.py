"""The optimizer on real plans: the same queries with the index migration applied and rolled
back, on a few thousand rows so MariaDB's choices are the ones production would see."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pymysql
import pytest

from afirgen_fixtures.config import MySQLTarget, Settings
from afirgen_fixtures.db import connection, migrate
from afirgen_fixtures.db.optimizer import (
    analyze_tabular_plan,
    explain,
    index_columns,
    suggest_indexes,
)
from afirgen_fixtures.db.pool import Pool
from afirgen_fixtures.db.repositories import FIRRepository, LegalSectionRepository
from afirgen_fixtures.models.records import FIRStatus, NewFIR, NewLegalSection, fir_number_for

pytestmark = pytest.mark.integration

FIRS = 3_000
SECTIONS = 120
STATUS_PAGE = (
    "SELECT id, fir_number, created_at FROM fir_records WHERE status = %s "
    "ORDER BY created_at DESC, id DESC LIMIT 20"
)
SECTION_USAGE = (
    "SELECT ls.section_number, COUNT(*) AS firs FROM fir_violations v "
    "JOIN legal_sections AS ls ON ls.id = v.section_id WHERE ls.category = %s "
    "GROUP BY ls.section_number"
)


@pytest.fixture
def pool(migrated_database: MySQLTarget, settings: Settings) -> Iterator[Pool]:
    """A pool on a database holding FIRs linked to legal sections, with fresh statistics."""
    pool = Pool(migrated_database, settings)
    section_ids = LegalSectionRepository(pool).bulk_insert(
        [NewLegalSection(section_number=str(n), title=f"Section {n}", penalty="",
                         description=f"offence {n}", category=f"cat{n % 12}")
         for n in range(SECTIONS)]
    )  # fmt: skip
    start = datetime(2026, 1, 1)
    FIRRepository(pool, cursor_secret="test").bulk_insert(
        [NewFIR(fir_number=fir_number_for(f"{n:08x}", start + timedelta(minutes=n)),
                police_station="Station", complaint_text=f"complaint {n}",
                status=list(FIRStatus)[n % 5], created_at=start + timedelta(minutes=n),
                section_ids=(section_ids[n % SECTIONS], section_ids[(n * 7 + 1) % SECTIONS]))
         for n in range(FIRS)]
    )  # fmt: skip
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute("ANALYZE TABLE fir_records, fir_violations, legal_sections")
        cur.fetchall()
    yield pool
    pool.dispose()


@pytest.fixture
def conn(pool: Pool, migrated_database: MySQLTarget) -> Iterator[pymysql.Connection]:
    """A connection of its own (not pooled): migrations change the schema under it."""
    with connection.connect(migrated_database) as conn:
        yield conn


def test_status_page_uses_the_composite_index_at_head(conn: pymysql.Connection) -> None:
    plan = explain(conn, STATUS_PAGE, ("pending",))
    assert plan.indexes == {"fir_records": "idx_fir_status_created"}
    assert not plan.filesort and not plan.full_scan
    assert 0 < plan.rows_examined < FIRS
    assert suggest_indexes(STATUS_PAGE, plan, index_columns(conn, ["fir_records"])) == []


def test_without_the_index_migration_it_scans_sorts_and_gets_the_index_suggested(
    conn: pymysql.Connection,
) -> None:
    migrate.migrate(conn, 1)
    plan = explain(conn, STATUS_PAGE, ("pending",))
    assert plan.full_scan and plan.filesort
    assert plan.indexes == {"fir_records": None}
    assert plan.rows_examined >= FIRS * 0.9  # InnoDB's row estimate is approximate
    (suggestion,) = suggest_indexes(STATUS_PAGE, plan, index_columns(conn, ["fir_records"]))
    assert suggestion.table == "fir_records"
    assert suggestion.columns[:2] == ("status", "created_at")

    # Creating what was suggested gives back the indexed plan.
    with conn.cursor() as cur:
        cur.execute(str(suggestion))
    fixed = explain(conn, STATUS_PAGE, ("pending",))
    assert fixed.indexes == {"fir_records": suggestion.name} and not fixed.filesort


def test_join_suggestion_names_the_join_column(conn: pymysql.Connection) -> None:
    at_head = explain(conn, SECTION_USAGE, ("cat3",))
    assert at_head.indexes["v"] == "idx_fir_violations_section"
    migrate.migrate(conn, 1)
    plan = explain(conn, SECTION_USAGE, ("cat3",))
    assert plan.full_scan
    existing = index_columns(conn, ["fir_violations", "legal_sections"])
    by_table = {s.table: s for s in suggest_indexes(SECTION_USAGE, plan, existing)}
    assert by_table["fir_violations"].columns == ("section_id",)
    assert by_table["legal_sections"].columns[0] == "category"


def test_tabular_explain_agrees_with_the_json_plan(conn: pymysql.Connection) -> None:
    migrate.migrate(conn, 1)
    with conn.cursor() as cur:
        cur.execute(f"EXPLAIN {STATUS_PAGE}", ("pending",))
        names = [column[0].lower() for column in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    tabular = analyze_tabular_plan(STATUS_PAGE, rows)
    json_plan = explain(conn, STATUS_PAGE, ("pending",))
    assert tabular.source == "tabular" and json_plan.source == "json"
    assert (tabular.indexes, tabular.full_scan, tabular.filesort) == (
        json_plan.indexes, json_plan.full_scan, json_plan.filesort,
    )  # fmt: skip
    assert tabular.rows_examined == json_plan.rows_examined


def test_repository_keyset_query_is_served_by_an_index(
    pool: Pool, conn: pymysql.Connection
) -> None:
    """The continuation query ``FIRRepository.page`` sends, at head schema."""
    firs = FIRRepository(pool, cursor_secret="test")
    first = firs.page(limit=20, status="pending")
    sql, params = firs.page_query(first.next_cursor, limit=20, status="pending")
    plan = explain(conn, sql, params)
    assert plan.indexes == {"fir_records": "idx_fir_status_created"}
    assert not plan.full_scan and not plan.filesort
    assert suggest_indexes(sql, plan, index_columns(conn, ["fir_records"])) == []
