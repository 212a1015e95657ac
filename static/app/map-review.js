/* Staff review on /verwaltung/{ags}: citizens' reports (confirm/reject), pending and flagged
 * proposals (publish/reject), and the matches of published proposals
 * (suggested → contacted → agreed/declined). API: docs/participation.md. Writes carry the
 * X-CSRF-Token header; user text only through textContent (Leerstand.el). */
"use strict";

Leerstand.reviewQueue = function (map, config, csrf, layer) {
  const {el, api, label, number, count} = Leerstand;
  const $ = (id) => document.getElementById(id);
  const statusNode = $("review-status");
  const say = (text) => { statusNode.textContent = text; };
  const germanOf = (error) => Leerstand.fieldErrors(error, null).map((e) => e.message).join(" ");
  const NEXT = {suggested: ["contacted", "declined"], contacted: ["agreed", "declined"],
                declined: ["suggested"], agreed: []};
  let seq = 0;

  function facts(rows) {
    return el("dl", {}, rows.filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
  }

  function button(text, onClick, className) {
    const b = el("button", {type: "button", className}, text);
    b.addEventListener("click", onClick);
    return b;
  }

  /** An item as a form: its reason field and alert box get the German field errors. */
  function item(kind, id, children, actions, rejectLabel, onReject) {
    const n = ++seq;
    const form = el("form", {className: "review-item edit-form", noValidate: true,
                             dataset: {kind, id: String(id)}},
      el("p", {className: "form-alert", role: "alert", hidden: true}), children);
    if (onReject) {
      form.append(el("label", {for: "reason-" + n}, "Begründung (für eine Ablehnung)"),
        el("input", {id: "reason-" + n, name: "reason", maxLength: 1000, autocomplete: "off"}));
    }
    const bar = el("div", {className: "actions"}, actions);
    if (onReject) bar.append(el("button", {type: "submit", className: "reject"}, rejectLabel));
    form.append(bar);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!onReject) return;
      const reason = form.elements.reason.value.trim();
      await act(form, () => onReject(reason || undefined));
    });
    return form;
  }

  async function act(form, call, done) {
    try {
      Leerstand.clearErrors(form);
      await call();
      if (done) say(done);
      await load();
    } catch (error) {
      Leerstand.showErrors(form, error);
    }
  }

  // ---- reports ------------------------------------------------------------------------------
  function reportItem(r) {
    const form = item("report", r.id, [
      el("strong", {className: "review-title"}, r.address || "ohne Adresse"),
      el("p", {className: "description"}, r.description || ""),
      facts([["Hinweis", r.hint],
             ["Rückmeldung", r.contactable ? "per E-Mail, sobald Sie entscheiden" : "keine (keine bestätigte E-Mail-Adresse)"],
             ["Eingegangen", Leerstand.formatDate(r.created_at)],
             ["Mögliche Doppelung", r.duplicates && r.duplicates.length ?
               r.duplicates.map((d) => Leerstand.address(d) + " (" + number.format(Math.round(d.distance_m)) + " m)").join("; ") : null]]),
    ], [
      button("Als leer bestätigen", () => confirm(form, r, "vacant"), "confirm"),
      button("Als drohend bestätigen", () => confirm(form, r, "threatened")),
      button("In der Karte zeigen", () => {
        const [lon, lat] = r.location.coordinates;
        map.setView([lat, lon], Math.max(map.getZoom(), 17));
      }),
    ], "Ablehnen", (reason) => api("/api/v1/reports/" + r.id + "/reject",
                                   {method: "POST", csrf, body: {reason}}).then(() => {
      say(label("vacancy_status", "rejected") + ": " + (r.address || r.id) + ".");  // the report's new status
    }));
    return el("li", {}, form);
  }

  async function confirm(form, r, status) {
    await act(form, () => api("/api/v1/reports/" + r.id + "/confirm", {method: "POST", csrf, body: {status}}),
              "Meldung bestätigt: " + (r.address || r.id) + ". Sie ist jetzt auf der öffentlichen Karte.");
    layer.load();  // the confirmed report has a new version and status
  }

  // ---- proposals ----------------------------------------------------------------------------
  function proposalFacts(p) {
    return [
      el("strong", {className: "review-title"}, p.title),
      el("p", {className: "description"}, p.description),
      facts([["Art", label("category", p.category)], ["Name (öffentlich)", p.display_name],
             ["Antwort möglich", p.contactable ? "ja, über „Kontakt aufnehmen“" : "nein (keine bestätigte E-Mail-Adresse)"],
             ["Für Laden", p.vacancy_id ? (p.vacancy_address || "ohne Adresse") : null],
             ["Umkreis", p.radius_m ? number.format(p.radius_m) + " m" : null],
             ["Passt zu", count(p.fits_count, "Leerstand", "Leerständen")],
             ["Eingegangen", Leerstand.formatDate(p.created_at)]]),
    ];
  }

  // "Kontakt aufnehmen": the message goes to the author's confirmed address, which nobody sees
  // here; the reply comes to the staff member's own address (POST /api/v1/proposals/{id}/contact)
  const contact = $("contact-dialog");
  let contactFor = null;
  if (contact) {
    const form = contact.querySelector("form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const subject = form.elements.subject.value.trim(), message = form.elements.message.value.trim();
      if (!subject || !message) {
        Leerstand.showFieldErrors(form, [!subject && {field: "subject", message: "Bitte geben Sie einen Betreff ein."},
          !message && {field: "message", message: "Bitte schreiben Sie eine Nachricht."}].filter(Boolean));
        return;
      }
      try {
        Leerstand.clearErrors(form);
        await api("/api/v1/proposals/" + contactFor.id + "/contact", {method: "POST", csrf, body: {subject, message}});
        contact.close();
        say("Nachricht verschickt zum Vorschlag „" + contactFor.title + "“.");
      } catch (error) {
        Leerstand.showErrors(form, error);
      }
    });
    form.querySelector(".contact-cancel").addEventListener("click", () => contact.close());
  }

  /** On an idea, or on one of its matches: then about that shop, its address in the subject
   *  (staff see and may change it before sending). */
  function contactButton(p, match = null) {
    const shop = match ? Leerstand.address(match.vacancy || {}) : null;
    const b = button("Kontakt aufnehmen", () => {
      contactFor = p;
      const form = contact.querySelector("form");
      form.reset();
      Leerstand.clearErrors(form);
      $("contact-for").textContent = "Zum Vorschlag „" + p.title + "“" + (shop ? " und dem Laden " + shop : "") +
        ". Die Antwort kommt an Ihre eigene E-Mail-Adresse.";
      if (shop) form.elements.subject.value = ("Ein Laden für Ihre Idee „" + p.title + "“: " + shop).slice(0, form.elements.subject.maxLength);
      contact.showModal();
      form.elements.subject.focus();
    }, shop ? "contact contact-match" : "contact");
    if (shop) b.setAttribute("aria-label", "Kontakt aufnehmen wegen " + shop);
    return b;
  }

  const decide = (p, what, body) => api("/api/v1/proposals/" + p.id + "/" + what, {method: "POST", csrf, body});

  function pendingItem(p) {
    let form;
    form = item("proposal", p.id, proposalFacts(p), [
      button("Veröffentlichen", () => act(form, () => decide(p, "publish"),
                                          "Vorschlag veröffentlicht: " + p.title + "."), "publish"),
      ...(contact && p.contactable ? [contactButton(p)] : []),
    ], "Ablehnen", (reason) => decide(p, "reject", {reason}).then(() => say("Vorschlag abgelehnt.")));
    return el("li", {}, form);
  }

  function flaggedItem(p) {
    let form;
    const flags = el("ul", {className: "flags"}, (p.flags || []).map((f) =>
      el("li", {}, label("flag_reason", f.reason) + (f.comment ? ": " + f.comment : ""))));
    form = item("flagged", p.id, [...proposalFacts(p), el("p", {}, "Gemeldet als:"), flags], [
      button("Behalten (veröffentlicht lassen)", () => act(form, () => decide(p, "publish"),
                                                       "Vorschlag bleibt veröffentlicht."), "publish"),
    ], "Ablehnen", (reason) => decide(p, "reject", {reason}).then(() => say("Vorschlag abgelehnt.")));
    return el("li", {}, form);
  }

  // ---- matches ------------------------------------------------------------------------------
  function publishedItem(p) {
    const box = el("div", {className: "matches"});
    const form = item("published", p.id, [
      el("strong", {className: "review-title"}, p.title),
      el("p", {className: "muted"}, label("category", p.category) + " · " +
        count(p.support_count, "Unterstützung", "Unterstützungen") + " · passt zu " +
        count(p.fits_count, "Leerstand", "Leerständen")), box,
    ], [button("Passende Leerstände", () => showMatches(p, box, form), "show-matches"),
        ...(contact && p.contactable ? [contactButton(p)] : []),
        button("Als verwirklicht markieren", () => settle(form, p, "realise",
          "Die Idee „" + p.title + "“ wurde verwirklicht. Danke!"), "realise"),
        button("Zurückziehen", () => settle(form, p, "withdraw",
          "Die Idee „" + p.title + "“ ist zurückgezogen und nicht mehr öffentlich."), "withdraw")]);
    form.querySelector(".review-title").replaceChildren(
      el("a", {href: "/vorschlaege/" + p.id}, p.title));
    return el("li", {}, form);
  }

  /** Realise or withdraw a published idea: final steps, so asked first. */
  async function settle(form, p, action, done) {
    const question = action === "realise" ? "„" + p.title + "“ als verwirklicht markieren?"
      : "„" + p.title + "“ zurückziehen? Sie verschwindet von der öffentlichen Karte.";
    if (!await Leerstand.ask(question + " Das lässt sich nicht rückgängig machen.",
                             action === "realise" ? "Verwirklicht" : "Zurückziehen")) return;
    await act(form, () => api("/api/v1/proposals/" + p.id + "/" + action, {method: "POST", csrf}), done);
  }

  /** The shop the author chose, when it fails the idea's hard filters: listed with the reasons. */
  function pinnedItem(p) {
    const fit = p.pinned_fit;
    if (!fit || fit.fits) return [];
    return [el("li", {className: "match pinned-unfit", dataset: {vacancyId: fit.vacancy_id}},
      el("strong", {}, el("a", {href: "#leerstand-" + fit.vacancy_id}, p.vacancy_address || "Gewählter Laden")),
      " – vom Verfasser gewählt, passt nicht:",
      el("p", {className: "muted"}, fit.reasons.map((r) => r.de).join(" ")))];
  }

  async function showMatches(p, box, form) {
    try {
      const {data} = await api("/api/v1/proposals/" + p.id + "/matches?limit=20");
      const rows = (data.matches || []).map((m) => el("li", {className: "match", dataset: {vacancyId: m.vacancy_id}},
        el("strong", {}, el("a", {href: "#leerstand-" + m.vacancy_id}, Leerstand.address(m.vacancy || {}))),
        " – " + number.format(m.score) + " Punkte – ",
        el("span", {className: "match-state"}, label("match_state", m.state)),
        el("p", {className: "muted"}, m.reasons.map((r) => r.de + (r.points ? " (+" + r.points + ")" : "")).join("; ")),
        el("div", {className: "actions"}, NEXT[m.state].map((state) => button(label("match_action", state), async () => {
          try {
            await api("/api/v1/matches", {method: "POST", csrf,
                                          body: {proposal_id: p.id, vacancy_id: m.vacancy_id, state}});
            say("Stand gespeichert: " + Leerstand.address(m.vacancy || {}) + " – " + label("match_state", state) + ".");
            await showMatches(p, box, form);
          } catch (error) {
            Leerstand.showErrors(form, error);
          }
        }, "match-" + state)), contact && p.contactable ? contactButton(p, m) : null)));
      const pinned = pinnedItem(p);
      box.replaceChildren(rows.length || pinned.length ? el("ul", {className: "review-list"}, pinned, rows) :
        el("p", {className: "muted"}, "Kein Leerstand passt zu diesem Vorschlag."));
    } catch (error) {
      Leerstand.showErrors(form, error);
    }
  }

  // ---- loading ------------------------------------------------------------------------------
  function fill(listId, items, empty) {
    $(listId).replaceChildren(...(items.length ? items : [el("li", {className: "muted"}, empty)]));
  }

  async function load() {
    try {
      const ags = encodeURIComponent(config.ags);
      const [{data: queue}, {data: published}] = await Promise.all([
        api("/api/v1/review?municipality=" + ags),
        api("/api/v1/proposals?status=published&limit=100&municipality=" + ags)]);
      fill("review-reports", queue.reports.map(reportItem), "Keine offenen Meldungen.");
      fill("review-pending", queue.pending_proposals.map(pendingItem), "Keine neuen Vorschläge.");
      fill("review-flagged", queue.flagged_proposals.map(flaggedItem), "Keine gemeldeten Vorschläge.");
      fill("review-published", published.proposals.map(publishedItem), "Noch keine veröffentlichten Vorschläge.");
      $("review-count").textContent = number.format(queue.reports.length + queue.pending_proposals.length +
        queue.flagged_proposals.length) + " offen";
    } catch (error) {
      say("Die Prüfliste konnte nicht geladen werden: " + germanOf(error));
    }
  }

  load();
  return {load};
};
