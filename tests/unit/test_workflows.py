"""The GitHub Actions workflows are valid for GitHub and pass the Actions security linter."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        pytest.fail(f"{name} is not installed: run scripts/setup.sh")
    return found


def test_there_is_a_pr_check_and_a_nightly_job() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"performance-check.yml", "nightly-history.yml"} <= names
    pr = (ROOT / ".github/workflows/performance-check.yml").read_text()
    assert "afirgen_bench ci --base" in pr and "upload-artifact" in pr and "comment.md" in pr
    nightly = (ROOT / ".github/workflows/nightly-history.yml").read_text()
    assert "make bench" in nightly and "deploy-pages" in nightly


def test_workflows_match_githubs_schema() -> None:
    done = subprocess.run(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflows_pass_zizmor() -> None:
    done = subprocess.run(
        [_tool("zizmor"), "--offline", str(ROOT / ".github" / "workflows")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _pr_paths() -> list[str]:
    text = (ROOT / ".github/workflows/performance-check.yml").read_text()
    block = text.split("    paths:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split('"')[1] for line in block.splitlines() if line.strip().startswith("- ")]


def test_the_pr_check_runs_for_every_path_that_can_change_a_verdict() -> None:
    import fnmatch

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    # what cannot change a verdict: prose, stored history, the site, the project's own tests,
    # the alert rules and dashboard (promtool checks them in the tests; no PR check reads them)
    inert = (
        "docs/",
        "results/",
        "results-host/",
        "results-duet/",
        "html/",
        "tests/",
        ".ci/",
        "monitoring/",
    )
    patterns = [p.replace("/**", "/*") for p in _pr_paths()]
    missing = [
        path
        for path in tracked
        if not path.startswith(inert)
        and path not in ("README.md", ".gitignore")
        # the history's own workflows: they measure main, they judge no pull request
        and not path.startswith((".github/workflows/nightly", ".github/workflows/backfill"))
        and not any(fnmatch.fnmatch(path, pattern) for pattern in patterns)
    ]
    assert missing == []


def test_the_pr_check_judges_with_the_base_branchs_harness_and_rules() -> None:
    pr = (ROOT / ".github/workflows/performance-check.yml").read_text()
    base_checkout = pr.index("ref: ${{ github.event.pull_request.base.sha }}")
    assert base_checkout < pr.index("path: .pr-head") < pr.index("afirgen_bench ci")
    assert "AFIRGEN_BENCH_MACHINE" in pr


def test_every_called_workflow_is_in_this_repository_or_pinned_by_hash() -> None:
    """A job's ``uses:`` calls a reusable workflow: one of this repository, in GitHub's
    self-repository form ``$/.github/workflows/<file>`` (zizmor's ``self-repository`` audit
    prefers it to ``./``) or the older ``./`` form, and the file must exist; or another
    repository's, pinned by hash. The schema accepts any string, so a typo would pass it."""
    import yaml

    pinned = re.compile(r"[\w.-]+/[\w.-]+/\.github/workflows/[\w.-]+@[0-9a-f]{40}")
    for path in WORKFLOWS:
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            called = job.get("uses")
            if called is None:
                continue
            where = f"{path.name}:{name}: {called}"
            local = re.fullmatch(r"(?:\$|\.)/(\.github/workflows/[\w.-]+\.ya?ml)", called)
            if local:
                assert (ROOT / local.group(1)).is_file(), f"{where}: no such file"
            else:
                assert pinned.fullmatch(called), f"{where}: neither here nor pinned by hash"
