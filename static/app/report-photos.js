/* Photos with a citizen's report: after the report was sent (participation.js dispatches
 * "report-sent" on the form with the answer), each chosen photo goes to
 * POST /api/v1/reports/{id}/photos with the answer's upload token. The photos are checked and
 * re-encoded by the server (no EXIF, no GPS) and stay invisible until staff approve them. */
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  const input = document.getElementById("r-photos");
  const statusNode = document.getElementById("participate-status");
  if (!form || !input || !statusNode) return;
  const MAX_PHOTOS = 3;

  input.addEventListener("change", () => {
    const note = document.getElementById("r-photos-note");
    const tooMany = input.files.length > MAX_PHOTOS;
    note.textContent = tooMany ? "Bitte höchstens " + MAX_PHOTOS + " Fotos wählen; " +
      "die ersten " + MAX_PHOTOS + " werden gesendet." : "";
  });

  async function send(report, file) {
    const body = new FormData();
    body.append("file", file, file.name);
    body.append("upload_token", report.upload_token);
    const response = await fetch("/api/v1/reports/" + report.id + "/photos",
                                 {method: "POST", body, credentials: "same-origin",
                                  headers: {Accept: "application/json"}});
    if (response.ok) return null;
    let data = {};
    try { data = await response.json(); } catch (e) { /* not JSON: the generic message */ }
    return Leerstand.germanMessage(data.code, data.detail);
  }

  form.addEventListener("report-sent", async (event) => {
    const report = event.detail || {};
    const files = Array.from(input.files).slice(0, MAX_PHOTOS);  // before the form is reset
    if (!files.length || report.id === null || !report.upload_token) return;
    await null;  // participation.js writes its thanks right after this event
    const thanks = statusNode.textContent;
    statusNode.textContent = thanks + " Fotos werden übertragen …";
    const problems = [];
    let sent = 0;
    for (const file of files) {
      const problem = await send(report, file).catch(() => "Keine Verbindung zum Server.");
      if (problem) problems.push(file.name + ": " + problem); else sent += 1;
    }
    const count = sent === 1 ? "1 Foto wurde" : Leerstand.number.format(sent) + " Fotos wurden";
    statusNode.textContent = thanks + " " + count + " übertragen; die Verwaltung prüft sie vor " +
      "der Veröffentlichung." + (problems.length ? " Nicht übertragen: " + problems.join(" ") : "");
  });
})();
