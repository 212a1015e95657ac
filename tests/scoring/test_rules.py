"""The pure rules, criterion by criterion, without a database."""

import random

import pytest

from app.scoring import rules
from app.scoring.rules import DEFAULT_THRESHOLDS as T
from app.scoring.rules import Profile

GOOD_UNIT = {
    "floor_area_m2": 90.0, "floor": "ground", "shop_window_m": 6.0, "condition": "ready",
    "has_wc": True, "has_heating": True, "step_free": True, "owner_interim_willing": "yes",
    "asking_rent_eur_m2": 8.0, "days_vacant": 200, "in_core_area": True,
    "distance_centre_m": 150.0, "distance_stop_m": 250.0, "vacancies_150m": 0,
    "active_uses_150m": 12, "culture_300m": 1,
}


def points(criterion: str, value):
    return rules.CRITERIA_BY_KEY[criterion].points(value, T)


# --- criterion by criterion ----------------------------------------------------------------

@pytest.mark.parametrize(("area", "expected"), [
    (10, (50, 40)), (90, (100, 100)), (300, (100, 100)), (301, (50, 100)), (450, (50, 70)),
    (700, (20, 70)), (1500, (20, 40)),
])
def test_floor_area_follows_the_300_m2_funding_limit(area, expected):
    assert points("floor_area", area) == expected


def test_floor_favours_the_ground_floor():
    assert points("floor", "ground") == (100, 100)
    assert points("floor", "upper") == (50, 30)
    assert points("floor", "basement") == (20, 10)


@pytest.mark.parametrize(("metres", "expected"), [(0, (20, 20)), (1, (40, 20)), (2, (70, 60)),
                                                  (5, (100, 100)), (12, (100, 100))])
def test_shop_window(metres, expected):
    assert points("shop_window", metres) == expected


def test_condition_weighs_renovation_harder_for_interim_use():
    assert points("condition", "ready") == (100, 100)
    interim, permanent = points("condition", "major_renovation")
    assert interim < permanent


@pytest.mark.parametrize("criterion", ["has_wc", "has_heating", "step_free"])
def test_yes_beats_no(criterion):
    yes, no = points(criterion, True), points(criterion, False)
    assert yes == (100, 100) and no[0] < 100 and no[1] < 100


def test_owner_willingness_feeds_only_the_interim_score():
    assert points("owner_willing", "yes") == (100, None)
    assert points("owner_willing", "no") == (0, None)
    assert rules.CRITERIA_BY_KEY["owner_willing"].scores == ("interim",)


@pytest.mark.parametrize(("rent", "expected"), [(0, (100, 100)), (5, (100, 100)), (8, (50, 100)),
                                                (15, (10, 60)), (30, (10, 30))])
def test_asking_rent(rent, expected):
    assert points("asking_rent", rent) == expected


@pytest.mark.parametrize(("days", "expected"), [
    (10, (30, 100)), (200, (60, 100)), (365, (90, 70)), (729, (90, 70)), (730, (100, 40)),
])
def test_days_vacant_uses_one_year_and_the_two_year_lapse(days, expected):
    assert points("days_vacant", days) == expected


def test_core_area():
    assert points("in_core_area", True) == (100, 100)
    assert points("in_core_area", False) == (50, 20)


@pytest.mark.parametrize(("metres", "expected"), [(100, (100, 100)), (800, (60, 50)),
                                                  (5000, (30, 10))])
def test_distance_to_centre(metres, expected):
    assert points("distance_centre", metres) == expected


@pytest.mark.parametrize(("metres", "expected"), [(100, (100, 100)), (700, (60, 60)),
                                                  (2000, (30, 30))])
def test_distance_to_stop(metres, expected):
    assert points("distance_stop", metres) == expected


def test_vacancy_clusters_favour_interim_and_hurt_permanent():
    assert points("vacancies_near", 0) == (60, 100)
    assert points("vacancies_near", 1) == (80, 60)
    assert points("vacancies_near", 5) == (100, 20)


def test_active_uses():
    assert points("active_uses", 0) == (40, 10)
    assert points("active_uses", 3) == (80, 60)
    assert points("active_uses", 8) == (100, 100)


def test_culture_nearby_feeds_only_interim():
    assert points("culture_near", 0) == (40, None)
    assert points("culture_near", 3) == (100, None)


def test_thresholds_come_from_the_profile():
    strict = {**T, "interim_max_area_m2": 50}
    assert rules.CRITERIA_BY_KEY["floor_area"].points(90, strict)[0] == 50


# --- the scores ------------------------------------------------------------------------------

def test_a_good_unit_in_a_good_place_scores_high_and_confident():
    result = rules.score(GOOD_UNIT, Profile())
    assert result.interim >= 80 and result.permanent >= 80
    assert result.confidence == 1.0 and result.missing == []
    assert result.recommendation in ("interim", "permanent")


def test_score_is_the_weighted_mean_and_contributions_add_up():
    result = rules.score(GOOD_UNIT, Profile())
    for name in rules.SCORES:
        parts = [line.parts[name] for line in result.lines if name in line.parts]
        weights = sum(p["weight"] for p in parts)
        mean = sum(p["weight"] * p["points"] for p in parts) / weights
        assert getattr(result, name) == round(mean)
        assert abs(sum(p["contribution"] for p in parts) - mean) < 1


def test_missing_fact_is_left_out_not_counted_as_zero():
    facts = {**GOOD_UNIT, "active_uses_150m": None}
    with_zero = rules.score({**GOOD_UNIT, "active_uses_150m": 0}, Profile())
    missing = rules.score(facts, Profile())
    assert missing.permanent > with_zero.permanent
    assert missing.confidence < 1.0
    assert missing.missing == ["active_uses_150m"]
    line = next(line for line in missing.lines if line.criterion == "active_uses")
    assert line.missing and line.display == "Angabe fehlt"
    assert line.parts["permanent"]["points"] is None
    assert "Aktive Nutzungen" in missing.reason  # named as missing


def test_unknown_owner_willingness_is_missing():
    result = rules.score({**GOOD_UNIT, "owner_interim_willing": None}, Profile())
    assert "owner_interim_willing" in result.missing


def test_too_few_facts_give_insufficient_data():
    result = rules.score({"floor_area_m2": 80.0, "floor": "ground"}, Profile())
    assert result.recommendation == "insufficient_data"
    assert result.confidence < T["min_confidence"]
    assert "Zu wenige Angaben" in result.reason


def test_no_facts_at_all():
    result = rules.score({}, Profile())
    assert result.interim is None and result.permanent is None
    assert result.recommendation == "insufficient_data" and result.confidence == 0


def test_weak_location_and_poor_unit_suggest_conversion():
    facts = {
        **GOOD_UNIT, "floor": "basement", "shop_window_m": 0.0, "condition": "major_renovation",
        "has_wc": False, "has_heating": False, "step_free": False, "floor_area_m2": 1500.0,
        "in_core_area": False, "distance_centre_m": 3000.0, "distance_stop_m": 2500.0,
        "vacancies_150m": 6, "active_uses_150m": 0,
    }
    result = rules.score(facts, Profile())
    assert result.recommendation == "conversion"
    assert "Umnutzung" in result.reason


def test_good_location_favours_permanent_weak_owner_ready_for_interim():
    permanent = rules.score({**GOOD_UNIT, "owner_interim_willing": "no"}, Profile())
    assert permanent.recommendation == "permanent"
    interim = rules.score({**GOOD_UNIT, "in_core_area": False, "distance_centre_m": 1500.0,
                           "active_uses_150m": 1, "vacancies_150m": 4, "days_vacant": 900,
                           "asking_rent_eur_m2": 3.0}, Profile())
    assert interim.recommendation == "interim"
    assert "Zwischennutzung" in interim.reason


def test_changing_a_weight_changes_the_score():
    base = rules.score(GOOD_UNIT | {"active_uses_150m": 0}, Profile())
    weights = {k: dict(v) for k, v in rules.DEFAULT_WEIGHTS.items()}
    weights["active_uses"]["permanent"] = 20
    heavier = rules.score(GOOD_UNIT | {"active_uses_150m": 0}, Profile(weights=weights, version=2))
    assert heavier.permanent < base.permanent and heavier.profile_version == 2


def test_zero_weight_switches_a_criterion_off_without_lowering_confidence():
    weights = {k: dict(v) for k, v in rules.DEFAULT_WEIGHTS.items()}
    weights["culture_near"]["interim"] = 0
    result = rules.score({**GOOD_UNIT, "culture_300m": None}, Profile(weights=weights))
    assert result.confidence == 1.0


def test_display_texts_are_german_with_units():
    result = rules.score({**GOOD_UNIT, "floor_area_m2": 1234.5}, Profile())
    shown = {line.criterion: line.display for line in result.lines}
    assert shown["floor_area"] == "1.234,5 m²"
    assert shown["floor"] == "Erdgeschoss" and shown["has_wc"] == "ja"
    assert shown["days_vacant"] == "200 Tage"
    assert shown["active_uses"] == "12"


def test_summary_equals_full_score_for_random_facts():
    rng = random.Random(7)
    for _ in range(500):
        facts = {
            "floor_area_m2": rng.choice([None, rng.uniform(5, 3000)]),
            "floor": rng.choice([None, "ground", "upper", "basement"]),
            "shop_window_m": rng.choice([None, rng.uniform(0, 20)]),
            "condition": rng.choice([None, "ready", "minor_renovation", "major_renovation"]),
            "has_wc": rng.choice([None, True, False]),
            "has_heating": rng.choice([None, True, False]),
            "step_free": rng.choice([None, True, False]),
            "owner_interim_willing": rng.choice([None, "yes", "no"]),
            "asking_rent_eur_m2": rng.choice([None, rng.uniform(0, 30)]),
            "days_vacant": rng.choice([None, rng.randint(0, 3000)]),
            "in_core_area": rng.choice([None, True, False]),
            "distance_centre_m": rng.choice([None, rng.uniform(0, 5000)]),
            "distance_stop_m": rng.choice([None, rng.uniform(0, 5000)]),
            "vacancies_150m": rng.choice([None, rng.randint(0, 9)]),
            "active_uses_150m": rng.choice([None, rng.randint(0, 20)]),
            "culture_300m": rng.choice([None, rng.randint(0, 4)]),
        }
        full = rules.score(facts, Profile())
        assert rules.summarise(facts, Profile()) == (
            full.interim, full.permanent, full.recommendation, full.confidence)
        assert full.recommendation in rules.RECOMMENDATIONS
        for value in (full.interim, full.permanent):
            assert value is None or 0 <= value <= 100
