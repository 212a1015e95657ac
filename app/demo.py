"""The demo: real boundaries of three towns and a clearly fictional sample of vacancies.

No real address is claimed to be vacant: street names are invented ("Musterstraße"),
every description says it is fictional, and owner contacts use the reserved .invalid domain.
Loading again replaces the earlier demo records (source = 'demo'); other data is untouched.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import shapely
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app import geo
from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.accounts.principal import Principal
from app.addresses import importer as addresses
from app.addresses.normalise import house_number_key, street_key
from app.municipalities import boundary_import
from app.municipalities.models import Municipality
from app.proposals import service as proposals
from app.proposals.models import Proposal, ProposalStatus
from app.proposals.schemas import ProposalCreate
from app.scoring import flows, places
from app.scoring import service as scoring
from app.scoring.models import Place
from app.vacancies.lifecycle import VacancyStatus
from app.vacancies.models import Condition, Floor, Vacancy, Willingness
from app.vacancies.report_schemas import ReportCreate

DEMO_TOWNS = {"16077043": "schmoelln", "16066063": "schmalkalden", "16053000": "jena"}
PER_TOWN = 30
SPREAD_M = 550
CORE_RADIUS_M = 400
FICTIONAL_STREETS = (
    "Musterstraße", "Beispielgasse", "Am Probemarkt", "Erfundene Allee", "Demoweg",
    "Platz der Beispiele", "Fiktivgasse", "Lange Musterzeile",
)
FORMER_USES = (
    "Bekleidung", "Schuhe", "Bäckerei", "Drogerie", "Buchhandlung", "Reisebüro",
    "Blumenladen", "Optiker", "Spielwaren", "Café", "Elektrowaren", "Bankfiliale",
)
STATUS_MIX = (
    [VacancyStatus.vacant] * 17 + [VacancyStatus.threatened] * 4
    + [VacancyStatus.interim_use] * 4 + [VacancyStatus.reused] * 2 + [VacancyStatus.reported] * 3
)
LABEL = "Fiktiver Beispieldatensatz (Demo) – kein realer Leerstand."


def _demo_accounts(session: Session, password: str, towns: dict[str, Municipality]) -> list[str]:
    wanted: list[tuple[str, Role, str | None]] = [
        ("admin@demo.invalid", Role.admin, None), ("ag@demo.invalid", Role.working_group, None)]
    wanted += [(f"{slug}@demo.invalid", Role.staff, ags) for ags, slug in DEMO_TOWNS.items()]
    lines = []
    for email, role, ags in wanted:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            accounts.create_user(session=session, email=email, role=role, municipality_ags=ags,
                                 password=password)
        else:
            accounts.set_password(session=session, user=user, password=password)
        where = f" ({towns[ags].name})" if ags else ""
        lines.append(f"  {email:32} {role.value}{where}")
    return lines


def _points(rng: random.Random, centre: shapely.Point, boundary, count: int) -> list[shapely.Point]:
    centre_utm = geo.transform(centre, geo.WGS84, geo.UTM32)
    points: list[shapely.Point] = []
    while len(points) < count:
        # denser near the centre, as shops are
        distance = SPREAD_M * rng.random() ** 1.5
        angle = rng.uniform(0, 2 * math.pi)
        candidate = shapely.Point(centre_utm.x + distance * math.cos(angle),
                                  centre_utm.y + distance * math.sin(angle))
        point = geo.transform(candidate, geo.UTM32, geo.WGS84)
        if boundary.covers(point):
            points.append(point)
    return points


def _vacancy(rng: random.Random, town: Municipality, point: shapely.Point, index: int,
             status: VacancyStatus) -> Vacancy:
    today = date.today()
    former_use = rng.choice(FORMER_USES)
    area = round(rng.choice([35, 48, 60, 75, 90, 120, 160, 240, 380, 650]) * rng.uniform(0.9, 1.1), 1)
    return Vacancy(
        municipality_id=town.id,
        location=f"SRID=4326;{point.wkt}",
        street=rng.choice(FICTIONAL_STREETS),
        house_number=str(rng.randint(1, 60)) + rng.choice(["", "", "", "a", "b"]),
        postcode=None,
        floor_area_m2=area,
        floor=rng.choices([Floor.ground, Floor.upper_floor, Floor.basement], weights=[8, 2, 1])[0],
        shop_window_m=round(rng.uniform(0, 14), 1) if rng.random() > 0.1 else None,
        condition=rng.choice(list(Condition)) if rng.random() > 0.15 else None,
        has_wc=rng.random() > 0.25 if rng.random() > 0.1 else None,
        has_heating=rng.random() > 0.15 if rng.random() > 0.1 else None,
        step_free=rng.random() > 0.5 if rng.random() > 0.2 else None,
        former_use=former_use,
        vacant_since=today - timedelta(days=rng.randint(20, 1500)),
        status=status,
        owner_interim_willing=rng.choice(list(Willingness)),
        asking_rent_eur_m2=round(rng.uniform(3, 14), 2) if rng.random() > 0.3 else None,
        description=f"{LABEL} Ehemals {former_use}, Objekt {index + 1}.",
        owner_contact=f"Eigentümer {index + 1} (fiktiv), eigentuemer{index + 1}@demo.invalid",
        internal_notes="Demo: Gespräch mit Eigentümer vereinbart." if rng.random() > 0.6 else None,
        verified_at=datetime.now(UTC) - timedelta(days=rng.randint(1, 400)),
        external_id=f"demo-{town.ags}-{index + 1:03d}",
        source="demo",
    )


# ---- fictional addresses: the demo streets laid out across each town centre ----------------
ADDRESS_SOURCE = "demo (fiktiv)"
HOUSE_NUMBERS = 60  # the demo vacancies' numbers are 1..60 (+ a or b)
HOUSE_SPACING_M, STREET_SIDE_M, STREET_GAP_M = 30, 12, 70


def _street_points(centre: shapely.Point, index: int) -> dict[str, shapely.Point]:
    """House number → point along the index-th demo street: a straight street through the
    centre area, a different direction and offset each, odd numbers left, even right."""
    angle = math.pi * index / len(FICTIONAL_STREETS)
    along, across = (math.cos(angle), math.sin(angle)), (-math.sin(angle), math.cos(angle))
    offset = (index - (len(FICTIONAL_STREETS) - 1) / 2) * STREET_GAP_M
    centre_utm = geo.transform(centre, geo.WGS84, geo.UTM32)
    points = {}
    for number in range(1, HOUSE_NUMBERS + 1):
        s = ((number - 1) // 2 - HOUSE_NUMBERS / 4) * HOUSE_SPACING_M
        side = STREET_SIDE_M if number % 2 else -STREET_SIDE_M
        x = centre_utm.x + along[0] * s + across[0] * (offset + side)
        y = centre_utm.y + along[1] * s + across[1] * (offset + side)
        points[str(number)] = geo.transform(shapely.Point(x, y), geo.UTM32, geo.WGS84)
    return points


def _demo_addresses(session: Session, towns: dict[str, Municipality]) -> list[str]:
    """Every demo street with numbers 1–60 inside the town, plus each demo vacancy's own
    number (12a, 7b …) next to its base number, so the address search finds every demo
    vacancy. Replaces the earlier demo addresses; deterministic (no randomness)."""
    addresses.delete_towns(session=session, town_ids={t.id for t in towns.values()},
                           source=ADDRESS_SOURCE)
    lines = []
    for town in towns.values():
        boundary, rows = to_shape(town.boundary), {}
        for index, street in enumerate(FICTIONAL_STREETS):
            for number, point in _street_points(_centre(town), index).items():
                if boundary.covers(point):
                    rows[(street_key(street), number)] = (street, number, point)
        demo_vacancies = session.execute(
            select(Vacancy.street, Vacancy.house_number, func.ST_X(Vacancy.location),
                   func.ST_Y(Vacancy.location))
            .where(Vacancy.municipality_id == town.id, Vacancy.source == "demo")).all()
        for street, number, lon, lat in demo_vacancies:
            key = (street_key(street), house_number_key(number))
            if key not in rows:
                base = rows.get((key[0], number.rstrip("ab")))
                point = base[2] if base else shapely.Point(lon, lat)
                beside = shapely.Point(point.x + 0.00004, point.y)  # ~3 m east
                rows[key] = (street, number, beside if boundary.covers(beside) else point)
        created, _ = addresses.store(session=session, source=ADDRESS_SOURCE, rows=[
            addresses.address_row(row=i, town=town, street=street, house_number=number,
                                  postcode=None, lon=point.x, lat=point.y)
            for i, (street, number, point) in enumerate(rows.values(), start=1)])
        lines.append(f"  {town.name}: {created} fiktive Adressen für die Adresssuche")
    return lines


# fictional active uses per town, so the location criteria of the scoring have something to count
DEMO_PLACES = {"retail": ("Fiktiver Laden", 24), "gastronomy": ("Fiktives Café", 10),
               "culture": ("Fiktiver Kulturort", 4)}


def _context_layers(session: Session, towns: dict[str, Municipality]) -> list[str]:
    """Real stations and Jena tram stops, a clearly fictional set of shops, cafés and cultural
    venues around each demo town centre, then the scores of the demo towns."""
    reports = places.import_defaults(session=session, rescore=False)
    session.execute(delete(Place).where(Place.source == "demo"))
    for ags, town in towns.items():
        rng = random.Random(int(ags) + 1)
        centre, boundary = _centre(town), to_shape(town.boundary)
        for category, (name, count) in DEMO_PLACES.items():
            session.add_all(
                Place(category=category, name=f"{name} {i + 1} (Demo)", source="demo",
                      geom=f"SRID=4326;{point.wkt}", attribution="Fiktive Demo-Daten")
                for i, point in enumerate(_points(rng, centre, boundary, count))
            )
    result = scoring.rescore(session=session, municipality_ids=[t.id for t in towns.values()])
    lines = [f"Kontext: {r.created} Orte ({r.category}) aus {r.source}" for r in reports]
    lines.append("Kontext: fiktive Läden, Cafés und Kulturorte (Demo) um die Stadtzentren")
    lines.append(f"Bewertung: {result.scored} Leerstände bewertet ({result.seconds:.2f} s)")
    return lines


def load(*, session: Session, password: str) -> list[str]:
    if not session.scalar(select(func.count()).select_from(Municipality)):
        boundary_import.import_boundaries(session=session)
    towns = {
        m.ags: m for m in session.scalars(select(Municipality).where(Municipality.ags.in_(DEMO_TOWNS)))
    }
    missing = set(DEMO_TOWNS) - set(towns)
    if missing:
        raise RuntimeError(f"demo towns missing from the register: {sorted(missing)}")

    _drop_demo_participation(session, towns)
    session.execute(delete(Vacancy).where(Vacancy.source == "demo"))
    lines = ["Demo geladen (fiktive Leerstände, reale Gemeindegrenzen):"]
    for ags, town in towns.items():
        rng = random.Random(int(ags))
        centre, boundary = _centre(town), to_shape(town.boundary)
        if town.core_area is None:
            core = geo.transform(
                geo.transform(centre, geo.WGS84, geo.UTM32).buffer(CORE_RADIUS_M, quad_segs=8),
                geo.UTM32, geo.WGS84,
            )
            town.core_area = from_shape(geo.as_multipolygon(core.intersection(boundary)),
                                        srid=geo.WGS84, extended=True)
        statuses = STATUS_MIX[:]
        rng.shuffle(statuses)
        vacancies = [
            _vacancy(rng, town, point, i, statuses[i % len(statuses)])
            for i, point in enumerate(_points(rng, centre, boundary, PER_TOWN))
        ]
        session.add_all(vacancies)
        session.flush()
        lines.append(f"  {town.name} ({ags}): {len(vacancies)} Leerstände, Innenstadtbereich gesetzt")
    lines += _demo_addresses(session, towns)
    lines += _context_layers(session, towns)
    lines.append("Demo-Zugänge (Passwort wie angegeben, nur für die Demo!):")
    lines += _demo_accounts(session, password, towns)
    lines += _participation(session, towns)
    return lines


# ---- participation: fictional proposals and one citizen report ------------------------------
DEMO_MARK = "(Demo)"
DEMO_PROPOSALS = (
    # (town, title, category, duration, where, published)
    ("16077043", "Repair-Café", "social", "interim", "pinned", True),
    ("16077043", "Atelierhaus auf Zeit", "creative", "interim", "radius", True),
    ("16066063", "Pop-up-Laden für Produkte aus der Region", "retail_popup", "either", "area", True),
    ("16053000", "Kinder-Bastelwerkstatt", "education", "interim", "radius", True),
    ("16053000", "Lesecafé mit Tauschregal", "gastronomy", "permanent", "pinned", False),
)


def _drop_demo_participation(session: Session, towns: dict[str, Municipality]) -> None:
    """Earlier demo proposals and the demo citizen report go (they carry the demo mark)."""
    ids = [t.id for t in towns.values()]
    session.execute(delete(Proposal).where(Proposal.municipality_id.in_(ids),
                                           Proposal.title.endswith(DEMO_MARK)))
    session.execute(delete(Vacancy).where(Vacancy.municipality_id.in_(ids), Vacancy.source == "report",
                                          Vacancy.street.endswith(DEMO_MARK)))


def _centre(town: Municipality) -> shapely.Point:
    if town.centre is None:
        raise RuntimeError(f"demo town {town.ags} has no centre in the register")
    return to_shape(town.centre)


def _offset(town: Municipality, east_m: float, north_m: float) -> shapely.Point:
    centre = _centre(town)
    return shapely.Point(centre.x + east_m / (111_320 * math.cos(math.radians(centre.y))),
                         centre.y + north_m / 111_320)


def _participation(session: Session, towns: dict[str, Municipality]) -> list[str]:
    """Through the participation services, as citizens and staff would: proposals submitted
    and (most) published by the demo admin, one report left open for the review queue."""
    admin = session.scalars(select(User).where(User.email == "admin@demo.invalid")).one()
    actor = Principal(user_id=admin.id, email=admin.email, role=Role.admin)
    published = pending = 0
    for ags, title, category, duration, where, publish in DEMO_PROPOSALS:
        town = towns[ags]
        body = {"title": f"{title} {DEMO_MARK}", "category": category, "duration": duration,
                "description": f"Fiktiver Beispielvorschlag für die Demo: {title}. {LABEL}",
                "display_name": f"Beispielverein {DEMO_MARK}", "municipality": ags,
                "min_area_m2": 30, "max_area_m2": 250}
        if where == "pinned":
            body["vacancy_id"] = session.scalar(select(Vacancy.id).where(
                Vacancy.municipality_id == town.id, Vacancy.source == "demo",
                Vacancy.status == VacancyStatus.vacant).order_by(Vacancy.id))
        elif where == "radius":
            body |= {"location": shapely.geometry.mapping(_offset(town, 120, 80)), "radius_m": 350}
        else:
            centre = geo.transform(_offset(town, -100, 0), geo.WGS84, geo.UTM32)
            area = geo.transform(centre.buffer(300, quad_segs=4), geo.UTM32, geo.WGS84)
            body["area"] = shapely.geometry.mapping(area)
        data = ProposalCreate.model_validate(body)
        proposal, _token = proposals.submit_proposal(session=session, data=data)
        if publish:
            proposals.decide(session=session, proposal_id=proposal.id, target=ProposalStatus.published,
                             actor=actor)
            published += 1
        else:
            pending += 1
    jena = towns["16053000"]
    point = _offset(jena, -60, 140)
    flows.submit_report(session=session, report=ReportCreate.model_validate({
        "location": {"type": "Point", "coordinates": [point.x, point.y]}, "municipality": jena.ags,
        "address": f"Beispielgasse 99 {DEMO_MARK}",
        "description": f"Schaufenster seit Wochen zugeklebt. {LABEL}"}))
    return [f"Beteiligung: {published} veröffentlichte und {pending} offener Nutzungsvorschlag, "
            "1 ungeprüfte Meldung (Jena) – alles fiktiv"]
