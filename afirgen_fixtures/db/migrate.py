"""Versioned, reversible schema migrations kept as ``NNNN_name.up.sql`` / ``.down.sql`` pairs.

MySQL DDL commits implicitly, so a migration cannot be rolled back by a transaction; instead
each migration is recorded in ``schema_migrations`` only after all its statements succeeded,
and ``down`` files undo it explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pymysql

_FILE = re.compile(r"^(\d{4})_(\w+)\.(up|down)\.sql$")
_TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INT NOT NULL PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
"""


class MigrationError(RuntimeError):
    """A migration statement failed; the message names the migration and the statement."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up: tuple[str, ...]
    down: tuple[str, ...]


def split_statements(sql: str) -> tuple[str, ...]:
    """Split a migration file on ``;`` at line ends, dropping ``--`` comment lines."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    chunks = re.split(r";\s*$", "\n".join(lines), flags=re.MULTILINE)
    return tuple(chunk.strip() for chunk in chunks if chunk.strip())


@cache
def migrations() -> tuple[Migration, ...]:
    """Every migration shipped with the package, oldest first."""
    folder = resources.files("afirgen_fixtures.db") / "migrations"
    found: dict[int, dict[str, str]] = {}
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match:
            version, name, direction = int(match[1]), match[2], match[3]
            found.setdefault(version, {"name": name})[direction] = entry.read_text()
    result = []
    for version in sorted(found):
        parts = found[version]
        if "up" not in parts or "down" not in parts:
            raise MigrationError(f"migration {version:04d} lacks its up or down file")
        result.append(
            Migration(
                version,
                parts["name"],
                split_statements(parts["up"]),
                split_statements(parts["down"]),
            )
        )
    return tuple(result)


def head_version() -> int:
    return migrations()[-1].version


def applied_versions(conn: pymysql.Connection) -> list[int]:
    with conn.cursor() as cur:
        cur.execute(_TRACKING_DDL)
        cur.execute("SELECT version FROM schema_migrations ORDER BY version")
        return [row[0] for row in cur.fetchall()]


def current_version(conn: pymysql.Connection) -> int:
    applied = applied_versions(conn)
    return applied[-1] if applied else 0


def migrate(conn: pymysql.Connection, target: int | None = None) -> list[str]:
    """Apply or roll back migrations until ``target`` (default: the newest); return the steps."""
    target = head_version() if target is None else target
    known = {m.version: m for m in migrations()}
    if target != 0 and target not in known:
        raise MigrationError(f"no migration {target:04d}; known: {sorted(known)}")
    applied = set(applied_versions(conn))
    steps: list[str] = []
    for migration in migrations():
        if migration.version <= target and migration.version not in applied:
            _run(conn, migration, migration.up, "up")
            _record(conn, migration, applied=True)
            steps.append(f"up {migration.version:04d}_{migration.name}")
    for migration in reversed(migrations()):
        if migration.version > target and migration.version in applied:
            _run(conn, migration, migration.down, "down")
            _record(conn, migration, applied=False)
            steps.append(f"down {migration.version:04d}_{migration.name}")
    return steps


def _run(
    conn: pymysql.Connection, migration: Migration, statements: tuple[str, ...], direction: str
) -> None:
    with conn.cursor() as cur:
        for statement in statements:
            try:
                cur.execute(statement)
            except pymysql.err.MySQLError as exc:
                first_line = statement.splitlines()[0]
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name} ({direction}) failed at "
                    f"'{first_line}': {exc.args[-1] if exc.args else exc}"
                ) from exc


def _record(conn: pymysql.Connection, migration: Migration, *, applied: bool) -> None:
    with conn.cursor() as cur:
        if applied:
            cur.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
        else:
            cur.execute("DELETE FROM schema_migrations WHERE version = %s", (migration.version,))
