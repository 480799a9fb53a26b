"""Everything a request needs, built once per app: pool, cache, repositories, generator, flow."""

from __future__ import annotations

from dataclasses import dataclass

from afirgen_fixtures.cache import CacheManager
from afirgen_fixtures.config import Settings
from afirgen_fixtures.db.pool import Pool
from afirgen_fixtures.db.repositories import (
    FIRRepository,
    LegalSectionRepository,
    SessionRepository,
)
from afirgen_fixtures.generation.flow import InteractiveFlow
from afirgen_fixtures.generation.model import model_from_url
from afirgen_fixtures.generation.pipeline import FIRGenerator


@dataclass
class Backend:
    settings: Settings
    pool: Pool
    cache: CacheManager
    firs: FIRRepository
    sessions: SessionRepository
    sections: LegalSectionRepository
    generator: FIRGenerator
    flow: InteractiveFlow

    @classmethod
    def from_settings(cls, settings: Settings) -> Backend:
        pool = Pool(settings.mysql, settings)
        cache = CacheManager.from_settings(settings)
        firs = FIRRepository(pool, cache, cursor_secret=settings.cursor_secret)
        sessions = SessionRepository(pool)
        sections = LegalSectionRepository(pool)
        generator = FIRGenerator(
            firs=firs,
            sections=sections,
            model=model_from_url(settings.model_url),
            police_station=settings.police_station,
            cache=cache,
        )
        flow = InteractiveFlow(
            sessions=sessions, generator=generator, auth_key=settings.fir_auth_key
        )
        return cls(settings, pool, cache, firs, sessions, sections, generator, flow)

    def close(self) -> None:
        self.cache.close()
        self.pool.dispose()
