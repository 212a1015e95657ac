/* Public map /karte/{ags}: published vacancies by viewport, clustered; the side list of the whole
 * town is static/app/vacancy-list.js. */
"use strict";

Leerstand.publicMap = function (map, config) {
  const {el} = Leerstand;
  Leerstand.watchPopups(map);
  const statusLabels = Object.fromEntries(config.statuses.map((s) => [s.value, s.label]));
  const context = {statusLabels, staff: false, config};
  const status = document.getElementById("map-status");

  // colour by status (default) or by the scoring's recommendation
  let colourBy = "status";
  const recommendations = () => [
    ...Object.entries(Leerstand.labels.recommendation || {}).map(([value, label]) => ({value: "rec-" + value, label})),
    {value: "rec-none", label: "nicht bewertet"}];
  const markerClass = (p) => colourBy === "status" ? p.status :
    "rec-" + (p.scores && p.scores.recommendation ? p.scores.recommendation : "none");

  const layer = new Leerstand.VacancyLayer(map, {
    ags: config.ags, headStart: window.leerstandFirstPage,
    makeMarker(feature) {
      const p = feature.properties;
      const name = Leerstand.address(p) + ", Stand: " + (statusLabels[p.status] || p.status);
      const marker = L.marker([feature.geometry.coordinates[1], feature.geometry.coordinates[0]], {
        icon: Leerstand.statusIcon(markerClass(p), name), title: name, alt: name, keyboard: true,
      });
      marker.bindPopup(() => Leerstand.popupContent(feature, context), Leerstand.popupOptions(map));
      return marker;
    },
    onChange(what, error) {
      if (what === "error") status.textContent = "Die Leerstände konnten nicht geladen werden.";
      else if (what === "loaded") status.textContent = "";
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
  // every shop of the public map can be printed for interested parties (opens the PDF) — but
  // one whose owner allowed only location and status (its details, created_at too, are null)
  Leerstand.popupSections.push((feature) => feature.properties.created_at == null ? null : el("p", {className: "expose-link"},
    el("a", {href: "/api/v1/vacancies/" + encodeURIComponent(feature.id) + "/expose.pdf",
             target: "_blank", rel: "noopener"}, "Exposé (PDF) für Interessierte")));
  layer.load();
  window.leerstandLayer = layer;  // for the browser tests and the benchmark
  return layer;
};
