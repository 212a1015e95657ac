"""One German label table per enum (app/labels.py): complete, and never spelled again in the
scripts or templates, which read it from the server."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import typing
from enum import StrEnum
from pathlib import Path

import pytest

import app
from app.labels import LABELS, TABLES, Labels
from app.scoring import rules
from tests.helpers.towns import SCHMOELLN

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "static" / "app").glob("*.js"))
TEMPLATES = sorted((ROOT / "app" / "templates").glob("*.html"))
# a string literal in JavaScript or a Jinja expression
LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')
TEXT_NODE = re.compile(r">([^<>{}]+)<")


def _app_enums() -> list[type[StrEnum]]:
    for module in pkgutil.walk_packages(app.__path__, "app."):
        importlib.import_module(module.name)
    found, todo = [], list(StrEnum.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("app."):
            found.append(cls)
    return found


def _tables_by_enum() -> dict[type, list[str]]:
    tables: dict[type, list[str]] = {}
    for name, info in Labels.model_fields.items():
        key_type = typing.get_args(info.annotation)[0]
        tables.setdefault(key_type, []).append(name)
    return tables


def test_every_enum_member_has_a_label():
    enums = _app_enums()
    assert len(enums) >= 10, "the walk found the enums"
    tables = _tables_by_enum()
    for enum in enums:
        assert enum in tables, f"{enum.__module__}.{enum.__name__} has no label table in app/labels.py"
        for name in tables[enum]:
            assert set(TABLES[name]) == {m.value for m in enum}, name
    for name, table in TABLES.items():
        assert all(isinstance(t, str) and t.strip() == t != "" for t in table.values()), name


def test_the_scorings_values_have_labels():
    assert set(TABLES["recommendation"]) == set(rules.RECOMMENDATIONS)
    assert set(TABLES["score"]) == set(rules.SCORES)
    assert set(TABLES["score_group"]) == {c.group for c in rules.CRITERIA}


def test_one_enum_never_gives_two_values_the_same_label():
    for name, table in TABLES.items():
        assert len(set(table.values())) == len(table), name


def _labels() -> set[str]:
    return {label for table in TABLES.values() for label in table.values()}


def _literals(text: str) -> list[str]:
    return [(a or b).strip() for a, b in LITERAL.findall(text)]


@pytest.mark.parametrize("path", SCRIPTS + TEMPLATES, ids=lambda p: p.name)
def test_no_label_is_spelled_in_scripts_or_templates(path):
    text = path.read_text(encoding="utf-8")
    shown = _literals(text)
    if path.suffix == ".html":
        shown += [t.strip() for t in TEXT_NODE.findall(text)]
    spelled = sorted(set(shown) & _labels())
    assert not spelled, f"{path.name} spells enum labels {spelled}; read them from labels"
    # a label of three words or more also must not hide inside a bigger text (two words like
    # "wird geprüft" may well be part of a sentence)
    inside = sorted(label for label in _labels() if len(label.split()) >= 3 and label in text)
    assert not inside, f"{path.name} contains enum labels {inside}"


def _enum_values() -> set[str]:
    values = {m.value for enum in _app_enums() for m in enum}
    return values | set(rules.RECOMMENDATIONS) | {c.group for c in rules.CRITERIA}


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_no_script_keeps_its_own_table_of_enum_values(path):
    text = path.read_text(encoding="utf-8")
    keys = "|".join(re.escape(v) for v in sorted(_enum_values(), key=len, reverse=True))
    # {vacant: "…"} or {"vacant": '…'}: a table from enum values to text
    table = re.compile(rf"""(?<![\w.$])["']?({keys})["']?\s*:\s*["'`]""")
    assert not table.findall(text), f"{path.name} maps enum values to texts itself"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_template_lists_enum_values_with_their_own_text(path):
    text = path.read_text(encoding="utf-8")
    keys = "|".join(re.escape(v) for v in _enum_values())
    assert not re.findall(rf'<option value="({keys})">\s*[^<{{\s]', text), path.name
    assert not re.findall(rf'\(\s*"({keys})"\s*,\s*"', text), path.name


def test_the_api_serves_the_labels(client):
    response = client.get("/api/v1/labels")
    assert response.status_code == 200
    assert response.json() == TABLES
    assert list(response.json()["duration"]) == list(TABLES["duration"]), "in the pages' order"
    schema = client.get("/openapi.json").json()
    ref = schema["paths"]["/api/v1/labels"]["get"]["responses"]["200"]["content"]
    assert ref["application/json"]["schema"] == {"$ref": "#/components/schemas/Labels"}


def test_the_map_page_embeds_the_same_labels_and_the_forms_use_them(client):
    html = client.get(f"/karte/{SCHMOELLN}").text
    embedded = re.search(r'<script id="leerstand-labels" type="application/json">(.*?)</script>',
                         html, re.S).group(1)
    assert json.loads(embedded) == TABLES
    for value, label in LABELS.category.items():
        assert f'<option value="{value}">{label}</option>' in html
