/* One link per vacancy and per idea on the public map: /karte/{ags}/leerstand/{id} and
 * /karte/{ags}/idee/{id} open the map with that popup (config.open, from app/maps/router.py),
 * and the address bar follows the open popup (history.replaceState). Also the focus: an opened
 * popup takes it (its heading), Escape closes the popup and gives it back to the list entry or
 * marker that opened it. */
"use strict";

(function () {
  const {el, api} = Leerstand;

  Leerstand.mapLinks = function (map, config, layer, participation) {
    const base = "/karte/" + encodeURIComponent(config.ags);
    let opener = null;      // the list entry or marker the open popup came from
    let nextOpener = null;  // set by the list just before it opens a popup

    Leerstand.popupSections.push((feature) => el("p", {className: "popup-link"},
      el("a", {href: base + "/leerstand/" + feature.id}, "Link zu diesem Leerstand")));

    function pathOf(popup) {
      if (popup.proposalId) return base + "/idee/" + popup.proposalId;
      const source = popup._source;
      const id = source && source.feature && source.feature.id;
      return id && layer.markers.get(id) === source ? base + "/leerstand/" + id : null;
    }

    function sourceElement(popup) {
      const source = popup._source;
      return source && source.getElement ? source.getElement() : null;
    }

    function restoreFocus() {
      let target = opener;
      opener = null;
      // the list may have been drawn again meanwhile: the same entry, by id
      if (target && !target.isConnected && target.dataset && target.dataset.id) {
        target = document.querySelector('#vacancy-list button[data-id="' + target.dataset.id + '"]');
      }
      if (target && target.isConnected) target.focus();
    }

    map.on("popupopen", (event) => {
      opener = nextOpener || sourceElement(event.popup);
      nextOpener = null;
      const path = pathOf(event.popup);
      if (path && location.pathname !== path) history.replaceState(null, "", path);
      const node = event.popup.getElement();
      const heading = node.querySelector(".leaflet-popup-content h3");
      if (heading) heading.tabIndex = -1;
      const target = heading || node.querySelector(".leaflet-popup-close-button");
      if (target) target.focus({preventScroll: true});
    });

    map.on("popupclose", (event) => {
      if (layer.reopening) { nextOpener = opener; return; }  // comes back at once (map-common.js)
      if (location.pathname !== base) history.replaceState(null, "", base);
      const node = event.popup.getElement();
      const active = document.activeElement;
      // closed while the focus was in it (Escape, the close button): back where it came from
      if (!active || active === document.body || (node && node.contains(active))) restoreFocus();
      else opener = null;
    });

    // Leaflet closes a popup on Escape only while the map itself has the focus
    map.getContainer().addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !map._popup || !map._popup.isOpen()) return;
      event.preventDefault();
      event.stopPropagation();
      map.closePopup();
    });

    /** Resolves once the layer has loaded the view and markercluster's animations are over:
     *  zoomToShowLayer started during one waits for a move that may never come. */
    function idle() {
      return new Promise((resolve) => {
        const busy = () => layer.controller || layer.group._inZoomAnimation;
        const check = () => (busy() ? setTimeout(check, 50) : resolve());
        check();
      });
    }

    /** Show a marker (markercluster zooms in or pans there) and open its popup; the focus
     *  returns to `from` when the popup is closed with Escape. */
    async function reveal(marker, from) {
      await idle();
      nextOpener = from || null;
      layer.reveal(marker);
    }

    /** Once the first view has loaded, the marker is shown (markercluster zooms in or pans
     *  there, waiting for its own animations) and its popup opened. */
    async function openVacancy(id) {
      const {data} = await api("/api/v1/vacancies/" + id);
      await idle();
      reveal(layer.markers.get(data.id) || layer.upsert(data));
    }

    async function openProposal(id) {
      if (await participation.openProposal(id)) return;
      // an idea for one shop has no area on the map: its card in the list of ideas
      const card = document.querySelector('#proposal-list [data-proposal-id="' + id + '"]');
      if (!card) return;
      card.tabIndex = -1;
      card.scrollIntoView({block: "nearest"});
      card.focus();
    }

    const status = document.getElementById("map-status");
    const open = config.open;
    if (open && open.kind === "vacancy") {
      openVacancy(open.id).catch(() => { status.textContent = "Dieser Leerstand konnte nicht geladen werden."; });
    } else if (open && open.kind === "proposal") {
      openProposal(open.id);
    }

    return {reveal};
  };
})();
