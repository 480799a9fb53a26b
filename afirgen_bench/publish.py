"""Publishing the site: ``asv publish``, its web assets vendored so ``html/`` works offline,
and the noise page beside asv's graphs."""

from __future__ import annotations

from afirgen_bench import asv_driver
from afirgen_bench.core.errors import ExitCode
from afirgen_bench.core.reports import (
    drift_note,
    duet_heading,
    noise_heading,
    noise_rows,
    spread_heading,
    spread_rows,
)
from afirgen_bench.noise_page import write_noise_page
from afirgen_bench.runner import log
from afirgen_bench.vendor import vendor_assets
from afirgen_bench.workspace import Workspace


def publish_site(workspace: Workspace) -> ExitCode:
    """``asv publish``, then vendor its web assets so html/ works with no network."""
    root = workspace.root
    log("publishing html/")
    result = asv_driver.run_asv(["publish"], root=root, echo=False)
    if result.returncode != 0:
        log(f"asv publish failed:\n{result.output[-2000:]}")
        return ExitCode.CANNOT_JUDGE
    used = vendor_assets(root / "html", root / ".asv" / "vendor-cache")
    log(f"vendored {len(used)} web assets into html/vendor (the site works offline)")
    rules = workspace.rules
    if rules.calibration is None:
        log(f"{rules.calibration_note}: the site has no noise page")
    else:
        calibration, gate = rules.calibration, rules.gate
        rows = noise_rows(calibration, gate)
        page = write_noise_page(
            root / "html",
            rows,
            noise_heading(calibration, gate),
            spread_rows(calibration, gate),
            spread_heading(calibration, gate),
            drift_note(calibration),
            noise_rows(calibration, gate, duet=True),
            duet_heading(calibration, gate) if calibration.duet else "",
        )
        log(
            f"wrote {page.relative_to(root)}: noise of {len(rows)} wall times, spread of "
            f"{len(calibration.spread)} deterministic figures"
        )
    return ExitCode.OK
