/* The staff home /verwaltung: "Noch aktuell" on a record due for re-checking posts
 * POST /api/v1/vacancies/{id}/verify with the version shown (a stale one gives 409), then
 * takes the record off the list and counts down, without a reload. The status line is a live
 * region; focus moves to the next record's button. */
"use strict";

(function () {
  const {api, number} = Leerstand;
  const list = document.querySelector(".recheck-list");
  if (!list) return;
  const status = document.getElementById("recheck-status");
  const counter = document.getElementById("recheck-count");
  const csrf = list.dataset.csrf;

  function say(text) { status.textContent = text; }

  async function verify(item, button) {
    const title = item.querySelector(".recheck-title").textContent;
    button.disabled = true;
    try {
      await api("/api/v1/vacancies/" + item.dataset.vacancy + "/verify", {
        method: "POST", csrf, body: {version: Number(item.dataset.version)}});
    } catch (error) {
      button.disabled = false;
      say(error.status === 409
        ? "„" + title + "“ wurde inzwischen geändert. Bitte laden Sie die Seite neu."
        : "„" + title + "“ konnte nicht bestätigt werden (" + (error.status || "keine Verbindung") + ").");
      return;
    }
    const next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    const left = Math.max(Number(counter.dataset.count) - 1, 0);
    counter.dataset.count = String(left);
    counter.textContent = number.format(left);
    say("„" + title + "“ ist als noch aktuell bestätigt. Noch " + number.format(left) + " offen.");
    const focus = next && next.querySelector("button.verify");
    if (focus) focus.focus();
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button.verify");
    if (button) verify(button.closest("li"), button);
  });
})();
