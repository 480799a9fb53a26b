"""Reading the files a judgement rests on: a dangling link, a folder, a pipe or a device in
a result's place, or a file no result could be, is named and refused, never read as nothing."""

from __future__ import annotations

from pathlib import Path

from afirgen_bench.core.errors import HarnessError

# The largest input the judge reads: a result file of the whole suite is about 0.5 MB.
MAX_INPUT_BYTES = 256 * 1024 * 1024


def read_input(path: Path) -> str | None:
    """The text at ``path``; None when nothing is there."""
    if path.is_symlink() and not path.exists():
        raise HarnessError(
            f"{path} is a symbolic link to {path.readlink()}, which does not exist: "
            "restore its target or replace the link with the file"
        )
    try:
        if path.exists() and not path.is_file():
            raise HarnessError(
                f"{path} is not a regular file (a folder, a pipe or a device): replace it with "
                "the file it should be"
            )
        if path.exists() and path.stat().st_size > MAX_INPUT_BYTES:
            raise HarnessError(
                f"{path} holds {path.stat().st_size:,} bytes, more than any result or rule "
                "file could: it is not one"
            )
        return path.read_text()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise HarnessError(f"cannot read {path}: {exc}") from exc
