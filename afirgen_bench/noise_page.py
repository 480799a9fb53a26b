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
    body = _noise_body(rows)
    duet_section = (
        f"""<h2>Wall times in duet</h2>
<p>{html.escape(duet_heading)}</p>
<table class="table table-condensed table-striped">
{NOISE_HEAD}
<tbody>
{_noise_body(duet)}
</tbody></table>"""
        if duet
        else ""
    )
    spread_body = "\n".join(
        "<tr><td><code>{}</code></td><td>{}</td><td>{:.2e}</td><td>{}</td></tr>".format(
            html.escape(r["benchmark"]),
            html.escape(r["unit"]),
            r["largest_spread"],
            "any change"
            if r["flagged_at"] == 0
            else (
                f"<strong>{r['flagged_at']:.2%}</strong>"
                if (r["flagged_at"] or 0) > 0.01
                else f"{r['flagged_at'] or 0:.2%}"
            ),
        )
        for r in spread or []
    )
    spread_section = (
        f"""<h2>Counted figures</h2>
<p>{html.escape(spread_heading)}</p>
<table class="table table-condensed table-striped">
<thead><tr><th>figure</th><th>unit</th><th>largest move between layouts</th><th>flagged at
</th></tr>
</thead><tbody>
{spread_body}
</tbody></table>"""
        if spread
        else ""
    )
    drift_section = (
        f"<h2>Drift between runs</h2><p>{html.escape(drift_note)}</p>" if drift_note else ""
    )
    page = f"""<!DOCTYPE html>
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
    path = html_dir / NOISE_PAGE
    path.write_text(page)
    (html_dir / "noise.json").write_text(
        json.dumps(
            {
                "heading": heading,
                "rows": rows,
                "duet": duet or [],
                "spread": spread or [],
                "drift": drift_note,
            },
            indent=1,
        )
    )
    index = html_dir / "index.html"
    text = index.read_text()
    if NOISE_LINK not in text and NAV_ANCHOR in text:
        index.write_text(text.replace(NAV_ANCHOR, NOISE_LINK + "\n\t" + NAV_ANCHOR, 1))
    return path
