"""Matching rules without a database."""

import pytest

from app.matching.rules import MAX_SCORE, Need, Offer, misfits, passes, rank, score

NEED = Need(category="culture", duration="interim", min_area_m2=50, max_area_m2=150,
            needs_ground_floor=True, needs_shop_window=True, needs_step_free=True,
            max_rent_eur_m2=8)
GOOD = Offer(vacancy_id=1, floor_area_m2=100, floor="ground", shop_window_m=4, step_free=True,
             owner_interim_willing="yes", asking_rent_eur_m2=4, condition="ready", distance_m=0)


@pytest.mark.parametrize(("change", "fits"), [
    ({}, True),
    ({"floor_area_m2": 49}, False),
    ({"floor_area_m2": 151}, False),
    ({"floor_area_m2": None}, True),
    ({"floor": "upper"}, False),
    ({"floor": None}, True),
    ({"shop_window_m": 0}, False),
    ({"step_free": False}, False),
    ({"step_free": None}, True),
    ({"owner_interim_willing": "no"}, False),
    ({"owner_interim_willing": "unknown"}, True),
    ({"asking_rent_eur_m2": 8.01}, False),
    ({"asking_rent_eur_m2": 8}, True),
])
def test_hard_filters(change, fits):
    assert passes(NEED, Offer(**{**GOOD.__dict__, **change})) is fits


@pytest.mark.parametrize(("change", "codes"), [
    ({}, []),
    ({"floor_area_m2": 49}, ["too_small"]),
    ({"floor_area_m2": 151}, ["too_big"]),
    ({"floor": "upper"}, ["not_ground_floor"]),
    ({"shop_window_m": 0}, ["no_shop_window"]),
    ({"step_free": False}, ["not_step_free"]),
    ({"owner_interim_willing": "no"}, ["interim_refused"]),
    ({"asking_rent_eur_m2": 8.01}, ["too_dear"]),
    ({"floor_area_m2": 250, "asking_rent_eur_m2": 12, "floor": "upper"},
     ["too_big", "not_ground_floor", "too_dear"]),
    ({"floor_area_m2": None, "floor": None, "step_free": None, "asking_rent_eur_m2": None}, []),
])
def test_misfits_name_every_failed_hard_filter(change, codes):
    offer = Offer(**{**GOOD.__dict__, **change})
    found = misfits(NEED, offer)
    assert [r.code for r in found] == codes and passes(NEED, offer) is not codes
    assert all(r.de.endswith(".") and r.en and r.points == 0 for r in found)


def test_misfit_sentences_in_german_with_decimal_comma():
    need = Need(category="culture", duration="either", min_area_m2=60.5, max_area_m2=150,
                needs_ground_floor=True, max_rent_eur_m2=7.5)
    assert [r.de for r in misfits(need, Offer(vacancy_id=1, floor_area_m2=250))] == [
        "Dieser Laden ist mit 250 m² größer als die gewünschten höchstens 150 m²."]
    assert [r.de for r in misfits(need, Offer(vacancy_id=1, floor_area_m2=42.25))] == [
        "Dieser Laden ist mit 42,25 m² kleiner als die gewünschten mindestens 60,5 m²."]
    assert [r.de for r in misfits(need, Offer(vacancy_id=1, floor="upper",
                                              asking_rent_eur_m2=12.5))] == [
        "Dieser Laden liegt nicht im Erdgeschoss (Obergeschoss); die Idee braucht das Erdgeschoss.",
        "Die Miete dieses Ladens liegt mit 12,5 €/m² über den gewünschten höchstens 7,5 €/m²."]


def test_soft_reasons_write_numbers_in_german():
    need = Need(category="creative", duration="interim", min_area_m2=30, max_area_m2=2000,
                max_rent_eur_m2=5.5)
    offer = Offer(vacancy_id=1, floor_area_m2=1250.5, shop_window_m=3.5, asking_rent_eur_m2=4.2,
                  distance_m=1234.4)
    reasons = {r.code: r.de for r in score(need, offer).reasons}
    assert reasons["area"] == "1.250,5 m² im gewünschten Bereich"
    assert reasons["shop_window"] == "3,5 m Schaufenster"
    assert reasons["rent"] == "Miete 4,2 €/m² (höchstens 5,5 €/m²)"
    assert reasons["distance"] == "1.234 m vom Wunschort"


def test_permanent_or_either_ignores_interim_refusal():
    refusing = Offer(**{**GOOD.__dict__, "owner_interim_willing": "no"})
    for duration in ("permanent", "either"):
        assert passes(Need(**{**NEED.__dict__, "duration": duration}), refusing)


def test_best_offer_scores_high_with_reasons_in_both_languages():
    result = score(NEED, GOOD)
    assert 80 <= result.score <= MAX_SCORE and not result.pinned
    codes = {r.code for r in result.reasons}
    assert {"area", "ground_floor", "shop_window", "step_free", "interim_willing", "rent",
            "condition"} <= codes
    assert all(r.de and r.en for r in result.reasons)
    assert [r.points for r in result.reasons] == sorted((r.points for r in result.reasons),
                                                        reverse=True)


def test_unknown_facts_cost_points_and_say_so():
    bare = Offer(vacancy_id=2)
    result = score(NEED, bare)
    codes = {r.code for r in result.reasons}
    assert {"area_unknown", "floor_unknown", "rent_unknown", "condition_unknown",
            "interim_unknown"} <= codes
    assert result.score < score(NEED, GOOD).score


def test_area_in_the_middle_of_the_range_scores_best():
    middle = score(NEED, GOOD).reasons
    edge = score(NEED, Offer(**{**GOOD.__dict__, "floor_area_m2": 50})).reasons
    points = {r.code: r.points for r in middle}["area"]
    assert points == 20 and {r.code: r.points for r in edge}["area"] < points


def test_pinned_first_then_by_score():
    pinned_need = Need(**{**NEED.__dict__, "pinned_vacancy_id": 3})
    weak_pinned = score(pinned_need, Offer(vacancy_id=3))
    strong = score(pinned_need, GOOD)
    assert weak_pinned.pinned and weak_pinned.reasons[0].code == "pinned"
    assert [s.vacancy_id for s in rank([strong, weak_pinned])] == [3, 1]


def test_score_never_exceeds_100():
    pinned = Need(**{**NEED.__dict__, "pinned_vacancy_id": 1})
    assert score(pinned, GOOD).score == MAX_SCORE
