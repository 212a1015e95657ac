/* Staff map /verwaltung/{ags}: every status, add by click, drag to move, edit with the version
 * check (If-Match), draw the core area (Leaflet-Geoman). Writes use the cookie session plus
 * the X-CSRF-Token header. */
"use strict";

Leerstand.staffMap = function (map, config, csrf) {
  const {api, el} = Leerstand;
  Leerstand.fitInitial(map, config.bounds);
  Leerstand.watchPopups(map);  // legend and zoom buttons step aside while a popup is open
  const statusLabels = Object.fromEntries(config.statuses.map((s) => [s.value, s.label]));
  const $ = (id) => document.getElementById(id);
  const form = $("vacancy-form");
  const statusNode = $("map-status");
  const say = (text) => { statusNode.textContent = text; };
  const TEXT = ["street", "house_number", "postcode", "former_use", "description", "owner_contact",
                "internal_notes", "vacant_since", "next_follow_up"];
  const NUMBER = ["floor_area_m2", "shop_window_m", "asking_rent_eur_m2"];
  const CHOICE = ["status", "floor", "condition", "owner_interim_willing", "owner_consent"];
  const BOOL = ["has_wc", "has_heating", "step_free"];
  let editing = null;  // {id, version, latlng} or {id: null, latlng} for a new vacancy

  // ---- markers --------------------------------------------------------------------------
  const layer = new Leerstand.VacancyLayer(map, {
    ags: config.ags,
    cluster: {disableClusteringAtZoom: 17},
    makeMarker(feature) {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      const marker = L.marker([lat, lon], {
        icon: Leerstand.statusIcon(p.status), draggable: true, keyboard: true,
        title: Leerstand.address(p), alt: Leerstand.address(p) + ", " + (statusLabels[p.status] || p.status),
      });
      marker.on("click", () => openEditor(feature.id));
      marker.on("dragend", () => moveVacancy(marker));
      return marker;
    },
    onChange(what, error) {
      if (what === "error") say("Die Leerstände konnten nicht geladen werden: " + germanOf(error));
      renderList();
    },
  });
  const renderList = () => Leerstand.renderList($("vacancy-list"), $("vacancy-count"), layer, {
    label: (p) => (statusLabels[p.status] || p.status) + (p.stale ? " · länger nicht geprüft" : ""),
    onPick: (marker) => { layer.reveal(marker); openEditor(marker.feature.id); },
  });
  map.on("moveend", renderList);
  Leerstand.legend(config.statuses).addTo(map);

  function germanOf(error) {
    return Leerstand.fieldErrors(error, null).map((e) => e.message).join(" ");
  }

  // ---- the form -------------------------------------------------------------------------
  function setStatusOptions(statuses, current) {
    const select = form.elements.status;
    select.replaceChildren(...statuses.map((s) => el("option", {value: s.value}, s.label)));
    select.value = current;
  }

  function fill(feature) {
    const p = feature ? feature.properties : {};
    for (const name of TEXT) form.elements[name].value = p[name] == null ? "" : p[name];
    // a decimal comma, no thousands dots: what a person types, and readProperties reads back
    for (const name of NUMBER) form.elements[name].value = p[name] == null ? "" : String(p[name]).replace(".", ",");
    for (const name of CHOICE) form.elements[name].value = p[name] == null ? "" : p[name];
    for (const name of BOOL) form.elements[name].value = p[name] == null ? "" : String(p[name]);
    form.elements.owner_interim_willing.value = p.owner_interim_willing || "unknown";
    form.elements.owner_consent.value = p.owner_consent || "none";
    // the owner dialogue's log (owner-contacts.js) follows the open vacancy
    document.dispatchEvent(new CustomEvent("leerstand:editor", {detail: {id: feature ? feature.id : null}}));
    form.elements.verified_today.checked = false;
  }

  function readProperties() {
    const props = {};
    for (const name of TEXT) props[name] = form.elements[name].value.trim() || null;
    for (const name of NUMBER) {
      const raw = form.elements[name].value.trim().replace(",", ".");
      // a non-number goes to the server as typed, which names the field (float_parsing)
      props[name] = raw === "" ? null : (isNaN(Number(raw)) ? raw : Number(raw));
    }
    for (const name of CHOICE) props[name] = form.elements[name].value || null;
    for (const name of BOOL) {
      const v = form.elements[name].value;
      props[name] = v === "" ? null : v === "true";
    }
    if (form.elements.verified_today.checked) props.verified_at = new Date().toISOString();
    return props;
  }

  function showEditor(title, position) {
    $("editor").hidden = false;
    $("editor-title").textContent = title;
    $("editor-position").textContent = position;
    $("reload-vacancy").hidden = true;
    Leerstand.clearErrors(form);
    $("editor-title").focus();
  }

  const where = (latlng) => "Position: " + Leerstand.coordinates(latlng, 6);

  async function openEditor(id) {
    try {
      const {data} = await api("/api/v1/vacancies/" + id);
      editing = {id, version: data.properties.version};
      setStatusOptions(config.statuses, data.properties.status);
      fill(data);
      const [lon, lat] = data.geometry.coordinates;
      showEditor("Leerstand bearbeiten: " + Leerstand.address(data.properties) +
                 " (Version " + data.properties.version + ")", where(L.latLng(lat, lon)));
      const expose = "/api/v1/vacancies/" + encodeURIComponent(id) + "/expose.pdf";
      $("expose-public").href = expose;
      $("expose-internal").href = expose + "?internal=true";
      $("editor-expose").hidden = false;
    } catch (error) {
      say(germanOf(error));
    }
  }

  function openNew(latlng) {
    editing = {id: null, latlng};
    setStatusOptions(config.initialStatuses, "vacant");
    fill(null);
    $("editor-expose").hidden = true;  // a vacancy not yet saved has no exposé
    showEditor("Neuer Leerstand", where(latlng));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!editing) return;
    const properties = readProperties();
    try {
      let data;
      if (editing.id === null) {
        const {latlng} = editing;
        for (const key of Object.keys(properties)) if (properties[key] === null) delete properties[key];
        ({data} = await api("/api/v1/vacancies", {method: "POST", csrf, body: {
          type: "Feature", geometry: {type: "Point", coordinates: [latlng.lng, latlng.lat]},
          properties: {municipality: config.ags, ...properties}}}));
        say("Leerstand angelegt: " + Leerstand.address(data.properties) + ".");
      } else {
        ({data} = await api("/api/v1/vacancies/" + editing.id, {method: "PATCH", csrf,
          headers: {"If-Match": '"' + editing.version + '"'}, body: {properties}}));
        say("Gespeichert (Version " + data.properties.version + ").");
      }
      layer.upsert(data);
      await openEditor(data.id);
    } catch (error) {
      Leerstand.showErrors(form, error);
      $("reload-vacancy").hidden = error.status !== 409;
    }
  });
  $("reload-vacancy").addEventListener("click", () => openEditor(editing.id));
  $("close-editor").addEventListener("click", () => { $("editor").hidden = true; editing = null; });

  // ---- add and move ---------------------------------------------------------------------
  map.on("click", (event) => {
    if (coreEditing) return;  // clicks belong to the drawing tool
    openNew(event.latlng);
  });

  async function moveVacancy(marker) {
    const feature = marker.feature;
    const to = marker.getLatLng();
    try {
      const {data} = await api("/api/v1/vacancies/" + feature.id, {method: "PATCH", csrf,
        headers: {"If-Match": '"' + feature.properties.version + '"'},
        body: {geometry: {type: "Point", coordinates: [to.lng, to.lat]}}});
      layer.upsert(data);
      say("Verschoben: " + Leerstand.address(data.properties) + ".");
      if (editing && editing.id === data.id) await openEditor(data.id);
    } catch (error) {
      const [lon, lat] = feature.geometry.coordinates;
      marker.setLatLng([lat, lon]);
      say("Nicht verschoben: " + germanOf(error));
    }
  }

  // ---- core area ------------------------------------------------------------------------
  // Geoman's German locale, with the page's formal wording for the hints of drawing an area
  const tap = Leerstand.tapOrClick;
  map.pm.setLang("de", {tooltips: {
    firstVertex: tap("Tippen Sie, um die erste Ecke zu setzen", "Klicken Sie, um die erste Ecke zu setzen"),
    continueLine: tap("Tippen Sie, um die nächste Ecke zu setzen", "Klicken Sie, um die nächste Ecke zu setzen"),
    finishPoly: tap("Tippen Sie auf die erste Ecke, um die Fläche zu schließen",
                    "Klicken Sie auf die erste Ecke, um die Fläche zu schließen"),
  }, actions: {removeLastVertex: "Letzte Ecke entfernen"}}, "de");
  let core = null;          // L.GeoJSON with the (edited) core area
  let coreEditing = false;  // drawing or moving vertices
  const coreStatus = $("core-status"), coreError = $("core-error");

  function showCore(geometry) {
    if (core) map.removeLayer(core);
    core = L.geoJSON(geometry || null, {style: {color: "#0b5c8a", weight: 2, fillOpacity: 0.08}}).addTo(map);
  }

  function setDirty(dirty) {
    $("core-save").disabled = !dirty;
    $("core-cancel").disabled = !dirty;
  }

  function stopCoreEditing() {
    map.pm.disableDraw();
    if (core) core.eachLayer((l) => l.pm && l.pm.disable());
    coreEditing = false;
  }

  function coreGeometry() {
    const polygons = [];
    for (const feature of core.toGeoJSON().features) {
      const g = feature.geometry;
      if (g.type === "Polygon") polygons.push(g.coordinates);
      else if (g.type === "MultiPolygon") polygons.push(...g.coordinates);
    }
    if (!polygons.length) return {type: "Feature", geometry: null, properties: {}};
    return polygons.length === 1 ? {type: "Polygon", coordinates: polygons[0]} :
      {type: "MultiPolygon", coordinates: polygons};
  }

  Leerstand.townLayers(map, config.ags).then(({feature, core: shown}) => {
    map.removeLayer(shown);
    showCore(feature.properties.core_area);
  }).catch((error) => say(germanOf(error)));

  $("core-draw").addEventListener("click", () => {
    stopCoreEditing();
    coreEditing = true;
    coreError.textContent = "";
    coreStatus.textContent = Leerstand.tapOrClick(
      "Tippen Sie die Ecken in die Karte; ein Tipp auf die erste Ecke schließt die Fläche.",
      "Klicken Sie die Ecken in die Karte; ein Klick auf die erste Ecke schließt die Fläche.");
    map.pm.enableDraw("Polygon", {snappable: false, continueDrawing: false});
  });
  map.on("pm:create", (event) => {
    core.clearLayers();
    core.addLayer(event.layer);
    map.removeLayer(event.layer);
    stopCoreEditing();
    setDirty(true);
    coreStatus.textContent = "Neue Fläche gezeichnet – noch nicht gespeichert.";
  });
  $("core-edit").addEventListener("click", () => {
    stopCoreEditing();
    coreEditing = true;
    core.eachLayer((l) => { l.pm.enable({snappable: false}); l.on("pm:edit", () => setDirty(true)); });
    coreStatus.textContent = "Ziehen Sie die Ecken; danach „Speichern“.";
  });
  $("core-clear").addEventListener("click", () => {
    stopCoreEditing();
    core.clearLayers();
    setDirty(true);
    coreStatus.textContent = "Fläche entfernt – noch nicht gespeichert.";
  });
  $("core-cancel").addEventListener("click", async () => {
    stopCoreEditing();
    const {data} = await api("/api/v1/municipalities/" + config.ags);
    showCore(data.properties.core_area);
    setDirty(false);
    coreStatus.textContent = "Änderungen verworfen.";
  });
  $("core-save").addEventListener("click", async () => {
    stopCoreEditing();
    coreError.textContent = "";
    try {
      const {data} = await api("/api/v1/municipalities/" + config.ags + "/core-area",
                               {method: "PUT", csrf, body: coreGeometry()});
      showCore(data.properties.core_area);
      setDirty(false);
      coreStatus.textContent = "Innenstadtbereich gespeichert.";
    } catch (error) {
      coreError.textContent = germanOf(error);
    }
  });

  layer.openRecord = openEditor;  // links to one vacancy (static/app/staff-tools.js)
  layer.load();
  window.leerstandLayer = layer;  // for the browser tests
  return layer;
};
