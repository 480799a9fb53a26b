"""One machine's results in one asv results folder, and the records kept beside them.

asv writes ``<folder>/<machine>/<sha8>-<env>.json`` and the folder's ``benchmarks.json``;
the harness keeps each run's host counters in ``results-host/<machine>/`` beside the
folder (asv would try to read any JSON put inside it). The history (``results/``), a PR
check (``.asv/pr/results``), a calibration layout and a backfill shard each have one; the
file names are spelled here only, so a workflow hands a ``ResultsFolder`` down instead of a
folder and a machine that could be mixed up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from afirgen_bench.core.errors import HarnessError
from afirgen_bench.core.models import ResultSet
from afirgen_bench.core.results import IndexEntry, parse_index, parse_results
from afirgen_bench.inputs import read_input

HOST_DIR = "results-host"
HOST_RECORD_MAX_BYTES = 1_000_000  # larger is a pipe, a device or an edit: no record


def load_index(results_dir: Path) -> dict[str, IndexEntry]:
    """asv's validated benchmark index (``benchmarks.json``) of a results folder."""
    index_path = results_dir / "benchmarks.json"
    index_text = read_input(index_path)
    if index_text is None:
        raise HarnessError(f"{index_path} does not exist: run asv on this results folder first")
    return parse_index(index_text, str(index_path))


@dataclass(frozen=True)
class ResultsFolder:
    """``machine``'s results in the asv results folder ``path``."""

    path: Path
    machine: str

    @property
    def machine_dir(self) -> Path:
        """Where asv writes this machine's result files (``<sha8>-<env>.json``)."""
        return self.path / self.machine

    def commits(self) -> set[str]:
        """The 8-character prefixes of commits with a result file here."""
        if not self.machine_dir.is_dir():
            return set()
        return {p.name.split("-", 1)[0] for p in self.machine_dir.glob("*-*.json")}

    def file(self, commit: str) -> Path:
        """The one result file of ``commit``; none or several is an error naming the fix."""
        prefix = commit[:8]
        matches = sorted(self.machine_dir.glob(f"{prefix}-*.json"))
        if not matches:
            raise HarnessError(
                f"no results for commit {prefix} on machine {self.machine} in {self.path}: "
                f"benchmark it first (python -m afirgen_bench run --commit {prefix})"
            )
        if len(matches) > 1:
            names = ", ".join(p.name for p in matches)
            raise HarnessError(f"several result files for {prefix} on {self.machine}: {names}")
        return matches[0]

    def index(self) -> dict[str, IndexEntry]:
        return load_index(self.path)

    def load(self, commit: str, index: dict[str, IndexEntry] | None = None) -> ResultSet:
        """The validated results of ``commit`` (a full sha), read with asv's ``index`` of
        this folder (loaded here when the caller has not)."""
        path = self.file(commit)
        index = index if index is not None else self.index()
        text = read_input(path)
        if text is None:
            raise HarnessError(f"{path} vanished while it was being read: run the command again")
        return parse_results(text, str(path), commit=commit, machine=self.machine, index=index)

    def _host_path(self, commit: str) -> Path:
        return self.path.parent / HOST_DIR / self.machine / f"{commit[:8]}.json"

    def save_host_record(self, commits: list[str], counters: dict[str, Any]) -> None:
        """The host's counters over the run that measured ``commits``, one file each."""
        for commit in commits:
            path = self._host_path(commit)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(counters, indent=2) + "\n")

    def host_record(self, commit: str) -> dict[str, Any] | None:
        """The host record of the run that measured ``commit``; None when there is none,
        or none that can be read (its run then counts as unknown, another run)."""
        path = self._host_path(commit)
        if not path.is_file() or path.stat().st_size > HOST_RECORD_MAX_BYTES:
            return None
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def measured_together(self, base: ResultSet, head: ResultSet) -> bool:
        """Whether base and head come from one run: the harness records each run's start and
        length for every commit it ran, and both result files must lie wholly within that
        run. Results from asv alone, or rewritten since, count as separate runs: their wall
        times are then judged only beyond the machine's drift."""
        records = [self.host_record(side.commit) for side in (base, head)]
        if not all(records) or records[0].get("started") != records[1].get("started"):
            return False
        try:
            start = 1000 * float(records[0]["started"])
            end = start + 1000 * float(records[0]["seconds"])
        except (KeyError, TypeError, ValueError):
            return False
        return all(
            side.span is not None and start - 1000 <= side.span[0] and side.span[1] <= end + 1000
            for side in (base, head)
        )
