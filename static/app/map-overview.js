/* Working-group overview /uebersicht: choropleth of active vacancies per 10,000 inhabitants
 * from GET /api/v1/statistics/municipalities, plus the same numbers as a table. */
"use strict";

Leerstand.overviewMap = function (map, config) {
  const {el, api, number, count} = Leerstand;
  Leerstand.watchPopups(map);  // legend and zoom buttons step aside while a popup is open
  const statusLabels = Object.fromEntries(config.statuses.map((s) => [s.value, s.label]));
  // fixed classes, so maps of different dates compare; sequential, colour-blind safe (YlOrRd)
  const CLASSES = [
    {upTo: 2, color: "#ffffb2", label: "unter 2"}, {upTo: 5, color: "#fecc5c", label: "2 bis unter 5"},
    {upTo: 10, color: "#fd8d3c", label: "5 bis unter 10"}, {upTo: 20, color: "#f03b20", label: "10 bis unter 20"},
    {upTo: Infinity, color: "#bd0026", label: "20 und mehr"},
  ];
  const classOf = (rate) => rate == null ? null : CLASSES.find((c) => rate < c.upTo);

  const legend = L.control({position: "bottomleft"});
  legend.onAdd = () => el("div", {className: "map-legend"},
    el("strong", {}, "Aktive Leerstände je 10.000 Einw."),
    el("ul", {}, CLASSES.map((c) => el("li", {},
      el("span", {className: "choropleth-swatch", style: "background:" + c.color, "aria-hidden": "true"}),
      c.label)), el("li", {}, el("span", {className: "choropleth-swatch", style: "background:#ccc",
                                         "aria-hidden": "true"}), "Einwohnerzahl unbekannt")));
  legend.addTo(map);

  function popup(p) {
    const counts = Object.entries(p.counts || {});
    return el("div", {className: "vacancy-popup"},
      el("h3", {}, p.name),
      el("dl", {className: "facts"},
        el("dt", {}, "Einwohner"), el("dd", {}, p.population != null ? number.format(p.population) : "–"),
        el("dt", {}, "Aktive Leerstände"), el("dd", {}, number.format(p.active)),
        el("dt", {}, "je 10.000 Einw."), el("dd", {}, p.active_per_10000 != null ? number.format(p.active_per_10000) : "–"),
        counts.map(([s, n]) => [el("dt", {}, statusLabels[s] || s), el("dd", {}, number.format(n))])),
      el("p", {}, el("a", {href: "/karte/" + encodeURIComponent(p.ags)}, "Karte von " + p.name + " öffnen")));
  }

  // three columns that fit the 24rem panel and a phone: the counts by status go under the
  // town's name, as text that wraps, not in a column per status that would be cut off ("Zw…")
  function table(features) {
    const head = el("tr", {}, el("th", {scope: "col"}, "Stadt"), el("th", {scope: "col"}, "aktiv"),
      el("th", {scope: "col"}, "je 10.000 Einw."));
    const rows = [...features].sort((a, b) => (b.properties.active_per_10000 || 0) - (a.properties.active_per_10000 || 0))
      .map((f) => {
        const p = f.properties;
        const byStatus = config.statuses.filter((s) => (p.counts || {})[s.value])
          .map((s) => s.label + ":\u00a0" + number.format(p.counts[s.value]));  // "leer: 17" in one piece
        return el("tr", {}, el("td", {},
            el("a", {href: "/karte/" + encodeURIComponent(p.ags)}, p.name),
            byStatus.length ? el("span", {className: "status-counts"}, byStatus.join(" · ")) : null),
          el("td", {}, number.format(p.active)),
          el("td", {}, p.active_per_10000 != null ? number.format(p.active_per_10000) : "–"));
      });
    return el("table", {className: "rate-table"}, el("caption", {className: "muted"},
      count(features.length, "Stadt", "Städte") + " mit Einträgen"), el("thead", {}, head), el("tbody", {}, rows));
  }

  // the towns with entries as choices of the download form (its first choice: all towns)
  function downloadChoices(features) {
    const select = document.getElementById("download-town");
    if (!select) return;
    const towns = features.map((f) => f.properties).sort((a, b) => a.name.localeCompare(b.name, "de"));
    select.append(...towns.map((p) => el("option", {value: p.ags}, p.name)));
  }

  api("/api/v1/statistics/municipalities").then(({data}) => {
    const layer = L.geoJSON(data, {
      style: (f) => {
        const c = classOf(f.properties.active_per_10000);
        return {color: "#333", weight: 1, fillColor: c ? c.color : "#ccc", fillOpacity: 0.75};
      },
      onEachFeature: (f, l) => {
        l.bindPopup(() => popup(f.properties));
        l.bindTooltip(() => el("span", {}, f.properties.name), {sticky: true});
      },
    }).addTo(map);
    if (data.features.length) map.fitBounds(layer.getBounds().pad(0.1));
    document.getElementById("towns-table").replaceChildren(table(data.features));
    downloadChoices(data.features);
  }).catch(() => {
    document.getElementById("map-status").textContent = "Die Zahlen konnten nicht geladen werden.";
  });
};
