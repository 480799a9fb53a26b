"""Integration fixtures: a seeded 10k-FIR dataset shared by the whole test session."""

from __future__ import annotations

import pytest

from afirgen_fixtures.config import MySQLTarget
from afirgen_fixtures.data import Dataset, load_dataset


@pytest.fixture(scope="session")
def dataset_10k(mysql_server: MySQLTarget) -> Dataset:
    """10,000 FIRs with the default seed, loaded once (or reused if the server has it)."""
    return load_dataset(mysql_server, scale=10_000)
