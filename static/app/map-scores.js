/* Scores in the vacancy popups (issue 3 contract): feature.properties.scores =
 * {interim: 0-100, permanent: 0-100, recommendation, confidence: 0-1, profile_version} or null.
 * Feature check: nothing is shown while the register does not deliver `scores` at all. */
"use strict";

(function () {
  const {el, number} = Leerstand;
  const RECOMMENDATION = {
    interim: "Zwischennutzung empfohlen", permanent: "dauerhafte Nachnutzung empfohlen",
    conversion: "Umnutzung prüfen (z. B. Wohnen, Praxis)", insufficient_data: "zu wenige Angaben für eine Empfehlung",
  };

  function bar(label, value) {
    const pct = Math.max(0, Math.min(100, Number(value) || 0));
    return el("div", {className: "score"},
      el("span", {className: "score-label"}, label + ": " + number.format(pct) + " von 100"),
      el("meter", {min: 0, max: 100, value: pct, "aria-hidden": "true"}));
  }

  function scoreSection(feature) {
    const p = feature.properties;
    if (!("scores" in p)) return null;  // register without scoring
    if (p.scores === null) return el("p", {className: "muted"}, "Noch nicht bewertet.");
    const s = p.scores;
    return el("section", {className: "scores", "aria-label": "Bewertung"},
      el("p", {className: "recommendation"}, RECOMMENDATION[s.recommendation] || String(s.recommendation)),
      bar("Eignung Zwischennutzung", s.interim), bar("Eignung Nachnutzung", s.permanent),
      el("p", {className: "muted"}, "Verlässlichkeit " + number.format(Math.round((s.confidence || 0) * 100)) +
        " % (Bewertungsprofil " + s.profile_version + ")"));
  }

  Leerstand.popupSections.push(scoreSection);
  Leerstand.scoreSection = scoreSection;
})();
