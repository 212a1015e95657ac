/* Statistics pages /statistik/{ags} and /statistik: charts drawn with uPlot from
 * GET /api/v1/statistics/timeseries and /durations, each with a real table of the same numbers
 * (shown by its "Tabelle anzeigen" button). Numbers and months in German. */
"use strict";

(function () {
  const {el, api, label} = Leerstand;
  const config = JSON.parse(document.getElementById("leerstand-page").textContent);
  const status = document.getElementById("statistics-status");
  const number = new Intl.NumberFormat("de-DE", {maximumFractionDigits: 2});
  const percent = new Intl.NumberFormat("de-DE", {style: "percent", maximumFractionDigits: 1});
  const monthFmt = new Intl.DateTimeFormat("de-DE", {month: "short", year: "numeric", timeZone: "UTC"});
  // colours as on the map and in the report PDF (app/statistics/charts.py)
  // colours as on the map (site.css, .vac-{status}) and in the report PDF (app/statistics/charts.py)
  const STATUSES = Object.keys(JSON.parse(document.getElementById("leerstand-labels").textContent)
    .vacancy_status || {});
  const COLOURS = Object.fromEntries(STATUSES.map((s) => {
    const probe = el("span", {className: "vac-" + s, hidden: true});
    document.body.append(probe);
    const colour = getComputedStyle(probe).getPropertyValue("--c").trim() || "#555";
    probe.remove();
    return [s, colour];
  }));
  const statusName = (s) => { const text = label("vacancy_status", s); return text[0].toUpperCase() + text.slice(1); };
  const fmt = (value) => value === null || value === undefined ? "–" : number.format(value);

  /** "2026-01" → "Jan. 2026" */
  function monthLabel(month) {
    const [year, m] = month.split("-").map(Number);
    return monthFmt.format(new Date(Date.UTC(year, m - 1, 1)));
  }

  function table(caption, head, rows) {
    return el("table", {className: "stat-table"}, el("caption", {}, caption),
      el("thead", {}, el("tr", {}, head.map((h, i) => el("th", {scope: "col", className: i ? "num" : ""}, h)))),
      el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c, i) =>
        i ? el("td", {className: "num"}, c) : el("th", {scope: "row"}, c))))));
  }

  /* The toggles: a button shows and hides the table it controls. */
  document.querySelectorAll(".table-toggle").forEach((button) => {
    button.addEventListener("click", () => {
      const target = document.getElementById(button.getAttribute("aria-controls"));
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? "Tabelle ausblenden" : "Tabelle anzeigen";
      target.hidden = !open;
    });
  });

  /* A uPlot chart filling its box's width, redrawn when the box changes size. */
  function chart(box, options, data) {
    const size = () => ({width: Math.max(box.clientWidth, 200), height: options.height || 260});
    const plot = new uPlot({...options, ...size()}, data, box);
    new ResizeObserver(() => plot.setSize(size())).observe(box);
    return plot;
  }

  function monthAxis(months) {
    return {values: (u, splits) => splits.map((i) => months[i] ? monthLabel(months[i]) : ""),
            space: 70, incrs: [1, 2, 3, 4, 6, 12, 24, 36, 60, 120]};
  }
  // counts are whole: no 2,5 on the axis
  const countAxis = {values: (u, splits) => splits.map((v) => number.format(v)), size: 50,
                     incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000]};
  const germanLegend = (u, value) => value === null || value === undefined ? "–" : number.format(value);

  function monthScale(months) {
    return {x: {time: false, range: [-0.5, months.length - 0.5]}, y: {range: (u, lo, hi) => [0, Math.max(hi, 1) * 1.1]}};
  }

  // ---- one town ----------------------------------------------------------------------------
  function drawCounts(town) {
    const months = town.months.map((m) => m.month);
    const shown = Object.keys(COLOURS).filter((s) => town.months.some((m) => m.counts[s] !== undefined && m.counts[s] > 0));
    const x = months.map((_, i) => i);
    chart(document.getElementById("chart-counts"), {
      scales: monthScale(months),
      axes: [monthAxis(months), countAxis],
      series: [{label: "Monat", value: (u, i) => i === null ? "–" : monthLabel(months[i])},
        ...shown.map((s) => ({label: statusName(s), stroke: COLOURS[s], width: 2, value: germanLegend})),
        {label: "Aktiv gesamt", stroke: "#1a1a1a", width: 2, dash: [6, 4], value: germanLegend}],
    }, [x, ...shown.map((s) => town.months.map((m) => m.counts[s] ?? null)), town.months.map((m) => m.active)]);
    const head = ["Monat", ...shown.map((s) => statusName(s)), "Aktiv gesamt", "je 10.000 Einw."];
    const rows = town.months.map((m) => [monthLabel(m.month), ...shown.map((s) => fmt(m.counts[s])), fmt(m.active), fmt(m.per_10000)]);
    document.getElementById("table-counts").replaceChildren(
      table("Bestand am Monatsende, " + town.name, head, rows));
  }

  function drawEvents(town) {
    const months = town.months.map((m) => m.month);
    const bars = (align) => uPlot.paths.bars({size: [0.4, 40], align});
    chart(document.getElementById("chart-events"), {
      scales: monthScale(months),
      axes: [monthAxis(months), countAxis],
      series: [{label: "Monat", value: (u, i) => i === null ? "–" : monthLabel(months[i])},
        {label: "Neue Leerstände", fill: COLOURS.vacant, stroke: COLOURS.vacant, paths: bars(-1), points: {show: false}, value: germanLegend},
        {label: "Dauerhaft nachgenutzt", fill: COLOURS.reused, stroke: COLOURS.reused, paths: bars(1), points: {show: false}, value: germanLegend}],
    }, [months.map((_, i) => i), town.months.map((m) => m.new), town.months.map((m) => m.reused)]);
    const head = ["Monat", "Neue Leerstände", "Dauerhaft nachgenutzt", "Zwischennutzung begonnen", "Zwischennutzung beendet"];
    const rows = town.months.map((m) => [monthLabel(m.month), fmt(m.new), fmt(m.reused), fmt(m.interim_started), fmt(m.interim_ended)]);
    document.getElementById("table-events").replaceChildren(
      table("Neue Leerstände und Nachnutzungen je Monat, " + town.name, head, rows));
  }

  function drawDurations(town) {
    const groups = [["Aktuelle Leerstände (bis heute)", town.current], ["Beendete Leerstände", town.ended]];
    const cats = groups.map((g) => g[0]);
    const pick = (key) => groups.map((g) => g[1][key]);
    const dots = (colour, size) => ({stroke: colour, fill: colour, paths: () => null, points: {show: true, size, fill: colour}, value: germanLegend});
    chart(document.getElementById("chart-durations"), {
      height: 220,
      scales: {x: {time: false, range: [-0.5, cats.length - 0.5]}, y: {range: (u, lo, hi) => [0, Math.max(hi || 0, 1) * 1.15]}},
      axes: [{values: (u, splits) => splits.map((i) => cats[i] || ""), incrs: [1], space: 40},
        {...countAxis, label: "Tage"}],
      series: [{label: "Gruppe", value: (u, i) => i === null ? "–" : cats[i]},
        {label: "Median", fill: COLOURS.vacant, stroke: COLOURS.vacant, paths: uPlot.paths.bars({size: [0.5, 80]}), points: {show: false}, value: germanLegend},
        {label: "1. Quartil", ...dots("#1a1a1a", 9)}, {label: "3. Quartil", ...dots("#0072b2", 9)}],
    }, [cats.map((_, i) => i), pick("median_days"), pick("q1_days"), pick("q3_days")]);
    const rows = groups.map(([name, g]) => [name, fmt(g.count), fmt(g.q1_days), fmt(g.median_days), fmt(g.q3_days)]);
    rows.push(["Leer bis dauerhaft nachgenutzt", fmt(town.vacant_to_reused.count), "–",
               fmt(town.vacant_to_reused.median_days), "–"]);
    document.getElementById("table-durations").replaceChildren(table("Dauer des Leerstands in Tagen, " + town.name,
      ["Gruppe", "Anzahl", "1. Quartil", "Median", "3. Quartil"], rows));
    const interim = town.interim;
    document.getElementById("interim-share").textContent = interim.ended
      ? "Von " + number.format(interim.ended) + " beendeten Zwischennutzungen wurden " +
        number.format(interim.became_permanent) + " zu dauerhaften Nachnutzungen (" + percent.format(interim.share_permanent) + ")."
      : "Noch keine Zwischennutzung ist beendet.";
  }

  function townPage() {
    const query = "municipality=" + encodeURIComponent(config.ags);
    const period = "&from=" + config.from + "&to=" + config.to;
    Promise.all([api("/api/v1/statistics/timeseries?" + query + period), api("/api/v1/statistics/durations?" + query)])
      .then(([series, durations]) => {
        const town = series.data.municipalities[0];
        drawCounts(town);
        drawEvents(town);
        drawDurations(durations.data.municipalities[0]);
      }).catch(() => { status.textContent = "Die Zahlen konnten nicht geladen werden."; });
  }

  // ---- comparison ----------------------------------------------------------------------------
  function drawMultiples(towns) {
    const top = Math.max(1, ...towns.flatMap((t) => t.months.map((m) => m.active)));
    const list = document.getElementById("small-multiples");
    list.replaceChildren(...towns.map((t) => el("li", {className: "multiple"},
      el("h3", {}, el("a", {href: "/statistik/" + encodeURIComponent(t.ags) + "?from=" + config.from + "&to=" + config.to}, t.name)),
      el("div", {className: "chart small", dataset: {ags: t.ags}, role: "img",
                 "aria-label": "Aktive Leerstände in " + t.name + " am Monatsende. Die Zahlen stehen in der Tabelle."}))));
    towns.forEach((t) => {
      const months = t.months.map((m) => m.month);
      chart(list.querySelector('[data-ags="' + t.ags + '"]'), {
        height: 160, legend: {show: false},
        scales: {x: {time: false, range: [-0.5, months.length - 0.5]}, y: {range: [0, top * 1.1]}},
        axes: [monthAxis(months), {...countAxis, size: 40}],
        series: [{}, {label: "Aktiv", stroke: COLOURS.vacant, width: 2, fill: "#d55e0022"}],
      }, [months.map((_, i) => i), t.months.map((m) => m.active)]);
    });
    const months = towns.length ? towns[0].months.map((m) => m.month) : [];
    document.getElementById("table-multiples").replaceChildren(table("Aktive Leerstände am Monatsende je Stadt",
      ["Monat", ...towns.map((t) => t.name)], months.map((month, i) => [monthLabel(month), ...towns.map((t) => fmt(t.months[i].active))])));
  }

  function drawFigures(towns, durations) {
    const byAgs = Object.fromEntries(durations.map((d) => [d.ags, d]));
    const rows = towns.map((t) => {
      const last = t.months[t.months.length - 1], d = byAgs[t.ags];
      const share = d.interim.share_permanent;
      return [t.name, fmt(t.population), fmt(last.active), fmt(last.per_10000), fmt(d.current.median_days),
              share === null ? "–" : percent.format(share)];
    });
    document.getElementById("table-figures").replaceChildren(table("Kennzahlen je Stadt, Stand " +
      monthLabel(config.to) + " (Dauer: heute)", ["Stadt", "Einwohner", "Aktive Leerstände", "je 10.000 Einw.",
      "Median der Dauer aktueller Leerstände (Tage)", "Zwischennutzungen dauerhaft geworden"], rows));
  }

  function comparisonPage() {
    api("/api/v1/statistics/municipalities?geometry=none").then(({data}) => {
      const agss = data.features.map((f) => f.properties.ags).slice(0, 100);
      if (!agss.length) { status.textContent = "Noch keine Stadt hat Einträge."; return null; }
      const query = "municipality=" + agss.join(",");
      const period = "&from=" + config.from + "&to=" + config.to;
      document.getElementById("csv-comparison").href = "/api/v1/statistics/timeseries.csv?" + query + period;
      document.getElementById("csv-durations").href = "/api/v1/statistics/durations.csv?" + query;
      return Promise.all([api("/api/v1/statistics/timeseries?" + query + period), api("/api/v1/statistics/durations?" + query)])
        .then(([series, durations]) => {
          drawFigures(series.data.municipalities, durations.data.municipalities);
          drawMultiples(series.data.municipalities);
        });
    }).catch(() => { status.textContent = "Die Zahlen konnten nicht geladen werden."; });
  }

  if (config.page === "town") townPage(); else comparisonPage();
})();
