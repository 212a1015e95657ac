/* Citizen participation on the public map /karte/{ags}: report an empty shop (with the
 * duplicate check), suggest a use (pinned to a shop or a place with radius), and the layer of
 * published proposals with their support button. API contracts: docs/participation.md.
 * User text reaches the page only through textContent (Leerstand.el). */
"use strict";

(function () {
  const {el, api, label} = Leerstand;
  const PROPOSAL_STYLE = {color: "#6a3d9a", weight: 2, dashArray: "4 3", fillOpacity: 0.12};

  /** Form values: trimmed text, numbers as numbers (a non-number as typed, so the server
   *  names the field), empty optional values left out (the server reports missing ones). */
  function values(form, {text = [], numbers = [], checks = []}) {
    const body = {};
    for (const name of text) {
      const v = form.elements[name].value.trim();
      if (v !== "") body[name] = v;
    }
    for (const name of numbers) {
      const raw = form.elements[name].value.trim().replace(",", ".");
      if (raw !== "") body[name] = isNaN(Number(raw)) ? raw : Number(raw);
    }
    for (const name of checks) body[name] = form.elements[name].checked;
    return body;
  }

  const point = (latlng) => ({type: "Point", coordinates: [latlng.lng, latlng.lat]});
  const where = (latlng) => Leerstand.coordinates(latlng);
  const germanOf = (error, form) => Leerstand.fieldErrors(error, form).map((e) => e.message).join(" ");
  const PLACE_ZOOM = 18;

  /** Why the browser gave no position, in German (GeolocationPositionError codes). */
  const LOCATE_ERRORS = {
    1: "Sie haben den Zugriff auf Ihren Standort nicht erlaubt. Sie können die Stelle in der Karte " +
       "setzen oder die Adresse suchen.",
    2: "Ihr Standort konnte nicht ermittelt werden. Bitte setzen Sie die Stelle in der Karte oder " +
       "suchen Sie die Adresse.",
    3: "Die Standortbestimmung hat zu lange gedauert. Bitte versuchen Sie es noch einmal.",
  };

  Leerstand.participation = function (map, config, vacancies) {
    const $ = (id) => document.getElementById(id);
    const csrf = config.csrf;
    const statusLabel = Object.fromEntries(config.statuses.map((s) => [s.value, s.label]));
    const reportForm = $("report-form"), proposalForm = $("proposal-form");
    const statusNode = $("participate-status");
    let mode = null;          // "report" | "proposal": what a click into the map means
    let pick = null;          // the marker/circle of the chosen place
    let reportAt = null;      // L.LatLng of the report
    let target = null;        // proposal: {vacancy: {id, label}} or {latlng}
    let filledAddress = null; // the address the reverse lookup put into the report form

    function clearPick() { if (pick) { map.removeLayer(pick); pick = null; } }

    // while a form waits for a place, the map's layers let every click through to the map
    // (maps.css: .map-placing), so a tap inside an idea's area or on a shop sets the place
    const placing = (on) => map.getContainer().classList.toggle("map-placing", on);

    function open(which) {
      mode = which;
      map.closePopup();
      placing(true);
      reportForm.hidden = which !== "report";
      proposalForm.hidden = which !== "proposal";
      statusNode.textContent = "";
      const form = which === "report" ? reportForm : proposalForm;
      Leerstand.clearErrors(form);
      form.querySelectorAll(".locate-status").forEach((n) => { n.textContent = ""; });
      form.querySelector("h3").focus();
    }

    function close() {
      mode = null;
      placing(false);
      reportForm.hidden = proposalForm.hidden = true;
      clearPick();
    }

    /** A place chosen by address or position: show it on the map (the tap itself needs no move). */
    function bringIntoView(latlng) {
      map.setView(latlng, Math.max(map.getZoom(), PLACE_ZOOM));
    }

    /** A place for the open form, from a tap, an address or the device's position. */
    function setPlace(latlng, how) {
      if (mode === "report") setReportPlace(latlng, how);
      else if (mode === "proposal") { target = {latlng}; showTarget(); }
    }

    // ---- my position (Geolocation API: asked only when the person presses the button) -----
    function locate(form) {
      const note = form.querySelector(".locate-status");
      if (!("geolocation" in navigator)) {
        note.textContent = "Ihr Gerät oder Browser kann den Standort nicht ermitteln.";
        return;
      }
      note.textContent = "Ihr Standort wird ermittelt …";
      navigator.geolocation.getCurrentPosition((position) => {
        const latlng = L.latLng(position.coords.latitude, position.coords.longitude);
        if (config.bounds && !L.latLngBounds(config.bounds).contains(latlng)) {
          note.textContent = "Ihr Standort liegt außerhalb von " + config.name + ". Bitte setzen Sie " +
            "die Stelle in der Karte oder suchen Sie die Adresse.";
          return;
        }
        note.textContent = "Ihr Standort ist gesetzt (auf etwa " +
          Leerstand.number.format(Math.round(position.coords.accuracy)) + " m genau). Bitte prüfen Sie " +
          "die Stelle in der Karte.";
        bringIntoView(latlng);
        setPlace(latlng, "position");
      }, (error) => {
        note.textContent = LOCATE_ERRORS[error.code] || LOCATE_ERRORS[2];
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    }
    document.querySelectorAll(".locate-me").forEach((button) =>
      button.addEventListener("click", () => locate(button.closest("form"))));

    // ---- report ---------------------------------------------------------------------------
    async function setReportPlace(latlng, how) {
      reportAt = latlng;
      clearPick();
      pick = L.circleMarker(latlng, {radius: 9, color: "#cc79a7", weight: 3, interactive: false}).addTo(map);
      reportForm.elements.location.value = where(latlng);
      const box = $("report-duplicates");
      box.hidden = true;
      const [duplicates, found] = await Promise.all([
        api("/api/v1/reports/duplicates?lon=" + latlng.lng.toFixed(6) + "&lat=" + latlng.lat.toFixed(6))
          .then(({data}) => data.duplicates, (error) => error),
        how === "address" ? null : Leerstand.addressSearch.nearest(latlng, config.ags)]);
      if (reportAt !== latlng) return;  // a newer place was set meanwhile
      // the address of a tapped place, unless the person typed one of their own
      const field = reportForm.elements.address;
      if (found && (field.value.trim() === "" || field.value === filledAddress)) {
        field.value = filledAddress = Leerstand.addressSearch.streetLine(found.properties);
      }
      showDuplicates(box, duplicates);
    }

    /** Known shops or open reports near the place: in the form, and beside the place in the map. */
    function showDuplicates(box, duplicates) {
      if (duplicates instanceof Error) {
        box.replaceChildren(el("p", {className: "error"}, germanOf(duplicates)));
        box.hidden = false;
        return;
      }
      if (!duplicates.length) return;
      const line = (d) => (d.kind === "report" ? "bereits gemeldet, noch nicht geprüft" :
        Leerstand.address(d) + " (" + (statusLabel[d.status] || d.status) + ")") +
        " – " + Leerstand.number.format(Math.round(d.distance_m)) + " m entfernt";
      box.replaceChildren(el("p", {className: "duplicate-hint"}, Leerstand.germanMessage("duplicate_hint")),
        el("ul", {}, duplicates.map((d) => el("li", {}, line(d)))));
      box.hidden = false;
      // next to the place: the first known entry as a label on the map (the form may be below
      // the fold on a phone)
      if (pick) {
        pick.bindTooltip(el("span", {}, "Schon bekannt? " + line(duplicates[0]) +
          (duplicates.length > 1 ? " (und " + Leerstand.number.format(duplicates.length - 1) + " weitere)" : "")),
        {permanent: true, direction: "top", offset: [0, -10], className: "duplicate-tooltip"}).openTooltip();
      }
    }

    Leerstand.addressSearch.attach(reportForm.elements.address, {ags: config.ags, onPick(feature) {
      const [lon, lat] = feature.geometry.coordinates;
      const latlng = L.latLng(lat, lon);
      filledAddress = null;  // chosen by the person
      bringIntoView(latlng);
      setReportPlace(latlng, "address");
    }});

    const blank = (input) => input.value.trim() === "";
    reportForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const problems = Leerstand.checkFields(reportForm, ["location", "address", "description"]);
      if (!blank(reportForm.elements.email) && !reportForm.elements.consent.checked) {
        problems.push({field: "consent", message: Leerstand.germanMessage("value_error",
          "only stored with consent")});
      }
      if (problems.length) { Leerstand.showFieldErrors(reportForm, problems); return; }
      const body = values(reportForm, {text: ["address", "description", "hint", "email"],
                                       checks: ["consent"]});
      body.website = reportForm.elements.website.value;
      body.location = point(reportAt);
      body.municipality = config.ags;
      try {
        const {data} = await api("/api/v1/reports", {method: "POST", body, csrf});
        reportForm.dispatchEvent(new CustomEvent("report-sent", {detail: data}));  // report-photos.js
        reportForm.reset();
        $("report-duplicates").hidden = true;
        reportAt = filledAddress = null;
        close();
        statusNode.textContent = data && data.id !== null ?
          "Danke! Ihre Meldung ist eingegangen. Die Stadtverwaltung prüft sie, bevor sie auf der Karte erscheint." :
          "Danke! Ihre Meldung ist eingegangen.";
        statusNode.focus();
      } catch (error) {
        Leerstand.showErrors(reportForm, error);
      }
    });

    // ---- proposal -------------------------------------------------------------------------
    function showTarget() {
      const f = proposalForm.elements;
      f.vacancy_id.value = target && target.vacancy ? target.vacancy.label : "";
      f.location.value = target && target.latlng ? where(target.latlng) : "";
      clearPick();
      if (target && target.latlng) {
        const radius = Number(f.radius_m.value) || 300;
        pick = L.circle(target.latlng, {radius: radius > 0 && radius <= 10000 ? radius : 300, ...PROPOSAL_STYLE,
                         interactive: false}).addTo(map);
      }
    }

    function proposeFor(feature) {
      target = {vacancy: {id: feature.id, label: Leerstand.address(feature.properties)}};
      map.closePopup();
      open("proposal");
      showTarget();
    }
    proposalForm.elements.radius_m.addEventListener("input", showTarget);
    Leerstand.addressSearch.attach($("p-place-search"), {ags: config.ags, fill: "label", onPick(feature) {
      const [lon, lat] = feature.geometry.coordinates;
      const latlng = L.latLng(lat, lon);
      bringIntoView(latlng);
      target = {latlng};
      showTarget();
    }});

    proposalForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = proposalForm.elements;
      const problems = Leerstand.checkFields(proposalForm, ["title", "description", "category"]
        .concat(target && target.vacancy ? [] : ["location"]));
      const [least, most] = [f.min_area_m2, f.max_area_m2].map((n) => Number(n.value.trim().replace(",", ".")));
      if (!blank(f.min_area_m2) && !blank(f.max_area_m2) && least > most) {
        problems.push({field: "max_area_m2", message: Leerstand.germanMessage("value_error", "area range is inverted")});
      }
      if (problems.length) { Leerstand.showFieldErrors(proposalForm, problems); return; }
      const body = values(proposalForm, {
        text: ["title", "description", "category", "duration", "display_name", "email"],
        numbers: ["min_area_m2", "max_area_m2", "max_rent_eur_m2"],
        checks: ["needs_ground_floor", "needs_shop_window", "needs_step_free"]});
      body.website = proposalForm.elements.website.value;
      body.municipality = config.ags;
      if (target && target.vacancy) body.vacancy_id = target.vacancy.id;
      if (target && target.latlng) {
        body.location = point(target.latlng);
        Object.assign(body, values(proposalForm, {numbers: ["radius_m"]}));
      }
      try {
        const {data} = await api("/api/v1/proposals", {method: "POST", body, csrf});
        proposalForm.reset();
        target = null;
        close();
        statusNode.replaceChildren("Danke! Ihr Vorschlag wird von der Stadtverwaltung geprüft und dann veröffentlicht.");
        if (data && data.status_page) {
          statusNode.append(" Hier sehen Sie jederzeit den Stand – bitte speichern Sie den Link, er wird nur " +
            "einmal angezeigt: ", el("a", {href: data.status_page, id: "proposal-status-link"},
            location.origin + data.status_page));
        }
        statusNode.focus();
      } catch (error) {
        Leerstand.showErrors(proposalForm, error);
      }
    });

    // ---- map clicks, buttons, popup hook ----------------------------------------------------
    map.on("click", (event) => setPlace(event.latlng, "tap"));
    $("report-start").addEventListener("click", () => { open("report"); });
    $("proposal-start").addEventListener("click", () => { target = null; open("proposal"); showTarget(); });
    document.querySelectorAll(".form-cancel").forEach((b) => b.addEventListener("click", close));

    Leerstand.popupSections.push((feature) => {
      const button = el("button", {type: "button", className: "propose-here"}, "Idee für diesen Laden vorschlagen");
      button.addEventListener("click", () => proposeFor(feature));
      return el("p", {}, button);
    });

    // ---- published proposals ----------------------------------------------------------------
    const supports = new Map();  // proposal id -> current count (popups are built on opening)
    const proposalLayer = L.layerGroup().addTo(map);
    const shapes = new Map();  // proposal id -> its area on the map (for links: openProposal)

    const supportText = (n) => Leerstand.number.format(n) + (n === 1 ? " Unterstützung" : " Unterstützungen");

    function supportBox(p) {
      const count = el("span", {className: "support-count", dataset: {supportFor: p.id}},
                       supportText(supports.get(p.id)));
      const note = el("span", {className: "support-note", role: "status"});
      const button = el("button", {type: "button", className: "support-button"}, "Unterstützen");
      button.addEventListener("click", async () => {
        try {
          const {data} = await api("/api/v1/proposals/" + p.id + "/supports", {method: "POST", body: {}, csrf});
          if (data.support_count !== null) supports.set(p.id, data.support_count);
          note.textContent = "Danke für Ihre Unterstützung!";
        } catch (error) {
          if (error.status === 409) {
            if (typeof error.body.support_count === "number") supports.set(p.id, error.body.support_count);
            note.textContent = Leerstand.germanMessage("already_supported");
          } else {
            note.textContent = germanOf(error);
          }
        }
        document.querySelectorAll('[data-support-for="' + p.id + '"]').forEach((n) => {
          n.textContent = supportText(supports.get(p.id));
        });
      });
      return el("p", {className: "support"}, button, " ", count, " ", note);
    }

    // addresses of pinned shops: from the loaded markers, else fetched by id (the shop may lie
    // outside the view, or its page of the register may not have arrived yet)
    const pinnedAddresses = new Map();

    async function fetchPinned(proposals) {
      const missing = [...new Set(proposals.map((p) => p.vacancy_id).filter(
        (id) => id && !vacancies.markers.get(id) && !pinnedAddresses.has(id)))];
      await Promise.all(missing.map(async (id) => {
        try {
          const {data} = await api("/api/v1/vacancies/" + id);
          pinnedAddresses.set(id, Leerstand.address(data.properties));
        } catch (error) { /* no longer public: the card names no shop */ }
      }));
    }

    function pinnedAddress(id) {
      const marker = id && vacancies.markers.get(id);
      return marker ? Leerstand.address(marker.feature.properties) : pinnedAddresses.get(id);
    }

    function proposalCard(p, heading = "h3") {
      const pinned = p.vacancy_id && pinnedAddress(p.vacancy_id);
      return el("div", {className: "proposal-card", dataset: {proposalId: p.id}},
        el(heading, {className: "proposal-title"}, p.title),
        el("p", {className: "muted"}, label("category", p.category) + ", " + (label("duration", p.duration) || "") +
          (p.display_name ? " – vorgeschlagen von " + p.display_name : "")),
        el("p", {className: "description"}, p.description),
        pinned ? el("p", {}, "Für den Laden " + pinned) : null,
        // the pinned shop fails the idea's own hard filters: the card says why
        p.pinned_fit && !p.pinned_fit.fits ?
          el("p", {className: "misfit"}, p.pinned_fit.reasons.map((r) => r.de).join(" ")) : null,
        el("p", {className: "fits"}, "passt zu " + Leerstand.count(p.fits_count, "Leerstand", "Leerständen")),
        supportBox(p),
        Leerstand.flagBox(p, csrf),
        el("p", {}, el("a", {href: "/vorschlaege/" + p.id}, "Eigene Seite des Vorschlags")),
        el("p", {className: "popup-link"}, el("a", {href: "/karte/" + encodeURIComponent(config.ags) +
          "/idee/" + p.id}, "Link zu dieser Idee")));
    }

    async function loadProposals() {
      const list = $("proposal-list");
      try {
        const {data} = await api("/api/v1/proposals?status=published&limit=100&municipality=" +
                                 encodeURIComponent(config.ags));
        await fetchPinned(data.proposals);
        proposalLayer.clearLayers();
        shapes.clear();
        for (const p of data.proposals) {
          supports.set(p.id, p.support_count);
          let shape = null;
          if (p.area) shape = L.geoJSON(p.area, {style: PROPOSAL_STYLE});
          else if (p.location && p.radius_m) {
            const [lon, lat] = p.location.coordinates;
            shape = L.circle([lat, lon], {radius: p.radius_m, ...PROPOSAL_STYLE});
          }
          if (shape) {
            shape.bindPopup(() => proposalCard(p), Leerstand.popupOptions(map, {maxWidth: 320}));
            shape.getPopup().proposalId = p.id;  // the URL follows the open popup (map-links.js)
            proposalLayer.addLayer(shape);
            shapes.set(p.id, shape);
          }
        }
        list.replaceChildren(...data.proposals.map((p) => el("li", {}, proposalCard(p))));
        $("proposal-count").textContent = data.proposals.length ?
          Leerstand.count(data.proposals.length, "Idee", "Ideen") : "Noch keine Ideen veröffentlicht.";
      } catch (error) {
        $("proposal-count").textContent = "Die Ideen konnten nicht geladen werden.";
      }
    }

    const loaded = loadProposals();

    /** Open a published idea's card on the map (its link); false if it has no area there. */
    async function openProposal(id) {
      await loaded;
      const shape = shapes.get(id);
      if (!shape) return false;
      map.fitBounds(shape.getBounds(), {maxZoom: 17, animate: false});
      shape.openPopup(shape.getBounds().getCenter());
      return true;
    }

    return {loadProposals, proposeFor, openProposal};
  };
})();
