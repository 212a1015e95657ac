"""Privacy across every GET route of the app: seed unmistakable markers into every private field,
call every route as every role, and fail on any marker that role must not see.

Markers: owner contact, next follow-up and the owner contacts log (person, note), and internal
notes (current and, through the history, old values) of
vacancies in Schmölln and Jena in every kind of status, reporters' and proposers' e-mails, report
hints, flag comments, staff e-mails (history actors); texts of unpublished records; and secrets
nobody may see (password and token hashes, raw API and status tokens, client hashes, the signing
key). Who may see what: ``may_see``. Bodies and headers are searched; a GeoPackage is read back
with pyogrio (and sqlite, and as raw bytes).

The route table (ROUTES) must name every GET route and mount of the app: a route added later
without a case fails ``test_route_table_covers_every_get_route``. Each role must also find the
markers it may see (staff of a town find their town's owner contacts, notes and flag comments), so the
search is proven to look where the data is.

Proven to fail, by breaking privacy on purpose and running
``pytest -q tests/test_privacy_routes.py -k "anonymous or working_group or staff_jena"``:
- ``"owner_contact"`` added to PUBLIC_FIELDS in app/vacancies/schemas.py: anonymous and working
  group fail on every vacancy read (``anonymous GET /api/v1/vacancies/1 -> 200: owner (16077043)
  'priv-owner-schmoelln-1@example.invalid'``);
- the proposer's e-mail put on every row in ``_views`` (app/proposals/service.py): every role
  fails on /api/v1/proposals and /api/v1/proposals/{id} with the proposal_email markers;
- ``internal_notes`` in the working group's export scope (app/exchange/export.py): the GeoJSON,
  CSV and GeoPackage exports and the OGC items fail for working_group.
"""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pyogrio import list_layers
from pyogrio.raw import read
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.config import Settings
from app.database import make_engine
from app.main import create_app
from app.proposals.models import ProposalStatus
from app.vacancies.lifecycle import VacancyStatus
from tests.helpers import images
from tests.helpers.addresses import add_addresses
from tests.helpers.participation import new_vacancy, point, proposal_body, report_body
from tests.helpers.postgres import admin_conn
from tests.helpers.server import SECRET
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import Users, bearer

TOWNS = {SCHMOELLN: "schmoelln", JENA: "jena"}
ROLES = ("anonymous", "working_group", "staff_schmoelln", "staff_jena", "admin")
STAFF_TOWN = {"staff_schmoelln": SCHMOELLN, "staff_jena": JENA}
ALL_VACANCY_STATUSES = ",".join(s.value for s in VacancyStatus)
ALL_PROPOSAL_STATUSES = ",".join(s.value for s in ProposalStatus)

# what a marker is
PERSONAL = {"owner", "notes", "report_hint", "staff_email",
            "flag_comment"}  # staff and admins of the town only
UNPUBLISHED = {"unpublished"}  # not for anonymous callers or staff of another town
PUBLIC = {"public"}  # everybody: proves the search works for anonymous callers
# nobody: hashes and tokens, and citizens' e-mail addresses (staff reach an idea's author through
# "Kontakt aufnehmen", app.mail.events.staff_contact, and a reporter by the decision's mail,
# without ever reading the address)
SECRET_KINDS = {"secret", "proposal_email", "report_email"}


@dataclass(frozen=True)
class Marker:
    text: str
    kind: str
    town: str | None = None
    # False where no route shows it to anybody (said why where it is made)
    shown: bool = True


@dataclass(frozen=True)
class Case:
    url: str
    # markers this URL may show to whoever holds it (the author's private status link)
    allow: frozenset[str] = frozenset()


@dataclass
class World:
    markers: list[Marker] = field(default_factory=list)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    # id -> AGS of the vacancies (and reports) and proposals the per-id routes are called with
    vacancy_ids: dict[int, str] = field(default_factory=dict)
    proposal_ids: dict[int, str] = field(default_factory=dict)
    photo_ids: list[int] = field(default_factory=list)
    # proposal id -> (raw status token, markers its author may read through the status link)
    status_links: dict[int, tuple[str, frozenset[str]]] = field(default_factory=dict)
    # every record of a town lies within 30 m of this point (the duplicate check's radius)
    places: dict[str, tuple[float, float]] = field(default_factory=dict)
    # (role, what, response text, the writer's own markers) of the seeding writes: checked too
    writes: list[tuple[str, str, str, frozenset[str]]] = field(default_factory=list)

    def mark(self, kind: str, town: str | None, value: str, shown: bool = True) -> str:
        # searched in lower case: e-mail columns store lower case
        self.markers.append(Marker(value.lower(), kind, town, shown))
        return value


def may_see(role: str, marker: Marker) -> bool:
    if marker.kind in SECRET_KINDS:
        return False
    if marker.kind in PUBLIC:
        return True
    own_town = role == "admin" or STAFF_TOWN.get(role) == marker.town
    if marker.kind in PERSONAL:
        return own_town
    assert marker.kind in UNPUBLISHED, marker
    return own_town or role == "working_group"


def must_see(role: str, marker: Marker) -> bool:
    return marker.shown and marker.kind not in SECRET_KINDS and may_see(role, marker)


# ---------------------------------------------------------------------------------------------
# seed


class Seeder:
    def __init__(self, client: TestClient, app, users) -> None:
        self.client, self.app, self.users = client, app, users
        self.world = World()
        self.editors: dict[str, str] = {}  # AGS -> API token of the staff member who edits
        self.ips = itertools.count(10)  # one client address per flag (flags are once per client)
        self.follow_ups = itertools.count()

    def call(self, role: str, method: str, url: str, token: str | None = None,
             expect: int = 200, own: frozenset[str] = frozenset(), **kwargs) -> dict:
        headers = {**kwargs.pop("headers", {}), **(bearer(token) if token else {})}
        response = self.client.request(method, url, headers=headers, **kwargs)
        assert response.status_code == expect, f"{method} {url}: {response.text}"
        self.world.writes.append((role, f"{method} {url}", searchable(response), own))
        return response.json()

    def staff_write(self, ags: str, method: str, url: str, **kwargs) -> dict:
        role = f"staff_{TOWNS[ags]}"
        return self.call(role, method, url, self.editors[ags], **kwargs)

    def vacancy(self, ags: str, n: int, status: str = "vacant", description: str | None = None,
                street: str = "Markt", then: tuple[str, ...] = ()) -> int:
        mark, town = self.world.mark, TOWNS[ags]
        dlon, dlat = 0.00004 * (n % 5), 0.00003 * (n // 5)
        vid = new_vacancy(
            self.client, self.editors[ags], ags, dlon=dlon, dlat=dlat, status=status,
            street=street, house_number=str(n),
            description=description or mark("public", ags, f"pub-vacancy-{town}-{n}"),
            owner_contact=mark("owner", ags, f"priv-owner-{town}-{n}-old@example.invalid"),
            internal_notes=mark("notes", ags, f"priv-note-{town}-{n}-old"),
        )
        # a change of the private fields lands in the history: its old values are markers too
        self.private_patch(ags, vid, str(n))
        for version, target in enumerate(then, start=2):
            self.staff_write(ags, "PATCH", f"/api/v1/vacancies/{vid}",
                             json={"properties": {"status": target}},
                             headers={"If-Match": f'"{version}"'})
        self.world.vacancy_ids[vid] = ags
        return vid

    def photo(self, url: str, role: str, caption: str, token: str | None = None,
              form: dict[str, str] | None = None) -> None:
        """A photo whose caption is a marker and whose EXIF (camera, GPS) nobody may read back."""
        camera = self.world.mark("secret", None, f"secret-exif-camera-{len(self.world.photo_ids)}")
        exif = images.Image.Exif()
        exif[0x010F] = camera
        exif[images.GPS_IFD] = {1: "N", 2: (50.0, 53.0, 42.5), 3: "E", 4: (12.0, 21.0, 18.25)}
        data = images.photo(exif=exif.tobytes())
        created = self.call(role, "POST", url, token, expect=201, own=frozenset({caption.lower()}),
                            data={"caption": caption, **(form or {})},
                            files={"file": ("foto.jpg", data, "image/jpeg")})
        self.world.photo_ids.append(created["id"])

    def private_patch(self, ags: str, vid: int, label: str, log_shown: bool = True) -> None:
        mark, town = self.world.mark, TOWNS[ags]
        # a follow-up date no other value of the world has (one per record)
        follow_up = (date(2041, 1, 1) + timedelta(days=3 * next(self.follow_ups))).isoformat()
        properties = {"owner_contact": mark("owner", ags, f"priv-owner-{town}-{label}@example.invalid"),
                      "internal_notes": mark("notes", ags, f"priv-note-{town}-{label}"),
                      "next_follow_up": mark("owner", ags, follow_up), "owner_consent": "full"}
        self.staff_write(ags, "PATCH", f"/api/v1/vacancies/{vid}", json={"properties": properties},
                         headers={"If-Match": '"1"'})
        # the owner dialogue's log: the person spoken to and the note (only its route shows it,
        # which the records of vacancy_ids are called with)
        self.staff_write(ags, "POST", f"/api/v1/vacancies/{vid}/owner-contacts", expect=201, json={
            "contacted_on": date.today().isoformat(), "channel": "phone", "outcome": "reached",
            "person": mark("owner", ags, f"priv-owner-person-{town}-{label}", log_shown),
            "note": mark("owner", ags, f"priv-owner-log-note-{town}-{label}", log_shown)})

    def report(self, ags: str, name: str, n: int, decide: str | None = None) -> int:
        mark, town = self.world.mark, TOWNS[ags]
        # e-mails of decided reports: only the open review queue shows them, so nobody reads them
        shown = decide is None
        texts = {
            "email": mark("report_email", ags, f"priv-report-{town}-{name}@example.invalid", shown),
            "hint": mark("report_hint", ags, f"priv-hint-{town}-{name}", shown),
        }
        # a confirmed report's address and text become the public record
        kind = "public" if decide == "confirm" else "unpublished"
        texts["address"] = mark(kind, ags, f"unpub-address-{town}-{name}")
        texts["description"] = mark(kind, ags, f"unpub-report-{town}-{name}")
        dlon, dlat = 0.00004 * (n % 5), 0.00003 * (n // 5)
        created = self.call("anonymous", "POST", "/api/v1/reports", expect=201,
                            own=frozenset(t.lower() for t in texts.values()),
                            json=report_body(ags, dlon, dlat, consent=True, municipality=ags,
                                             **texts))
        rid = created["id"]
        if name == "open":  # a citizen's photo, not approved: its caption is the reporter's text
            caption = mark("report_hint", ags, f"priv-photo-caption-{town}-{name}")
            self.photo(f"/api/v1/reports/{rid}/photos", "anonymous", caption,
                       form={"upload_token": created["upload_token"]})
        # staff found the owner of a reported shop
        self.private_patch(ags, rid, name, log_shown=name != "dup")
        if decide == "confirm":
            self.staff_write(ags, "POST", f"/api/v1/reports/{rid}/confirm", json={"status": "vacant"})
        elif decide == "reject":
            self.staff_write(ags, "POST", f"/api/v1/reports/{rid}/reject", json={"reason": "nicht leer"})
        if name != "dup":  # the same kind of record as the open report
            self.world.vacancy_ids[rid] = ags
        self.world.places.setdefault(ags, tuple(point(ags, dlon, dlat)["coordinates"]))
        return rid

    def proposal(self, ags: str, name: str, published: bool, hidden: bool = False,
                 decide: str | None = None, **wish) -> int:
        mark, town = self.world.mark, TOWNS[ags]
        public = published and not hidden
        title = mark("public" if public else "unpublished", ags, f"title-{town}-{name}")
        description = mark("public" if public else "unpublished", ags, f"idea-{town}-{name}")
        email = mark("proposal_email", ags, f"priv-proposal-{town}-{name}@example.invalid")
        own = frozenset({title.lower(), description.lower(), email.lower()})
        wish = wish or {"location": point(ags, 0.0001), "radius_m": 500}
        created = self.call("anonymous", "POST", "/api/v1/proposals", expect=201, own=own,
                            json=proposal_body(title=title, description=description, email=email,
                                               municipality=ags, **wish))
        pid, token = created["id"], created["status_token"]
        role, what, body, _ = self.world.writes[-1]  # the author's answer carries the author's link
        self.world.writes[-1] = (role, what, body, own | {token.lower()})
        self.world.proposal_ids[pid] = ags
        self.world.status_links[pid] = (token, own - {email.lower()} | {token.lower()})
        self.world.mark("secret", None, token)
        if published:
            self.staff_write(ags, "POST", f"/api/v1/proposals/{pid}/publish")
            self.call("anonymous", "POST", f"/api/v1/proposals/{pid}/supports", expect=201)
            for i in range(3 if hidden else 1):  # three open flags hide a proposal
                comment = mark("flag_comment", ags, f"priv-flag-{town}-{name}-{i}")
                with TestClient(self.app, client=(f"198.51.100.{next(self.ips)}", 1)) as other:
                    response = other.post(f"/api/v1/proposals/{pid}/flags",
                                          json={"reason": "personal_data", "comment": comment})
                    assert response.status_code == 201, response.text
                    self.world.writes.append(("anonymous", "POST flag", searchable(response),
                                              frozenset({comment.lower()})))
        if decide == "reject":
            self.staff_write(ags, "POST", f"/api/v1/proposals/{pid}/reject",
                             json={"reason": "passt nicht"})
        return pid

    def town(self, ags: str) -> None:
        pinned = self.vacancy(ags, 1)
        threatened = self.vacancy(ags, 2, status="threatened")
        self.vacancy(ags, 3, status="interim_use", then=("reused",))
        town = TOWNS[ags]
        gone = {}
        for n, target in ((4, "withdrawn"), (5, "demolished")):
            gone[target] = self.vacancy(
                ags, n, then=(target,),
                description=self.world.mark("unpublished", ags, f"unpub-vacancy-{town}-{n}"),
                street=self.world.mark("unpublished", ags, f"unpub-street-{town}-{n}"))
        self.photo(f"/api/v1/vacancies/{pinned}/photos", f"staff_{town}",
                   self.world.mark("public", ags, f"pub-photo-{town}"), token=self.editors[ags])
        self.photo(f"/api/v1/vacancies/{gone['withdrawn']}/photos", f"staff_{town}",
                   self.world.mark("unpublished", ags, f"unpub-photo-{town}"),
                   token=self.editors[ags])
        self.report(ags, "open", 6)
        self.report(ags, "dup", 6)  # next to the open one: its answer lists the other as duplicate
        self.report(ags, "rejected", 7, decide="reject")
        self.report(ags, "confirmed", 8, decide="confirm")
        published = self.proposal(ags, "pinned", published=True, vacancy_id=pinned)
        self.proposal(ags, "area", published=True)
        self.proposal(ags, "hidden", published=True, hidden=True)
        self.proposal(ags, "pending", published=False)
        self.proposal(ags, "rejected", published=False, decide="reject")
        for proposal_id, vacancy_id, state in ((published, pinned, "contacted"),
                                               (published, threatened, "declined")):
            self.staff_write(ags, "POST", "/api/v1/matches",
                             json={"proposal_id": proposal_id, "vacancy_id": vacancy_id,
                                   "state": state})

    def run(self, session) -> World:
        world = self.world
        tokens = {}
        for ags, town in TOWNS.items():
            email = world.mark("staff_email", ags, f"priv-staff-{town}@example.invalid")
            self.editors[ags] = tokens[f"editor_{town}"] = self.users.token(
                "staff", ags, email=email, password="editor-password-1")
        for role in ROLES[1:]:
            tokens[role] = self.users.token("staff" if role in STAFF_TOWN else role,
                                            STAFF_TOWN.get(role))
        world.headers = {"anonymous": {}, **{role: bearer(tokens[role]) for role in ROLES[1:]}}
        for ags in TOWNS:
            self.town(ags)
            # house coordinates next to the reports, so the address routes answer with data
            add_addresses(session, ags, ("Musterstraße", "1"), ("Musterstraße", "2"))
        for token in [*tokens.values(), SECRET]:  # API tokens and the cookie signing key
            world.mark("secret", None, token)
        for column in ("password_hash FROM app_user WHERE password_hash IS NOT NULL",
                       "token_hash FROM api_token", "status_token_hash FROM proposal",
                       "client_hash FROM proposal_support",
                       "client_hash FROM proposal_flag WHERE client_hash IS NOT NULL",
                       "client_hash FROM rate_limit_window",
                       "confirm_token_hash FROM mail_recipient",
                       "unsubscribe_token_hash FROM mail_message"):
            values = session.scalars(text(f"SELECT {column}")).all()
            assert values, f"nothing seeded for {column}"
            for value in values:
                world.mark("secret", None, value)
        return world


@dataclass
class Seeded:
    app: object
    client: TestClient
    world: World


@pytest.fixture(scope="module")
def seeded(pg_cluster, template_db) -> Iterator[Seeded]:
    """One database seeded once for the whole module: the checks only read."""
    name = "privacy_routes"
    with admin_conn(pg_cluster) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    url = pg_cluster.url(name)
    # the seed posts more reports and proposals from one client than the hourly limit allows
    settings = Settings(_env_file=None, database_url=url, secret_key=SECRET, cookie_secure=False,
                        public_posts_per_hour=1000, public_votes_per_hour=1000)
    app = create_app(settings)
    engine = make_engine(url)
    try:
        # on loopback, so that /metrics answers with what it would show
        with TestClient(app, client=("127.0.0.1", 50000)) as client, Session(engine) as session:
            yield Seeded(app, client, Seeder(client, app, Users(url)).run(session))
    finally:
        engine.dispose()
        with admin_conn(pg_cluster) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


# ---------------------------------------------------------------------------------------------
# what a response shows


def gpkg_text(content: bytes) -> str:
    """Every attribute value of every layer, plus every table pyogrio does not read (and the raw
    bytes, where a deleted row would still lie)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.gpkg"
        path.write_bytes(content)
        parts = [content.decode("latin-1")]
        for layer, _ in list_layers(path):
            meta, _, _, values = read(path, layer=layer)
            parts += [" ".join(map(str, column)) for column in values]
            parts.append(" ".join(map(str, meta["fields"])))
        with sqlite3.connect(path) as db:
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                parts += [repr(row) for row in db.execute(f'SELECT * FROM "{table}"')]
    return "\n".join(parts)


def pdf_text(content: bytes) -> str:
    """The text of a PDF as poppler reads it (its streams are compressed)."""
    done = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def searchable(response) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    if response.headers.get("content-type", "").startswith("application/geopackage"):
        body = gpkg_text(response.content)
    elif response.headers.get("content-type", "").startswith("application/pdf"):
        body = pdf_text(response.content)
    else:
        body = response.content.decode("utf-8", errors="replace")
    return (headers + "\n" + body).lower()


# ---------------------------------------------------------------------------------------------
# the route table: every GET route path of the app -> its URLs


Build = Callable[[World], Iterator[Case]]


def urls(*templates: str) -> Build:
    def build(world: World) -> Iterator[Case]:
        for template in templates:
            yield Case(template)
    return build


def outbox(world: World) -> Iterator[Case]:
    """The admins' outbox shows each queued mail with its recipient: the one page where a
    citizen's address appears (the other roles are refused it, and their other markers are
    still searched for)."""
    yield Case("/verwaltung/postausgang", frozenset(
        m.text for m in world.markers if m.kind in ("proposal_email", "report_email")))


def per_town(*templates: str) -> Build:
    def build(world: World) -> Iterator[Case]:
        for ags, template in itertools.product(TOWNS, templates):
            yield Case(template.format(ags=ags))
    return build


def per_vacancy(template: str) -> Build:
    def build(world: World) -> Iterator[Case]:
        for vid in world.vacancy_ids:
            yield Case(template.format(id=vid))
    return build


def exposes(world: World) -> Iterator[Case]:
    """Both versions of the exposé of one town's vacancies (rendering a PDF takes a while)."""
    for vid in (vid for vid, ags in world.vacancy_ids.items() if ags == SCHMOELLN):
        yield Case(f"/api/v1/vacancies/{vid}/expose.pdf")
        yield Case(f"/api/v1/vacancies/{vid}/expose.pdf?internal=true")
def per_photo(template: str) -> Build:
    def build(world: World) -> Iterator[Case]:
        for photo_id in world.photo_ids:
            yield Case(template.format(id=photo_id))
    return build


def per_proposal(template: str) -> Build:
    def build(world: World) -> Iterator[Case]:
        for pid in world.proposal_ids:
            yield Case(template.format(id=pid))
    return build


def per_town_record(kind: str, template: str) -> Build:
    """A record's page under its town, e.g. /karte/{ags}/leerstand/{id} (kind: vacancy or
    proposal)."""
    def build(world: World) -> Iterator[Case]:
        ids = world.vacancy_ids if kind == "vacancy" else world.proposal_ids
        for rid, ags in ids.items():
            yield Case(template.format(ags=ags, id=rid))
    return build


def per_status_link(template: str) -> Build:
    def build(world: World) -> Iterator[Case]:
        for token, allow in world.status_links.values():
            yield Case(template.format(token=token), allow)
    return build


def duplicates(world: World) -> Iterator[Case]:
    for lon, lat in world.places.values():
        yield Case(f"/api/v1/reports/duplicates?lon={lon}&lat={lat}")


def nearest_addresses(world: World) -> Iterator[Case]:
    for lon, lat in world.places.values():
        yield Case(f"/api/v1/addresses/nearest?lon={lon}&lat={lat}&max_distance_m=500")


def both_formats(build: Build) -> Build:
    def wrapped(world: World) -> Iterator[Case]:
        for case in build(world):
            joiner = "&" if "?" in case.url else "?"
            for f in ("json", "html"):
                yield Case(f"{case.url}{joiner}f={f}", case.allow)
    return wrapped


def exports(suffix: str) -> Build:
    queries = ["", "?include_private=true", f"?status={ALL_VACANCY_STATUSES}",
               *(f"?municipality={ags}&include_private=true&status={ALL_VACANCY_STATUSES}"
                 for ags in TOWNS)]
    return urls(*(f"/api/v1/export/vacancies.{suffix}{query}" for query in queries))


def ogc_items(world: World) -> Iterator[Case]:
    yield Case("/ogc/collections/municipalities/items?limit=5")
    yield Case("/ogc/collections/proposals/items")
    yield Case("/ogc/collections/vacancies/items")
    yield Case(f"/ogc/collections/vacancies/items?status={ALL_VACANCY_STATUSES}&limit=1000")
    yield Case("/ogc/collections/vacancies/items?crs=http://www.opengis.net/def/crs/EPSG/0/25832")


def ogc_item(world: World) -> Iterator[Case]:
    base = "/ogc/collections"
    for ags in TOWNS:
        yield Case(f"{base}/municipalities/items/{ags}?f=json")
    for pid in world.proposal_ids:
        yield Case(f"{base}/proposals/items/{pid}?f=json")
    for vid in world.vacancy_ids:
        yield Case(f"{base}/vacancies/items/{vid}?f=json")
    # the HTML page renders the same JSON body: one town's records are enough (time)
    yield Case(f"{base}/municipalities/items/{SCHMOELLN}?f=html")
    for ids, collection in ((world.proposal_ids, "proposals"), (world.vacancy_ids, "vacancies")):
        for fid in (fid for fid, ags in ids.items() if ags == SCHMOELLN):
            yield Case(f"{base}/{collection}/items/{fid}?f=html")


ROUTES: dict[str, Build] = {
    # generated API description and its viewers: no data, but cheap to call
    "/openapi.json": urls("/openapi.json"),
    "/docs": urls("/docs"),
    "/docs/oauth2-redirect": urls("/docs/oauth2-redirect"),
    "/redoc": urls("/redoc"),
    "/api/v1/vacancies": urls("/api/v1/vacancies", f"/api/v1/vacancies?status={ALL_VACANCY_STATUSES}",
                              *(f"/api/v1/vacancies?municipality={ags}&status={ALL_VACANCY_STATUSES}"
                                "&sort=-interim&limit=1000" for ags in TOWNS)),
    "/api/v1/vacancies/{vacancy_id}": per_vacancy("/api/v1/vacancies/{id}"),
    "/api/v1/vacancies/{vacancy_id}/history": per_vacancy("/api/v1/vacancies/{id}/history"),
    "/api/v1/vacancies/{vacancy_id}/matches": per_vacancy("/api/v1/vacancies/{id}/matches"),
    "/api/v1/vacancies/{vacancy_id}/score": per_vacancy("/api/v1/vacancies/{id}/score"),
    "/api/v1/vacancies/{vacancy_id}/expose.pdf": exposes,
    "/api/v1/vacancies/{vacancy_id}/photos": per_vacancy("/api/v1/vacancies/{id}/photos"),
    "/api/v1/vacancies/{vacancy_id}/owner-contacts": per_vacancy(
        "/api/v1/vacancies/{id}/owner-contacts"),
    "/api/v1/photos/{photo_id}.jpg": per_photo("/api/v1/photos/{id}.jpg"),
    "/api/v1/photos/{photo_id}/thumb.jpg": per_photo("/api/v1/photos/{id}/thumb.jpg"),
    "/api/v1/municipalities": urls("/api/v1/municipalities", "/api/v1/municipalities?q=Schm"),
    "/api/v1/municipalities/{ags}": per_town("/api/v1/municipalities/{ags}"),
    "/api/v1/municipalities/{ags}/scoring-profile": per_town("/api/v1/municipalities/{ags}/scoring-profile"),
    "/api/v1/scoring-profile/default": urls("/api/v1/scoring-profile/default"),
    "/anmelden": urls("/anmelden", "/anmelden?next=/verwaltung/16077043"),
    "/api/v1/me": urls("/api/v1/me"),
    "/api/v1/tokens": urls("/api/v1/tokens"),
    "/": urls("/"),
    "/ueber": urls("/ueber"),
    "/hilfe/qgis": urls("/hilfe/qgis"),
    "/favicon.ico": urls("/favicon.ico"),
    "/karte/{ags}": per_town("/karte/{ags}"),
    "/verwaltung": urls("/verwaltung", *(f"/verwaltung?gemeinde={ags}" for ags in TOWNS)),
    "/karte/{ags}/leerstand/{vacancy_id}": per_town_record("vacancy", "/karte/{ags}/leerstand/{id}"),
    "/karte/{ags}/idee/{proposal_id}": per_town_record("proposal", "/karte/{ags}/idee/{id}"),
    "/verwaltung/{ags}": per_town("/verwaltung/{ags}"),
    "/uebersicht": urls("/uebersicht"),
    # every town's citizens' addresses and the mails to them: admins only (403 for staff)
    "/verwaltung/postausgang": outbox,
    # the raw links' secrets are only in the mails; an unknown one is a 404 with no data
    "/bestaetigen/{token}": urls("/bestaetigen/" + "x" * 32),
    "/abbestellen/{token}": urls("/abbestellen/" + "x" * 32),
    "/meine-beitraege": urls("/meine-beitraege"),
    # an unknown link: 404; the page of a valid one is tested with two people in
    # tests/mail/test_contributions.py (each sees only their own, the address masked)
    "/meine-beitraege/{token}": urls("/meine-beitraege/" + "x" * 32),
    "/api/v1/reports/duplicates": duplicates,
    # open data (house coordinates); the seeded towns' search must not reach private fields
    "/api/v1/addresses": per_town("/api/v1/addresses?q=Musterstra%C3%9Fe%201&municipality={ags}",
                                  "/api/v1/addresses?q=schmoelln&limit=50"),
    "/api/v1/addresses/nearest": nearest_addresses,
    # pure arithmetic (pyproj): no record is read
    "/api/v1/coordinates/wgs84": urls("/api/v1/coordinates/wgs84?x=700000&y=5640000"),
    "/api/v1/proposals": urls("/api/v1/proposals", f"/api/v1/proposals?status={ALL_PROPOSAL_STATUSES}",
                              *(f"/api/v1/proposals?municipality={ags}&status={ALL_PROPOSAL_STATUSES}"
                                for ags in TOWNS)),
    "/api/v1/proposals/status/{token}": per_status_link("/api/v1/proposals/status/{token}"),
    "/api/v1/proposals/{proposal_id}": per_proposal("/api/v1/proposals/{id}"),
    "/api/v1/proposals/{proposal_id}/matches": per_proposal("/api/v1/proposals/{id}/matches"),
    "/api/v1/review": per_town("/api/v1/review?municipality={ags}"),
    "/api/v1/tasks": per_town("/api/v1/tasks?municipality={ags}", "/api/v1/tasks"),
    "/vorschlaege/status/{token}": per_status_link("/vorschlaege/status/{token}"),
    "/vorschlaege/{proposal_id}": per_proposal("/vorschlaege/{id}"),
    "/api/v1/statistics/municipalities": urls("/api/v1/statistics/municipalities",
                                              "/api/v1/statistics/municipalities?geometry=none"),
    "/api/v1/statistics/timeseries": urls("/api/v1/statistics/timeseries",
                                          *(f"/api/v1/statistics/timeseries?municipality={ags}"
                                            "&from=2020-01" for ags in TOWNS)),
    "/api/v1/statistics/durations": urls("/api/v1/statistics/durations",
                                         *(f"/api/v1/statistics/durations?municipality={ags}"
                                           for ags in TOWNS)),
    "/api/v1/statistics/timeseries.csv": urls(
        "/api/v1/statistics/timeseries.csv",
        *(f"/api/v1/statistics/timeseries.csv?municipality={ags}&from=2020-01" for ags in TOWNS)),
    "/api/v1/statistics/durations.csv": urls(
        "/api/v1/statistics/durations.csv",
        *(f"/api/v1/statistics/durations.csv?municipality={ags}" for ags in TOWNS)),
    "/statistik": urls("/statistik", "/statistik?from=2020-01"),
    "/statistik/{ags}": per_town("/statistik/{ags}", "/statistik/{ags}?from=2020-01&to=2026-12"),
    "/api/v1/statistics/report.pdf": urls(
        "/api/v1/statistics/report.pdf?quarter=2026-Q3",
        *(f"/api/v1/statistics/report.pdf?quarter=2026-Q4&municipality={ags}" for ags in TOWNS)),
    "/api/v1/export/schema": urls("/api/v1/export/schema"),
    "/api/v1/labels": urls("/api/v1/labels"),
    "/api/v1/export/vacancies.geojson": exports("geojson"),
    "/api/v1/export/vacancies.csv": exports("csv"),
    "/api/v1/export/vacancies.gpkg": exports("gpkg"),
    "/ogc": both_formats(urls("/ogc")),
    "/ogc/conformance": both_formats(urls("/ogc/conformance")),
    "/ogc/collections": both_formats(urls("/ogc/collections")),
    "/ogc/collections/{collection_id}": both_formats(urls(
        "/ogc/collections/vacancies", "/ogc/collections/municipalities", "/ogc/collections/proposals")),
    "/ogc/collections/{collection_id}/items": both_formats(ogc_items),
    "/ogc/collections/{collection_id}/items/{fid}": ogc_item,
    "/healthz": urls("/healthz"),
    "/readyz": urls("/readyz"),
    # last: by now every route above has been counted, status links included (the client is on
    # loopback, which may read the metrics)
    "/metrics": urls("/metrics"),
}
EXCLUDED = {
    # files of the repository (Leaflet, the pages' own JS and CSS): no register data in them
    "/static",
}


def app_get_paths(app) -> set[str]:
    """Path templates of every GET route and every mount. ``app.routes`` holds included routers
    as branches (FastAPI 0.16x); iter_route_contexts flattens them."""
    paths = set()
    for route in iter_route_contexts(app.routes):
        methods = route.methods
        if methods is None or "GET" in methods:  # mounts and websockets have no methods
            paths.add(route.path)
    return paths


def test_route_table_covers_every_get_route(seeded):
    paths = app_get_paths(seeded.app)
    missing = paths - set(ROUTES) - EXCLUDED
    stale = (set(ROUTES) | EXCLUDED) - paths
    assert not missing, f"GET routes without a privacy case in ROUTES: {sorted(missing)}"
    assert not stale, f"ROUTES/EXCLUDED name paths the app does not have: {sorted(stale)}"


def test_route_table_notices_a_new_route(seeded):
    app = create_app(seeded.app.state.settings)
    app.add_api_route("/api/v1/new-read-path/{vacancy_id}", lambda vacancy_id: {}, methods=["GET"])
    assert app_get_paths(app) - set(ROUTES) - EXCLUDED == {"/api/v1/new-read-path/{vacancy_id}"}


def describe(marker: Marker) -> str:
    return f"{marker.kind} ({marker.town or 'any town'}) {marker.text!r}"


@pytest.mark.parametrize("role", ROLES)
def test_no_route_shows_a_role_what_it_must_not_see(seeded, role):
    client, world = seeded.client, seeded.world
    client.cookies.clear()  # the pages' CSRF session of the previous role
    headers = world.headers[role]
    leaks, errors, seen, calls = [], [], set(), 0
    for build in ROUTES.values():
        for case in build(world):
            response = client.get(case.url, headers=headers, follow_redirects=False)
            calls += 1
            if response.status_code >= 500:
                errors.append(f"{role} GET {case.url} -> {response.status_code}")
            body = searchable(response)
            found = [m for m in world.markers if m.text in body]
            seen.update(m for m in found if may_see(role, m) or m.text in case.allow)
            shown = [describe(m) for m in found if m not in seen]
            if shown:  # one line per URL: which route leaks matters more than how often
                more = f" (+{len(shown) - 1} more)" if len(shown) > 1 else ""
                leaks.append(f"{role} GET {case.url} -> {response.status_code}: {shown[0]}{more}")
    assert calls > 200, calls
    if leaks:  # pytest.fail: a plain assert would print the whole list a second time
        pytest.fail(f"{len(leaks)} URLs leak:\n" + "\n".join(leaks), pytrace=False)
    assert not errors, "\n".join(errors)
    unseen = [describe(m) for m in world.markers if must_see(role, m) and m not in seen]
    if unseen:
        pytest.fail(f"{role} never saw markers it may see (is the search blind?):\n"
                    + "\n".join(unseen), pytrace=False)


def test_answers_to_the_seeding_writes_do_not_echo_others_data(seeded):
    """The 201 of a citizen's report lists nearby records, a proposal's answer carries its own
    status link, staff writes answer with the record: none may show more than the writer may."""
    world = seeded.world
    leaks = [f"{role} {what}: {describe(marker)}"
             for role, what, body, own in world.writes for marker in world.markers
             if marker.text in body and not may_see(role, marker) and marker.text not in own]
    assert len(world.writes) > 40
    if leaks:
        pytest.fail(f"{len(leaks)} leaks:\n" + "\n".join(leaks), pytrace=False)
