"""The shipped migration files are well formed (pure: no server needed)."""

from afirgen_fixtures.db import migrate


def test_versions_are_consecutive_and_paired() -> None:
    versions = [m.version for m in migrate.migrations()]
    assert versions == list(range(1, len(versions) + 1))
    for m in migrate.migrations():
        assert m.up and m.down


def test_statements_split_on_line_end_semicolons_and_skip_comments() -> None:
    sql = "-- a comment; not a statement\nCREATE TABLE a (x INT);\n\nDROP TABLE b;\n"
    assert migrate.split_statements(sql) == ("CREATE TABLE a (x INT)", "DROP TABLE b")


def test_only_portable_ddl() -> None:
    """MariaDB-only syntax broke the original on MySQL 8."""
    for m in migrate.migrations():
        for statement in m.up + m.down:
            assert "IF NOT EXISTS" not in statement.upper().replace("CREATE TABLE IF", "")
            assert "IF EXISTS" not in statement.upper()
