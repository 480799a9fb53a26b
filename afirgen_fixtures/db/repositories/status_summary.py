"""``fir_status_summary``: per-status totals of ``fir_records``, kept in step with each write.

The statistics (count and mean age per status) used to group all of ``fir_records``: about
8 ms of MariaDB time at 100k rows, every call. The totals here make them a read of five
rows. The app's database user may not create triggers, so the repository changes the totals
in the transaction of each write it makes, from the rows as they were before and after it
(read with locks, so concurrent writers cannot both count the same row). Totals rows are
locked in the ENUM's order, as a full rebuild locks them, so no two writers wait on each
other in a cycle.

A FIR still open (``finalized_at`` NULL) ages until now, so its ``created_at`` is summed and
subtracted from now at read time; a finalized FIR's age is fixed and summed as such. The mean
age is exact to the microsecond, where the plain query truncates each FIR's age to whole
seconds first, so the two differ by less than one second.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pymysql

from afirgen_fixtures.models.records import FIRStatus

EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)

READ_STATS = (
    "SELECT `status`, `fir_count` AS count, (`closed_age_s` + (CAST(`open_count` AS "
    "DECIMAL(20, 0)) * TIMESTAMPDIFF(MICROSECOND, '1970-01-01', NOW(6)) - `open_created_us`) "
    "/ 1000000) "
    "/ `fir_count` AS avg_age_seconds "
    "FROM `fir_status_summary` WHERE `fir_count` > 0 ORDER BY `status`"
)
"""Count and mean age per status, in the plain GROUP BY's order (the ENUM's)."""

_REBUILD = (
    "UPDATE `fir_status_summary` SET `fir_count` = 0, `open_count` = 0, "
    "`open_created_us` = 0, `closed_age_s` = 0",
    "UPDATE `fir_status_summary` AS s JOIN ("
    "SELECT `status`, COUNT(*) AS fir_count, SUM(`finalized_at` IS NULL) AS open_count, "
    "COALESCE(SUM(IF(`finalized_at` IS NULL, "
    "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', `created_at`), 0)), 0) AS open_created_us, "
    "COALESCE(SUM(IF(`finalized_at` IS NULL, 0, "
    "TIMESTAMPDIFF(SECOND, `created_at`, `finalized_at`))), 0) AS closed_age_s "
    "FROM `fir_records` GROUP BY `status`) AS d ON d.`status` = s.`status` "
    "SET s.`fir_count` = d.fir_count, s.`open_count` = d.open_count, "
    "s.`open_created_us` = d.open_created_us, s.`closed_age_s` = d.closed_age_s",
)

ROW_COLUMNS = "`status`, `created_at`, `finalized_at`"
"""What a FIR contributes to the totals; select these (``FOR UPDATE``) before a change."""


@dataclass
class _Delta:
    fir_count: int = 0
    open_count: int = 0
    open_created_us: int = 0
    closed_age_s: int = 0

    def add(self, created_at: datetime, finalized_at: datetime | None, sign: int) -> None:
        self.fir_count += sign
        if finalized_at is None:
            self.open_count += sign
            self.open_created_us += sign * ((created_at - EPOCH) // _MICROSECOND)
        else:
            self.closed_age_s += sign * _whole_seconds(finalized_at - created_at)


def apply_change(
    conn: pymysql.Connection,
    before: Iterable[dict[str, Any]] = (),
    after: Iterable[dict[str, Any]] = (),
) -> None:
    """Move the totals from the rows ``before`` a write to the rows ``after`` it.

    Rows are dicts with ``status`` (a string), ``created_at`` and ``finalized_at``. Call inside
    the write's transaction.
    """
    deltas = {status: _Delta() for status in FIRStatus}
    for rows, sign in ((before, -1), (after, 1)):
        for row in rows:
            deltas[FIRStatus(row["status"])].add(row["created_at"], row["finalized_at"], sign)
    with conn.cursor() as cur:
        for status, delta in deltas.items():
            if delta == _Delta():
                continue
            cur.execute(
                "UPDATE `fir_status_summary` SET `fir_count` = `fir_count` + %s, "
                "`open_count` = `open_count` + %s, `open_created_us` = `open_created_us` + %s, "
                "`closed_age_s` = `closed_age_s` + %s WHERE `status` = %s",
                (
                    delta.fir_count,
                    delta.open_count,
                    delta.open_created_us,
                    delta.closed_age_s,
                    status.value,
                ),
            )


def rebuild(conn: pymysql.Connection) -> None:
    """Recount the totals from ``fir_records``, e.g. after rows were deleted in bulk."""
    with conn.cursor() as cur:
        for statement in _REBUILD:
            cur.execute(statement)


def _whole_seconds(age: timedelta) -> int:
    """``TIMESTAMPDIFF(SECOND, ...)``: whole seconds, truncated towards zero."""
    micros = age // _MICROSECOND
    seconds = abs(micros) // 1_000_000
    return seconds if micros >= 0 else -seconds
