"""The exposé's location map, drawn without tiles: town boundary, core area and the shop in
EPSG:25832 (metres, so distances on the sheet are true), with a scale bar and a north arrow.
Pure: shapely geometries in, an SVG document out. UTM zone 32 grid north differs from true north
by less than 2° in Thuringia, which an arrow on a small map cannot show; the arrow points up."""

from __future__ import annotations

from xml.sax.saxutils import escape

from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

WIDTH, HEIGHT = 480, 320          # SVG user units (CSS px at 96 dpi: about 12.7 × 8.5 cm)
MIN_SPAN_M = 600                  # the smallest width of ground the map shows
NICE_LENGTHS = (25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000)


def window(shop: Point, core: BaseGeometry | None) -> tuple[float, float, float, float]:
    """The ground shown: the core area and the shop with a margin, at least MIN_SPAN_M wide, in
    the sheet's aspect ratio, centred on what it shows."""
    minx, miny, maxx, maxy = (core.union(shop) if core is not None and not core.is_empty
                              else shop).bounds
    margin = 80.0
    minx, miny, maxx, maxy = minx - margin, miny - margin, maxx + margin, maxy + margin
    span_x = max(maxx - minx, MIN_SPAN_M, (maxy - miny) * WIDTH / HEIGHT)
    span_y = span_x * HEIGHT / WIDTH
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return cx - span_x / 2, cy - span_y / 2, cx + span_x / 2, cy + span_y / 2


def scale_length(metres_per_unit: float) -> int:
    """A round length for the scale bar, about a quarter of the map's width."""
    target = WIDTH / 4 * metres_per_unit
    return min(NICE_LENGTHS, key=lambda length: abs(length - target))


def _path(geom: BaseGeometry, to_svg) -> str:
    """SVG path data of the polygon rings and lines of a geometry."""
    parts = []
    for piece in getattr(geom, "geoms", [geom]):
        rings = ([piece.exterior, *piece.interiors] if piece.geom_type == "Polygon" else [piece])
        for ring in rings:
            points = [to_svg(x, y) for x, y in ring.coords]
            if points:
                parts.append("M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in points)
                             + (" Z" if piece.geom_type == "Polygon" else ""))
    return " ".join(parts)


def _metres(length: int) -> str:
    return f"{length // 1000} km" if length >= 1000 else f"{length} m"


def location_map(*, shop: Point, boundary: BaseGeometry | None, core: BaseGeometry | None,
                 title: str) -> str:
    """The map as an SVG document (all inputs in EPSG:25832)."""
    minx, miny, maxx, maxy = window(shop, core)
    per_unit = (maxx - minx) / WIDTH

    def to_svg(x: float, y: float) -> tuple[float, float]:
        return (x - minx) / per_unit, (maxy - y) / per_unit

    frame = box(minx, miny, maxx, maxy)
    shapes = []
    if boundary is not None and not boundary.is_empty:
        # the boundary as a line: a town is much larger than the sheet
        edge = boundary.boundary.intersection(frame)
        if not edge.is_empty:
            shapes.append(f'<path d="{_path(edge, to_svg)}" fill="none" stroke="#333" '
                          'stroke-width="2" stroke-dasharray="8 5"/>')
    if core is not None and not core.is_empty:
        shapes.append(f'<path d="{_path(core.intersection(frame), to_svg)}" fill="#0b5c8a" '
                      'fill-opacity="0.12" stroke="#0b5c8a" stroke-width="2"/>')
    sx, sy = to_svg(shop.x, shop.y)
    shapes.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="9" fill="#d55e00" stroke="#fff" '
                  'stroke-width="3"/>')
    shapes.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="12" fill="none" stroke="#333" '
                  'stroke-width="1"/>')
    length = scale_length(per_unit)
    bar = length / per_unit
    x0, y0 = 16, HEIGHT - 18
    scale = (f'<g font-family="DejaVu Sans, sans-serif" font-size="12">'
             f'<rect x="{x0 - 6}" y="{y0 - 22}" width="{bar + 60:.1f}" height="32" fill="#fff" '
             'fill-opacity="0.85"/>'
             f'<path d="M{x0} {y0 - 6} L{x0} {y0} L{x0 + bar:.1f} {y0} L{x0 + bar:.1f} {y0 - 6}" '
             'fill="none" stroke="#000" stroke-width="2"/>'
             f'<text x="{x0 + bar + 6:.1f}" y="{y0 + 1}">{_metres(length)}</text></g>')
    north = (f'<g transform="translate({WIDTH - 30} 16)" font-family="DejaVu Sans, sans-serif">'
             '<path d="M0 0 L9 26 L0 20 L-9 26 Z" fill="#000"/>'
             '<text x="0" y="42" font-size="13" text-anchor="middle" font-weight="bold">N</text></g>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img"><title>{escape(title)}</title>'
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f4f1ea"/>'
            + "".join(shapes) + scale + north
            + f'<rect width="{WIDTH}" height="{HEIGHT}" fill="none" stroke="#888"/></svg>')
