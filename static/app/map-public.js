/* Public map /karte/{ags}: published vacancies by viewport, clustered, with a side list. */
"use strict";

Leerstand.publicMap = function (map, config) {
  const {el} = Leerstand;
  Leerstand.fitInitial(map, config.bounds);
  const statusLabels = Object.fromEntries(config.statuses.map((s) => [s.value, s.label]));
  const context = {statusLabels, staff: false, config};
  const list = document.getElementById("vacancy-list");
  const count = document.getElementById("vacancy-count");
  const status = document.getElementById("map-status");

  // colour by status (default) or by the scoring's recommendation
  let colourBy = "status";
  const recommendations = () => [
    ...Object.entries(Leerstand.labels.recommendation || {}).map(([value, label]) => ({value: "rec-" + value, label})),
    {value: "rec-none", label: "nicht bewertet"}];
  const markerClass = (p) => colourBy === "status" ? p.status :
    "rec-" + (p.scores && p.scores.recommendation ? p.scores.recommendation : "none");

  const layer = new Leerstand.VacancyLayer(map, {
    ags: config.ags,
    makeMarker(feature) {
      const p = feature.properties;
      const marker = L.marker([feature.geometry.coordinates[1], feature.geometry.coordinates[0]], {
        icon: Leerstand.statusIcon(markerClass(p)), title: Leerstand.address(p),
        alt: Leerstand.address(p) + ", " + (statusLabels[p.status] || p.status), keyboard: true,
      });
      marker.bindPopup(() => Leerstand.popupContent(feature, context), {maxWidth: 380, maxHeight: 440});
      return marker;
    },
    onChange(what, error) {
      if (what === "error") status.textContent = "Die Leerstände konnten nicht geladen werden.";
      else if (what === "loaded") status.textContent = "";
      Leerstand.renderList(list, count, layer, {
        label: (p) => statusLabels[p.status] || p.status,
        onPick: (marker) => layer.reveal(marker),
      });
    },
  });
  let legend = Leerstand.legend(config.statuses, null, {ideas: true}).addTo(map);
  document.querySelectorAll("input[name=colour-by]").forEach((input) => input.addEventListener("change", () => {
    colourBy = input.value;
    map.removeControl(legend);
    legend = (colourBy === "status" ? Leerstand.legend(config.statuses, null, {ideas: true}) :
      Leerstand.legend(recommendations(), "Empfehlung der Bewertung", {ideas: true})).addTo(map);
    layer.rebuild();
  }));
  Leerstand.townLayers(map, config.ags).catch(() => {
    status.textContent = "Die Gemeindegrenze konnte nicht geladen werden.";
  });
  // list follows the map also when the data did not change (pan within loaded area)
  map.on("moveend", () => Leerstand.renderList(list, count, layer, {
    label: (p) => statusLabels[p.status] || p.status, onPick: (m) => layer.reveal(m)}));
  layer.load();
  window.leerstandLayer = layer;  // for the browser tests and the benchmark
  return layer;
};
