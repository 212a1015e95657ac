"""The one normalisation of address text (no database)."""

import pytest

from app.addresses.normalise import house_number_key, parse_query, search_text, street_key


@pytest.mark.parametrize("spelling", ["Musterstraße", "Musterstrasse", "Musterstr.", "musterstr",
                                      "MUSTERSTRASSE", "Muster-Straße", "Muster Str.",
                                      "  Musterstraße  "])
def test_street_spellings_are_one_key(spelling):
    assert street_key(spelling) == "musterstr"


@pytest.mark.parametrize("spelling", ["Brühl", "Bruehl", "Bruhl", "BRÜHL", "Bru\u0308hl"])
def test_umlaut_digraph_and_plain_vowel_are_one_key(spelling):
    assert street_key(spelling) == "bruhl"


def test_sharp_s_other_diacritics_and_punctuation():
    assert street_key("Große Gasse") == street_key("Grosse Gasse") == "grosse gasse"
    assert street_key("Rue de l'Église") == "ru de l eglise"  # ue → u on both sides alike
    assert street_key("Platz  der   Beispiele,") == "platz der beispiele"
    assert street_key("Straße des Friedens") == "str des friedens"


def test_words_that_merely_begin_with_str_keep_their_letters():
    assert street_key("Strandweg") == "strandweg"
    assert street_key("Am Strom") == "am strom"


def test_percent_and_underscore_are_punctuation():
    assert street_key("%_%") == ""
    assert street_key("Muster_straße%") == "muster str"


def test_house_numbers():
    assert house_number_key("12 a") == house_number_key("12A") == "12a"
    assert house_number_key("3 / 1") == "3/1"
    assert house_number_key("12-14") == "12-14"


def test_query_is_taken_apart():
    query = parse_query("07639 Musterstadt, Musterstr. 3")
    assert (query.words, query.house_number, query.postcode) == (
        "musterstadt musterstr", "3", "07639")
    assert parse_query("Markt 12 a").house_number == "12a"
    assert parse_query("markt 1").house_number == "1"
    assert parse_query("Beispielgasse").house_number is None


def test_search_text_holds_every_part():
    assert search_text("Musterstraße", "3 a", "07639", "Schmölln") == "musterstr 3a 07639 schmolln"
    assert search_text("Musterstraße", "3", None, "Jena") == "musterstr 3 jena"
