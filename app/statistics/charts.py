"""Small SVG charts for the printed report, drawn server-side: a line chart and a grouped bar
chart with German numbers on the axis and a legend. Text is escaped; no script, no URL."""

from __future__ import annotations

from html import escape

from app.formats import number

STATUS_COLOURS = {"reported": "#cc79a7", "threatened": "#e69f00", "vacant": "#d55e00",
                  "interim_use": "#009e73", "reused": "#0072b2", "withdrawn": "#999999",
                  "demolished": "#555555", "rejected": "#bbbbbb"}
PALETTE = ("#d55e00", "#0072b2", "#009e73", "#e69f00", "#cc79a7", "#56b4e9", "#555555")
W, H, LEFT, RIGHT, TOP, BOTTOM = 520, 220, 44, 10, 10, 56


def _ticks(top: float) -> list[int]:
    step = max(1, -(-int(top) // 4))
    return list(range(0, int(top) + step, step))


def _frame(labels: list[str], top: float) -> tuple[list[str], float]:
    ticks = _ticks(top)
    scale = (H - TOP - BOTTOM) / (ticks[-1] or 1)
    parts = []
    for t in ticks:
        y = H - BOTTOM - t * scale
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#ddd"/><text x="{LEFT - 4}" y="{y + 3:.1f}" font-size="9" '
                     f'text-anchor="end">{number(t)}</text>')
    step = (W - LEFT - RIGHT) / max(len(labels), 1)
    for i, label in enumerate(labels):
        x = LEFT + step * (i + 0.5)
        parts.append(f'<text x="{x:.1f}" y="{H - BOTTOM + 12}" font-size="8.5" '
                     f'text-anchor="middle">{escape(label)}</text>')
    return parts, scale


def _legend(names: list[tuple[str, str]]) -> list[str]:
    parts: list[str] = []
    x: float = LEFT
    for name, colour in names:
        parts.append(f'<rect x="{x}" y="{H - 22}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{H - 13}" font-size="9">{escape(name)}</text>')
        x += 24 + 5.5 * len(name)
    return parts


def _svg(title: str, parts: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" '
            f'height="{H}" font-family="DejaVu Sans" role="img"><title>{escape(title)}</title>'
            + "".join(parts) + "</svg>")


def line_chart(title: str, labels: list[str], series: list[tuple[str, list[int]]]) -> str:
    top = max([max(v) for _, v in series if v] + [1])
    parts, scale = _frame(labels, top)
    step = (W - LEFT - RIGHT) / max(len(labels), 1)
    legend = []
    for k, (name, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{LEFT + step * (i + 0.5):.1f},{H - BOTTOM - v * scale:.1f}"
                          for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                     'stroke-width="2"/>')
        legend.append((name, colour))
    return _svg(title, parts + _legend(legend))


def bar_chart(title: str, labels: list[str], series: list[tuple[str, str, list[int]]]) -> str:
    """``series``: (name, colour, one value per label), drawn side by side per label."""
    top = max([max(v) for _, _, v in series if v] + [1])
    parts, scale = _frame(labels, top)
    step = (W - LEFT - RIGHT) / max(len(labels), 1)
    width = step * 0.7 / max(len(series), 1)
    for k, (_, colour, values) in enumerate(series):
        for i, v in enumerate(values):
            x = LEFT + step * (i + 0.15) + k * width
            parts.append(f'<rect x="{x:.1f}" y="{H - BOTTOM - v * scale:.1f}" '
                         f'width="{width:.1f}" height="{v * scale:.1f}" fill="{colour}"/>')
    return _svg(title, parts + _legend([(n, c) for n, c, _ in series]))
