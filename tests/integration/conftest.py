"""Integration fixtures: a seeded 10k-FIR dataset shared by the whole test session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from afirgen_fixtures.config import MySQLTarget, Settings
from afirgen_fixtures.data import Dataset, load_dataset
from afirgen_fixtures.db import connection
from afirgen_fixtures.db.pool import Pool


@pytest.fixture(scope="session")
def dataset_10k(mysql_server: MySQLTarget) -> Dataset:
    """10,000 FIRs with the default seed, loaded once (or reused if the server has it)."""
    return load_dataset(mysql_server, scale=10_000)


@pytest.fixture
def pool(migrated_database: MySQLTarget, settings: Settings) -> Iterator[Pool]:
    """A pool on a fresh, empty database at the newest schema."""
    pool = Pool(migrated_database, settings)
    yield pool
    pool.dispose()


@contextmanager
def writable_copy(dataset: Dataset) -> Iterator[MySQLTarget]:
    """A copy of a seeded data set that a test may write to, dropped afterwards."""
    target = dataset.target.with_database(f"{dataset.target.database}_c{uuid.uuid4().hex[:6]}")
    connection.clone_database(dataset.target, target)
    try:
        yield target
    finally:
        connection.drop_database(target)
