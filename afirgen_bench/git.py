"""git, for the workflows: commits by name, files at a commit, backend history. Every git
failure becomes a one-line HarnessError."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from afirgen_bench.core.errors import HarnessError

# The package asv installs per commit; only its files change what is measured.
BACKEND_PATHS = ("afirgen_fixtures",)


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=root,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise HarnessError(f"cannot run git: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise HarnessError(f"git {' '.join(args)} failed: {message[0]}")
    return done.stdout.strip()


def repo_root() -> Path:
    try:
        return Path(git(Path.cwd(), "rev-parse", "--show-toplevel"))
    except HarnessError as exc:
        raise HarnessError("run this inside the benchmark repository's git checkout") from exc


def resolve_commit(root: Path, revision: str) -> str:
    try:
        return git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except HarnessError as exc:
        candidates = _objects_starting_with(root, revision)
        if len(candidates) > 1:
            raise HarnessError(
                f"'{revision}' is ambiguous: {len(candidates)} objects start with it "
                f"({', '.join(c[:12] for c in candidates[:4])}); give more of the hash"
            ) from exc
        raise HarnessError(f"'{revision}' is not a commit of this repository") from exc


def _objects_starting_with(root: Path, prefix: str) -> list[str]:
    """Every object whose hash starts with ``prefix`` (git needs 4 characters or more)."""
    if not (4 <= len(prefix) < 40 and all(c in "0123456789abcdefABCDEF" for c in prefix)):
        return []
    try:
        return git(root, "rev-parse", f"--disambiguate={prefix.lower()}").split()
    except HarnessError:
        return []


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    """Whether ``older`` is an ancestor of ``newer`` (both full hashes)."""
    try:
        git(root, "merge-base", "--is-ancestor", older, newer)
    except HarnessError:
        return False
    return True


def file_at(root: Path, commit: str, path: str) -> str | None:
    """``path``'s text at ``commit``, or None if the commit has no such file."""
    listed = git(root, "ls-tree", "--name-only", commit, "--", path)
    if not listed:
        return None
    return git(root, "show", f"{commit}:{path}")


def backend_commits(root: Path, branch: str = "main") -> list[str]:
    """Commits of ``branch`` that changed the backend under benchmark, oldest first. Without
    a local ``branch`` (a CI clone of one ref), the current HEAD's history is used."""
    try:
        git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
    except HarnessError:
        branch = "HEAD"
    output = git(
        root, "log", "--first-parent", "--format=%H", "--reverse", branch, "--", *BACKEND_PATHS
    )
    return output.split()


_FIXED_IDENTITY = {
    "GIT_AUTHOR_NAME": "afirgen-calibration",
    "GIT_AUTHOR_EMAIL": "calibration@afirgen.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_NAME": "afirgen-calibration",
    "GIT_COMMITTER_EMAIL": "calibration@afirgen.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}
TWIN_REF = "refs/afirgen/calibration-twin"


def twin_commit(root: Path, commit: str) -> str:
    """A commit with ``commit``'s tree and a fixed identity and date, so it is the same twin
    every time (asv reuses its build), kept alive under a private ref."""
    tree = git(root, "rev-parse", f"{commit}^{{tree}}")
    twin = git(
        root,
        "commit-tree",
        tree,
        "-p",
        commit,
        "-m",
        f"A/A twin of {commit[:8]}",
        env=_FIXED_IDENTITY,
    )
    git(root, "update-ref", TWIN_REF, twin)
    return twin
