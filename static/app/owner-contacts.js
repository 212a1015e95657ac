/* The owner dialogue on the staff map: the contacts log of the vacancy open in the editor
 * (newest first), a form to log a contact, delete after a confirmation in the page. Private to the town's staff;
 * the API is /api/v1/vacancies/{id}/owner-contacts. map-staff.js announces the open vacancy
 * with the event "leerstand:editor". */
"use strict";

(function () {
  const section = document.getElementById("owner-contacts");
  if (!section) return;
  const {api, el} = Leerstand;
  const config = JSON.parse(document.getElementById("leerstand-page").textContent);
  const form = document.getElementById("owner-contact-form");
  const list = document.getElementById("owner-contact-list");
  const status = document.getElementById("owner-contact-status");
  const labels = (table, value) => (Leerstand.labels[table] || {})[value] || value;
  let vacancyId = null;

  const today = () => {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  };
  const url = (suffix = "") => "/api/v1/vacancies/" + encodeURIComponent(vacancyId) +
    "/owner-contacts" + suffix;
  const germanOf = (error) => Leerstand.fieldErrors(error, null).map((e) => e.message).join(" ");

  function resetForm() {
    form.reset();
    Leerstand.clearErrors(form);
    form.elements.contacted_on.value = today();
  }

  function entryNode(entry) {
    const head = [Leerstand.formatDate(entry.contacted_on), labels("contact_channel", entry.channel),
                  labels("contact_outcome", entry.outcome)].join(" · ");
    const remove = el("button", {type: "button",
                                 "aria-label": "Kontakt vom " + Leerstand.formatDate(entry.contacted_on) + " löschen"},
                      "Löschen");
    // deleting asks first, in the page (no browser dialog): "Ja, löschen" or "Abbrechen"
    const confirm = el("p", {className: "owner-contact-confirm", hidden: true},
                       "Diesen Kontakt wirklich löschen? ");
    const yes = el("button", {type: "button"}, "Ja, löschen");
    const no = el("button", {type: "button"}, "Abbrechen");
    confirm.append(yes, " ", no);
    remove.addEventListener("click", () => { remove.hidden = true; confirm.hidden = false; yes.focus(); });
    no.addEventListener("click", () => { confirm.hidden = true; remove.hidden = false; remove.focus(); });
    yes.addEventListener("click", () => removeEntry(entry));
    return el("li", {dataset: {id: entry.id}},
      el("strong", {}, head),
      entry.person ? el("p", {}, "Gesprächspartner: " + entry.person) : null,
      entry.note ? el("p", {className: "owner-contact-note"}, entry.note) : null,
      remove, confirm);
  }

  async function load() {
    if (vacancyId === null) return;
    try {
      const {data} = await api(url());
      list.replaceChildren(...data.entries.map(entryNode));
      status.textContent = data.entries.length ? data.entries.length + " Kontakt" +
        (data.entries.length === 1 ? "" : "e") + " eingetragen." : "Noch kein Kontakt eingetragen.";
    } catch (error) {
      status.textContent = "Die Kontakte konnten nicht geladen werden: " + germanOf(error);
    }
  }

  async function removeEntry(entry) {
    try {
      await api(url("/" + encodeURIComponent(entry.id)), {method: "DELETE", csrf: config.csrf});
      await load();
      status.textContent = "Kontakt gelöscht.";
      form.elements.contacted_on.focus();
    } catch (error) {
      status.textContent = germanOf(error);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const e = form.elements;
    const problems = e.contacted_on.value ? [] : [{field: "contacted_on",
      message: "Bitte ein Datum angeben."}];
    if (problems.length) { Leerstand.showFieldErrors(form, problems); return; }
    const body = {contacted_on: e.contacted_on.value, channel: e.channel.value,
                  outcome: e.outcome.value, person: e.person.value.trim() || null,
                  note: e.note.value.trim() || null};
    try {
      await api(url(), {method: "POST", csrf: config.csrf, body});
      resetForm();
      await load();
      status.textContent = "Kontakt eingetragen. " + status.textContent;
    } catch (error) {
      Leerstand.showErrors(form, error);
    }
  });

  document.addEventListener("leerstand:editor", (event) => {
    vacancyId = event.detail.id;
    section.hidden = vacancyId === null;  // a vacancy not yet saved has no owner dialogue
    list.replaceChildren();
    status.textContent = "";
    resetForm();
    load();
  });
})();
