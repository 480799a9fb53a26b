"""Writes: FIRs bulk-inserted through the repository (the seed's ``bulk_insert``).

A module of its own, named to run last: the inserted rows stay until the next run's set-up
takes them back (``reset_dataset``, which also rebuilds the FULLTEXT indexes), so no read
benchmark of a run ever sees them.
"""

from __future__ import annotations

from typing import Any

from .common import OnData, feature, fir_repository, scales, unique_token


class BulkInsert(OnData):
    """Seed ``bulk_insert``: 10 and 100 FIRs (with violation links) in one transaction.

    The rows stay until the next run's set-up removes them (see the module docstring)."""

    requires = (*OnData.requires, "models.records:NewFIR")
    params = [scales(), [10, 100]]
    param_names = ["scale", "rows"]
    repeat = 15

    def setup(self, prepared: Any, scale: int, rows: int) -> None:
        super().setup(prepared, scale)
        new_fir = feature("models.records", "NewFIR")
        token = unique_token()[:8]
        self.firs = [
            new_fir(
                fir_number=f"FIR-{token}-{20300101000000 + i:014d}",
                police_station="Benchmark Police Station, New Delhi",
                complaint_text="My phone was stolen at the bus stop near the market. " * 18,
                fir_content="FIRST INFORMATION REPORT " * 60,
                violations=[{"section_number": "BNS 303(2)", "title": "Theft"}],
                section_ids=(1, 2),
            )
            for i in range(rows)
        ]

    def time_bulk_insert(self, prepared: Any, scale: int, rows: int) -> None:
        fir_repository(scale).bulk_insert(self.firs)
