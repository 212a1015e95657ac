"""The one report of the three imports (vacancies, boundaries, places): same fields, same JSON
keys, same problem triples, same text lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.accounts.principal import Principal
from app.exchange import import_service
from app.geofile.report import ImportReport, Problem
from app.municipalities import boundary_import
from app.scoring import places
from tests.helpers.towns import CENTRES, SCHMOELLN

LON, LAT = CENTRES[SCHMOELLN]
COMMON_KEYS = {"file", "format", "crs", "dry_run", "valid", "rows", "created", "updated",
               "unchanged", "seconds_import", "errors_total", "errors", "warnings"}


def write(tmp_path: Path, features: list[dict], name: str) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def point(lon: float, lat: float, **props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}


def square(ags: str, name: str) -> dict:
    x, y, d = 11.0, 50.5, 0.01
    return {"type": "Feature", "properties": {"AGS": ags, "GEN": name},
            "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d],
                                                             [x, y + d], [x, y]]]}}


def vacancies(session, path: Path) -> ImportReport:
    return import_service.import_file(session=session, path=path, ags=SCHMOELLN,
                                      actor=Principal(role="admin"), dry_run=True)


def boundaries(session, path: Path) -> ImportReport:
    return boundary_import.import_boundaries(session=session, path=path, register=None)


def context_places(session, path: Path) -> ImportReport:
    return places.import_places(session=session, path=path, category="retail", rescore=False)


# (import, two good rows, the same with a bad second row, the field of that problem)
PIPELINES = {
    "vacancies": (vacancies, [point(LON, LAT, external_id="A"),
                              point(LON + 0.001, LAT, external_id="B")],
                  [point(LON, LAT, external_id="A"),
                   point(LON, LAT, external_id="B", floor_area_m2=-1)], "floor_area_m2"),
    "boundaries": (boundaries, [square("16999001", "Neu A"), square("16999002", "Neu B")],
                   [square("16999001", "Neu A"), square("1699", "Kurz")], "ags"),
    "places": (context_places, [point(LON, LAT, name="A"), point(LON + 0.001, LAT, name="B")],
               [point(LON, LAT, name="A"), point(2.35, 48.85, name="Paris")], "geometry"),
}


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_a_good_file_gives_the_common_report(session, tmp_path, pipeline):
    run, good, _, _ = PIPELINES[pipeline]
    report = run(session, write(tmp_path, good, "gut.geojson"))
    assert isinstance(report, ImportReport)
    assert (report.file, report.format, report.crs) == ("gut.geojson", "geojson", "EPSG:4326")
    assert (report.rows, report.created, report.updated, report.problems) == (2, 2, 0, [])
    assert report.valid and not report.rejected and report.seconds_import > 0
    body = report.as_dict()
    assert COMMON_KEYS <= set(body) and body["errors"] == [] and body["errors_total"] == 0
    lines = report.lines()
    assert lines[0].startswith("gut.geojson: geojson, EPSG:4326, 2 rows")
    assert any(line.startswith("2 ") and "created" in line for line in lines)


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_a_bad_row_gives_the_same_problem_triple(session, tmp_path, pipeline):
    run, _, bad, field = PIPELINES[pipeline]
    report = run(session, write(tmp_path, bad, "schlecht.geojson"))
    assert report.rejected and not report.valid and report.created == 0
    problem, = report.problems
    assert isinstance(problem, Problem) and (problem.row, problem.field) == (2, field)
    assert report.as_dict()["errors"] == [{"row": 2, "field": field, "reason": problem.reason}]
    lines = report.lines()
    assert f"row 2: {field}: {problem.reason}" in lines
    assert lines[-1] == "1 problem(s): nothing imported"


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_a_broken_file_is_row_0(session, tmp_path, pipeline):
    run = PIPELINES[pipeline][0]
    path = tmp_path / "kaputt.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    report = run(session, path)
    problem, = report.problems
    assert report.rejected and (problem.row, problem.field) == (0, "file")
    assert "broken or truncated" in problem.reason
    assert report.as_dict()["errors_total"] == 1
