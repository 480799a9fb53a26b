"""The results folder: the one place that spells asv's and the harness's file names, so a
workflow hands it down whole instead of a folder and a machine that could be mixed up."""

from __future__ import annotations

from pathlib import Path

import pytest

from afirgen_bench.core.errors import HarnessError
from afirgen_bench.results_folder import HOST_RECORD_MAX_BYTES, ResultsFolder
from afirgen_bench.workspace import Workspace

MACHINE = "test-machine"
SHA = "0123456789abcdef0123456789abcdef01234567"


def test_a_folder_lists_the_commits_it_holds_results_of(tmp_path: Path) -> None:
    folder = ResultsFolder(tmp_path / "results", MACHINE)
    assert folder.commits() == set()
    folder.machine_dir.mkdir(parents=True)
    (folder.machine_dir / f"{SHA[:8]}-env-1.json").write_text("{}")
    (folder.machine_dir / "machine.json").write_text("{}")
    assert folder.commits() == {SHA[:8]}
    assert folder.file(SHA).name == f"{SHA[:8]}-env-1.json"


def test_a_commit_without_a_result_file_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="benchmark it first"):
        ResultsFolder(tmp_path, MACHINE).file(SHA)


def test_two_result_files_of_one_commit_are_refused(tmp_path: Path) -> None:
    folder = ResultsFolder(tmp_path, MACHINE)
    folder.machine_dir.mkdir(parents=True)
    for env in ("env-1", "env-2"):
        (folder.machine_dir / f"{SHA[:8]}-{env}.json").write_text("{}")
    with pytest.raises(HarnessError, match="several result files"):
        folder.file(SHA)


def test_host_records_are_kept_beside_the_results_never_inside(tmp_path: Path) -> None:
    folder = ResultsFolder(tmp_path / "results", MACHINE)
    folder.save_host_record([SHA], {"started": 1.0, "seconds": 2.0})
    assert folder.host_record(SHA) == {"started": 1.0, "seconds": 2.0}
    assert (tmp_path / "results-host" / MACHINE / f"{SHA[:8]}.json").is_file()
    assert not folder.machine_dir.exists()  # asv would try to read it as a result


@pytest.mark.parametrize(
    "text",
    ["[1, 2]", "not json", " " * (HOST_RECORD_MAX_BYTES + 1)],
    ids=["not-an-object", "not-json", "oversized"],
)
def test_an_unreadable_host_record_is_no_record(tmp_path: Path, text: str) -> None:
    folder = ResultsFolder(tmp_path / "results", MACHINE)
    folder.save_host_record([SHA], {})
    (tmp_path / "results-host" / MACHINE / f"{SHA[:8]}.json").write_text(text)
    assert folder.host_record(SHA) is None


def test_a_workspace_reads_its_own_results_folder(tmp_path: Path) -> None:
    assert Workspace.at(tmp_path, MACHINE).results == ResultsFolder(tmp_path / "results", MACHINE)
    elsewhere = Workspace.at(tmp_path, MACHINE).with_results(tmp_path / "pr" / "results")
    assert elsewhere.results == ResultsFolder(tmp_path / "pr" / "results", MACHINE)
