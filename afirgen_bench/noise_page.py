"""The site's own page, ``html/noise.html``: each benchmark's noise and the smallest change
the gate is sure to catch on this machine (in the PR check's runs, in duet, and the counted
figures' tolerances), linked from asv's navigation bar."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

NOISE_PAGE = "noise.html"
NOISE_LINK = f'<li id="nav-li-noise"><a href="{NOISE_PAGE}">Noise &amp; detectable effect</a></li>'
NAV_ANCHOR = '<li id="nav-li-regressions">'


def _noise_body(rows: list[dict[str, Any]]) -> str:
    return "\n".join(
        "<tr><td><code>{}</code></td><td>{:.2%}</td><td>{:.1%}</td><td>{}</td></tr>".format(
            html.escape(r["benchmark"]),
            r["sigma"],
            r["minimum_detectable_effect"],
            f"<strong>unprotected: noise hides changes below {r['limit']:.1%}</strong>"
            if r["unprotected"]
            else f"{r['limit']:.1%}",
        )
        for r in rows
    )


NOISE_HEAD = (
    "<thead><tr><th>benchmark</th><th>noise</th><th>detects</th><th>limit</th></tr></thead>"
)


def _duet_section(duet: list[dict[str, Any]] | None, heading: str) -> str:
    if not duet:
        return ""
    return f"""<h2>Wall times in duet</h2>
<p>{html.escape(heading)}</p>
<table class="table table-condensed table-striped">
{NOISE_HEAD}
<tbody>
{_noise_body(duet)}
</tbody></table>"""


def _flagged_at(row: dict[str, Any]) -> str:
    """A counted figure's tolerance, in bold when it is above the promised 1 %."""
    if row["flagged_at"] == 0:
        return "any change"
    if (row["flagged_at"] or 0) > 0.01:
        return f"<strong>{row['flagged_at']:.2%}</strong>"
    return f"{row['flagged_at'] or 0:.2%}"


def _spread_section(spread: list[dict[str, Any]] | None, heading: str) -> str:
    if not spread:
        return ""
    body = "\n".join(
        "<tr><td><code>{}</code></td><td>{}</td><td>{:.2e}</td><td>{}</td></tr>".format(
            html.escape(r["benchmark"]), html.escape(r["unit"]), r["largest_spread"], _flagged_at(r)
        )
        for r in spread
    )
    return f"""<h2>Counted figures</h2>
<p>{html.escape(heading)}</p>
<table class="table table-condensed table-striped">
<thead><tr><th>figure</th><th>unit</th><th>largest move between layouts</th><th>flagged at
</th></tr>
</thead><tbody>
{body}
</tbody></table>"""


def _page(heading: str, body: str, sections: list[str]) -> str:
    duet_section, spread_section, drift_section = sections
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Noise and detectable effect</title>
<link rel="stylesheet" href="vendor/bootstrap/dist/css/bootstrap.min.css"></head>
<body><div class="container">
<p><a href="index.html">&larr; benchmark history</a></p>
<h1>Noise and minimum detectable effect</h1>
<p>{html.escape(heading)}</p>
<p><em>noise</em>: standard deviation of the PR check's estimate (log ratio of head to base)
when nothing changed; <em>detects</em>: the smallest slowdown the check flags with the gate's
power; <em>limit</em>: the slowdown beyond which the benchmark fails a check, the larger of
the gate's threshold and what it detects. Every benchmark can fail.</p>
<table class="table table-condensed table-striped">
{NOISE_HEAD}
<tbody>
{body}
</tbody></table>
{duet_section}
{spread_section}
{drift_section}
</div></body></html>
"""


def _link_from_index(html_dir: Path) -> None:
    """Add the page to asv's navigation bar, once."""
    index = html_dir / "index.html"
    text = index.read_text()
    if NOISE_LINK not in text and NAV_ANCHOR in text:
        index.write_text(text.replace(NAV_ANCHOR, NOISE_LINK + "\n\t" + NAV_ANCHOR, 1))


def write_noise_page(
    html_dir: Path,
    rows: list[dict[str, Any]],
    heading: str,
    spread: list[dict[str, Any]] | None = None,
    spread_heading: str = "",
    drift_note: str = "",
    duet: list[dict[str, Any]] | None = None,
    duet_heading: str = "",
) -> Path:
    """``noise.html``: every calibrated benchmark's noise and minimum detectable effect (in
    the PR check's runs, and in duets), and every counted figure's spread, linked from the
    site's navigation bar (the numbers also go to ``noise.json``)."""
    drift_section = (
        f"<h2>Drift between runs</h2><p>{html.escape(drift_note)}</p>" if drift_note else ""
    )
    sections = [
        _duet_section(duet, duet_heading),
        _spread_section(spread, spread_heading),
        drift_section,
    ]
    path = html_dir / NOISE_PAGE
    path.write_text(_page(heading, _noise_body(rows), sections))
    numbers = {
        "heading": heading,
        "rows": rows,
        "duet": duet or [],
        "spread": spread or [],
        "drift": drift_note,
    }
    (html_dir / "noise.json").write_text(json.dumps(numbers, indent=1))
    _link_from_index(html_dir)
    return path
