"""The quarterly report (issue 15, item 3): a real PDF from WeasyPrint, read back with poppler
(pdfinfo, pdftotext): A4, the title, the towns, the figures of the time series and durations
API in German, no personal data; anonymous callers count published statuses only; the command
writes the same report as the working group; bad input is a 422 (a non-zero exit)."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from app import cli
from app.config import Settings
from app.formats import number
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import bearer
from tests.statistics.test_trends import write

MARKER = "GEHEIM-7f3a"


def _spell(town, created, status, changes=()):
    return {"town": town, "source": "staff", "created": created, "vacant_since": None,
            "status": status, "changes": list(changes), "deleted": False, "former_use": None,
            "area": None, "noise": False}


@pytest.fixture
def history(session):
    write(session, [
        _spell(JENA, datetime(2026, 5, 4, tzinfo=UTC), "reused",
               [(datetime(2026, 8, 15, 10, tzinfo=UTC), "vacant", "reused")]),
        _spell(JENA, datetime(2026, 7, 10, tzinfo=UTC), "vacant"),
        _spell(JENA, datetime(2026, 9, 1, tzinfo=UTC), "vacant"),
        _spell(JENA, datetime(2026, 2, 1, tzinfo=UTC), "withdrawn"),
        _spell(SCHMOELLN, datetime(2026, 1, 5, tzinfo=UTC), "vacant"),
    ])
    session.execute(text("UPDATE vacancy SET owner_contact = :m || ' Eigentümer', "
                         "internal_notes = :m || ' Notiz'"), {"m": MARKER})
    session.commit()


def _text(pdf: bytes, tmp_path: Path) -> tuple[dict[str, str], str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    fields = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in info.splitlines()
                                                if ":" in line)}
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return fields, re.sub(r"\s+", " ", out)


def test_the_report_shows_the_figures_of_the_api_in_german(client, history, tmp_path):
    params = {"quarter": "2026-Q3", "municipality": f"{JENA},{SCHMOELLN}"}
    response = client.get("/api/v1/statistics/report.pdf", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert ('attachment; filename="leerstandsbericht-2026-Q3.pdf"'
            == response.headers["content-disposition"])
    info, flat = _text(response.content, tmp_path)
    assert info["Page size"].startswith("595.") and "841.89" in info["Page size"]
    assert int(info["Pages"]) == 3 and "Seite 1 von 3" in flat and "Seite 3 von 3" in flat
    assert "Leerstandsbericht 3. Quartal 2026" in flat and "Juli 2026 bis Sept. 2026" in flat
    assert "Jena" in flat and "Schmölln" in flat and "Juli 2026" in flat
    series = client.get("/api/v1/statistics/timeseries", params={
        "municipality": JENA, "from": "2026-04", "to": "2026-09"}).json()["municipalities"][0]
    months = series["months"]
    quarter = months[3:]
    assert f"aktive Leerstände {number(months[-1]['active'])} (+1)" in flat
    assert f"neue Leerstände im Quartal {number(sum(m['new'] for m in quarter))}" in flat
    assert f"Nachnutzungen im Quartal {number(sum(m['reused'] for m in quarter))}" in flat
    assert sum(m["new"] for m in quarter) == 2 and sum(m["reused"] for m in quarter) == 1
    if months[-1]["per_10000"] is not None:
        assert f"je 10.000 Einwohner {number(months[-1]['per_10000'])}" in flat
    durations = client.get("/api/v1/statistics/durations",
                           params={"municipality": JENA}).json()["municipalities"][0]
    reused = durations["vacant_to_reused"]["median_days"]
    assert f"leer bis nachgenutzt {number(reused, 0)} Tage" in flat
    assert MARKER not in flat and "Eigentümer" not in flat and "Notiz" not in flat
    assert "zurückgezogen" not in flat  # anonymous: published statuses only


def test_anonymous_callers_do_not_count_non_public_statuses(client, users, history, tmp_path):
    params = {"quarter": "2026-Q3", "municipality": JENA}
    _, anonymous = _text(client.get("/api/v1/statistics/report.pdf", params=params).content,
                         tmp_path)
    group = client.get("/api/v1/statistics/report.pdf", params=params,
                       headers=bearer(users.token("working_group")))
    assert group.status_code == 200, group.text
    _, full = _text(group.content, tmp_path)
    assert "zurückgezogen 1 (±0)" in full and "zurückgezogen" not in anonymous
    assert "nur veröffentlichte Status" in anonymous and "nur veröffentlichte" not in full
    assert MARKER not in full


@pytest.mark.parametrize("quarter", ["2026-Q5", "2026-Q0", "26-Q1", "2026-Q4\x00", "2030-Q1",
                                     "2001-Q1", "2026q4", ""])
def test_a_bad_quarter_is_a_422(client, quarter):
    response = client.get("/api/v1/statistics/report.pdf", params={"quarter": quarter})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "quarter"


@pytest.mark.parametrize("towns", [",".join(f"{16000000 + i:08d}" for i in range(1000)),
                                   "99999999", "1605300"])
def test_bad_towns_are_a_422(client, towns):
    response = client.get("/api/v1/statistics/report.pdf",
                          params={"quarter": "2026-Q3", "municipality": towns})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "municipality"


@pytest.fixture
def run(database_url, monkeypatch):
    monkeypatch.setattr(cli, "get_settings",
                        lambda: Settings(_env_file=None, database_url=database_url,
                                         secret_key="s" * 40))
    return lambda *argv: cli.main(list(argv))


def test_the_command_writes_the_report_and_refuses_a_bad_quarter(run, history, tmp_path,
                                                                   capsys):
    out = tmp_path / "bericht.pdf"
    assert run("statistics", "report", "--quarter", "2026-Q3", str(out),
               "--municipality", JENA) == 0
    _, flat = _text(out.read_bytes(), tmp_path)
    assert "Leerstandsbericht 3. Quartal 2026" in flat and "zurückgezogen 1" in flat
    assert MARKER not in flat
    assert run("statistics", "report", "--quarter", "2026-Q5", str(tmp_path / "x.pdf")) != 0
    assert "Quartal JJJJ-Qn" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
