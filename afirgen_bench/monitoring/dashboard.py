"""The Grafana dashboard (provisioning-ready JSON) of the API, MariaDB and Redis: one panel per
signal of ``queries.PANELS``, with the data source a template variable so it fits any
Prometheus. ``python -m afirgen_bench monitoring dashboard`` writes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from afirgen_bench.monitoring import queries

DASHBOARD_FILE = Path("monitoring/grafana/afirgen.json")
RATE_INTERVAL = "$__rate_interval"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
WIDTH, HEIGHT = 12, 8  # a panel is half of Grafana's 24-column grid wide


def _panel(number: int, signal: queries.Signal) -> dict[str, Any]:
    return {
        "id": number + 1,
        "type": "timeseries",
        "title": signal.title,
        "datasource": DATASOURCE,
        "gridPos": {
            "h": HEIGHT,
            "w": WIDTH,
            "x": (number % 2) * WIDTH,
            "y": (number // 2) * HEIGHT,
        },
        "fieldConfig": {"defaults": {"unit": signal.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        "targets": [
            {
                "refId": "A",
                "datasource": DATASOURCE,
                "expr": signal.expr(RATE_INTERVAL),
                "legendFormat": signal.legend or signal.title,
            }
        ],
    }


def dashboard() -> dict[str, Any]:
    return {
        "uid": "afirgen-backend",
        "title": "AFIRGen backend: API, MariaDB, Redis",
        "tags": ["afirgen"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "10s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                }
            ]
        },
        "panels": [_panel(n, signal) for n, signal in enumerate(queries.PANELS)],
    }


def render(board: dict[str, Any]) -> str:
    return json.dumps(board, indent=2) + "\n"


def panel_queries(board: dict[str, Any]) -> dict[str, str]:
    """Each panel's title and its query as a Prometheus server evaluates it."""
    return {
        panel["title"]: target["expr"].replace(RATE_INTERVAL, "1m")
        for panel in board["panels"]
        for target in panel["targets"]
    }
