/* Address search for the public map's forms: a combobox (WAI-ARIA 1.2, list autocomplete) over
 * GET /api/v1/addresses?q&municipality, so a report or a place-based idea can be placed by
 * keyboard alone; and the reverse lookup GET /api/v1/addresses/nearest that fills the address
 * after a tap into the map. The addresses are the town's house coordinates (open data), served by
 * this service: nothing leaves the site. User text only through textContent (Leerstand.el). */
"use strict";

(function () {
  const {el, api} = Leerstand;
  const DELAY_MS = 200;       // wait for a pause in typing before asking
  const LIMIT = 8;

  /** The text of an address for the form field: "Markt 3". */
  const streetLine = (p) => [p.street, p.house_number].filter(Boolean).join(" ");

  /**
   * Turn a text input into a combobox of the town's addresses. onPick(feature) is called with
   * the chosen GeoJSON Feature (geometry: Point). fill: "street" puts "Markt 3" into the input,
   * "label" the whole label ("Markt 3, 04626 Schmölln").
   */
  function attach(input, {ags, onPick, fill = "street"}) {
    const listId = input.id + "-options";
    const list = el("ul", {id: listId, role: "listbox", className: "address-options",
                           "aria-label": "Gefundene Adressen", hidden: true});
    const status = el("span", {className: "visually-hidden", role: "status", "aria-live": "polite"});
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.autocomplete = "off";
    input.after(list, status);

    let found = [];
    let active = -1;
    let timer = null;
    let controller = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      active = index;
      [...list.children].forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", list.children[index].id);
        list.children[index].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      const feature = found[index];
      if (!feature) return;
      input.value = fill === "label" ? feature.properties.label : streetLine(feature.properties);
      close();
      status.textContent = "Adresse gewählt: " + feature.properties.label;
      onPick(feature);
    }

    function show(features) {
      found = features;
      list.replaceChildren(...features.map((f, i) => {
        const option = el("li", {id: listId + "-" + i, role: "option", className: "address-option",
                                 "aria-selected": "false"}, f.properties.label);
        // pointerdown, not click: the input keeps focus (and the list stays until chosen)
        option.addEventListener("pointerdown", (event) => { event.preventDefault(); choose(i); });
        return option;
      }));
      const open = features.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", String(open));
      active = -1;
      status.textContent = !open ? "Keine passende Adresse gefunden." : features.length === 1 ?
        "1 Adresse gefunden, mit Pfeil nach unten auswählen." :
        Leerstand.number.format(features.length) + " Adressen gefunden, mit Pfeil nach unten auswählen.";
    }

    async function search() {
      const q = input.value.trim();
      if (controller) controller.abort();
      if (q.length < 2) { close(); found = []; return; }
      controller = new AbortController();
      try {
        const {data} = await api("/api/v1/addresses?limit=" + LIMIT + "&municipality=" +
                                 encodeURIComponent(ags) + "&q=" + encodeURIComponent(q),
                                 {signal: controller.signal});
        show(data.features);
      } catch (error) {
        if (error.name === "AbortError") return;
        close();
        status.textContent = "Die Adresssuche ist gerade nicht erreichbar. Bitte setzen Sie die Stelle in der Karte.";
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY_MS);
    });
    input.addEventListener("keydown", (event) => {
      const open = !list.hidden && found.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { search(); return; }
        highlight((active + 1) % found.length);
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active <= 0 ? found.length - 1 : active - 1);
      } else if (event.key === "Enter" && open) {
        // Enter picks the highlighted address (or the only one) instead of submitting the form
        event.preventDefault();
        if (active >= 0 || found.length === 1) choose(Math.max(active, 0));
        else highlight(0);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        event.stopPropagation();  // closes the list, not the form
        close();
      }
    });
    input.addEventListener("blur", close);
    return {close, streetLine};
  }

  /** The nearest address to a point of the town, or null (none within reach, or no lookup). */
  async function nearest(latlng, ags) {
    try {
      const {data} = await api("/api/v1/addresses/nearest?lon=" + latlng.lng.toFixed(6) +
                               "&lat=" + latlng.lat.toFixed(6) + "&municipality=" + encodeURIComponent(ags));
      return data;
    } catch (error) {
      return null;
    }
  }

  Leerstand.addressSearch = {attach, nearest, streetLine};
})();
