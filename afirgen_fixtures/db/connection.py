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
