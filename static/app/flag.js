/* "Melden" on a published idea (the map's cards and the idea's own page /vorschlaege/{id}): a
 * small inline form that posts to POST /api/v1/proposals/{id}/flags (docs/participation.md).
 * The reasons and their German labels come from the server's label table (flag_reason).
 * User text reaches the page only through textContent (Leerstand.el). */
"use strict";

(function () {
  const {el, api, label} = Leerstand;
  const COMMENT_MAX = 1000;  // app/proposals/schemas.py FlagCreate.comment
  const THANKS = "Danke, die Stadtverwaltung sieht sich das an.";
  const ALREADY = "Sie haben diese Idee schon gemeldet.";
  let serial = 0;  // the same idea may be shown twice (list and popup): ids stay unique

  function reasonChoices(name) {
    return Object.keys(Leerstand.labels.flag_reason || {}).map((value) =>
      el("label", {className: "check flag-reason"},
        el("input", {type: "radio", name, value}), " ", label("flag_reason", value)));
  }

  /** The button "Melden" and its form (hidden until the button is pressed), for idea ``p``. */
  Leerstand.flagBox = function (p, csrf) {
    const id = "flag-" + p.id + "-" + (++serial);
    const alert = el("p", {className: "form-alert", role: "alert", hidden: true});
    const comment = el("textarea", {id: id + "-comment", name: "comment", rows: 2, maxLength: COMMENT_MAX});
    const cancel = el("button", {type: "button", className: "flag-cancel"}, "Abbrechen");
    const form = el("form", {className: "flag-form edit-form", id, hidden: true, noValidate: true,
                             "aria-label": "Idee melden"},
      el("fieldset", {}, el("legend", {}, "Warum melden Sie diese Idee?"), reasonChoices(id + "-reason")),
      el("label", {for: comment.id}, "Bemerkung (freiwillig, höchstens " +
        Leerstand.number.format(COMMENT_MAX) + " Zeichen)"),
      comment, alert,
      el("div", {className: "panel-actions"},
        el("button", {type: "submit", className: "flag-send"}, "Meldung senden"), cancel));
    const button = el("button", {type: "button", className: "flag-button", "aria-expanded": "false",
                                 "aria-controls": id}, "Melden");
    const note = el("span", {className: "flag-note", role: "status"});
    const radios = () => [...form.querySelectorAll('input[type="radio"]')];

    function showAlert(text) {
      alert.textContent = text;
      alert.hidden = !text;
    }

    function open() {
      form.hidden = false;
      button.setAttribute("aria-expanded", "true");
      note.textContent = "";
      showAlert("");
      radios()[0].focus();
    }

    function close() {
      form.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }

    button.addEventListener("click", () => (form.hidden ? open() : close()));
    cancel.addEventListener("click", close);
    form.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.stopPropagation();  // the map would close the popup the form stands in
      close();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = radios().find((r) => r.checked);
      if (!chosen) {
        showAlert("Bitte wählen Sie einen Grund.");
        radios()[0].focus();
        return;
      }
      const body = {reason: chosen.value};
      if (comment.value.trim() !== "") body.comment = comment.value.trim();
      try {
        await api("/api/v1/proposals/" + p.id + "/flags", {method: "POST", body, csrf});
        form.reset();
        note.textContent = THANKS;
        close();
      } catch (error) {
        if (error.status === 409) {
          note.textContent = ALREADY;
          close();
        } else {
          showAlert(Leerstand.fieldErrors(error, form).map((e) => e.message).join(" "));
        }
      }
    });
    return el("div", {className: "flag"}, el("p", {}, button, " ", note), form);
  };

  // the idea's own page: a box marked data-flag-proposal gets its button (no inline script)
  document.querySelectorAll("[data-flag-proposal]").forEach((box) => {
    box.append(Leerstand.flagBox({id: Number(box.dataset.flagProposal)}, box.dataset.csrf));
  });
})();
