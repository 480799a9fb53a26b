"""Prometheus's HTTP query API, with its errors mapped to one-line harness errors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import httpx

from afirgen_bench.core.errors import HarnessError


@dataclass(frozen=True)
class Series:
    """One labelled series of a query's answer: (unix time, value) points, NaN dropped."""

    labels: dict[str, str]
    points: list[tuple[float, float]]


class PrometheusClient:
    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url
        self._http = httpx.Client(base_url=url, timeout=timeout_s)

    def close(self) -> None:
        self._http.close()

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise HarnessError(f"Prometheus at {self.url} did not answer: {exc}") from exc
        try:
            body = answer.json()
        except ValueError as exc:
            raise HarnessError(f"Prometheus answered {answer.status_code} without JSON") from exc
        if body.get("status") != "success":
            raise HarnessError(f"Prometheus refused {params.get('query')!r}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[Series]:
        params: dict[str, Any] = {"query": expr}
        if at is not None:
            params["time"] = at
        data = self._get("/api/v1/query", params)
        if data["resultType"] == "scalar":
            return [Series({}, _points([data["result"]]))]
        return [Series(r["metric"], _points([r["value"]])) for r in data["result"]]

    def query_range(self, expr: str, start: float, end: float, step_s: float) -> list[Series]:
        data = self._get(
            "/api/v1/query_range", {"query": expr, "start": start, "end": end, "step": step_s}
        )
        return [Series(r["metric"], _points(r["values"])) for r in data["result"]]

    def alerts(self) -> list[dict[str, Any]]:
        """The alerts pending or firing now."""
        return self._get("/api/v1/alerts", {})["alerts"]

    def targets_up(self) -> dict[str, bool]:
        """Each scrape job's health after its last scrape."""
        active = self._get("/api/v1/targets", {})["activeTargets"]
        return {t["labels"]["job"]: t["health"] == "up" for t in active}


def _points(values: list[list[Any]]) -> list[tuple[float, float]]:
    points = [(float(t), float(v)) for t, v in values]
    return [(t, v) for t, v in points if not math.isnan(v)]
