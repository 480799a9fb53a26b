"""Make the published asv site work offline: vendor its CDN assets from the npm registry.

asv's ``index.html`` loads jQuery, flot, Bootstrap, stupidtable and blueimp-md5 from CDNs and
redirects to an error page when they fail, so the site shows nothing without a network.
After every ``asv publish`` this downloads the same libraries from the npm registry (cached),
checks each tarball against the sha512 integrity pinned below, copies the files into
``html/vendor/`` and points ``index.html`` at them.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from afirgen_bench.core.errors import HarnessError

REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # the registry's dist.integrity of the tarball

    @property
    def tarball_url(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.name}-{self.version}.tgz"


PACKAGES = {
    p.name: p
    for p in (
        Package(
            "jquery",
            "3.3.1",
            "sha512-Ubldcmxp5np52/ENotGxlLe6aGMvmF4R8S6tZjsP6Knsaxd/xp3Zrh50cG93lR6nPXyUFwzN3ZSOQI0wRJNdGg==",
        ),
        Package(
            "flot",
            "0.8.3",
            "sha512-xg2otcTJDvS+ERK+my4wxG/ASq90QURXtoM4LhacCq0jQW2jbyjdttbRNqU2cPykrpMvJ6b2uSp6SAgYAzj9tQ==",
        ),
        Package(
            "flot-orderbars",
            "1.0.0",
            "sha512-Jv51fvzevUjNXEeozpwEKfPjhiZhfiJddv0WHjduUTCmSF+7T5K7C9c9Y1wIVmUhDBv5fLMjgbwKecT0GIKPZA==",
        ),
        Package(
            "blueimp-md5",
            "2.19.0",
            "sha512-DRQrD6gJyy8FbiE4s+bDoXS9hiW3Vbx5uCdwvcCf3zLHL+Iv7LtGHLpr+GZV8rHG8tK766FGYBwRbu8pELTt+w==",
        ),
        Package(
            "bootstrap",
            "3.1.1",
            "sha512-TAzqS8E/ISpVHP29gYhy+1NSV+FJwApDVQhDfgLYsIuUDJiqJzH2DfORN5tiu+Ie2iBLrzEG34t4Rf465cigqg==",
        ),
        # stupidtable 1.0.1 (asv's CDN pick) is not on npm; 1.1.3 keeps its API
        Package(
            "stupid-table-plugin",
            "1.1.3",
            "sha512-2Vk7XouQPxUQPRe9w0Fu7ZZ8kHLK7rDoLMsCgtKxRNJ7f4dSOGvW9CkHsq5wD6QsaEnWoyLBYH3xOEsrK3yWBg==",
        ),
    )
}

# CDN address in asv's index.html -> (package, file inside the tarball's package/ folder)
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"
_JSDELIVR = "https://cdn.jsdelivr.net/npm"
CDN_FILES = {
    "https://code.jquery.com/jquery-3.3.1.min.js": ("jquery", "dist/jquery.min.js"),
    # flot's npm package has no minified files: the plain ones behave the same
    **{
        f"{_CDNJS}/flot/0.8.3/jquery.flot{part}.min.js": ("flot", f"jquery.flot{part}.js")
        for part in ("", ".time", ".selection", ".categories")
    },
    f"{_JSDELIVR}/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js": (
        "flot-orderbars",
        "js/jquery.flot.orderBars.js",
    ),
    f"{_CDNJS}/stupidtable/1.0.1/stupidtable.min.js": ("stupid-table-plugin", "stupidtable.min.js"),
    f"{_CDNJS}/blueimp-md5/2.19.0/js/md5.min.js": ("blueimp-md5", "js/md5.min.js"),
    f"{_JSDELIVR}/bootstrap@3.1.1/dist/js/bootstrap.min.js": (
        "bootstrap",
        "dist/js/bootstrap.min.js",
    ),
    f"{_JSDELIVR}/bootstrap@3.1.1/dist/css/bootstrap.min.css": (
        "bootstrap",
        "dist/css/bootstrap.min.css",
    ),
}
EXTRA_FILES = {"bootstrap": ("dist/fonts/",)}  # the CSS loads its icon font from ../fonts/
_REMOTE_ASSET = re.compile(r"""<(?:script|link)\b[^>]*(?:src|href)="(https?://[^"]+)"[^>]*>""")


class VendorError(HarnessError):
    """A library could not be fetched or did not match its pinned integrity."""


def _verified_tarball(package: Package, cache_dir: Path) -> bytes:
    cached = cache_dir / f"{package.name}-{package.version}.tgz"
    if cached.exists():
        data = cached.read_bytes()
    else:
        try:
            with urllib.request.urlopen(package.tarball_url, timeout=60) as response:
                data = response.read()
        except OSError as exc:
            raise VendorError(
                f"cannot download {package.tarball_url}: {exc} (the npm registry must be "
                f"reachable once; later publishes use the copy in {cache_dir})"
            ) from exc
    algorithm, _, expected = package.integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        cached.unlink(missing_ok=True)
        raise VendorError(f"{package.name}@{package.version}: integrity mismatch, refusing it")
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    return data


def _selects(wanted: str, inner: str) -> bool:
    """A file, or every file under a folder given with a trailing slash."""
    return inner == wanted or (wanted.endswith("/") and inner.startswith(wanted))


def _extract(data: bytes, wanted: list[str], destination: Path) -> None:
    """Copy the ``wanted`` regular files of an npm tarball into ``destination``. A member
    whose path would leave ``destination`` (absolute, ``..``), or a link, is refused, as
    tarfile's "data" filter does: the tarball is checked against its pinned integrity, but a
    path escape is refused whatever the source."""
    root = destination.resolve()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            inner = member.name.removeprefix("package/")
            if not any(_selects(w, inner) for w in wanted):
                continue
            try:
                member = tarfile.data_filter(member, str(root))
            except tarfile.FilterError as exc:
                raise VendorError(f"refusing tarball member {member.name!r}: {exc}") from exc
            if member.isdir():
                continue
            target = (root / inner).resolve()
            if not target.is_relative_to(root) or not member.isfile():
                raise VendorError(
                    f"refusing tarball member {member.name!r}: not a file under {root}"
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            extracted = archive.extractfile(member)
            if extracted is None:
                raise VendorError(f"tarball member {member.name!r} has no content")
            target.write_bytes(extracted.read())


def vendor_assets(html_dir: Path, cache_dir: Path) -> list[str]:
    """Vendor every CDN asset of ``html_dir/index.html``; return the local paths used."""
    index = html_dir / "index.html"
    if not index.exists():
        raise VendorError(f"{index} does not exist: run 'asv publish' first")
    page = index.read_text()
    remote = set(_REMOTE_ASSET.findall(page))
    unknown = remote - CDN_FILES.keys()
    if unknown:
        raise VendorError(f"asv's page loads assets this vendoring does not know: {unknown}")
    by_package: dict[str, list[str]] = {}
    for url in remote:
        name, inner = CDN_FILES[url]
        by_package.setdefault(name, []).append(inner)
    for name, files in by_package.items():
        package = PACKAGES[name]
        wanted = files + list(EXTRA_FILES.get(name, ()))
        _extract(_verified_tarball(package, cache_dir), wanted, html_dir / "vendor" / name)
    used = []
    for url in sorted(remote):
        name, inner = CDN_FILES[url]
        local = f"vendor/{name}/{inner}"
        page = _point_at(page, url, local)
        used.append(local)
    index.write_text(page)
    return used


def _point_at(page: str, url: str, local: str) -> str:
    """Swap a CDN tag for a local one (no SRI: the tarball's integrity was checked)."""
    tag = re.compile(r"<(script|link)\b[^>]*(?:src|href)=\"" + re.escape(url) + r"\"[^>]*>")
    match = tag.search(page)
    assert match is not None
    if match.group(1) == "script":
        replacement = f'<script src="{local}" onerror="js_load_failure()">'
    else:
        replacement = f'<link rel="stylesheet" href="{local}">'
    return page[: match.start()] + replacement + page[match.end() :]
