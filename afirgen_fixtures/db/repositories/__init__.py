"""Repositories: one class per table, over the connection pool and an optional cache."""

from afirgen_fixtures.db.repositories.base import (
    BaseRepository,
    CacheLike,
    InvalidSearchError,
    InvalidTransitionError,
    RecordNotFoundError,
)
from afirgen_fixtures.db.repositories.fir import FIRRepository
from afirgen_fixtures.db.repositories.legal_sections import LegalSectionRepository
from afirgen_fixtures.db.repositories.sessions import SessionRepository

__all__ = [
    "BaseRepository",
    "CacheLike",
    "FIRRepository",
    "InvalidSearchError",
    "InvalidTransitionError",
    "LegalSectionRepository",
    "RecordNotFoundError",
    "SessionRepository",
]
