"""Legal sections (IPC/BNS): the knowledge base a complaint is matched against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from afirgen_fixtures.db.repositories.base import BaseRepository, SearchMode, match_against
from afirgen_fixtures.models.records import LegalSection, NewLegalSection, SearchHit

_TEXT_COLUMNS = ("title", "description")
_INSERT_COLUMNS = tuple(NewLegalSection.model_fields)


class LegalSectionRepository(BaseRepository[LegalSection]):
    """The ``legal_sections`` table; written in bulk when the knowledge base is loaded."""

    table = "legal_sections"
    primary_key = "id"
    columns = ("id", *_INSERT_COLUMNS)

    def _row_to_model(self, row: dict[str, Any]) -> LegalSection:
        return LegalSection.model_validate(row)

    def get_by_number(self, section_number: str) -> LegalSection | None:
        row = self._fetch_one(
            f"SELECT {self.column_list(self.columns)} FROM `legal_sections` "
            "WHERE `section_number` = %s",
            (section_number,),
        )
        return None if row is None else self._row_to_model(row)

    def search(
        self, text: str, mode: SearchMode = "natural", limit: int = 10
    ) -> list[SearchHit[LegalSection]]:
        """FULLTEXT search over title and description, most relevant first."""
        match = match_against(_TEXT_COLUMNS, mode)
        rows = self._fetch_all(
            f"SELECT {self.column_list(self.columns)}, {match} AS score FROM `legal_sections` "
            f"WHERE {match} ORDER BY score DESC, `id` LIMIT %s",
            (text, text, limit),
        )
        return [
            SearchHit[LegalSection](score=row.pop("score"), item=self._row_to_model(row))
            for row in rows
        ]

    def by_category(self, category: str, limit: int = 100) -> list[LegalSection]:
        rows = self._fetch_all(
            f"SELECT {self.column_list(self.columns)} FROM `legal_sections` "
            "WHERE `category` = %s ORDER BY `section_number` LIMIT %s",
            (category, limit),
        )
        return [self._row_to_model(row) for row in rows]

    def all_numbers(self) -> list[str]:
        rows = self._fetch_all(
            "SELECT `section_number` FROM `legal_sections` ORDER BY `section_number`", ()
        )
        return [row["section_number"] for row in rows]

    def bulk_insert(self, sections: Sequence[NewLegalSection]) -> list[int]:
        """Insert every section in one transaction; return their ids in input order."""
        if not sections:
            return []
        with self.pool.transaction() as conn:
            self._insert_many(
                conn,
                _INSERT_COLUMNS,
                [tuple(getattr(s, name) for name in _INSERT_COLUMNS) for s in sections],
            )
            return self._ids_by_unique_key(
                conn, "section_number", [s.section_number for s in sections]
            )
