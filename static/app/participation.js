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
  const where = (latlng) => latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5);
  const germanOf = (error, form) => Leerstand.fieldErrors(error, form).map((e) => e.message).join(" ");

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
      form.querySelector("h3").focus();
    }

    function close() {
      mode = null;
      placing(false);
      reportForm.hidden = proposalForm.hidden = true;
      clearPick();
    }

    // ---- report ---------------------------------------------------------------------------
    async function setReportPlace(latlng) {
      reportAt = latlng;
      clearPick();
      pick = L.circleMarker(latlng, {radius: 9, color: "#cc79a7", weight: 3, interactive: false}).addTo(map);
      reportForm.elements.location.value = where(latlng);
      const box = $("report-duplicates");
      box.hidden = true;
      try {
        const {data} = await api("/api/v1/reports/duplicates?lon=" + latlng.lng.toFixed(6) +
                                 "&lat=" + latlng.lat.toFixed(6));
        if (!data.duplicates.length) return;
        box.replaceChildren(el("p", {className: "duplicate-hint"}, Leerstand.germanMessage("duplicate_hint")),
          el("ul", {}, data.duplicates.map((d) => el("li", {},
            d.kind === "report" ? "bereits gemeldet, noch nicht geprüft" :
              Leerstand.address(d) + " (" + (statusLabel[d.status] || d.status) + ")",
            " – " + Math.round(d.distance_m) + " m entfernt"))));
        box.hidden = false;
      } catch (error) {
        box.replaceChildren(el("p", {className: "error"}, germanOf(error)));
        box.hidden = false;
      }
    }

    reportForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = values(reportForm, {text: ["address", "description", "hint", "email"],
                                       checks: ["consent"]});
      body.website = reportForm.elements.website.value;
      if (reportAt) body.location = point(reportAt);
      body.municipality = config.ags;
      try {
        const {data} = await api("/api/v1/reports", {method: "POST", body, csrf});
        reportForm.dispatchEvent(new CustomEvent("report-sent", {detail: data}));  // report-photos.js
        reportForm.reset();
        $("report-duplicates").hidden = true;
        reportAt = null;
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

    proposalForm.addEventListener("submit", async (event) => {
      event.preventDefault();
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
    map.on("click", (event) => {
      if (mode === "report") setReportPlace(event.latlng);
      else if (mode === "proposal") { target = {latlng: event.latlng}; showTarget(); }
    });
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

    function supportBox(p) {
      const count = el("span", {className: "support-count", dataset: {supportFor: p.id}},
                       String(supports.get(p.id)));
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
          n.textContent = String(supports.get(p.id));
        });
      });
      return el("p", {className: "support"}, button, " ", count, " Unterstützer·innen ", note);
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
        el("p", {className: "fits"}, "passt zu " + p.fits_count + (p.fits_count === 1 ? " Leerstand" : " Leerständen")),
        supportBox(p),
        el("p", {}, el("a", {href: "/vorschlaege/" + p.id}, "Eigene Seite des Vorschlags")));
    }

    async function loadProposals() {
      const list = $("proposal-list");
      try {
        const {data} = await api("/api/v1/proposals?status=published&limit=100&municipality=" +
                                 encodeURIComponent(config.ags));
        await fetchPinned(data.proposals);
        proposalLayer.clearLayers();
        for (const p of data.proposals) {
          supports.set(p.id, p.support_count);
          let shape = null;
          if (p.area) shape = L.geoJSON(p.area, {style: PROPOSAL_STYLE});
          else if (p.location && p.radius_m) {
            const [lon, lat] = p.location.coordinates;
            shape = L.circle([lat, lon], {radius: p.radius_m, ...PROPOSAL_STYLE});
          }
          if (shape) {
            shape.bindPopup(() => proposalCard(p), {maxWidth: 320});
            proposalLayer.addLayer(shape);
          }
        }
        list.replaceChildren(...data.proposals.map((p) => el("li", {}, proposalCard(p))));
        $("proposal-count").textContent = data.proposals.length ?
          data.proposals.length + (data.proposals.length === 1 ? " Idee" : " Ideen") : "Noch keine Ideen veröffentlicht.";
      } catch (error) {
        $("proposal-count").textContent = "Die Ideen konnten nicht geladen werden.";
      }
    }

    loadProposals();
    return {loadProposals, proposeFor};
  };
})();
