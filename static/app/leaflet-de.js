/* Leaflet's own controls in German, set as defaults before folium's set-up creates the map
 * (loaded right after leaflet.js): zoom buttons, the attribution prefix, the popup's close
 * button. Geoman has a German locale of its own (map.pm.setLang in map-staff.js). */
"use strict";

(function () {
  L.Control.Zoom.mergeOptions({zoomInTitle: "Hineinzoomen", zoomOutTitle: "Herauszoomen"});
  const prefix = L.Control.Attribution.prototype.options.prefix;
  if (typeof prefix === "string") {
    L.Control.Attribution.mergeOptions({prefix: prefix.replace(
      "A JavaScript library for interactive maps", "Eine JavaScript-Bibliothek für interaktive Karten")});
  }
  // Leaflet 1.9 writes the close button's label in English in Popup._initLayout, with no option
  const initLayout = L.Popup.prototype._initLayout;
  L.Popup.prototype._initLayout = function () {
    initLayout.call(this);
    if (this._closeButton) this._closeButton.setAttribute("aria-label", "Popup schließen");
  };
})();
