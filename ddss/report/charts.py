"""Charts as inline SVG: no script, no library, no request; they print as they show.

Every text that enters an SVG goes through ``markupsafe.escape``; the result is
``Markup`` so Jinja2 inserts it without escaping it twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["PALETTE", "bar_row", "trend"]

# Colour-blind-safe (Okabe-Ito), one per dataset line; the legend names them too.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def _y(score: float, top: float, height: float, floor: float) -> float:
    return top + (1 - (score - floor) / (1 - floor)) * height


def trend(
    series: dict[str, Sequence[tuple[str, float]]],
    threshold: float | None = None,
    title: str = "",
    width: int = 260,
    height: int = 120,
    runs: Sequence[str] | None = None,
) -> Markup:
    """Score (0..1) per run, one line per series (dataset); the threshold dashed.

    ``series``: name -> [(run label, score), ...] in run order; ``runs``: every run label
    in order (the x axis), so a dataset missing from some runs keeps its place. The y axis
    starts at the lowest value shown (at most 80 %) so that a drop of a few points is visible.
    """
    points = [s for pts in series.values() for _, s in pts]
    if threshold is not None:
        points.append(threshold)
    floor = min([0.8, *points]) if points else 0.8
    floor = max(0.0, round(floor - 0.05, 1)) if floor < 0.8 else 0.8
    left, top, right, bottom = 34, 14, 8, 18
    w, h = width - left - right, height - top - bottom
    labels = list(runs) if runs is not None else list(dict.fromkeys(r for pts in series.values() for r, _ in pts))
    position = {r: k for k, r in enumerate(labels)}
    runs_n = len(labels)
    out = [
        f'<svg class="trend" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{escape(title)}</title>",
        f'<rect x="{left}" y="{top}" width="{w}" height="{h}" fill="#fafafa" stroke="#ccc"/>',
    ]
    for tick in (floor, (floor + 1) / 2, 1.0):
        y = _y(tick, top, h, floor)
        out.append(f'<text x="{left - 3}" y="{y + 3:.1f}" font-size="9" text-anchor="end" fill="#555">{tick * 100:.0f}%</text>')
    if threshold is not None:
        y = _y(threshold, top, h, floor)
        out.append(
            f'<line x1="{left}" x2="{left + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b00" stroke-dasharray="4 3"/>'
            f'<text x="{left + w}" y="{y - 2:.1f}" font-size="8" text-anchor="end" fill="#b00">'
            f"ngưỡng {threshold * 100:.0f}%</text>"
        )
    if not any(series.values()):
        out.append(f'<text x="{left + w / 2}" y="{top + h / 2}" font-size="10" text-anchor="middle">chưa có dữ liệu</text>')
    step = w / max(runs_n - 1, 1)
    for i, (name, pts) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        coords = [(left + (position[r] * step if runs_n > 1 else w / 2), _y(s, top, h, floor)) for r, s in pts]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), (label, s) in zip(coords, pts, strict=True):
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)} · {escape(label)}: {s * 100:.1f}%</title></circle>"
            )
    out.append(f'<text x="{left}" y="{height - 4}" font-size="8" fill="#555">{runs_n} lượt / runs</text>')
    out.append("</svg>")
    return Markup("".join(out))


def bar_row(parts: Sequence[tuple[str, int, str]], width: int = 220, height: int = 14) -> Markup:
    """One stacked bar: (label, count, colour) parts, proportional to their counts."""
    total = sum(n for _, n, _ in parts) or 1
    x = 0.0
    out = [f'<svg class="bar" viewBox="0 0 {width} {height}" width="{width}" height="{height}">']
    for label, n, colour in parts:
        w = width * n / total
        if w > 0:
            out.append(
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{colour}">'
                f"<title>{escape(label)}: {n}</title></rect>"
            )
        x += w
    out.append("</svg>")
    return Markup("".join(out))
