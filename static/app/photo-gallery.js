/* The photo gallery of the vacancy open in the staff editor: thumbnails in their order, upload
 * of several photos (with progress), caption (saved on change), order ("nach vorn" / "nach
 * hinten"), cover (radio), approval of a citizen's photo ("freigeben"), delete after a
 * confirmation in the page. Only the photo API: GET /api/v1/vacancies/{id}/photos,
 * POST (multipart) there, PATCH and DELETE /api/v1/photos/{id}; its errors shown in German.
 * map-staff.js announces the open vacancy with the event "leerstand:editor". */
"use strict";

(function () {
  const section = document.getElementById("photo-gallery");
  if (!section) return;
  const {api, el} = Leerstand;
  const config = JSON.parse(document.getElementById("leerstand-page").textContent);
  const form = document.getElementById("photo-upload");
  const input = document.getElementById("gallery-files");
  const list = document.getElementById("gallery-list");
  const status = document.getElementById("gallery-status");
  const progress = document.getElementById("gallery-progress");
  let vacancyId = null;
  let photos = [];

  const germanOf = (error) => Leerstand.fieldErrors(error, null).map((e) => e.message).join(" ");
  const photoUrl = (photo) => "/api/v1/photos/" + encodeURIComponent(photo.id);
  const say = (text) => { status.textContent = text; };
  const photoCount = (n) => n === 1 ? "1 Foto" : Leerstand.number.format(n) + " Fotos";

  // ---- reading --------------------------------------------------------------------------
  async function load() {
    if (vacancyId === null) return;
    const asked = vacancyId;
    try {
      const {data} = await api("/api/v1/vacancies/" + encodeURIComponent(asked) + "/photos");
      if (asked !== vacancyId) return;  // another vacancy was opened meanwhile
      photos = data.photos;
      render();
    } catch (error) {
      say("Die Fotos konnten nicht geladen werden: " + germanOf(error));
    }
  }

  function render() {
    list.replaceChildren(...photos.map(item));
    if (!photos.length) say("Noch keine Fotos.");
  }

  /** "Foto 2 (Schaufenster)": how the controls of one photo are named for screen readers. */
  function name(photo, index) {
    return "Foto " + (index + 1) + (photo.caption ? " (" + photo.caption + ")" : "");
  }

  function item(photo, index) {
    const id = "gallery-" + photo.id;
    const image = el("img", {loading: "lazy", src: photo.thumbnail_url, alt: name(photo, index),
                             width: 120, height: Math.max(1, Math.round(120 * photo.height / photo.width))});
    const caption = el("input", {type: "text", id: id + "-caption", maxLength: 300,
                                 value: photo.caption || "", autocomplete: "off"});
    caption.addEventListener("change", () => saveCaption(photo, caption));
    caption.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); saveCaption(photo, caption); }
    });
    const cover = el("input", {type: "radio", name: "gallery-cover", id: id + "-cover",
                               checked: photo.is_cover});
    cover.addEventListener("change", () => { if (cover.checked) patch(photo, {is_cover: true}, "Titelfoto gewählt."); });
    const earlier = el("button", {type: "button", className: "gallery-earlier", disabled: index === 0,
                                  "aria-label": name(photo, index) + " nach vorn"}, "nach vorn");
    const later = el("button", {type: "button", className: "gallery-later", disabled: index === photos.length - 1,
                                "aria-label": name(photo, index) + " nach hinten"}, "nach hinten");
    earlier.addEventListener("click", () => move(photo, index - 1, "earlier"));
    later.addEventListener("click", () => move(photo, index + 1, "later"));
    return el("li", {className: "gallery-item", dataset: {id: photo.id}},
      image,
      el("div", {className: "gallery-controls"},
        el("label", {for: caption.id}, "Bildunterschrift"), caption,
        el("label", {className: "gallery-check"}, cover, " Titelfoto"),
        photo.from_report ? approval(photo, id) : null,
        el("div", {className: "panel-actions"}, earlier, later, removal(photo, index))));
  }

  /** A citizen's photo: public only once approved. */
  function approval(photo, id) {
    const box = el("input", {type: "checkbox", id: id + "-approved", checked: photo.approved});
    box.addEventListener("change", () => patch(photo, {approved: box.checked},
      box.checked ? "Foto freigegeben." : "Freigabe zurückgenommen."));
    return el("label", {className: "gallery-check"}, box, " freigeben (Foto aus einer Meldung)");
  }

  function removal(photo, index) {
    const remove = el("button", {type: "button", className: "gallery-delete",
                                 "aria-label": name(photo, index) + " löschen"}, "Löschen");
    // deleting asks first, in the page (no browser dialog): "Ja, löschen" or "Abbrechen"
    const confirm = el("p", {className: "gallery-confirm", hidden: true}, "Dieses Foto wirklich löschen? ");
    const yes = el("button", {type: "button"}, "Ja, löschen");
    const no = el("button", {type: "button"}, "Abbrechen");
    confirm.append(yes, " ", no);
    remove.addEventListener("click", () => { remove.hidden = true; confirm.hidden = false; yes.focus(); });
    no.addEventListener("click", () => { confirm.hidden = true; remove.hidden = false; remove.focus(); });
    yes.addEventListener("click", () => removePhoto(photo, index));
    return el("span", {}, remove, confirm);
  }

  // ---- writing --------------------------------------------------------------------------
  async function patch(photo, changes, done) {
    try {
      const {data} = await api(photoUrl(photo), {method: "PATCH", csrf: config.csrf, body: changes});
      Object.assign(photo, data);
      if (changes.is_cover) for (const other of photos) other.is_cover = other.id === photo.id;
      say(done);
      return true;
    } catch (error) {
      say("Nicht gespeichert: " + germanOf(error));
      await load();
      return false;
    }
  }

  async function saveCaption(photo, field) {
    const caption = field.value.trim();
    if (caption === (photo.caption || "")) return;
    if (await patch(photo, {caption: caption || null}, "Bildunterschrift gespeichert.")) {
      field.closest("li").querySelector("img").alt = name(photo, photos.indexOf(photo));
    }
  }

  /** Focus back on the moved photo's button of the same direction (or the other one at an end). */
  function focusAfterMove(photo, direction) {
    const li = list.querySelector('li[data-id="' + photo.id + '"]');
    if (!li) return;
    const same = li.querySelector(direction === "earlier" ? ".gallery-earlier" : ".gallery-later");
    const other = li.querySelector(direction === "earlier" ? ".gallery-later" : ".gallery-earlier");
    (same.disabled ? other : same).focus();
  }

  async function move(photo, position, direction) {
    try {
      await api(photoUrl(photo), {method: "PATCH", csrf: config.csrf, body: {position}});
      await load();
      say("Reihenfolge gespeichert: jetzt Foto " + (position + 1) + " von " + photos.length + ".");
      focusAfterMove(photo, direction);
    } catch (error) {
      say("Nicht verschoben: " + germanOf(error));
    }
  }

  async function removePhoto(photo, index) {
    try {
      await api(photoUrl(photo), {method: "DELETE", csrf: config.csrf});
      await load();
      say("Foto gelöscht. " + (photos.length ? photoCount(photos.length) + " übrig." : "Keine Fotos mehr."));
      const next = list.querySelectorAll(".gallery-delete")[Math.min(index, photos.length - 1)];
      (next || input).focus();
    } catch (error) {
      say("Nicht gelöscht: " + germanOf(error));
    }
  }

  /** One file as multipart/form-data; XMLHttpRequest, because fetch reports no upload progress. */
  function send(file, onProgress) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", "/api/v1/vacancies/" + encodeURIComponent(vacancyId) + "/photos");
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("X-CSRF-Token", config.csrf);
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      request.addEventListener("load", () => {
        let body = null;
        try { body = JSON.parse(request.responseText); } catch (e) { body = {detail: request.responseText}; }
        if (request.status === 201) resolve(body);
        else reject(new Leerstand.ApiError(request.status, body));
      });
      request.addEventListener("error", () => reject(new Error("network")));
      const body = new FormData();
      body.append("file", file, file.name);
      request.send(body);
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = Array.from(input.files);
    if (!files.length) { say("Bitte zuerst Fotos wählen."); input.focus(); return; }
    const problems = [];
    let sent = 0;
    progress.hidden = false;
    for (const [i, file] of files.entries()) {
      const step = "Foto " + (i + 1) + " von " + files.length + " (" + file.name + ")";
      const show = (share) => {
        progress.value = Math.round(((i + share) / files.length) * 100);
        say(step + " wird hochgeladen … " + Math.round(share * 100) + " %");
      };
      show(0);
      try {
        await send(file, show);
        sent += 1;
      } catch (error) {
        problems.push(file.name + ": " + (error instanceof Leerstand.ApiError ? germanOf(error) :
          "Keine Verbindung zum Server."));
      }
    }
    progress.value = 100;
    progress.hidden = true;
    form.reset();
    await load();
    say(photoCount(sent) + " hochgeladen." + (problems.length ? " Nicht hochgeladen: " + problems.join(" ") : ""));
  });

  document.addEventListener("leerstand:editor", (event) => {
    vacancyId = event.detail.id;
    section.hidden = vacancyId === null;  // a vacancy not yet saved has no photos
    photos = [];
    list.replaceChildren();
    form.reset();
    progress.hidden = true;
    say("");
    load();
  });
})();
