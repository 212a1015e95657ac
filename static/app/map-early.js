/* The public map's first page of vacancies, requested from the page's head while the browser
 * still loads Leaflet and the page scripts (bench/maps: on a phone with a 4x slower CPU the data
 * request started only after the scripts, about 1 s after navigation). VacancyLayer shows it as
 * its head start (static/app/map-common.js); a failure here only means no head start. */
"use strict";

window.leerstandFirstPage = fetch(document.currentScript.dataset.url, {
  credentials: "same-origin", headers: {Accept: "application/json, application/geo+json"},
}).then((response) => (response.ok ? response.json() : null)).catch(() => null);
