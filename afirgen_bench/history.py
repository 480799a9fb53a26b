"""The main job: per-commit history with asv, a comparison of the newest two, the site.

Only commits that changed the backend under benchmark are run (derived from git), and only
those without results for this machine yet. The private MariaDB and Redis are started once
for the whole job and stopped when it ends; each commit's API server exits with the job too.
"""

from __future__ import annotations

import re
from pathlib import Path

from afirgen_bench import asv_driver
from afirgen_bench.calibration import Calibration, calibration_path
from afirgen_bench.compare import GateConfig
from afirgen_bench.errors import EXIT_CANNOT_JUDGE, EXIT_OK, HarnessError
from afirgen_bench.judge import judge
from afirgen_bench.reports import noise_heading, noise_rows, summary_text
from afirgen_bench.runner import log, run_commits
from afirgen_bench.site import vendor_assets, write_noise_page


def run_history(root: Path, *, limit: int | None, publish: bool, bench: str | None) -> int:
    asv_driver.ensure_machine(root)
    commits = asv_driver.backend_commits(root)
    if limit:
        commits = commits[-limit:]
    done = asv_driver.commits_with_results(root)
    todo = [c for c in commits if c[:8] not in done]
    log(f"{len(commits)} backend commits, {len(todo)} without results on {asv_driver.MACHINE}")
    status = EXIT_OK
    if todo:
        failed = run_commits(root, todo, bench=bench, config=None, results_dir=root / "results")
        if failed:
            log(f"{len(failed)} benchmark(s) failed: {', '.join(failed)}")
            status = EXIT_CANNOT_JUDGE
    if len(commits) >= 2:
        status = max(status, _compare_newest(root, commits[-2], commits[-1], set(todo)))
    if publish:
        status = max(status, publish_site(root))
    return status


def _compare_newest(root: Path, base: str, head: str, benchmarked_now: set[str]) -> int:
    """Judge the newest two backend commits if this run benchmarked both (side by side,
    interleaved); otherwise show the comparison without judging it: between runs made at
    different times the whole machine drifts (here 1.1-1.9x in a day), far beyond the
    within-run noise the gate is calibrated for."""
    log(f"comparing {base[:8]} -> {head[:8]}")
    try:
        judgement = judge(root, base, head, root / "results")
    except HarnessError as exc:
        log(f"cannot compare them: {exc}")
        return EXIT_CANNOT_JUDGE
    print(summary_text(judgement))
    if {base, head} <= benchmarked_now or judgement.exit_code == EXIT_CANNOT_JUDGE:
        return judgement.exit_code
    log(
        f"not judged: {base[:8]} and {head[:8]} were benchmarked in different runs, so their "
        "ratios include the machine's drift in between; for a verdict run "
        f"`python -m afirgen_bench ci --base {base[:8]} --head {head[:8]}`"
    )
    return EXIT_OK


def publish_site(root: Path) -> int:
    """``asv publish``, then vendor its web assets so html/ works with no network."""
    log("publishing html/")
    result = asv_driver.run_asv(["publish"], root=root, echo=False)
    if result.returncode != 0:
        log(f"asv publish failed:\n{result.output[-2000:]}")
        return EXIT_CANNOT_JUDGE
    used = vendor_assets(root / "html", root / ".asv" / "vendor-cache")
    log(f"vendored {len(used)} web assets into html/vendor (the site works offline)")
    calibration = Calibration.load(calibration_path(root, asv_driver.MACHINE))
    if calibration is None:
        log(f"no calibration for {asv_driver.MACHINE}: the site has no noise page")
    else:
        gate = GateConfig.load(root / "gate.toml")
        rows = noise_rows(calibration, gate)
        page = write_noise_page(root / "html", rows, noise_heading(calibration, gate))
        log(f"wrote {page.relative_to(root)}: noise and detectable effect of {len(rows)}")
    return EXIT_OK


def benchmark_history(root: Path, pattern: str, results_dir: Path) -> list[str]:
    """Rows of median and P95 per backend commit for the benchmarks matching ``pattern``."""
    from afirgen_bench.reports import fmt_seconds
    from afirgen_bench.results import load_results
    from afirgen_bench.stats import describe

    try:
        matcher = re.compile(pattern)
    except re.error as exc:
        raise HarnessError(f"'{pattern}' is not a valid regular expression: {exc}") from exc
    done = asv_driver.commits_with_results(root)
    rows = []
    for commit in asv_driver.backend_commits(root):
        if commit[:8] not in done:
            continue
        results = load_results(results_dir, asv_driver.MACHINE, commit)
        for key, m in results.measurements.items():
            if not matcher.search(key) or m.value is None:
                continue
            if m.kind == "track":
                rows.append(f"{commit[:8]}  {key}  {m.value:.4g} {m.unit}")
                continue
            p95 = fmt_seconds(describe(m.samples).p95) if m.samples else "-"
            rows.append(
                f"{commit[:8]}  {key}  median {fmt_seconds(m.value)}  p95 {p95}  n={len(m.samples)}"
            )
    return rows
