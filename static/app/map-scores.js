/* Scores in the vacancy popups: feature.properties.scores =
 * {interim: 0-100, permanent: 0-100, recommendation, confidence: 0-1, profile_version} or null.
 * Feature check: nothing is shown while the register does not deliver `scores` at all. */
"use strict";

(function () {
  const {el, number, label} = Leerstand;

  function bar(text, value) {
    const pct = Math.max(0, Math.min(100, Number(value) || 0));
    return el("div", {className: "score"},
      el("span", {className: "score-label"}, text + ": " + number.format(pct) + " von 100"),
      el("meter", {min: 0, max: 100, value: pct, "aria-hidden": "true"}));
  }

  const pointsText = (part) => part ? number.format(part.points) + " Punkte × Gewicht " +
    number.format(part.weight) : "–";

  /** The explained score from GET /api/v1/vacancies/{id}/score, as German text nodes. */
  function breakdown(data) {
    const rows = data.criteria.filter((c) => !c.missing).map((c) => el("tr", {},
      el("th", {scope: "row"}, c.label), el("td", {}, c.display == null ? "" : String(c.display)),
      el("td", {}, pointsText(c.interim)), el("td", {}, pointsText(c.permanent))));
    const missing = data.missing_facts || [];
    return el("div", {className: "score-breakdown"},
      el("p", {className: "recommendation"}, data.recommendation_label || ""),
      el("p", {}, data.reason || ""),
      el("table", {className: "breakdown-table"},
        el("caption", {}, "So kommt die Bewertung zustande"),
        el("thead", {}, el("tr", {}, el("th", {scope: "col"}, "Kriterium"), el("th", {scope: "col"}, "Angabe"),
          el("th", {scope: "col"}, label("score", "interim")), el("th", {scope: "col"}, label("score", "permanent")))),
        el("tbody", {}, rows)),
      missing.length ? el("p", {className: "missing-facts"}, "Fehlende Angaben (nicht mitgerechnet): " +
        missing.map((m) => m.label).join(", ") + ".") : null);
  }

  function detailsButton(feature) {
    const target = el("div", {className: "score-details", "aria-live": "polite"});
    const button = el("button", {type: "button", className: "score-more"}, "Bewertung im Detail");
    button.addEventListener("click", async () => {
      button.disabled = true;
      target.textContent = "Wird geladen …";
      try {
        const {data} = await Leerstand.api("/api/v1/vacancies/" + encodeURIComponent(feature.id) + "/score");
        target.replaceChildren(breakdown(data));
        button.hidden = true;
        Leerstand.refreshPopup();
      } catch (error) {
        target.textContent = Leerstand.fieldErrors(error, null).map((e) => e.message).join(" ");
        button.disabled = false;
      }
    });
    return [button, target];
  }

  function scoreSection(feature) {
    const p = feature.properties;
    if (!("scores" in p)) return null;  // register without scoring
    if (p.scores === null) return el("p", {className: "muted"}, "Noch nicht bewertet.");
    const s = p.scores;
    return el("section", {className: "scores", "aria-label": "Bewertung"},
      el("p", {className: "recommendation"}, label("recommendation", s.recommendation)),
      bar("Eignung Zwischennutzung", s.interim), bar("Eignung Nachnutzung", s.permanent),
      el("p", {className: "muted"}, "Verlässlichkeit " + number.format(Math.round((s.confidence || 0) * 100)) +
        " % (Bewertungsprofil " + s.profile_version + ")"),
      detailsButton(feature));
  }

  // right after the facts, before the sections of scripts that ran earlier (the exposé link)
  Leerstand.popupSections.unshift(scoreSection);
  Leerstand.scoreSection = scoreSection;
  Leerstand.scoreBreakdown = breakdown;
})();
