/* The staff map's links and data tools (/verwaltung/{ags}):
 *  - the fragment opens a record: #leerstand-{id} the vacancy in the editor (and the map there),
 *    #idee-{id} the idea in the review list, #pruefen the review list (links of the staff home,
 *    the daily digest and the matches);
 *  - "Datei importieren": POST /api/v1/import/vacancies, first as a dry run whose report is
 *    shown per row, then for real;
 *  - "Daten einer Person löschen": POST /api/v1/privacy/erase (the address goes in the body).
 * User text only through textContent (Leerstand.el). */
"use strict";

/** Ask before a step that cannot be undone, in a modal <dialog> (keyboard: the safe choice has
 *  the focus, Escape cancels). Resolves to true only for the confirming button. */
Leerstand.ask = function (question, yes) {
  const {el} = Leerstand;
  return new Promise((resolve) => {
    const cancel = el("button", {type: "button", className: "ask-cancel"}, "Abbrechen");
    const confirm = el("button", {type: "button", className: "ask-confirm"}, yes);
    const dialog = el("dialog", {className: "ask", role: "alertdialog"},
      el("p", {className: "ask-question"}, question),
      el("div", {className: "panel-actions"}, confirm, cancel));
    dialog.setAttribute("aria-label", question);
    const done = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    confirm.addEventListener("click", () => done(true));
    cancel.addEventListener("click", () => done(false));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
};

Leerstand.staffTools = function (map, config, csrf, layer) {
  const {el, api, number} = Leerstand;
  const $ = (id) => document.getElementById(id);
  const germanOf = (error) => Leerstand.fieldErrors(error, null).map((e) => e.message).join(" ") ||
    "Das hat nicht geklappt.";

  // ---- links into the page ------------------------------------------------------------------
  function focusOn(node) {
    if (!node) return;
    if (!node.hasAttribute("tabindex")) node.tabIndex = -1;
    node.scrollIntoView({block: "start"});
    node.focus({preventScroll: true});
  }

  async function openVacancy(id) {
    try {
      const {data} = await api("/api/v1/vacancies/" + id);
      const [lon, lat] = data.geometry.coordinates;
      map.setView([lat, lon], Math.max(map.getZoom(), 17));
      await layer.openRecord(id);
    } catch (error) {
      $("map-status").textContent = "Dieser Leerstand ist nicht (mehr) da: " + germanOf(error);
    }
  }

  /** The review list is drawn after its data arrived: wait for the idea's entry a little. */
  function openIdea(id, tries = 40) {
    const entry = document.querySelector('#review form[data-id="' + id + '"]');
    if (entry) { focusOn(entry); return; }
    if (tries > 0) setTimeout(() => openIdea(id, tries - 1), 100);
    else $("review-status").textContent = "Diese Idee steht nicht (mehr) in der Prüfliste.";
  }

  function follow() {
    const hash = decodeURIComponent(location.hash.slice(1));
    let match;
    if ((match = /^leerstand-(\d{1,10})$/.exec(hash))) openVacancy(Number(match[1]));
    else if ((match = /^idee-(\d{1,10})$/.exec(hash))) openIdea(match[1]);
    else if (hash === "pruefen") focusOn($("review-title"));
  }
  window.addEventListener("hashchange", follow);
  follow();

  // ---- import -------------------------------------------------------------------------------
  const importForm = $("import-form");
  const importStatus = $("import-status");
  const report = $("import-report");
  let checked = null;  // the file that passed its dry run (the real import needs it unchanged)

  function importCall(dryRun) {
    const file = importForm.elements.file.files[0];
    const body = new FormData();
    body.append("file", file, file.name);
    const params = new URLSearchParams({municipality: config.ags, dry_run: String(dryRun)});
    const crs = importForm.elements.crs.value.trim();
    if (crs) params.set("crs", crs);
    return fetch("/api/v1/import/vacancies?" + params, {
      method: "POST", body, credentials: "same-origin",
      headers: {Accept: "application/json", "X-CSRF-Token": csrf}});
  }

  function showReport(data) {
    const rows = (data.errors || []).map((problem) => el("tr", {},
      el("td", {}, problem.row ? number.format(problem.row) : "Datei"),
      el("td", {}, problem.field || "–"), el("td", {}, problem.reason)));
    const summary = data.dry_run ?
      "Probelauf für „" + data.file + "“: " + Leerstand.count(data.rows, "Zeile", "Zeilen") + ", " +
        (data.valid ? "alle in Ordnung. Sie können sie jetzt importieren."
                    : Leerstand.count(data.errors_total, "Problem", "Probleme") + " – nichts wird übernommen.") :
      "Importiert aus „" + data.file + "“: " + number.format(data.created) + " neu, " +
        number.format(data.updated) + " geändert, " + number.format(data.unchanged) + " unverändert.";
    report.replaceChildren(el("p", {}, summary),
      ...(data.warnings || []).map((w) => el("p", {className: "muted"}, w)),
      ...(rows.length ? [el("table", {className: "import-problems"},
        el("caption", {}, "Probleme je Zeile" + (data.errors_total > rows.length ?
          " (die ersten " + number.format(rows.length) + " von " + number.format(data.errors_total) + ")" : "")),
        el("thead", {}, el("tr", {}, el("th", {scope: "col"}, "Zeile"), el("th", {scope: "col"}, "Feld"),
                                     el("th", {scope: "col"}, "Problem"))),
        el("tbody", {}, rows))] : []));
  }

  async function runImport(dryRun) {
    const file = importForm.elements.file.files[0];
    if (!file) { importStatus.textContent = "Bitte zuerst eine Datei wählen."; return; }
    importStatus.textContent = dryRun ? "Die Datei wird geprüft …" : "Die Datei wird importiert …";
    let response;
    try { response = await importCall(dryRun); } catch (e) {
      importStatus.textContent = "Keine Verbindung zum Server."; return;
    }
    let data = {};
    try { data = await response.json(); } catch (e) { /* not JSON: the generic message below */ }
    if (!response.ok) {
      checked = null;
      $("import-run").disabled = true;
      importStatus.textContent = "Nicht importiert: " + Leerstand.germanMessage(data.code, data.detail);
      report.replaceChildren();
      return;
    }
    showReport(data);
    checked = dryRun && data.valid ? file : null;
    $("import-run").disabled = !checked;
    importStatus.textContent = dryRun ? "Probelauf beendet." : "Import beendet.";
    if (!dryRun) layer.load();
  }

  if (importForm) {
    importForm.elements.file.addEventListener("change", () => {
      checked = null;
      $("import-run").disabled = true;
      report.replaceChildren();
    });
    importForm.addEventListener("submit", (event) => { event.preventDefault(); runImport(true); });
    $("import-run").addEventListener("click", () => {
      if (checked && importForm.elements.file.files[0] === checked) runImport(false);
    });
  }

  // ---- erasure ------------------------------------------------------------------------------
  const eraseForm = $("erase-form");
  if (eraseForm) {
    eraseForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = eraseForm.elements.email;
      const email = input.value.trim();
      const statusNode = $("erase-status");
      Leerstand.clearErrors(eraseForm);
      if (!email) { statusNode.textContent = "Bitte die E-Mail-Adresse der Person eingeben."; input.focus(); return; }
      if (!await Leerstand.ask("Alle Kontaktdaten dieser Person in " + config.name +
                               " endgültig löschen? Das lässt sich nicht rückgängig machen.",
                               "Endgültig löschen")) return;
      try {
        const {data} = await api("/api/v1/privacy/erase", {method: "POST", csrf, body: {email}});
        input.value = "";  // the address is not kept in the page
        const total = data.report_contacts_deleted + data.proposal_contacts_deleted +
          data.report_photos_deleted + data.display_names_cleared + data.mail_addresses_deleted;
        statusNode.textContent = total ? "Gelöscht: " + [
          [data.report_contacts_deleted, "Kontakt zu Meldungen", "Kontakte zu Meldungen"],
          [data.report_photos_deleted, "Foto", "Fotos"],
          [data.proposal_contacts_deleted, "Kontakt zu Ideen", "Kontakte zu Ideen"],
          [data.display_names_cleared, "angezeigter Name", "angezeigte Namen"],
          [data.mail_addresses_deleted, "E-Mail-Anmeldung", "E-Mail-Anmeldungen"],
        ].filter(([n]) => n).map(([n, one, many]) => Leerstand.count(n, one, many)).join(", ") + "."
          : "Zu dieser E-Mail-Adresse gibt es hier keine Daten.";
      } catch (error) {
        Leerstand.showErrors(eraseForm, error);
        statusNode.textContent = "Nicht gelöscht: " + germanOf(error);
      }
    });
  }
};
