"""The published history site works with no network: served on localhost, rendered by
headless Chromium with every other host unreachable, it draws a benchmark graph."""

from __future__ import annotations

import functools
import html
import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from afirgen_bench.noise_page import NOISE_LINK, NOISE_PAGE
from afirgen_bench.vendor import CDN_FILES, vendor_assets
from afirgen_bench.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "html"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium is not installed: run scripts/setup.sh (apt-get install chromium)")
    return found


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    if not (HTML / "index.json").exists():
        pytest.fail("html/ holds no published site: run 'make bench' (or afirgen_bench publish)")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _render(url: str, tmp_path: Path) -> str:
    """The page's DOM after its scripts ran, with no network but localhost."""
    done = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_published_page_loads_no_remote_asset() -> None:
    page = (HTML / "index.html").read_text()
    for url in CDN_FILES:
        assert url not in page
    assert "vendor/jquery/dist/jquery.min.js" in page
    assert (HTML / "vendor" / "bootstrap" / "dist" / "fonts").is_dir()


def test_benchmark_graph_renders_offline(site_url: str, tmp_path: Path) -> None:
    benchmarks = json.loads((HTML / "index.json").read_text())["benchmarks"]
    name = "database.SimpleSelectById.time_select_by_id"
    assert name in benchmarks
    dom = _render(f"{site_url}/#{name}", tmp_path)
    assert "Can not determine continental origin of swallow" not in dom  # asv's offline error
    assert 'class="flot-base"' in dom, "no graph canvas was drawn"
    assert "time_select_by_id" in dom


def test_vendoring_checks_integrity_and_rewrites_the_page(tmp_path: Path) -> None:
    """On a fresh copy of asv's page: every CDN tag replaced by a vendored file."""
    import asv

    www = Path(asv.__file__).parent / "www"
    site = tmp_path / "html"
    shutil.copytree(www, site)
    used = vendor_assets(site, ROOT / ".asv" / "vendor-cache")
    page = (site / "index.html").read_text()
    assert len(used) == len(CDN_FILES)
    for local in used:
        assert (site / local).is_file() and local in page
    assert "https://" not in "".join(
        line for line in page.splitlines() if "<script" in line or "stylesheet" in line
    )


def test_noise_page_shows_every_calibrated_benchmark_offline(site_url: str, tmp_path) -> None:
    (machine,) = [p.name for p in (ROOT / "results").iterdir() if p.is_dir()]
    calibration = Workspace.at(ROOT, machine).rules.calibration
    assert calibration is not None, f"no calibration/{machine}.json: run afirgen_bench calibrate"
    assert NOISE_LINK in (HTML / "index.html").read_text()
    dom = _render(f"{site_url}/{NOISE_PAGE}", tmp_path)
    for key in calibration.noise:
        assert html.escape(key, quote=False) in dom
    assert "detects" in dom


def test_counted_graph_renders_offline_beside_the_wall_time_one(
    site_url: str, tmp_path: Path
) -> None:
    benchmarks = json.loads((HTML / "index.json").read_text())["benchmarks"]
    name = "cost.Database.track_instructions"
    assert benchmarks[name]["unit"] == "instructions"
    dom = _render(f"{site_url}/#{name}", tmp_path)
    assert 'class="flot-base"' in dom, "no graph canvas was drawn"


def test_noise_page_shows_every_counted_figures_spread(site_url: str, tmp_path: Path) -> None:
    (machine,) = [p.name for p in (ROOT / "results").iterdir() if p.is_dir()]
    calibration = Workspace.at(ROOT, machine).rules.calibration
    assert calibration is not None and calibration.spread, "run calibrate spread FOLDER"
    dom = _render(f"{site_url}/{NOISE_PAGE}", tmp_path)
    assert "Counted figures" in dom and "Drift between runs" in dom
    assert "largest move between layouts" in dom
    for key in calibration.spread:
        assert html.escape(key, quote=False) in dom
