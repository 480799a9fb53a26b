"""Interactive FIR sessions: the state of one complaint's flow between HTTP requests.

Not cached: a session changes at every step, so a cached copy would mostly be stale.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pymysql
from pydantic import JsonValue

from afirgen_fixtures.db.repositories.base import BaseRepository, fetch_dicts
from afirgen_fixtures.models.records import NewSession, SessionRecord, SessionStatus


class SessionRepository(BaseRepository[SessionRecord]):
    """The ``sessions`` table."""

    table = "sessions"
    primary_key = "id"
    columns = tuple(SessionRecord.model_fields)

    def _row_to_model(self, row: dict[str, Any]) -> SessionRecord:
        return SessionRecord.model_validate(row)

    def create(self, session: NewSession) -> SessionRecord:
        with self.pool.transaction() as conn:
            return self.insert(conn, session)

    def insert(
        self, conn: pymysql.Connection, session: NewSession, *, at: datetime | None = None
    ) -> SessionRecord:
        """Insert on ``conn``, inside the caller's transaction (e.g. with the FIR it made).

        With ``at`` (naive UTC) the session is stamped with that time and the record is built
        from what was inserted, without reading it back: the non-interactive path stamps it
        with its FIR's registration time and saves a round trip. Without it the server's
        clock stamps the row, which is then read back.
        """
        state = json.dumps(session.state)
        with conn.cursor() as cur:
            if at is None:
                cur.execute(
                    "INSERT INTO `sessions` (`id`, `state`, `status`, `current_step`) "
                    "VALUES (%s, %s, %s, %s)",
                    (session.id, state, session.status.value, session.current_step),
                )
            else:
                cur.execute(
                    "INSERT INTO `sessions` (`id`, `state`, `status`, `current_step`, "
                    "`created_at`, `last_activity`) VALUES (%s, %s, %s, %s, %s, %s)",
                    (session.id, state, session.status.value, session.current_step, at, at),
                )
        if at is None:
            return self._row_to_model(fetch_dicts(conn, self._select_by_pk, (session.id,))[0])
        # The JSON text as stored, so the record equals what a read-back would give.
        return self._row_to_model(
            {**session.model_dump(), "state": state, "created_at": at, "last_activity": at}
        )

    def get(self, session_id: str) -> SessionRecord | None:
        return self.get_by_id(session_id)

    def update_state(
        self,
        session_id: str,
        state: dict[str, JsonValue],
        status: SessionStatus | str,
        current_step: str,
        *,
        expected_step: str | None = None,
    ) -> bool:
        """Store the flow's new state; False if the session does not exist (any more) or,
        with ``expected_step``, is no longer at that step (another request moved it on)."""
        sql = (
            "UPDATE `sessions` SET `state` = %s, `status` = %s, `current_step` = %s, "
            "`last_activity` = NOW(6) WHERE `id` = %s"
        )
        params: tuple[Any, ...] = (
            json.dumps(state),
            SessionStatus(status).value,
            current_step,
            session_id,
        )
        if expected_step is not None:
            sql += " AND `current_step` = %s"
            params += (expected_step,)
        return bool(self._execute(sql, params))

    def touch(self, session_id: str) -> bool:
        """Mark the session active now, so it is not expired; False if it does not exist."""
        return bool(
            self._execute(
                "UPDATE `sessions` SET `last_activity` = NOW(6) WHERE `id` = %s", (session_id,)
            )
        )

    def list_by_status(self, status: SessionStatus | str, limit: int = 50) -> list[SessionRecord]:
        """Most recently active first (served by ``idx_sessions_status_activity``)."""
        rows = self._fetch_all(
            f"SELECT {self.column_list(self.columns)} FROM `sessions` WHERE `status` = %s "
            "ORDER BY `last_activity` DESC LIMIT %s",
            (SessionStatus(status).value, limit),
        )
        return [self._row_to_model(row) for row in rows]

    def count_by_status(self) -> dict[SessionStatus, int]:
        rows = self._fetch_all(
            "SELECT `status`, COUNT(*) AS n FROM `sessions` GROUP BY `status`", ()
        )
        return {SessionStatus(row["status"]): int(row["n"]) for row in rows}

    def delete_expired(self, older_than: timedelta) -> int:
        """Delete sessions idle for longer than ``older_than`` (by the server's clock)."""
        if older_than < timedelta(0):
            raise ValueError("older_than must not be negative")
        return self._execute(
            "DELETE FROM `sessions` WHERE `last_activity` < NOW(6) - INTERVAL %s MICROSECOND",
            (older_than // timedelta(microseconds=1),),
        )
