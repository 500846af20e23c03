"""Charts as SVG text drawn on the server (no JavaScript, nothing fetched): the same markup goes inline into
console pages and into WeasyPrint's PDF. Every text is escaped; each bar carries a <title> with its figures
for screen readers and tooltips."""

from __future__ import annotations

from xml.sax.saxutils import escape

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', sans-serif"
GRADE_COLOURS = {"A": "#1a7f37", "B": "#2f6fb0", "C": "#d4a017", "D": "#b42318", "E": "#6e4ea8"}
SPARE_COLOURS = ("#8a6d3b", "#0e7c86", "#9c3d54", "#5a6b7b")


def colour(grade: str, position: int = 0) -> str:
    """The colour of a grade (A green … D red; unknown grades take a spare colour by position)."""
    return GRADE_COLOURS.get(grade, SPARE_COLOURS[position % len(SPARE_COLOURS)])


def _attr(value: object) -> str:
    return escape(str(value), {'"': "&quot;"})


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def _legend(grades: list[str], x: float, y: float) -> list[str]:
    out = []
    for i, grade in enumerate(grades):
        gx = x + i * 56
        out.append(f'<rect x="{gx:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour(grade, i)}"/>'
                   f'<text x="{gx + 14:.1f}" y="{y:.1f}">{escape(grade)}</text>')
    return out


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" aria-label="{_attr(title)}" font-family="{_attr(FONT)}" '
            f'font-size="12" fill="#1f2328"><title>{escape(title)}</title>' + "".join(body) + "</svg>")


def grade_columns(counts: dict[str, int], grades: list[str], *, title: str, width: int = 360,
                  height: int = 220) -> str:
    """A column per grade with its count and share, for one distribution."""
    total = sum(counts.get(g, 0) for g in grades) or 0
    top, bottom, left = 34, 28, 12
    plot = height - top - bottom
    peak = max([counts.get(g, 0) for g in grades] + [1])
    step = (width - 2 * left) / max(len(grades), 1)
    body = [f'<text x="{left}" y="16" font-weight="bold">{escape(title)}</text>',
            f'<line x1="{left}" y1="{top + plot}" x2="{width - left}" y2="{top + plot}" stroke="#8c959f"/>']
    for i, grade in enumerate(grades):
        n = counts.get(grade, 0)
        h = plot * n / peak
        x = left + i * step + step * 0.2
        share = f"{n / total:.1%}" if total else "0%"
        body.append(f'<rect x="{x:.1f}" y="{top + plot - h:.1f}" width="{step * 0.6:.1f}" height="{h:.1f}" '
                    f'fill="{colour(grade, i)}"><title>{escape(grade)}: {n} ({share})</title></rect>')
        body.append(f'<text x="{x + step * 0.3:.1f}" y="{top + plot - h - 4:.1f}" text-anchor="middle">{n}</text>')
        body.append(f'<text x="{x + step * 0.3:.1f}" y="{top + plot + 16:.1f}" text-anchor="middle" '
                    f'font-weight="bold">{escape(grade)}</text>')
    return _svg(width, height, title, body)


def stacked_shares(rows: list[tuple[str, dict[str, int]]], grades: list[str], *, title: str, width: int = 720,
                   bar: int = 18, label_width: int = 150, total_label: str = "", caption: bool = True) -> str:
    """One horizontal bar per group, split by the grades' shares (100 %), the group's count at its end: groups
    of different sizes compare at a glance. Without `caption` the title is only the chart's accessible name
    (for a chart under a heading that says the same)."""
    top, gap, right = (44, 8, 70) if caption else (26, 8, 70)
    plot = width - label_width - right
    height = top + len(rows) * (bar + gap) + 8
    body = ([f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>'] if caption else []) + \
        _legend(grades, label_width, top - 10)
    if not rows:
        body.append(f'<text x="{label_width}" y="{top + 12}" fill="#666">—</text>')
        height = top + 24
    for r, (label, counts) in enumerate(rows):
        y = top + r * (bar + gap)
        total = sum(counts.get(g, 0) for g in grades)
        body.append(f'<text x="{label_width - 8}" y="{y + bar * 0.75:.1f}" text-anchor="end">'
                    f'<title>{escape(label)}</title>{escape(_short(label, 14))}</text>')
        x = float(label_width)
        for i, grade in enumerate(grades):
            n = counts.get(grade, 0)
            if not n or not total:
                continue
            w = plot * n / total
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour(grade, i)}">'
                        f'<title>{escape(label)} · {escape(grade)}: {n} ({n / total:.1%})</title></rect>')
            if w >= 30:
                body.append(f'<text x="{x + w / 2:.1f}" y="{y + bar * 0.75:.1f}" text-anchor="middle" '
                            f'fill="#fff" font-size="10">{n / total:.0%}</text>')
            x += w
        body.append(f'<text x="{label_width + plot + 6}" y="{y + bar * 0.75:.1f}">{total}{escape(total_label)}</text>')
    return _svg(width, height, title, body)


def diverging_bars(rows: list[tuple[str, float]], *, title: str, width: int = 720, bar: int = 14,
                   label_width: int = 170, caption: bool = True) -> str:
    """Signed values (score changes) as bars left (negative, red) or right (positive, green) of a zero line."""
    top, gap = (26 if caption else 8), 5
    plot = width - label_width - 60
    zero = label_width + plot / 2
    peak = max([abs(v) for _label, v in rows] + [1e-9])
    height = top + len(rows) * (bar + gap) + 8
    body = ([f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>'] if caption else []) + \
        [f'<line x1="{zero:.1f}" y1="{top - 4}" x2="{zero:.1f}" y2="{height - 4}" stroke="#8c959f"/>']
    for r, (label, value) in enumerate(rows):
        y = top + r * (bar + gap)
        w = (plot / 2) * abs(value) / peak
        x = zero if value >= 0 else zero - w
        fill = "#1a7f37" if value >= 0 else "#b42318"
        body.append(f'<text x="{label_width - 8}" y="{y + bar * 0.8:.1f}" text-anchor="end" font-size="11">'
                    f'<title>{escape(label)}</title>{escape(_short(label, 15))}</text>')
        body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{fill}">'
                    f'<title>{escape(label)}: {value:+g}</title></rect>')
        tx = x + w + 4 if value >= 0 else zero + 4   # a negative figure sits right of the zero line
        body.append(f'<text x="{tx:.1f}" y="{y + bar * 0.8:.1f}" font-size="11">{value:+g}</text>')
    return _svg(width, height, title, body)
