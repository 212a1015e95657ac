/* Starts the page's map from the JSON in #leerstand-page. The pages carry no inline script of
 * their own: their Content-Security-Policy runs only this server's files and folium's map
 * set-up (by nonce), which declares the map as the global named in config.map. */
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("leerstand-page").textContent);
  const map = window[config.map];
  if (config.page === "public") {
    const layer = Leerstand.publicMap(map, config);
    // the page's other tools come after the first markers: their scripts are deferred
    // (map_public.html) and have run by DOMContentLoaded; on a phone they took about 100 ms
    // before the first markers (bench/maps). This script runs while the page is parsed.
    document.addEventListener("DOMContentLoaded", () => {
      const participation = window.leerstandParticipation = Leerstand.participation(map, config, layer);
      const links = Leerstand.mapLinks(map, config, layer, participation);
      window.leerstandList = Leerstand.vacancyList(map, config, layer, links);
    }, {once: true});
  } else if (config.page === "staff") {
    const layer = Leerstand.staffMap(map, config, config.csrf);
    window.leerstandReview = Leerstand.reviewQueue(map, config, config.csrf, layer);
    Leerstand.staffTools(map, config, config.csrf, layer);
  } else if (config.page === "overview") {
    Leerstand.overviewMap(map, config);
  }
})();
