"""What the harness refuses for safety: tarball members that leave their folder, and a
Locust master listening beyond loopback."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from afirgen_bench.load.runner import distributed_commands
from afirgen_bench.vendor import VendorError, _extract


def _tarball(members: dict[str, bytes], symlink: tuple[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        if symlink:
            info = tarfile.TarInfo(symlink[0])
            info.type, info.linkname = tarfile.SYMTYPE, symlink[1]
            archive.addfile(info)
    return buffer.getvalue()


def test_wanted_files_are_extracted_under_the_destination(tmp_path: Path) -> None:
    data = _tarball({"package/dist/a.js": b"a", "package/other.js": b"o"})
    _extract(data, ["dist/"], tmp_path / "vendor")
    assert (tmp_path / "vendor" / "dist" / "a.js").read_bytes() == b"a"
    assert not (tmp_path / "vendor" / "other.js").exists()


@pytest.mark.parametrize("name", ["package/dist/../../../escaped.js", "/tmp/dist/abs.js"])
def test_a_member_leaving_the_destination_is_refused(tmp_path: Path, name: str) -> None:
    wanted = [name.removeprefix("package/")]
    with pytest.raises(VendorError, match="refusing"):
        _extract(_tarball({name: b"x"}), wanted, tmp_path / "vendor")
    assert not list(tmp_path.rglob("*.js"))


def test_a_link_is_refused(tmp_path: Path) -> None:
    data = _tarball({}, symlink=("package/dist/evil.js", "/etc/passwd"))
    with pytest.raises(VendorError, match="refusing"):
        _extract(data, ["dist/"], tmp_path / "vendor")


def test_the_locust_master_listens_on_loopback_only() -> None:
    master, worker = distributed_commands(["locust", "--headless"], ["locust"], 2, 5557)
    assert master[master.index("--master-bind-host") + 1] == "127.0.0.1"
    assert worker[worker.index("--master-host") + 1] == "127.0.0.1"
    assert "--headless" in master and "--headless" not in worker
