"""Migrations apply, roll back and re-apply on the real server."""

from __future__ import annotations

import pytest

from afirgen_fixtures.config import MySQLTarget
from afirgen_fixtures.db import connection, migrate


def _tables(conn) -> set[str]:
    with conn.cursor() as cur:
        cur.execute("SHOW TABLES")
        return {row[0] for row in cur.fetchall()}


def _indexes(conn, table: str) -> set[str]:
    with conn.cursor() as cur:
        cur.execute(f"SHOW INDEX FROM {table}")
        return {row[2] for row in cur.fetchall()}


def test_up_creates_every_table_and_index(empty_database: MySQLTarget) -> None:
    with connection.connect(empty_database) as conn:
        steps = migrate.migrate(conn)
        assert steps == [f"up {m.version:04d}_{m.name}" for m in migrate.migrations()]
        assert {
            "fir_records",
            "sessions",
            "legal_sections",
            "fir_violations",
            "background_tasks",
            "schema_migrations",
        } <= _tables(conn)
        assert {"idx_fir_status_created", "idx_fir_covering_list", "ft_fir_complaint_text"} <= (
            _indexes(conn, "fir_records")
        )
        assert migrate.current_version(conn) == migrate.head_version()


def test_index_migration_rolls_back_and_reapplies(empty_database: MySQLTarget) -> None:
    with connection.connect(empty_database) as conn:
        migrate.migrate(conn)
        assert "ft_fir_content" not in _indexes(conn, "fir_records")  # no query searches it
        assert migrate.migrate(conn, 1) == [
            "down 0004_drop_fir_content_fulltext",
            "down 0003_fir_status_summary",
            "down 0002_performance_indexes",
        ]
        assert _indexes(conn, "fir_records") == {
            "PRIMARY",
            "uq_fir_records_fir_number",
            "uq_fir_records_session",
        }
        assert migrate.current_version(conn) == 1
        assert migrate.migrate(conn) == [
            "up 0002_performance_indexes",
            "up 0003_fir_status_summary",
            "up 0004_drop_fir_content_fulltext",
        ]
        assert "idx_fir_status_created" in _indexes(conn, "fir_records")


def test_full_rollback_leaves_only_the_tracking_table(empty_database: MySQLTarget) -> None:
    with connection.connect(empty_database) as conn:
        migrate.migrate(conn)
        migrate.migrate(conn, 0)
        assert _tables(conn) == {"schema_migrations"}
        assert migrate.current_version(conn) == 0


def test_unknown_target_is_a_clear_error(empty_database: MySQLTarget) -> None:
    with (
        connection.connect(empty_database) as conn,
        pytest.raises(migrate.MigrationError, match="no migration 0099"),
    ):
        migrate.migrate(conn, 99)
