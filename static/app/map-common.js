/* Leerstand map pages: shared helpers. No framework, no build step.
 *
 * Safety rule: user text (addresses, descriptions, …) only ever reaches the page through
 * textContent / attributes set as properties, never innerHTML or folium templates.
 */
"use strict";

window.Leerstand = (function () {
  const L_ = window.L;

  // ---- DOM ------------------------------------------------------------------------------
  /** el("p", {className: "x"}, "text", child) — children are strings (as text) or nodes. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("aria-") || key === "role" || key === "for") node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // ---- Labels ---------------------------------------------------------------------------
  /* The German label of every enum value comes from the server's one table (app/labels.py),
     embedded by the page as JSON: labels.<table>[value], e.g. labels.floor.ground. No script
     spells a label itself. */
  const labelsNode = document.getElementById("leerstand-labels");
  const labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  /** The label of a value, the value itself if the table lacks it, null for no value. */
  function label(table, value) {
    if (value === null || value === undefined) return null;
    const known = (labels[table] || {})[value];
    return known === undefined ? String(value) : known;
  }
  // ---- German numbers, counts, coordinates, touch or mouse ------------------------------
  /* Every number a page shows goes through these: decimal comma, dot between thousands. */
  /* Intl's first German formatter loads the locale's data: about 60 ms on a phone (bench/maps),
     spent before the first markers if made up front. They are made on first use instead, and a
     whole number below 1,000 (cluster counts) needs none: it has no separator in German. */
  let numberFormat = null, dateFormat = null;
  const number = {
    format(n) {
      if (Number.isInteger(n) && Math.abs(n) < 1000) return String(n);
      numberFormat = numberFormat || new Intl.NumberFormat("de-DE", {maximumFractionDigits: 2});
      return numberFormat.format(n);
    },
  };
  const degreeFormats = {};

  /** "1 Eintrag", "1.250 Einträge": the count in German format with the word's right form. */
  function count(n, one, many) {
    return number.format(n) + " " + (n === 1 ? one : many);
  }

  /** "50,89528° N, 12,35404° O": 5 decimals are about a metre, 6 about 10 cm. */
  function coordinates(latlng, digits = 5) {
    const degrees = degreeFormats[digits] = degreeFormats[digits] ||
      new Intl.NumberFormat("de-DE", {minimumFractionDigits: digits, maximumFractionDigits: digits});
    const part = (value, plus, minus) => degrees.format(Math.abs(value)) + "° " + (value < 0 ? minus : plus);
    return part(latlng.lat, "N", "S") + ", " + part(latlng.lng, "O", "W");
  }

  /* Phones and tablets are tapped, not clicked. Static texts carry their touch wording in
     data-touch (text), data-touch-placeholder and data-touch-missing (attributes). */
  const touch = window.matchMedia("(pointer: coarse)").matches;
  const tapOrClick = (tapText, clickText) => touch ? tapText : clickText;

  function adaptToPointer(root) {
    if (!touch) return;
    root.querySelectorAll("[data-touch]").forEach((n) => { n.textContent = n.dataset.touch; });
    root.querySelectorAll("[data-touch-placeholder]").forEach((n) => { n.placeholder = n.dataset.touchPlaceholder; });
    root.querySelectorAll("[data-touch-missing]").forEach((n) => { n.dataset.missing = n.dataset.touchMissing; });
  }
  adaptToPointer(document);

  function formatDate(value) {
    const date = value ? new Date(value) : null;
    if (!date || isNaN(date)) return null;
    dateFormat = dateFormat || new Intl.DateTimeFormat("de-DE", {dateStyle: "medium"});
    return dateFormat.format(date);
  }

  function address(p) {
    const street = [p.street, p.house_number].filter(Boolean).join(" ");
    return street || "Adresse nicht angegeben";
  }

  // ---- Popups ---------------------------------------------------------------------------
  /* Extension point: functions (feature, context) -> Node|null appended to every popup, in
     order. Phase 2 registers the score block here (feature.properties.scores). */
  const popupSections = [];

  function factRows(p, statusLabels) {
    const facts = [
      ["Status", statusLabels[p.status] || p.status],
      ["Fläche", p.floor_area_m2 != null ? number.format(p.floor_area_m2) + " m²" : null],
      ["Lage im Haus", label("floor", p.floor)],
      ["Schaufenster", p.shop_window_m != null ? number.format(p.shop_window_m) + " m" : null],
      ["Zustand", label("condition", p.condition)],
      ["WC", label("yes_no", p.has_wc)], ["Heizung", label("yes_no", p.has_heating)],
      ["Stufenlos erreichbar", label("yes_no", p.step_free)],
      ["Frühere Nutzung", p.former_use],
      ["Leer seit", formatDate(p.vacant_since)],
      ["Zwischennutzung möglich", label("willingness", p.owner_interim_willing || null)],
      ["Miete (kalt)", p.asking_rent_eur_m2 != null ?
        number.format(p.asking_rent_eur_m2) + " €/m² im Monat" : null],
    ];
    return el("dl", {className: "facts"}, facts.filter(([, v]) => v != null && v !== "")
      .map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }

  /** The cover's thumbnail, fitted into 320 × 180 px with its size set before it loads (so
   *  the popup is measured right); null without a cover (also where the owner allowed only
   *  location and status: the read model sends no photo then). */
  function coverImage(p) {
    const cover = p.photos && p.photos.cover;
    if (!cover || !cover.thumbnail_url) return null;
    const scale = Math.min(320 / (cover.width || 320), 180 / (cover.height || 180), 1);
    // loading before src: an image starts loading as soon as it has a src
    return el("img", {className: "popup-cover", loading: "lazy", decoding: "async",
                      src: cover.thumbnail_url, alt: "Foto: " + address(p),
                      width: Math.max(1, Math.round((cover.width || 320) * scale)),
                      height: Math.max(1, Math.round((cover.height || 180) * scale))});
  }

  function popupContent(feature, context) {
    const p = feature.properties;
    const box = el("div", {className: "vacancy-popup"},
      el("h3", {}, address(p)),
      context.staff ? null : coverImage(p),
      p.postcode ? el("p", {className: "muted"}, p.postcode) : null,
      factRows(p, context.statusLabels),
      p.description ? el("p", {className: "description"}, p.description) : null,
      p.stale ? el("p", {className: "stale"}, "Angaben länger nicht geprüft" +
        (p.verified_at ? " (zuletzt " + formatDate(p.verified_at) + ")" : "") + ".") : null);
    for (const section of popupSections) {
      const node = section(feature, context);
      if (node) box.append(node);
    }
    return box;
  }

  /** Re-measure the open popup after its content grew (e.g. a loaded score breakdown). */
  function refreshPopup() {
    const map = window.leerstandLayer && window.leerstandLayer.map;
    const popup = map && map._popup;
    if (!popup || !popup.isOpen()) return;
    // update() would call a content function again (a fresh node); keep the grown node instead
    const node = popup.getElement().querySelector(".leaflet-popup-content").firstChild;
    if (node) popup.setContent(node);
  }

  // ---- API ------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.detail) || "HTTP " + status);
      this.status = status;
      this.body = body || {};
    }
  }

  /** fetch JSON; cookie-session writes carry the CSRF token; errors throw ApiError. */
  async function api(path, {method = "GET", body, csrf, headers = {}, signal} = {}) {
    const init = {method, signal, credentials: "same-origin",
                  headers: {Accept: "application/json, application/geo+json", ...headers}};
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    if (csrf && method !== "GET") init.headers["X-CSRF-Token"] = csrf;
    const response = await fetch(path, init);
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = {detail: text}; }
    if (!response.ok) throw new ApiError(response.status, data);
    return {data, etag: response.headers.get("ETag")};
  }

  // ---- German error messages ------------------------------------------------------------
  /** A field's min/max attribute ("10000") as a German number ("10.000"); empty: the fallback. */
  function limit(attribute, fallback = "") {
    if (attribute === undefined || attribute === null || attribute === "") return fallback;
    const value = Number(attribute);
    return isNaN(value) ? String(attribute) : number.format(value);
  }
  const MESSAGES = {
    // pydantic types
    missing: "Bitte ausfüllen.",
    greater_than: (i) => "Der Wert muss größer als " + limit(i && i.min, "0") + " sein.",
    greater_than_equal: (i) => "Der Wert darf nicht kleiner als " + limit(i && i.min, "0") + " sein.",
    less_than: (i) => "Der Wert ist zu groß" + (i && i.max ? " (höchstens " + limit(i.max) + ")" : "") + ".",
    less_than_equal: (i) => "Der Wert ist zu groß" + (i && i.max ? " (höchstens " + limit(i.max) + ")" : "") + ".",
    string_too_long: (i) => "Der Text ist zu lang" +
      (i && i.maxLength > 0 ? " (höchstens " + number.format(i.maxLength) + " Zeichen)" : "") + ".",
    string_too_short: "Der Text ist zu kurz.",
    string_pattern_mismatch: "Das Format stimmt nicht.",
    float_parsing: "Bitte eine Zahl eingeben (z. B. 85 oder 85,5).",
    int_parsing: "Bitte eine ganze Zahl eingeben.",
    finite_number: "Bitte eine endliche Zahl eingeben.",
    bool_parsing: "Bitte ja oder nein wählen.",
    enum: "Bitte einen der angebotenen Werte wählen.",
    literal_error: "Bitte einen der angebotenen Werte wählen.",
    date_parsing: "Bitte ein Datum eingeben.",
    date_from_datetime_parsing: "Bitte ein Datum eingeben.",
    datetime_parsing: "Bitte Datum und Uhrzeit eingeben.",
    extra_forbidden: "Dieses Feld ist hier nicht erlaubt.",
    // domain codes (app/errors.py)
    invalid_input: "Ungültige Eingabe.",
    invalid_geometry: "Die Geometrie ist ungültig.",
    outside_municipality: "Der Punkt liegt außerhalb der Gemeinde.",
    forbidden_transition: "Dieser Statuswechsel ist nicht erlaubt.",
    stale_version: "Der Eintrag wurde inzwischen von jemand anderem geändert. Ihre Änderung wurde " +
      "nicht gespeichert. Bitte laden Sie den aktuellen Stand und ändern Sie erneut.",
    precondition_required: "Die Versionsangabe fehlt. Bitte laden Sie den Eintrag neu.",
    forbidden: "Dafür fehlt Ihnen die Berechtigung.",
    unauthenticated: "Bitte melden Sie sich (erneut) an.",
    not_found: "Nicht gefunden – vielleicht wurde der Eintrag gelöscht.",
    payload_too_large: "Die Eingabe ist zu groß (Fotos: höchstens 10 MB).",
    unsupported_image_type: "Diese Datei ist kein Foto im Format JPEG, PNG, WebP oder HEIC.",
    invalid_image: "Das Foto ist beschädigt oder unvollständig, oder die Datei enthält mehr als ein Bild.",
    image_too_large: "Das Foto hat zu viele Bildpunkte. Bitte eine kleinere Fassung senden.",
    animated_image: "Bewegte Bilder (Animationen) nehmen wir nicht an. Bitte ein einzelnes Foto senden.",
    photo_limit: "Mehr Fotos sind hier nicht möglich.",
    conflict: "Das widerspricht gespeicherten Daten.",
    bad_request: "Die Anfrage war fehlerhaft.",
    rate_limited: "Von Ihrem Anschluss kamen in der letzten Stunde zu viele Einsendungen. " +
      "Bitte versuchen Sie es später noch einmal.",
    connection_limit: "Von Ihrem Anschluss (etwa demselben WLAN) kamen schon sehr viele Stimmen für diese " +
      "Idee. Mehr zählen wir von einem Anschluss nicht.",
    already_supported: "Sie unterstützen diesen Vorschlag bereits – jede Stimme zählt nur einmal.",
    duplicate_hint: "Ist es einer dieser Einträge? Dann ist der Laden schon bekannt und Sie müssen " +
      "nichts weiter tun. Wenn nicht, melden Sie ihn einfach weiter unten.",
    value_error: "Ungültige Eingabe.",
    json_invalid: "Die Anfrage war fehlerhaft.",
    model_type: "Ungültige Eingabe.",
    bool_type: "Bitte ja oder nein wählen.",
    int_type: "Bitte eine ganze Zahl eingeben.",
  };
  // server messages of custom validators, by their English text
  const VALUE_ERRORS = [
    [/lies in the future/, "Das Datum liegt in der Zukunft."],
    [/before 1900/, "Ein Datum vor 1900 ist nicht plausibel."],
    [/longitude and latitude look swapped/, "Länge und Breite scheinen vertauscht."],
    [/must lie inside the boundary/, "Der Innenstadtbereich muss innerhalb der Gemeindegrenze liegen."],
    [/self-intersect|not valid/i, "Die Fläche ist ungültig (z. B. überschneidet sich der Umriss)."],
    [/area range is inverted/, "Die größte Fläche darf nicht kleiner als die kleinste sein."],
    [/location and radius_m go together/, "Bitte einen Umkreis in Metern angeben."],
    [/exactly one of vacancy_id, area, or location/, "Bitte einen Laden oder einen Ort mit Umkreis wählen."],
    [/only stored with consent/, "Die E-Mail-Adresse speichern wir nur mit Ihrer Einwilligung."],
    [/outside every municipality/, "Der Punkt liegt in keiner Gemeinde des Registers."],
    [/ is outside .*\(AGS/, "Der Punkt liegt außerhalb dieser Gemeinde."],
    [/no published vacancy/, "Diesen Laden gibt es nicht (mehr) in der öffentlichen Karte."],
    // typed coordinates (GET /api/v1/coordinates/wgs84)
    [/x and y look swapped/, "Rechtswert und Hochwert scheinen vertauscht: der Rechtswert hat " +
      "6 Stellen (z. B. 713.400), der Hochwert 7 (z. B. 5.642.300)."],
    [/^easting .* outside/, "Ein Rechtswert in UTM-Zone 32N hat 6 Stellen, in Thüringen etwa " +
      "560.000 bis 770.000."],
    [/^northing .* outside/, "Ein Hochwert in Deutschland hat 7 Stellen, in Thüringen etwa " +
      "5.560.000 bis 5.730.000."],
    [/lies outside Thuringia/, "Dieser Punkt liegt nicht in Thüringen. Bitte Rechtswert und " +
      "Hochwert prüfen."],
  ];

  function germanMessage(code, englishText, input) {
    for (const [pattern, german] of VALUE_ERRORS) {
      if (englishText && pattern.test(englishText)) return german;
    }
    // a field filled by the page (the place from a click into the map) says what to do
    if (code === "missing" && input && input.dataset && input.dataset.missing) return input.dataset.missing;
    const message = MESSAGES[code];
    if (typeof message === "function") return message(input);
    return message || "Ungültige Eingabe.";
  }

  /** [{field, message}] from an ApiError; field is the form field name or null (general). */
  function fieldErrors(error, form) {
    const body = error.body || {};
    const fieldName = (path) => {
      const parts = (path || []).map(String).filter((p) => !["body", "query", "properties"].includes(p));
      return parts.length ? parts[0] : null;
    };
    const input = (name) => (form && name ? form.elements.namedItem(name) : null);
    if (Array.isArray(body.errors) && body.code === "validation_error") {
      return body.errors.map((e) => {
        // checks across fields (model validators) name their field at the start of the message
        const named = /^(?:Value error, )?([a-z_0-9]+): /.exec(e.msg || "");
        const name = fieldName(e.loc) || (named ? named[1] : null);
        return {field: name, message: germanMessage(e.type, e.msg, input(name))};
      });
    }
    const name = body.field ? fieldName(String(body.field).split(".")) : null;
    const generic = error.status === 409 ? "stale_version" : body.code;
    return [{field: name, message: germanMessage(generic, body.detail, input(name))}];
  }

  /** Show API errors next to their fields (aria-describedby), the rest in the form's alert. */
  function showErrors(form, error) {
    showFieldErrors(form, fieldErrors(error, form));
  }

  /** Show [{field, message}] all at once: each next to its field, the rest in the form's alert;
   *  focus goes to the first field in error. */
  function showFieldErrors(form, errors) {
    clearErrors(form);
    const general = form.querySelector(".form-alert");
    const unplaced = [];
    for (const {field, message} of errors) {
      const input = field ? form.elements.namedItem(field) : null;
      if (input && input.id) {
        const note = el("span", {className: "field-error", id: input.id + "-error"}, message);
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", note.id);
        input.after(note);
      } else {
        unplaced.push(field && field !== "geometry" ? field + ": " + message : message);
      }
    }
    if (general) {
      general.textContent = unplaced.join(" ");
      general.hidden = unplaced.length === 0;
    }
    const first = form.querySelector("[aria-invalid=true]");
    if (first) first.focus();
  }

  /**
   * What the page can check itself before sending, from the fields' own attributes: required
   * names, minlength, min/max (data-exclusive-min: the value must be greater than min) of number
   * fields (inputmode decimal/numeric). Returns [{field, message}] in form order, so every
   * problem is named at once; the server checks everything again.
   */
  function checkFields(form, required) {
    const problems = [];
    const add = (input, code) => problems.push({field: input.name,
                                                message: germanMessage(code, null, input)});
    for (const input of form.elements) {
      if (!input.name || input.type === "hidden" || input.type === "checkbox") continue;
      const value = (input.value || "").trim();
      if (value === "") {
        if (required.includes(input.name)) add(input, "missing");
        continue;
      }
      if (input.minLength > 0 && value.length < input.minLength) add(input, "string_too_short");
      if (input.inputMode !== "decimal" && input.inputMode !== "numeric") continue;
      const n = Number(value.replace(",", "."));
      if (!Number.isFinite(n) || (input.inputMode === "numeric" && !Number.isInteger(n))) {
        add(input, input.inputMode === "numeric" ? "int_parsing" : "float_parsing");
      } else if (input.min !== "" && "exclusiveMin" in input.dataset && n <= Number(input.min)) {
        add(input, "greater_than");
      } else if (input.min !== "" && n < Number(input.min)) {
        add(input, "greater_than_equal");
      } else if (input.max !== "" && n > Number(input.max)) {
        add(input, "less_than_equal");
      }
    }
    return problems;
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach((n) => n.remove());
    form.querySelectorAll("[aria-invalid]").forEach((n) => {
      n.removeAttribute("aria-invalid");
      n.removeAttribute("aria-describedby");
    });
    const general = form.querySelector(".form-alert");
    if (general) { general.textContent = ""; general.hidden = true; }
  }

  // ---- Markers, legend, list ------------------------------------------------------------
  /* A div icon with an accessible name (Leaflet names a div icon only by its title). Pages
     without a map (an idea's own page uses the helpers above) load no Leaflet. */
  const LabelledIcon = L_ && L_.DivIcon.extend({
    createIcon(old) {
      const node = L_.DivIcon.prototype.createIcon.call(this, old);
      if (this.options.label) node.setAttribute("aria-label", this.options.label);
      return node;
    },
  });

  /** A marker's icon; label: what a screen reader announces ("Markt 1, Stand: leer"). */
  function statusIcon(status, label) {
    // 26 px across, border included (maps.css): above WCAG 2.2's 24×24 minimum target size;
    // the popup's tip points at the top edge, so the open popup does not cover its own marker
    return new LabelledIcon({className: "vac-marker vac-" + status, iconSize: [26, 26],
                             popupAnchor: [0, -13], html: "", label});
  }

  /** A cluster's icon: the count, announced as "12 Leerstände – zum Vergrößern auswählen";
   *  markercluster's own classes, so its styles apply; focusable (Leaflet's keyboard option). */
  function clusterIcon(cluster) {
    const n = cluster.getChildCount();
    const size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    return new LabelledIcon({
      html: el("div", {}, el("span", {}, number.format(n))),
      className: "marker-cluster marker-cluster-" + size, iconSize: L_.point(40, 40),
      label: count(n, "Leerstand", "Leerstände") + " – zum Vergrößern auswählen",
    });
  }

  const SMALL_SCREEN = window.matchMedia("(max-width: 48rem)");

  /** The map's legend, folded on small screens (a <details>: it opens with a tap or Enter);
   *  {ideas: true} adds the areas of published ideas (public map). */
  function legend(statuses, title, {ideas = false} = {}) {
    const control = L_.control({position: "bottomleft"});
    const line = (swatch, text) => el("li", {}, el("span", {className: swatch, "aria-hidden": "true"}), text);
    control.onAdd = () => {
      const box = el("details", {className: "map-legend", open: !SMALL_SCREEN.matches},
        el("summary", {}, "Legende: " + (title || "Status")),
        el("ul", {}, statuses.map((s) => line("swatch vac-" + s.value, s.label)),
          line("swatch cluster", "mehrere Einträge (Zahl)"),
          line("line-swatch boundary", "Gemeindegrenze"),
          line("line-swatch core", "Innenstadtbereich"),
          ideas ? line("line-swatch idea", "Gebiet einer Idee") : null));
      L_.DomEvent.disableClickPropagation(box);
      return box;
    };
    return control;
  }

  /**
   * Popup options that fit the map: never wider or taller than the map leaves room for, and
   * panned clear of the zoom buttons. While a popup is open the container has the class
   * map-popup-open (maps.css: the legend, and on small screens the zoom buttons, step aside).
   */
  function popupOptions(map, {maxWidth = 380, maxHeight = 440} = {}) {
    const size = map.getSize();
    // the content's margins (20 px left, 44 px right for the close button: maps.css) and 8 px
    // to each edge of the map
    return {maxWidth: Math.max(200, Math.min(maxWidth, size.x - 84)),
            maxHeight: Math.max(180, Math.min(maxHeight, size.y - 80)),
            autoPanPaddingTopLeft: L_.point(SMALL_SCREEN.matches ? 8 : 52, 12),
            autoPanPaddingBottomRight: L_.point(8, 24)};
  }

  function watchPopups(map) {
    const container = map.getContainer();
    map.on("popupopen", () => container.classList.add("map-popup-open"));
    map.on("popupclose", () => container.classList.remove("map-popup-open"));
  }

  function bboxParam(bounds) {
    const r = (x) => x.toFixed(6);
    return [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map(r).join(",");
  }

  /**
   * Vacancies of one town loaded by viewport: GET /api/v1/vacancies?municipality&bbox, page by
   * page (the first markers appear after the first page), reloaded on moveend. Keeps one
   * marker per id; the caller decides what a marker looks like and does. ``headStart``: a
   * promise of a first page the page requested before its scripts ran (map_early.html), shown
   * before the first load asks for the view's pages.
   */
  class VacancyLayer {
    constructor(map, {ags, makeMarker, onChange, firstPage = 200, pageSize = 5000, cluster = {},
                      headStart = null}) {
      this.map = map;
      this.ags = ags;
      this.makeMarker = makeMarker;
      this.onChange = onChange || (() => {});
      // a small first page puts markers on screen fast; bigger ones then fill in the rest
      this.firstPage = firstPage;
      this.pageSize = pageSize;
      this.markers = new Map();  // id -> marker (marker.feature holds the Feature)
      this.params = "";  // more query parameters for every load, e.g. "&status=vacant" (filters)
      this.group = L_.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false,
                                          maxClusterRadius: 50, iconCreateFunction: clusterIcon, ...cluster});
      this.group.addTo(map);
      this.controller = null;
      this.firstDrawn = false;
      this.headStart = headStart;
      map.on("moveend", () => this.load());
    }

    async load() {
      const bounds = this.map.getBounds().pad(0.2), params = this.params;
      const bbox = bboxParam(bounds) + params;  // view and filters
      if (this.controller && this.loadingBbox === bbox) return;  // same view already loading
      if (this.controller) this.controller.abort();
      const controller = this.controller = new AbortController();
      this.loadingBbox = bbox;
      let offset = 0, matched = Infinity;
      const seen = new Set();
      const headStart = this.headStart;
      this.headStart = null;
      try {
        // its features are of the first view, which the loop below asks for again: a marker
        // that is already there is kept, so this only brings the first markers forward
        const early = headStart && await headStart;
        if (early && early.features) this.addFeatures(early.features, seen);
        while (offset < matched) {
          const limit = offset === 0 ? this.firstPage : this.pageSize;
          const url = "/api/v1/vacancies?municipality=" + encodeURIComponent(this.ags) +
            "&bbox=" + bbox + "&limit=" + limit + "&offset=" + offset;
          const {data} = await api(url, {signal: controller.signal});
          matched = data.numberMatched;
          offset += limit;
          this.addFeatures(data.features, seen);
          if (data.features.length === 0) break;
        }
        // markers outside the view stay unless the filters changed (removing any marker undoes
        // a spiderfied cluster, closing the popup that was just opened there)
        this.dropUnseen(seen, this.loadedParams === params ? bounds : null);
        this.loadedParams = params;
        this.onChange("loaded");
      } catch (error) {
        if (error.name !== "AbortError") this.onChange("error", error);
      } finally {
        if (this.controller === controller) this.controller = null;
      }
    }

    addFeatures(features, seen) {
      const fresh = [];
      for (const feature of features) {
        seen.add(feature.id);
        const old = this.markers.get(feature.id);
        if (old && old.feature.properties.version === feature.properties.version) continue;
        if (old) this.group.removeLayer(old);
        const marker = this.makeMarker(feature);
        marker.feature = feature;
        this.markers.set(feature.id, marker);
        fresh.push(marker);
      }
      if (fresh.length) this.keepPopup(() => this.group.addLayers(fresh));
      if (!this.firstDrawn && this.markers.size) {
        this.firstDrawn = true;
        // measured by bench/maps: navigation start -> first markers handed to the map
        performance.mark("leerstand:first-markers");
      }
      this.onChange("page");
    }

    dropUnseen(seen, within) {
      const gone = [];
      for (const [id, marker] of this.markers) {
        if (seen.has(id) || (within && !within.contains(marker.getLatLng()))) continue;
        gone.push(marker);
        this.markers.delete(id);
      }
      if (gone.length) this.keepPopup(() => this.group.removeLayers(gone));
    }

    /** markercluster undoes a spiderfied cluster whenever its markers change, closing the popup
     *  of a marker shown out of it (one just opened from the list): that popup opens again.
     *  While `reopening`, a closing popup is about to come back. */
    keepPopup(change) {
      const popup = this.map._popup;
      const source = popup && popup.isOpen() && popup._source;
      const spiderfied = source && source._spiderLeg && source.feature ? source : null;
      this.reopening = Boolean(spiderfied);
      try {
        change();
      } finally {
        this.reopening = false;
      }
      if (spiderfied && this.markers.get(spiderfied.feature.id) === spiderfied &&
          !spiderfied.isPopupOpen()) this.reveal(spiderfied);
    }

    /** Build every marker again (after the caller changed what makeMarker draws). */
    rebuild() {
      const markers = [...this.markers.values()];
      this.group.clearLayers();
      const fresh = markers.map((old) => {
        const marker = this.makeMarker(old.feature);
        marker.feature = old.feature;
        this.markers.set(old.feature.id, marker);
        return marker;
      });
      this.group.addLayers(fresh);
      this.onChange("page");
    }

    /** Replace one feature after an edit (new version, maybe new position or status). */
    upsert(feature) {
      const old = this.markers.get(feature.id);
      if (old) this.group.removeLayer(old);
      const marker = this.makeMarker(feature);
      marker.feature = feature;
      this.markers.set(feature.id, marker);
      this.group.addLayer(marker);
      this.onChange("page");
      return marker;
    }

    inView() {
      const bounds = this.map.getBounds();
      return [...this.markers.values()].filter((m) => bounds.contains(m.getLatLng()));
    }

    /** Show a marker even if it is inside a cluster, then open its popup; on a phone the list
     *  lies below the map, so the map scrolls back into view first. */
    reveal(marker) {
      this.map.getContainer().scrollIntoView({block: "nearest"});
      this.group.zoomToShowLayer(marker, () => marker.openPopup());
    }
  }

  /** The side list: the vacancies in view as buttons (keyboard and screen-reader alternative). */
  function renderList(listNode, countNode, layer, {limit = 100, label, onPick}) {
    const markers = layer.inView().sort((a, b) =>
      address(a.feature.properties).localeCompare(address(b.feature.properties), "de"));
    countNode.textContent = count(markers.length, "Eintrag", "Einträge") + " im Kartenausschnitt";
    const items = markers.slice(0, limit).map((marker) => {
      const p = marker.feature.properties;
      const button = el("button", {type: "button", className: "list-item",
                                   dataset: {id: marker.feature.id}},
        el("span", {className: "swatch vac-" + p.status, "aria-hidden": "true"}),
        el("span", {className: "list-address"}, address(p)),
        el("span", {className: "list-meta"}, label(p)));
      button.addEventListener("click", () => onPick(marker));
      return el("li", {}, button);
    });
    if (markers.length > limit) {
      items.push(el("li", {className: "muted"}, "… und " + number.format(markers.length - limit) +
        " weitere. Zoomen Sie hinein, um sie aufzulisten."));
    }
    listNode.replaceChildren(...items);
  }

  /** Boundary (outline) and core area (hatched) of a town from GET /api/v1/municipalities/{ags}. */
  async function townLayers(map, ags) {
    const {data} = await api("/api/v1/municipalities/" + encodeURIComponent(ags));
    const boundary = L_.geoJSON(data.geometry, {interactive: false,
      style: {color: "#333", weight: 2, fill: false, dashArray: "6 4"}}).addTo(map);
    const core = L_.geoJSON(data.properties.core_area || null, {interactive: false,
      style: {color: "#0b5c8a", weight: 2, fillOpacity: 0.08}}).addTo(map);
    return {feature: data, boundary, core};
  }

  return {refreshPopup, popupOptions, watchPopups, el, api, ApiError, address, bboxParam,
          formatDate, popupContent, popupSections, statusIcon, legend,
          VacancyLayer, renderList, townLayers, showErrors, showFieldErrors, checkFields, clearErrors, fieldErrors,
          germanMessage, labels, label, number, count, coordinates, touch, tapOrClick, adaptToPointer};
})();
