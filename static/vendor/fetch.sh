#!/usr/bin/env bash
# Re-creates static/vendor/ from the npm registry with pinned versions (`npm pack`, no install,
# no build step). The files are committed; CI and servers never run this. Needs node/npm.
#   static/vendor/fetch.sh            # then review `git diff --stat static/vendor`
set -euo pipefail
cd "$(dirname "$0")"
LEAFLET=1.9.3            # the version folium 0.20 is written against
MARKERCLUSTER=1.5.3
GEOMAN=2.20.2            # @geoman-io/leaflet-geoman-free: draw/edit the core area (staff map)
SWAGGER_UI=5.35.0        # swagger-ui-dist: the API viewer at /docs
REDOC=2.5.4              # the API viewer at /redoc (FastAPI's helper is written against 2.x)
UPLOT=1.6.32             # charts of the statistics pages (/statistik)

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unpack() {  # unpack <spec> <dest> <files relative to package/…>
  local spec=$1 dest=$2; shift 2
  (cd "$tmp" && rm -rf package && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz && rm ./*.tgz)
  rm -rf "$dest"; mkdir -p "$dest"
  for f in "$@"; do cp -r "$tmp/package/$f" "$dest/"; done
  echo "$spec" > "$dest/VERSION"
  rm -rf "$tmp/package"
}
unpack "leaflet@$LEAFLET" leaflet dist/leaflet.js dist/leaflet.css dist/images LICENSE
unpack "leaflet.markercluster@$MARKERCLUSTER" leaflet.markercluster \
  dist/leaflet.markercluster.js dist/MarkerCluster.css dist/MarkerCluster.Default.css MIT-LICENCE.txt
unpack "@geoman-io/leaflet-geoman-free@$GEOMAN" leaflet-geoman \
  dist/leaflet-geoman.js dist/leaflet-geoman.css LICENSE
unpack "swagger-ui-dist@$SWAGGER_UI" swagger-ui \
  swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE NOTICE
unpack "redoc@$REDOC" redoc bundles/redoc.standalone.js bundles/redoc.standalone.js.LICENSE.txt LICENSE
unpack "uplot@$UPLOT" uplot dist/uPlot.iife.min.js dist/uPlot.min.css LICENSE
# the one change to a vendored file: ReDoc's side menu loads its logo from cdn.redoc.ly; "data:,"
# is no image, so the menu drops it (onError), and no request leaves the server
sed -i 's|"https://cdn.redoc.ly/redoc/logo-mini.svg"|"data:,"|' redoc/redoc.standalone.js
ls -R . | head -40
