"""Plain pymysql connections with explicit options, for tools that must not use the pool."""

from __future__ import annotations

import re

import pymysql

from afirgen_fixtures.config import MySQLTarget

_IDENTIFIER = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def connect(target: MySQLTarget, *, database: bool = True) -> pymysql.Connection:
    """Open one connection; ``database=False`` connects without selecting a schema."""
    kwargs = target.connect_kwargs()
    if not database:
        kwargs.pop("database")
    return pymysql.connect(**kwargs)


def quote_identifier(name: str) -> str:
    """Backquote a database or table name after checking it is a plain identifier."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return f"`{name}`"


def create_database(target: MySQLTarget) -> None:
    with connect(target, database=False) as conn, conn.cursor() as cur:
        cur.execute(
            f"CREATE DATABASE IF NOT EXISTS {quote_identifier(target.database)} "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )


def drop_database(target: MySQLTarget) -> None:
    with connect(target, database=False) as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {quote_identifier(target.database)}")


def database_exists(target: MySQLTarget) -> bool:
    with connect(target, database=False) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
            (target.database,),
        )
        return cur.fetchone() is not None


def clone_database(source: MySQLTarget, target: MySQLTarget) -> None:
    """Copy every table of ``source`` into a new database ``target`` (schema and rows).

    Gives a test or a write benchmark its own copy of a seeded data set to change freely.
    """
    create_database(target)
    src, dst = quote_identifier(source.database), quote_identifier(target.database)
    with connect(source) as conn, conn.cursor() as cur:
        cur.execute("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'")
        tables = [quote_identifier(row[0]) for row in cur.fetchall()]
        for table in tables:
            cur.execute(f"CREATE TABLE {dst}.{table} LIKE {src}.{table}")
            cur.execute(f"INSERT INTO {dst}.{table} SELECT * FROM {src}.{table}")
