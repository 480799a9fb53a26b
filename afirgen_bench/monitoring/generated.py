"""The committed files generated from ``sla.toml`` and the monitoring queries, by name."""

from __future__ import annotations

from pathlib import Path

from afirgen_bench.judge import load_sla
from afirgen_bench.load.endpoints import ENDPOINTS
from afirgen_bench.monitoring import dashboard, rules


def files(root: Path) -> dict[str, tuple[Path, str]]:
    """Each generated file's path (relative to ``root``) and the text it must hold."""
    load_test = load_sla(root).load_test
    return {
        "rules": (rules.ALERTS_FILE, rules.render(rules.alert_rules(load_test, ENDPOINTS))),
        "dashboard": (dashboard.DASHBOARD_FILE, dashboard.render(dashboard.dashboard())),
    }
