/* The whole-town list on the public map /karte/{ags}: every published vacancy of the town from
 * GET /api/v1/vacancies (50 at a time, "Weitere 50 anzeigen"), independent of the viewport unless
 * "nur im Kartenausschnitt" is ticked; the filter form also filters the markers (layer.params).
 * Picking an entry opens its popup and brings the map into view (static/app/map-links.js moves
 * the focus into the popup and back). User text only through textContent (Leerstand.el). */
"use strict";

(function () {
  const {el, api, address, number} = Leerstand;
  const countOf = Leerstand.count;  // "27 Leerstände"
  const PAGE = 50;
  // the filter fields that the markers share (the list adds sort and, if asked, the view)
  const FILTERS = ["min_area_m2", "max_area_m2", "floor", "recommendation"];

  /** The filter form as query parameters: "&status=vacant,threatened&min_area_m2=50…". A German
   *  decimal comma becomes a point; anything else is sent as typed, so the server names it. */
  function filterParams(form) {
    const params = new URLSearchParams();
    const statuses = [...form.querySelectorAll("input[name=status]:checked")].map((i) => i.value);
    if (statuses.length) params.set("status", statuses.join(","));
    for (const name of FILTERS) {
      const value = form.elements[name].value.trim();
      if (value !== "") params.set(name, name.endsWith("_m2") ? value.replace(",", ".") : value);
    }
    if (form.elements.step_free.checked) params.set("step_free", "true");
    const text = params.toString();
    return text ? "&" + text : "";
  }

  Leerstand.vacancyList = function (map, config, layer, links) {
    const $ = (id) => document.getElementById(id);
    const form = $("vacancy-filter"), list = $("vacancy-list"), count = $("vacancy-count");
    const more = $("vacancy-more");
    const statusLabels = Object.fromEntries(config.statuses.map((s) => [s.value, s.label]));
    let params = "", loaded = 0, matched = 0, controller = null;

    const inView = () => form.elements.in_view.checked;

    function meta(p) {
      return [statusLabels[p.status] || p.status,
        p.floor_area_m2 != null ? number.format(p.floor_area_m2) + " m²" : null,
        Leerstand.label("floor", p.floor),
        p.vacant_since ? "leer seit " + Leerstand.formatDate(p.vacant_since) : null,
      ].filter(Boolean).join(" · ");
    }

    function entry(feature) {
      const p = feature.properties;
      const button = el("button", {type: "button", className: "list-item", dataset: {id: feature.id}},
        el("span", {className: "swatch vac-" + p.status, "aria-hidden": "true"}),
        el("span", {className: "list-address"}, address(p)),
        el("span", {className: "list-meta"}, meta(p)));
      button.addEventListener("click", () => pick(feature, button));
      return el("li", {}, button);
    }

    /** The entry's marker (added when the layer has not loaded that part of town yet), its
     *  popup opened; on a phone the map above the list is scrolled into view. */
    function pick(feature, button) {
      const marker = layer.markers.get(feature.id) || layer.upsert(feature);
      map.getContainer().scrollIntoView({block: "nearest", behavior: "instant"});
      links.reveal(marker, button);
    }

    function countText() {
      return countOf(matched, "Leerstand", "Leerstände") + (inView() ? " im Kartenausschnitt" : "") +
        (matched > loaded ? ", " + number.format(loaded) + " angezeigt" : "");
    }

    async function loadPage(offset) {
      if (controller) controller.abort();
      const mine = controller = new AbortController();
      const view = inView() ? "&bbox=" + Leerstand.bboxParam(map.getBounds()) : "";
      const url = "/api/v1/vacancies?municipality=" + encodeURIComponent(config.ags) + params +
        "&sort=" + encodeURIComponent(form.elements.sort.value) + view +
        "&limit=" + PAGE + "&offset=" + offset;
      try {
        const {data} = await api(url, {signal: mine.signal});
        return data;
      } finally {
        if (controller === mine) controller = null;
      }
    }

    function showError(error) {
      const alert = form.querySelector(".form-alert");
      if (error) Leerstand.showErrors(form, error);
      else { Leerstand.clearErrors(form); alert.hidden = true; }
    }

    /** The first page for the current filters; the markers follow the same filters. */
    async function reload() {
      const next = filterParams(form);
      if (next !== layer.params) {
        layer.params = next;
        layer.load();
      }
      params = next;
      try {
        const data = await loadPage(0);
        showError(null);
        matched = data.numberMatched;
        loaded = data.features.length;
        list.replaceChildren(...data.features.map(entry));
        more.hidden = loaded >= matched;
        count.textContent = countText();
      } catch (error) {
        if (error.name === "AbortError") return;
        showError(error);
        count.textContent = "Die Liste konnte nicht geladen werden.";
      }
    }

    more.addEventListener("click", async () => {
      try {
        const data = await loadPage(loaded);
        const items = data.features.map(entry);
        list.append(...items);
        matched = data.numberMatched;
        loaded += items.length;
        count.textContent = countText();
        more.hidden = loaded >= matched || items.length === 0;
        // the button may vanish: focus stays in the list, on the first new entry
        if (items.length) items[0].querySelector("button").focus();
      } catch (error) {
        if (error.name !== "AbortError") count.textContent = "Weitere Einträge konnten nicht geladen werden.";
      }
    });

    form.addEventListener("submit", (event) => { event.preventDefault(); reload(); });
    form.addEventListener("change", reload);
    form.addEventListener("reset", () => setTimeout(reload));  // after the fields are reset
    map.on("moveend", () => { if (inView()) reload(); });
    reload();
    return {reload, get params() { return params; }};
  };
})();
