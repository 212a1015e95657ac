"""Photos through the HTTP API: upload, serve, order, cover, delete; refusals that store
nothing; citizens' report photos, hidden until staff confirm and approve; erasure."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import text

from tests.helpers import images
from tests.helpers.participation import SECRET_EMAIL, new_vacancy, report_body
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import bearer

PUBLIC_CACHE = "public, max-age=31536000, immutable"


def _photos(session) -> int:
    session.rollback()  # a fresh snapshot of what the app committed
    return session.execute(text("SELECT count(*) FROM photo")).scalar_one()


def _upload(client, vacancy_id: int, data: bytes, token: str | None, name: str = "foto.jpg",
            caption: str | None = None):
    headers = bearer(token) if token else {}
    form = {"caption": caption} if caption is not None else {}
    return client.post(f"/api/v1/vacancies/{vacancy_id}/photos", headers=headers, data=form,
                       files={"file": (name, data, "image/jpeg")})


def _image(response) -> Image.Image:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def _feature_photos(client, vacancy_id: int, headers=None) -> dict:
    response = client.get(f"/api/v1/vacancies/{vacancy_id}", headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()["properties"]["photos"]


def test_gps_exif_removed_and_orientation_applied(client, users):
    staff = users.token("staff", SCHMOELLN)
    vacancy = new_vacancy(client, staff)
    created = _upload(client, vacancy, images.gps_photo(), staff, caption="Schaufenster")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["approved"] and not body["from_report"] and body["caption"] == "Schaufenster"
    assert body["url"].endswith(f"/api/v1/photos/{body['id']}.jpg")
    for url in (body["url"], body["thumbnail_url"]):
        served = client.get(url)  # anonymous: the vacancy is public
        image = _image(served)
        assert dict(image.getexif()) == {}
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
        assert b"Testkamera" not in served.content
    sideways = _upload(client, vacancy, images.sideways_photo(), staff).json()
    assert (sideways["width"], sideways["height"]) == (200, 300)
    upright = _image(client.get(sideways["url"])).convert("RGB")
    assert upright.size == (200, 300)
    assert upright.getpixel((100, 40))[0] > 180 and upright.getpixel((100, 260))[2] > 180


def test_heic_from_a_phone_is_accepted(client, users, session):
    staff = users.token("staff", SCHMOELLN)
    vacancy = new_vacancy(client, staff)
    created = _upload(client, vacancy, images.heic(), staff, name="IMG_0001.HEIC")
    assert created.status_code == 201, created.text
    assert _image(client.get(created.json()["url"])).size == (320, 240)
    assert _photos(session) == 1


def test_bad_input_is_refused_and_nothing_stored(client, users, session, settings):
    staff = users.token("staff", SCHMOELLN)
    vacancy = new_vacancy(client, staff)
    jpeg = images.noisy_jpeg()
    too_big = b"\xff\xd8\xff" + b"\0" * (settings.photo_max_bytes - 2)  # limit + 1 byte
    cases = {
        "pdf renamed .jpg": (images.PDF, 415, "unsupported_image_type"),
        "svg": (images.SVG, 415, "unsupported_image_type"),
        "truncated jpeg": (jpeg[: len(jpeg) * 2 // 3], 422, "invalid_image"),
        "jpeg + zip polyglot": (jpeg + images.zip_file(), 422, "invalid_image"),
        "jpeg + html polyglot": (jpeg + b"<html><script>alert(1)</script>", 422, "invalid_image"),
        "50,000 x 50,000 png": (images.png_bomb(), 422, "image_too_large"),
        "animated gif": (images.animated_gif(), 422, "animated_image"),
        "10 MB + 1 byte": (too_big, 413, "payload_too_large"),
    }
    assert len(images.png_bomb()) < 1000
    for name, (data, status, code) in cases.items():
        refused = _upload(client, vacancy, data, staff)
        assert (refused.status_code, refused.json()["code"]) == (status, code), (name, refused.text)
        assert refused.json()["detail"]
        assert _photos(session) == 0, name
    # far over the limit: cut off by the body guard while it streams in
    huge = _upload(client, vacancy, b"\xff\xd8" + b"\0" * (settings.photo_max_bytes + 200_000), staff)
    assert (huge.status_code, huge.json()["code"]) == (413, "payload_too_large")
    long_caption = _upload(client, vacancy, jpeg, staff, caption="x" * 301)
    assert long_caption.status_code == 422
    assert _photos(session) == 0


def test_who_may_upload_and_the_limit_per_vacancy(client, users, session, settings):
    staff = users.token("staff", SCHMOELLN)
    vacancy = new_vacancy(client, staff)
    jena = users.token("staff", JENA)
    assert _upload(client, vacancy, images.photo(), None).status_code == 401
    assert _upload(client, vacancy, images.photo(), jena).status_code == 403
    assert _upload(client, vacancy, images.photo(), users.token("working_group")).status_code == 403
    assert _upload(client, 999999, images.photo(), staff).status_code == 404
    assert _photos(session) == 0
    for number in range(settings.photos_per_vacancy):
        assert _upload(client, vacancy, images.photo(color=(number * 20, 10, 10)),
                       staff).status_code == 201
    eleventh = _upload(client, vacancy, images.photo(), staff)
    assert (eleventh.status_code, eleventh.json()["code"]) == (409, "photo_limit")
    assert _photos(session) == settings.photos_per_vacancy
    assert _upload(client, vacancy, images.photo(), users.token("admin")).status_code == 409


def test_order_cover_caption_and_delete(client, users, session):
    staff = users.token("staff", SCHMOELLN)
    vacancy = new_vacancy(client, staff)
    assert _feature_photos(client, vacancy) == {"count": 0, "cover": None}
    ids = [_upload(client, vacancy, images.photo(color=(n * 60, 0, 0)), staff).json()["id"]
           for n in range(3)]
    listed = client.get(f"/api/v1/vacancies/{vacancy}/photos").json()["photos"]
    assert [p["id"] for p in listed] == ids and [p["position"] for p in listed] == [0, 1, 2]
    moved = client.patch(f"/api/v1/photos/{ids[2]}", json={"position": 0, "is_cover": True,
                                                          "caption": "Eingang"},
                         headers=bearer(staff))
    assert moved.status_code == 200, moved.text
    listed = client.get(f"/api/v1/vacancies/{vacancy}/photos").json()["photos"]
    assert [p["id"] for p in listed] == [ids[2], ids[0], ids[1]]
    assert [p["is_cover"] for p in listed] == [True, False, False]
    cover = _feature_photos(client, vacancy)
    assert cover == {"count": 3, "cover": {"url": f"/api/v1/photos/{ids[2]}.jpg",
                                           "thumbnail_url": f"/api/v1/photos/{ids[2]}/thumb.jpg",
                                           "caption": "Eingang", "width": 640, "height": 480}}
    client.patch(f"/api/v1/photos/{ids[1]}", json={"is_cover": True}, headers=bearer(staff))
    covers = [p["id"] for p in client.get(f"/api/v1/vacancies/{vacancy}/photos").json()["photos"]
              if p["is_cover"]]
    assert covers == [ids[1]]
    jena = users.token("staff", JENA)
    assert client.patch(f"/api/v1/photos/{ids[0]}", json={"caption": "x"},
                        headers=bearer(jena)).status_code == 403
    assert client.delete(f"/api/v1/photos/{ids[0]}", headers=bearer(jena)).status_code == 403
    assert client.delete(f"/api/v1/photos/{ids[0]}").status_code == 401
    assert client.delete(f"/api/v1/photos/{ids[1]}", headers=bearer(staff)).status_code == 204
    assert client.get(f"/api/v1/photos/{ids[1]}.jpg").status_code == 404
    left = client.get(f"/api/v1/vacancies/{vacancy}/photos").json()["photos"]
    assert [(p["id"], p["position"]) for p in left] == [(ids[2], 0), (ids[0], 1)]
    assert _feature_photos(client, vacancy)["cover"]["url"] == f"/api/v1/photos/{ids[2]}.jpg"
    assert _photos(session) == 2


def test_etag_304_and_caching(client, users):
    staff = users.token("staff", SCHMOELLN)
    public = new_vacancy(client, staff)
    photo = _upload(client, public, images.photo(), staff).json()
    first = client.get(photo["url"])
    assert first.headers["cache-control"] == PUBLIC_CACHE
    etag = first.headers["etag"]
    assert len(etag) == 66 and client.get(photo["thumbnail_url"]).headers["etag"] != etag
    again = client.get(photo["url"], headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(photo["url"], headers={"If-None-Match": '"other"'}).status_code == 200
    # a vacancy the public does not see: its photos are neither public nor cached
    reported = _report(client)["id"]  # an unchecked report: staff's photo of it stays private
    private = _upload(client, reported, images.photo(), staff).json()
    assert client.get(private["url"]).status_code == 404
    assert client.get(f"/api/v1/vacancies/{reported}/photos").status_code == 404
    seen = client.get(private["url"], headers=bearer(staff))
    assert seen.status_code == 200 and "no-store" in seen.headers["cache-control"]
    assert client.get(private["url"], headers=bearer(users.token("staff", JENA))).status_code == 404


def _report(client, **fields) -> dict:
    created = client.post("/api/v1/reports", json=report_body(**fields))
    assert created.status_code == 201, created.text
    return created.json()


def _report_upload(client, report: dict, data: bytes, token: str | None = None):
    return client.post(f"/api/v1/reports/{report['id']}/photos",
                       data={"upload_token": token or report["upload_token"]},
                       files={"file": ("handy.jpg", data, "image/jpeg")})


def test_report_photos_public_only_once_confirmed_and_approved(client, users, session):
    staff = users.token("staff", SCHMOELLN)
    report = _report(client)
    data = images.noisy_jpeg()
    assert len(data) > 64 * 1024  # over the reports' JSON body limit
    sent = _report_upload(client, report, data)
    assert sent.status_code == 201, sent.text
    assert sent.json()["approved"] is False
    photo_id = sent.json()["id"]
    url = f"/api/v1/photos/{photo_id}.jpg"
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/photos/{photo_id}/thumb.jpg").status_code == 404
    assert client.get(url, headers=bearer(users.token("working_group"))).status_code == 404
    assert client.get(url, headers=bearer(staff)).status_code == 200
    queue = client.get("/api/v1/review", params={"municipality": SCHMOELLN},
                       headers=bearer(staff)).json()
    [queued] = [r for r in queue["reports"] if r["id"] == report["id"]]
    assert [(p["id"], p["approved"], p["from_report"]) for p in queued["photos"]] == [
        (photo_id, False, True)]
    # confirmed, not yet approved: the vacancy is public, the photo is not
    assert client.post(f"/api/v1/reports/{report['id']}/confirm",
                       headers=bearer(staff)).status_code == 200
    assert client.get(url).status_code == 404
    assert _feature_photos(client, report["id"]) == {"count": 0, "cover": None}
    assert client.get(f"/api/v1/vacancies/{report['id']}/photos").json()["photos"] == []
    listing = client.get(f"/api/v1/vacancies/{report['id']}/photos", headers=bearer(staff))
    assert [p["id"] for p in listing.json()["photos"]] == [photo_id]
    assert client.patch(f"/api/v1/photos/{photo_id}", json={"approved": True},
                        headers=bearer(users.token("staff", JENA))).status_code == 404
    approved = client.patch(f"/api/v1/photos/{photo_id}", json={"approved": True},
                            headers=bearer(staff))
    assert approved.status_code == 200 and approved.json()["approved"] is True
    public = client.get(url)
    assert public.status_code == 200 and public.headers["cache-control"] == PUBLIC_CACHE
    assert _feature_photos(client, report["id"])["count"] == 1
    assert _photos(session) == 1


def test_report_upload_token_and_limit(client, session, settings):
    report = _report(client)
    other = _report(client, dlon=0.003)
    wrong = _report_upload(client, report, images.photo(), token=other["upload_token"])
    assert (wrong.status_code, wrong.json()["field"]) == (403, "upload_token")
    assert _report_upload(client, report, images.photo(), token="forged").status_code == 403
    assert _photos(session) == 0
    for _ in range(settings.photos_per_report):
        assert _report_upload(client, report, images.photo()).status_code == 201
    fourth = _report_upload(client, report, images.photo())
    assert (fourth.status_code, fourth.json()["code"]) == (409, "photo_limit")
    polyglot = _report_upload(client, other, images.photo() + images.zip_file())
    assert polyglot.status_code == 422
    assert _photos(session) == settings.photos_per_report


def test_erasure_removes_the_reporters_photos(client, users, session):
    staff = users.token("staff", SCHMOELLN)
    mine = _report(client, email=SECRET_EMAIL, consent=True)
    theirs = _report(client, dlon=0.003, email="someone@example.org", consent=True)
    for report in (mine, mine, theirs):
        assert _report_upload(client, report, images.photo()).status_code == 201
    erased = client.post("/api/v1/privacy/erase", json={"email": SECRET_EMAIL},
                         headers=bearer(staff))
    assert erased.status_code == 200, erased.text
    assert erased.json()["report_photos_deleted"] == 2
    session.rollback()
    left = session.execute(text("SELECT report_id FROM photo")).scalars().all()
    assert left == [theirs["id"]]
