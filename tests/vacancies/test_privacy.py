"""Owner contact and internal notes never reach anonymous callers, the working group, staff of
another town, or a log line — checked on every register endpoint."""

import logging

import pytest

from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import feature

URL = "/api/v1/vacancies"
OWNER = "Erika Eigentümerin, erika@eigentum.example, 0171 555"
NOTES = "Intern: Eigentümerin will verkaufen"


@pytest.fixture
def vacancy_id(client, users):
    staff = bearer(users.token("staff", SCHMOELLN))
    response = client.post(URL, json=feature(owner_contact=OWNER, internal_notes=NOTES),
                           headers=staff)
    assert response.status_code == 201
    vid = response.json()["id"]
    # a change of the private fields lands in the history too
    client.patch(f"{URL}/{vid}", json={"properties": {"owner_contact": OWNER + " (neu)"}},
                 headers={**staff, "If-Match": '"1"'})
    return vid


def readers(users):
    return {
        "anonymous": {},
        "working_group": bearer(users.token("working_group")),
        "staff_other_town": bearer(users.token("staff", JENA)),
    }


def assert_private_absent(text: str) -> None:
    assert "Eigentümerin" not in text and "erika@" not in text and "verkaufen" not in text


@pytest.mark.parametrize("who", ["anonymous", "working_group", "staff_other_town"])
def test_get_list_and_history_hide_private_fields(client, users, vacancy_id, who):
    headers = readers(users)[who]
    one = client.get(f"{URL}/{vacancy_id}", headers=headers)
    assert one.status_code == 200
    assert "owner_contact" not in one.json()["properties"]
    assert "internal_notes" not in one.json()["properties"]
    assert_private_absent(one.text)

    many = client.get(URL, headers=headers)
    assert many.json()["numberMatched"] == 1
    assert_private_absent(many.text)

    history = client.get(f"{URL}/{vacancy_id}/history", headers=headers)
    if who == "anonymous":
        assert history.status_code == 401
    else:
        assert history.status_code == 200
        redacted = [e for e in history.json()["entries"] if e["field"] == "owner_contact"]
        assert redacted and redacted[0]["redacted"] is True and redacted[0]["new"] is None
        assert_private_absent(history.text)


def test_staff_of_the_town_and_admin_see_private_fields(client, users, vacancy_id):
    for headers in (bearer(users.token("staff", SCHMOELLN)), bearer(users.token("admin"))):
        props = client.get(f"{URL}/{vacancy_id}", headers=headers).json()["properties"]
        assert props["owner_contact"] == OWNER + " (neu)" and props["internal_notes"] == NOTES


def test_list_mixes_private_fields_per_row(client, users, vacancy_id):
    jena_staff = bearer(users.token("staff", JENA))
    client.post(URL, json=feature(ags=JENA, owner_contact="Jena-Eigentümer"), headers=jena_staff)
    rows = client.get(URL, headers=jena_staff).json()["features"]
    by_town = {f["properties"]["municipality"]: f["properties"] for f in rows}
    assert by_town[JENA]["owner_contact"] == "Jena-Eigentümer"
    assert "owner_contact" not in by_town[SCHMOELLN]


def test_private_fields_never_logged(client, users, caplog):
    caplog.set_level(logging.DEBUG)
    staff = bearer(users.token("staff", SCHMOELLN))
    vid = client.post(URL, json=feature(owner_contact=OWNER, internal_notes=NOTES),
                      headers=staff).json()["id"]
    client.patch(f"{URL}/{vid}", json={"properties": {"owner_contact": "x" * 2000}},
                 headers={**staff, "If-Match": '"1"'})  # a validation error must not echo it
    client.get(f"{URL}/{vid}/history", headers=staff)
    assert caplog.records, "the app logged nothing at DEBUG: the test would prove nothing"
    assert_private_absent(caplog.text)


def test_validation_errors_do_not_echo_input(client, users):
    staff = bearer(users.token("staff", SCHMOELLN))
    response = client.post(URL, json=feature(owner_contact=OWNER, floor_area_m2=-1), headers=staff)
    assert response.status_code == 422
    assert_private_absent(response.text)
