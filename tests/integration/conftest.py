"""Integration fixtures: a seeded 10k-FIR dataset shared by the whole test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from afirgen_fixtures.config import MySQLTarget, Settings
from afirgen_fixtures.data import Dataset, load_dataset
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
