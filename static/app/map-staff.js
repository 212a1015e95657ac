/* Staff map /verwaltung/{ags}: every status, add by click, drag to move, edit with the version
 * check (If-Match), draw the core area (Leaflet-Geoman). Writes use the cookie session plus
 * the X-CSRF-Token header. Unsaved changes are never dropped without asking (a stray click,
 * another vacancy, leaving the page); a version conflict shows both sides field by field. */
"use strict";

Leerstand.staffMap = function (map, config, csrf) {
  const {api, el} = Leerstand;
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
      marker.on("click", () => pick(feature.id));
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
    onPick: (marker) => { layer.reveal(marker); pick(marker.feature.id); },
  });
  map.on("moveend", renderList);
  Leerstand.legend(config.statuses).addTo(map);

  function germanOf(error) {
    return Leerstand.fieldErrors(error, null).map((e) => e.message).join(" ");
  }

  // ---- the form -------------------------------------------------------------------------
  const {askDiscard, renderHistory, renderMerge, mergeChoices, same} = Leerstand.editor;
  const FIELDS = [...TEXT, ...NUMBER, ...CHOICE, ...BOOL];
  const statusHint = $("f-status-hint");
  const positionForm = $("position-form"), mergeForm = $("merge-form");
  let baseline = null;  // the form's values when it was filled: what "unsaved" compares with
  let preview = null;   // a marker where a new position (not yet saved) lies

  /** Every status, those not reachable from the current one disabled (ALLOWED_TRANSITIONS). */
  function setStatusOptions(current, isNew) {
    const allowed = isNew ? config.initialStatuses.map((s) => s.value) :
      [current, ...(config.transitions[current] || [])];
    const select = form.elements.status;
    select.replaceChildren(...config.statuses.map((s) => el("option",
      {value: s.value, disabled: !allowed.includes(s.value)},
      s.label + (allowed.includes(s.value) ? "" : " (nicht möglich)"))));
    select.value = current;
    const names = (values) => values.map((v) => statusLabels[v] || v).join(", ");
    const next = allowed.filter((v) => v !== current);
    statusHint.textContent = isNew ?
      "Neu anlegen lässt sich: " + names(allowed) + ". „" + statusLabels.reported +
        "“ ist Meldungen aus der Bürgerschaft vorbehalten." :
      next.length ? "Von „" + statusLabels[current] + "“ aus nur: " + names(next) + "." :
        "„" + statusLabels[current] + "“ ist ein Endzustand; der Status lässt sich nicht mehr ändern.";
  }

  function fill(feature) {
    const p = feature ? feature.properties : {};
    for (const name of TEXT) form.elements[name].value = p[name] == null ? "" : p[name];
    // a decimal comma, no thousands dots: what a person types, and readProperties reads back
    for (const name of NUMBER) form.elements[name].value = p[name] == null ? "" : String(p[name]).replace(".", ",");
    for (const name of CHOICE) if (name !== "status") form.elements[name].value = p[name] == null ? "" : p[name];
    for (const name of BOOL) form.elements[name].value = p[name] == null ? "" : String(p[name]);
    form.elements.owner_interim_willing.value = p.owner_interim_willing || "unknown";
    form.elements.owner_consent.value = p.owner_consent || "none";
    // a new vacancy is what staff mostly find on a walk: empty
    setStatusOptions(p.status || "vacant", !feature);
    // the owner dialogue's log (owner-contacts.js) follows the open vacancy
    document.dispatchEvent(new CustomEvent("leerstand:editor", {detail: {id: feature ? feature.id : null}}));
    form.elements.verified_today.checked = false;
    positionForm.reset();
    Leerstand.clearErrors(positionForm);
    closeMerge();
    clearPreview();
    baseline = formState();
  }

  /** The form's raw values: what a person typed or chose (compared to tell unsaved changes). */
  function formState() {
    return JSON.stringify([...FIELDS.map((name) => form.elements[name].value),
                           form.elements.verified_today.checked]);
  }

  /** Unsaved changes: fields that differ from the loaded ones, or a new position. */
  function isDirty() {
    return Boolean(editing) && (formState() !== baseline || Boolean(editing.moveTo));
  }

  /** May the form be replaced? Yes if nothing is unsaved, else only if the person says so. */
  async function mayLeave() {
    return !isDirty() || await askDiscard();
  }
  window.addEventListener("beforeunload", (event) => {
    if (!isDirty()) return;
    event.preventDefault();
    event.returnValue = "";  // Chromium still needs it for the leave-page prompt
  });

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
      const [lon, lat] = data.geometry.coordinates;
      editing = {id, version: data.properties.version, base: data.properties,
                 latlng: L.latLng(lat, lon), moveTo: null};
      fill(data);
      showEditor("Leerstand bearbeiten: " + Leerstand.address(data.properties) +
                 " (Version " + data.properties.version + ")", where(editing.latlng));
      const expose = "/api/v1/vacancies/" + encodeURIComponent(id) + "/expose.pdf";
      $("expose-public").href = expose;
      $("expose-internal").href = expose + "?internal=true";
      $("editor-expose").hidden = false;
      loadHistory(id);
    } catch (error) {
      say(germanOf(error));
    }
  }

  /** Open a vacancy from its marker or the list, unless that would drop unsaved changes. */
  async function pick(id) {
    if (editing && editing.id === id && isDirty()) { $("editor-title").focus(); return; }
    if (await mayLeave()) await openEditor(id);
  }

  function openNew(latlng) {
    editing = {id: null, latlng, moveTo: null};
    fill(null);
    $("editor-expose").hidden = true;  // a vacancy not yet saved has no exposé
    $("vacancy-history").hidden = true;
    showEditor("Neuer Leerstand", where(latlng));
  }

  async function loadHistory(id) {
    const section = $("vacancy-history"), status = $("history-status");
    section.hidden = false;
    try {
      const {data} = await api("/api/v1/vacancies/" + encodeURIComponent(id) + "/history");
      if (!editing || editing.id !== id) return;  // another vacancy was opened meanwhile
      renderHistory($("history-list"), data.entries);
      status.textContent = Leerstand.count(data.entries.length, "Eintrag", "Einträge");
    } catch (error) {
      status.textContent = "Die Änderungen konnten nicht geladen werden: " + germanOf(error);
    }
  }

  // ---- position by address or coordinates -----------------------------------------------
  function clearPreview() {
    if (preview) map.removeLayer(preview);
    preview = null;
  }

  /** A new position for the open vacancy, saved with the form. */
  function setPosition(latlng, how) {
    if (!editing) return;
    if (editing.id === null) editing.latlng = latlng;
    else editing.moveTo = latlng;
    clearPreview();
    preview = L.marker(latlng, {icon: Leerstand.statusIcon("preview", "Neue Position"),
                                keyboard: false, interactive: false}).addTo(map);
    map.setView(latlng, Math.max(map.getZoom(), 17));
    $("editor-position").textContent = where(latlng) + " (" + how + (editing.id === null ? ")" :
      ", noch nicht gespeichert)");
  }

  Leerstand.addressSearch.attach($("pos-address"), {ags: config.ags, fill: "label", onPick(feature) {
    const p = feature.properties;
    form.elements.street.value = p.street;
    form.elements.house_number.value = p.house_number;
    if (p.postcode) form.elements.postcode.value = p.postcode;
    const [lon, lat] = feature.geometry.coordinates;
    setPosition(L.latLng(lat, lon), "nach Adresse " + p.label);
  }});

  /** A typed coordinate as a number string: "713.400,5" (German, as people write it) or
   *  "713400.5" (as a GIS exports it); null if it is no number. */
  function coordinate(text) {
    const raw = text.replace(/\s/g, "");
    const german = raw.includes(",") || /^\d{1,3}(\.\d{3})+$/.test(raw);
    const plain = german ? raw.replace(/\./g, "").replace(",", ".") : raw;
    return plain !== "" && Number.isFinite(Number(plain)) ? plain : null;
  }

  positionForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {}, problems = [];
    for (const name of ["x", "y"]) {
      const input = positionForm.elements[name];
      values[name] = coordinate(input.value);
      if (values[name] === null) {
        problems.push({field: name, message: Leerstand.germanMessage(
          input.value.trim() ? "float_parsing" : "missing", null, input)});
      }
    }
    if (problems.length) { Leerstand.showFieldErrors(positionForm, problems); return; }
    try {
      const {data} = await api("/api/v1/coordinates/wgs84?crs=EPSG:25832&x=" +
        encodeURIComponent(values.x) + "&y=" + encodeURIComponent(values.y));
      Leerstand.clearErrors(positionForm);
      setPosition(L.latLng(data.lat, data.lon), "aus Rechtswert/Hochwert");
    } catch (error) {
      Leerstand.showErrors(positionForm, error);
    }
  });

  // ---- save, and the comparison after a version conflict --------------------------------
  async function save(properties, version) {
    let data;
    if (editing.id === null) {
      const {latlng} = editing;
      for (const key of Object.keys(properties)) if (properties[key] === null) delete properties[key];
      ({data} = await api("/api/v1/vacancies", {method: "POST", csrf, body: {
        type: "Feature", geometry: {type: "Point", coordinates: [latlng.lng, latlng.lat]},
        properties: {municipality: config.ags, ...properties}}}));
      say("Leerstand angelegt: " + Leerstand.address(data.properties) + ".");
    } else {
      const body = {properties};
      if (editing.moveTo) body.geometry = {type: "Point", coordinates: [editing.moveTo.lng, editing.moveTo.lat]};
      ({data} = await api("/api/v1/vacancies/" + editing.id, {method: "PATCH", csrf,
        headers: {"If-Match": '"' + version + '"'}, body}));
      say("Gespeichert (Version " + data.properties.version + ").");
    }
    layer.upsert(data);
    editing = null;  // saved: nothing is unsaved any more
    await openEditor(data.id);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!editing) return;
    const properties = readProperties();
    try {
      await save(properties, editing.version);
    } catch (error) {
      Leerstand.showErrors(form, error);
      $("reload-vacancy").hidden = error.status !== 409;
      if (error.status === 409) await openMerge(properties);
    }
  });

  /** Fetch the stored record and put it beside the edit, field by field. */
  async function openMerge(mine) {
    let stored;
    try {
      ({data: stored} = await api("/api/v1/vacancies/" + editing.id));
    } catch (error) {
      say(germanOf(error));
      return;
    }
    const base = editing.base, theirs = stored.properties;
    const rows = FIELDS.filter((name) => !same(theirs[name], mine[name])).map((name) => ({
      name, stored: theirs[name], mine: mine[name], mineChanged: !same(base[name], mine[name])}));
    const [lon, lat] = stored.geometry.coordinates;
    if (editing.moveTo) {
      rows.push({name: "geometry", label: "Position", mineChanged: true,
                 storedText: Leerstand.coordinates(L.latLng(lat, lon), 6),
                 mineText: Leerstand.coordinates(editing.moveTo, 6)});
    }
    editing.merge = {stored, mine};
    renderMerge($("merge-fields"), rows);
    Leerstand.clearErrors(mergeForm);
    mergeForm.hidden = false;
    form.hidden = true;
    positionForm.hidden = true;
    $("merge-title").focus();
  }

  function closeMerge() {
    mergeForm.hidden = true;
    form.hidden = false;
    positionForm.hidden = false;
    if (editing) editing.merge = null;
  }

  mergeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const {stored, mine} = editing.merge;
    const choices = mergeChoices($("merge-fields"));
    const properties = {};
    for (const [name, choice] of Object.entries(choices)) {
      if (choice === "mine" && name !== "geometry") properties[name] = mine[name];
    }
    if (mine.verified_at) properties.verified_at = mine.verified_at;
    if (choices.geometry === "stored") editing.moveTo = null;
    try {
      await save(properties, stored.properties.version);
    } catch (error) {
      Leerstand.showErrors(mergeForm, error);
      if (error.status === 409) await openMerge(mine);  // changed yet again: compare anew
    }
  });
  $("merge-cancel").addEventListener("click", () => { closeMerge(); $("editor-title").focus(); });
  $("reload-vacancy").addEventListener("click", () => openEditor(editing.id));
  $("close-editor").addEventListener("click", async () => {
    if (!(await mayLeave())) return;
    $("editor").hidden = true;
    clearPreview();
    editing = null;
  });

  // ---- add and move ---------------------------------------------------------------------
  map.on("click", async (event) => {
    if (coreEditing) return;  // clicks belong to the drawing tool
    if (await mayLeave()) openNew(event.latlng);
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
      if (editing && editing.id === data.id) {
        if (!isDirty()) {
          await openEditor(data.id);
        } else {
          // keep what is being typed: only the position moved, which the form does not hold
          editing.version = data.properties.version;
          editing.base = {...editing.base, version: data.properties.version};
          editing.latlng = to;
          $("editor-position").textContent = where(to);
        }
      }
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
  let stored = null;        // the saved core area's geometry
  let ghost = null;         // the saved area, faded, while a new one is drawn or edited
  let coreEditing = false;  // drawing or moving vertices
  const coreStatus = $("core-status"), coreError = $("core-error");
  const CORE_STYLE = {color: "#0b5c8a", weight: 2, fillOpacity: 0.08, className: "core-area"};
  const GHOST_STYLE = {color: "#0b5c8a", weight: 2, opacity: 0.45, dashArray: "4 6",
                       fillOpacity: 0.03, className: "core-ghost"};

  function showCore(geometry) {
    stored = geometry || null;
    hideGhost();
    if (core) map.removeLayer(core);
    core = L.geoJSON(stored, {style: CORE_STYLE}).addTo(map);
  }

  /** The saved area stays in sight (faded) until a new one is saved. */
  function showGhost() {
    if (ghost || !stored) return;
    ghost = L.geoJSON(stored, {interactive: false, style: GHOST_STYLE}).addTo(map);
    ghost.bringToBack();
  }

  function hideGhost() {
    if (ghost) map.removeLayer(ghost);
    ghost = null;
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
    showGhost();
    map.pm.enableDraw("Polygon", {snappable: false, continueDrawing: false});
  });
  map.on("pm:create", (event) => {
    // the drawn layer joins the core group (which is on the map) in the core area's style
    map.removeLayer(event.layer);
    core.clearLayers();
    event.layer.setStyle(CORE_STYLE);
    if (event.layer._path) event.layer._path.classList.add("core-area");
    core.addLayer(event.layer);
    showGhost();
    stopCoreEditing();
    setDirty(true);
    coreStatus.textContent = "Neue Fläche gezeichnet – noch nicht gespeichert (gestrichelt: die bisherige).";
  });
  $("core-edit").addEventListener("click", () => {
    stopCoreEditing();
    coreEditing = true;
    showGhost();
    core.eachLayer((l) => { l.pm.enable({snappable: false}); l.on("pm:edit", () => setDirty(true)); });
    coreStatus.textContent = "Ziehen Sie die Ecken; danach „Speichern“.";
  });
  $("core-clear").addEventListener("click", () => {
    stopCoreEditing();
    showGhost();
    core.clearLayers();
    setDirty(true);
    coreStatus.textContent = "Fläche entfernt – noch nicht gespeichert (gestrichelt: die gespeicherte).";
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
      // nothing was saved: the saved area is shown again, as it is, with the reason
      showCore(stored);
      setDirty(false);
      coreStatus.textContent = "Nicht gespeichert – es gilt weiter der bisherige Innenstadtbereich.";
      coreError.textContent = germanOf(error);
    }
  });

  layer.openRecord = pick;  // links to one vacancy (static/app/staff-tools.js); asks before dropping edits
  layer.load();
  window.leerstandLayer = layer;  // for the browser tests
  return layer;
};
