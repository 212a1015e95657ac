"""folium without any CDN: Leaflet and plugins come from static/vendor/ (see fetch.sh there).

folium does not escape user text (popups, tooltips, GeoJsonPopup), so the pages never hand it
any: folium only draws the empty map and the base-map layer, and the page scripts load the data
from the API and build popups with textContent.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
from folium.template import Template

from app.static_assets import static_url

LEAFLET_JS = [
    ("leaflet", static_url("vendor/leaflet/leaflet.js")),
    # German zoom buttons and attribution: defaults set before folium's script creates the map
    ("leaflet_de", static_url("app/leaflet-de.js")),
    # no jQuery: only folium's popup and keep_in_front templates use it, and the pages draw
    # their popups themselves (88 kB less to parse before the first markers)
    ("markercluster", static_url("vendor/leaflet.markercluster/leaflet.markercluster.js")),
]
LEAFLET_CSS = [
    ("leaflet_css", static_url("vendor/leaflet/leaflet.css")),
    ("markercluster_css", static_url("vendor/leaflet.markercluster/MarkerCluster.css")),
    ("markercluster_default_css", static_url("vendor/leaflet.markercluster/MarkerCluster.Default.css")),
]
GEOMAN_JS = [("geoman", static_url("vendor/leaflet-geoman/leaflet-geoman.js"))]
GEOMAN_CSS = [("geoman_css", static_url("vendor/leaflet-geoman/leaflet-geoman.css"))]


class OfflineMap(folium.Map):
    """folium.Map with vendored assets and without folium's styles (page-wide or inline).

    folium's header also sets ``user-scalable=no`` (blocks zooming the page on phones, an
    accessibility failure) and sizes html/body; our base template owns the page instead.
    """

    default_js = LEAFLET_JS
    default_css = LEAFLET_CSS
    # [[south, west], [north, east]] the map first shows: fitted as it is created, so that the
    # map lays out its view and tiles once (not at zoom_start first: on a phone that was about
    # 40 ms before the first markers, bench/maps); None: location and zoom_start
    initial_bounds: list[list[float]] | None = None
    # no <style> in the header: the page's CSP allows no inline styles (.folium-map in maps.css)
    _template = Template("""
        {% macro header(this, kwargs) %}{% endmacro %}
        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }}
                 role="region" aria-label="Karte"></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {
                {%- if this.initial_bounds is none %}
                center: {{ this.location|tojson }},
                {%- endif %}
                crs: L.CRS.{{ this.crs }}, ...{{ this.options|tojavascript }}
            });
            {%- if this.initial_bounds is not none %}
            {{ this.get_name() }}.fitBounds({{ this.initial_bounds|tojson }}, {animate: false});
            {%- endif %}
            {%- if this.control_scale %}
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
    """)


class StaffMap(OfflineMap):
    """The staff map also draws and edits the core area (Leaflet-Geoman)."""

    default_js = LEAFLET_JS + GEOMAN_JS
    default_css = LEAFLET_CSS + GEOMAN_CSS


@dataclass(frozen=True)
class MapParts:
    """The rendered pieces a page template places: asset links, the map div, the map script."""

    name: str
    header: str
    html: str
    script: str
    bounds: list[list[float]] | None  # [[south, west], [north, east]] the map is fitted to


def build_map(
    *, tiles_url: str, attribution: str, bounds: tuple[float, float, float, float] | None,
    cls: type[OfflineMap] = OfflineMap,
) -> MapParts:
    """An empty map of the given (minlon, minlat, maxlon, maxlat) extent with the base map."""
    centre = [51.0, 11.0] if bounds is None else [(bounds[1] + bounds[3]) / 2,
                                                  (bounds[0] + bounds[2]) / 2]
    # not folium's fit_bounds: it animates from zoom_start, and a view set while that animation
    # runs is undone when it ends; the map is fitted without animation as it is created
    fit = None if bounds is None else [[bounds[1], bounds[0]], [bounds[3], bounds[2]]]
    fmap = cls(location=centre, zoom_start=8 if bounds is None else 14, tiles=None,
               control_scale=True, prefer_canvas=False)
    fmap.initial_bounds = fit
    # tiles_url and attribution come from the operator's settings, not from users
    folium.TileLayer(tiles=tiles_url, attr=attribution, name="Hintergrundkarte",
                     max_zoom=19, max_native_zoom=19).add_to(fmap)
    root = fmap.get_root()
    if not isinstance(root, folium.Figure):  # a folium map always sits in a Figure of its own
        raise TypeError(f"a map's root is a Figure, not {type(root).__name__}")
    root.render()
    return MapParts(name=fmap.get_name(), header=root.header.render(), html=root.html.render(),
                    script=root.script.render(), bounds=fit)
