/* The staff editor's parts that do not need the map (static/app/map-staff.js uses them): the
 * "Ungespeicherte Änderungen verwerfen?" dialog, the German label and text of a field's value,
 * the history panel and the field-by-field comparison after a version conflict. User text only
 * through textContent (Leerstand.el). */
"use strict";

(function () {
  const {el, label, number, formatDate} = Leerstand;
  const dateTime = new Intl.DateTimeFormat("de-DE", {dateStyle: "medium", timeStyle: "short"});
  // fields without a form label of their own (the others are named by their <label>)
  const EXTRA_FIELDS = {created: "Angelegt", geometry: "Position", verified_at: "Vor Ort geprüft",
                        footprint: "Grundriss", status: "Status"};
  // the label table (app/labels.py) of each choice field
  const TABLES = {status: "vacancy_status", floor: "floor", condition: "condition",
                  owner_interim_willing: "willingness", owner_consent: "owner_consent"};
  const NONE = "—";

  /** The German name of a field: its form label, else the table above, else the name. */
  function fieldLabel(name) {
    const node = document.querySelector('#vacancy-form label[for="f-' + name + '"]');
    return node ? node.textContent.trim() : EXTRA_FIELDS[name] || name;
  }

  function formatDateTime(value) {
    const date = value ? new Date(value) : null;
    return date && !isNaN(date) ? dateTime.format(date) : null;
  }

  /** A field's value as a person reads it: labels for choices, German numbers and dates. */
  function valueText(name, value) {
    if (value === null || value === undefined || value === "") return NONE;
    if (TABLES[name]) return label(TABLES[name], value);
    if (typeof value === "boolean") return label("yes_no", String(value));
    if (typeof value === "number") return number.format(value);
    if (name === "geometry" && value.type === "Point") {
      return Leerstand.coordinates(L.latLng(value.coordinates[1], value.coordinates[0]), 6);
    }
    if (name === "footprint") return "Fläche";
    if (name === "created") return "Status: " + label("vacancy_status", value.status);
    if (name === "verified_at") return formatDateTime(value) || String(value);
    if (/^\d{4}-\d{2}-\d{2}$/.test(String(value))) return formatDate(value);
    return String(value);
  }

  /** Two values the same for the register (a form gives null for empty, numbers as numbers). */
  function same(a, b) {
    const norm = (v) => (v === null || v === undefined ? "" : String(v));
    return norm(a) === norm(b);
  }

  // ---- the dialog ---------------------------------------------------------------------------
  const dialog = document.getElementById("discard-dialog");
  let answer = null;  // resolves the open question

  /** Ask "Ungespeicherte Änderungen verwerfen?"; true only for "Verwerfen". */
  function askDiscard() {
    if (answer) answer(false);
    return new Promise((resolve) => {
      answer = (value) => {
        answer = null;
        if (dialog.open) dialog.close();
        resolve(value);
      };
      dialog.showModal();
      document.getElementById("discard-no").focus();  // the safe choice first
    });
  }
  document.getElementById("discard-yes").addEventListener("click", () => answer && answer(true));
  document.getElementById("discard-no").addEventListener("click", () => answer && answer(false));
  dialog.addEventListener("close", () => answer && answer(false));  // Escape keeps editing

  // ---- history ------------------------------------------------------------------------------
  /** The history entries (GET …/history), newest first: when, who, field, old → new. */
  function renderHistory(list, entries) {
    list.replaceChildren(...entries.slice().reverse().map((e) => {
      const when = formatDateTime(e.changed_at) || "";
      const change = e.field === "created" ? valueText("created", e.new) :
        e.redacted ? "(nicht sichtbar)" :
        valueText(e.field, e.old) + " → " + valueText(e.field, e.new);
      return el("li", {className: "history-entry"},
        el("p", {className: "history-when"}, when + " · " + (e.actor || "ohne Namen (Import oder gelöschtes Konto)") +
           " · Version " + number.format(e.version)),
        el("p", {}, el("span", {className: "history-field"}, fieldLabel(e.field) + ": "), change));
    }));
  }

  // ---- version conflict ---------------------------------------------------------------------
  /**
   * The fields where the stored record differs from the edit, each a group of two radios
   * ("gespeichert" / "meine Änderung"). rows: [{name, stored, mine, mineChanged}]; a field the
   * person changed starts on their value, one only the other side changed on the stored one.
   */
  function renderMerge(container, rows) {
    if (!rows.length) {
      container.replaceChildren(el("p", {}, "Ihre Werte und der gespeicherte Stand stimmen in " +
        "allen Feldern überein; gespeichert wird mit der neuen Version."));
      return;
    }
    container.replaceChildren(...rows.map((row) => {
      const group = "merge-" + row.name;
      const option = (value, text, shown, checked) => el("label", {},
        el("input", {type: "radio", name: group, value, checked}),
        el("span", {}, el("span", {className: "merge-choice"}, text + ": "), shown));
      return el("fieldset", {className: "merge-field", dataset: {field: row.name}},
        el("legend", {}, row.label || fieldLabel(row.name)),
        option("stored", "gespeichert", row.storedText || valueText(row.name, row.stored), !row.mineChanged),
        option("mine", "meine Änderung", row.mineText || valueText(row.name, row.mine), row.mineChanged));
    }));
  }

  /** {name: "stored"|"mine"} from the comparison's radios. */
  function mergeChoices(container) {
    const choices = {};
    container.querySelectorAll(".merge-field").forEach((set) => {
      const checked = set.querySelector("input:checked");
      choices[set.dataset.field] = checked ? checked.value : "stored";
    });
    return choices;
  }

  Leerstand.editor = {askDiscard, renderHistory, renderMerge, mergeChoices, fieldLabel, valueText,
                      same, formatDateTime};
})();
