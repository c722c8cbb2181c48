"""Small inline-SVG charts for the QA report: no scripts, no fonts, nothing fetched."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#3b6ea8", "#d9822b", "#5a9e6f", "#b05a7a", "#7c6bb0", "#a8893b", "#4a9fb0")


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    value_format: str = "{:,.0f}",
    width: int = 640,
) -> str:
    """Horizontal bars, one per label, the value written at the end of each bar."""
    bar_height, gap, label_width = 20, 6, 220
    height = len(labels) * (bar_height + gap) + 30
    top = max(values, default=0) or 1
    rows = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 24 + index * (bar_height + gap)
        length = (width - label_width - 90) * (value / top)
        rows.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{length:.1f}" '
            f'height="{bar_height}" fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 14}">'
            f"{escape(value_format.format(value))}</text>"
        )
    return _svg(width, height, title, "".join(rows))


def grouped_bar_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    value_format: str = "{:.0%}",
    width: int = 640,
) -> str:
    """Vertical bars grouped by label, one colour per series (e.g. target vs actual share)."""
    height, left, bottom = 260, 40, 40
    top = max((v for values in series.values() for v in values), default=0) or 1
    group_width = (width - left - 20) / max(len(labels), 1)
    bar_width = group_width * 0.8 / max(len(series), 1)
    parts = []
    for g, label in enumerate(labels):
        x0 = left + g * group_width + group_width * 0.1
        for s, (name, values) in enumerate(series.items()):
            value = values[g]
            bar = (height - bottom - 30) * (value / top)
            x = x0 + s * bar_width
            y = height - bottom - bar
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_width - 2:.1f}" '
                f'height="{bar:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(name)}: {escape(value_format.format(value))}</title></rect>"
                f'<text x="{x + bar_width / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                f'class="small">{escape(value_format.format(value))}</text>'
            )
        parts.append(
            f'<text x="{x0 + group_width * 0.4:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    legend = "".join(
        f'<rect x="{left + i * 120}" y="{height - 16}" width="10" height="10" '
        f'fill="{PALETTE[i % len(PALETTE)]}"/>'
        f'<text x="{left + i * 120 + 14}" y="{height - 7}">{escape(name)}</text>'
        for i, name in enumerate(series)
    )
    return _svg(width, height, title, "".join(parts) + legend)


def histogram(
    bin_edges: Sequence[float], counts: Sequence[int], *, title: str, width: int = 640
) -> str:
    """Counts per bin as adjacent columns, with the bin edges under the axis."""
    height, left, bottom = 220, 50, 36
    top = max(counts, default=0) or 1
    column = (width - left - 20) / max(len(counts), 1)
    parts = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 20}" y2="{height - bottom}" '
        'stroke="#888"/>'
    ]
    for index, count in enumerate(counts):
        bar = (height - bottom - 30) * (count / top)
        x = left + index * column
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{height - bottom - bar:.1f}" '
            f'width="{column - 2:.1f}" height="{bar:.1f}" fill="{PALETTE[0]}">'
            f"<title>[{bin_edges[index]:.2f}, {bin_edges[index + 1]:.2f}): {count:,}</title></rect>"
        )
    for index in (0, len(counts) // 2, len(counts)):
        x = left + index * column
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="small">'
            f"{bin_edges[index]:.2f}</text>"
        )
    parts.append(f'<text x="{left - 6}" y="34" text-anchor="end" class="small">{top:,}</text>')
    return _svg(width, height, title, "".join(parts))


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<figure><svg class="chart" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>{body}</svg>'
        f"<figcaption>{escape(title)}</figcaption></figure>"
    )
