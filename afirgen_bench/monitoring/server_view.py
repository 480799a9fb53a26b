"""What the servers saw during a load run, read back from the private Prometheus: each
endpoint's P95 from the API's own histogram beside the client's, and the run's requests,
errors, MariaDB and Redis figures as time series, summed up and plotted."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from afirgen_bench.monitoring import queries
from afirgen_bench.monitoring.client import PrometheusClient
from afirgen_bench.monitoring.rules import route_of

PLOT_FILE = "server-view.png"
UNIT_WORDS = {"reqps": "per s", "qps": "per s", "ops": "per s", "percentunit": "share"}
RATE_WINDOW = "5s"  # five scrapes at the load test's 1 s interval
P95_WINDOW = "10s"  # a P95 needs more requests than a rate


@dataclass(frozen=True)
class RouteLatency:
    """One route's P95 seen by the client and by the server's histogram.

    The histogram only knows the bucket the P95 falls in (``bucket_ms``; the value between is
    Prometheus's linear interpolation): the bucket holding the request of rank
    ceil(0.95 n). Each request's server time is below its client time, so that bucket must
    start at or below the client's time of the same rank (``client_rank_ms``), not the
    client's interpolated P95: with 13 requests that lies between the 12th and the 13th,
    and a slow 13th put the server's bucket above it."""

    route: str
    requests: int
    client_p95_ms: float
    server_p95_ms: float
    bucket_ms: tuple[float, float]
    client_rank_ms: float

    @property
    def consistent(self) -> bool:
        return self.bucket_ms[0] <= self.client_rank_ms


@dataclass(frozen=True)
class SignalSummary:
    name: str
    title: str
    unit: str
    mean: float
    peak: float
    points: list[tuple[float, float]]


@dataclass
class ServerView:
    interval_s: float
    routes: list[RouteLatency]
    signals: list[SignalSummary]
    notes: list[str] = field(default_factory=list)
    plot: str | None = None
    p95_over_time: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for row, route in zip(data["routes"], self.routes, strict=True):
            row["consistent"] = route.consistent
        return data


def bucket_of(value_s: float, buckets: Sequence[float]) -> tuple[float, float]:
    """The histogram bucket (lower, upper bound, in ms) an interpolated quantile lies in."""
    bounds = [0.0, *buckets]
    i = bisect.bisect_left(bounds, value_s)
    if i >= len(bounds):
        return bounds[-1] * 1000, float("inf")
    return bounds[max(0, i - 1)] * 1000, bounds[i] * 1000


def client_by_route(latencies: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """The client's response times (ms) by route: the query classes of one route together."""
    grouped: dict[str, list[float]] = {}
    for endpoint, values in latencies.items():
        grouped.setdefault(route_of(endpoint), []).extend(values)
    return grouped


def route_latencies(
    server_p95_s: Mapping[str, float],
    client_ms: Mapping[str, Sequence[float]],
    buckets: Sequence[float],
) -> list[RouteLatency]:
    rows = []
    for route, values in sorted(client_ms.items()):
        server = server_p95_s.get(route)
        if server is None or not values:
            continue
        rows.append(
            RouteLatency(
                route,
                len(values),
                round(float(np.percentile(values, 95)), 2),
                round(server * 1000, 2),
                bucket_of(server, buckets),
                round(float(np.percentile(values, 95, method="inverted_cdf")), 2),
            )
        )
    return rows


def summarize(name: str, title: str, unit: str, points: list[tuple[float, float]]) -> SignalSummary:
    values = [v for _t, v in points]
    mean = float(np.mean(values)) if values else float("nan")
    peak = float(np.max(values)) if values else float("nan")
    return SignalSummary(name, title, unit, mean, peak, points)


def collect(
    client: PrometheusClient,
    *,
    started: float,
    ended: float,
    interval_s: float,
    client_ms: Mapping[str, Sequence[float]],
    buckets: Sequence[float],
    jobs: Sequence[str],
) -> ServerView:
    """Read the run's window back from Prometheus."""
    seconds = max(1, round(ended - started))
    p95 = {
        s.labels.get("route", ""): s.points[-1][1]
        for s in client.query(queries.endpoint_p95_over(seconds), at=ended)
        if s.points
    }
    signals, notes = [], []
    for signal in queries.REPORTED:
        if signal.job not in jobs:
            notes.append(f"{signal.title}: not scraped ({signal.job} is not monitored here)")
            continue
        series = client.query_range(signal.expr(RATE_WINDOW), started, ended, interval_s)
        points = series[0].points if series else []
        if len(series) > 1:
            notes.append(f"{signal.title}: {len(series)} series, the first is shown")
        if not points:
            notes.append(f"{signal.title}: no data in the run's window")
        signals.append(summarize(signal.name, signal.title, signal.unit, points))
    over_time = {
        s.labels.get("route", ""): s.points
        for s in client.query_range(
            queries.ENDPOINT_P95.expr(P95_WINDOW), started, ended, interval_s
        )
        if s.points
    }
    routes = route_latencies(p95, client_ms, buckets)
    return ServerView(interval_s, routes, signals, notes, p95_over_time=over_time)


def plot(view: ServerView, path: Path) -> None:
    """Small multiples of the run's time series, one per signal, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    shown = [s for s in view.signals if s.points]
    if not shown:
        return
    columns = 2
    panels = len(shown) + bool(view.p95_over_time)
    rows = (panels + columns - 1) // columns
    figure, axes = pyplot.subplots(rows, columns, figsize=(10, 2.4 * rows), squeeze=False)
    start = min(s.points[0][0] for s in shown)
    cells = iter(axes.flat)
    if view.p95_over_time:
        axis = next(cells)
        for route, points in sorted(view.p95_over_time.items()):
            axis.plot(
                [t - start for t, _v in points], [v * 1000 for _t, v in points], lw=1, label=route
            )
        axis.set_title(f"Server-side P95 by route, {P95_WINDOW} windows (ms)", fontsize=9)
        axis.tick_params(labelsize=8)
        axis.legend(fontsize=6, loc="upper left")
    for axis, signal in zip(cells, shown, strict=False):
        axis.plot([t - start for t, _v in signal.points], [v for _t, v in signal.points], lw=1)
        axis.set_title(f"{signal.title} ({UNIT_WORDS.get(signal.unit, signal.unit)})", fontsize=9)
        axis.tick_params(labelsize=8)
        axis.set_xlabel("seconds into the run", fontsize=8)
    for axis in list(axes.flat)[panels:]:
        axis.set_visible(False)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    pyplot.close(figure)
    view.plot = path.name
