"""German numbers and dates written by Python (app/formats.py) and its Jinja filters."""

import datetime as dt

from app import formats
from app.templating import templates


def test_numbers_have_a_decimal_comma_and_a_dot_between_thousands():
    values = (250, 250.0, 12.5, 8.25, 1250, 1234567.891, 0.125, 10000, -3.5)
    assert [formats.number(v) for v in values] == [
        "250", "250", "12,5", "8,25", "1.250", "1.234.567,89", "0,13", "10.000", "-3,5"]
    assert formats.number(2.25, 1) == "2,3" and formats.number(1999.6, 0) == "2.000"
    assert formats.number(None) == ""
    assert formats.fixed(50.895281, 5) == "50,89528" and formats.fixed(12, 2) == "12,00"


def test_counts_take_the_words_right_form():
    assert formats.count(1, "Eintrag", "Einträge") == "1 Eintrag"
    assert formats.count(0, "Eintrag", "Einträge") == "0 Einträge"
    assert formats.count(12000, "Idee", "Ideen") == "12.000 Ideen"


def test_dates_and_booleans():
    moment = dt.datetime(2026, 3, 7, 14, 5, tzinfo=dt.UTC)
    assert formats.date(moment) == "07.03.2026" and formats.date(dt.date(2019, 12, 31)) == "31.12.2019"
    assert formats.date_time(moment) == "07.03.2026, 14:05 UTC"
    berlin = dt.timezone(dt.timedelta(hours=1))
    assert formats.date_time(dt.datetime(2026, 3, 7, 15, 5, tzinfo=berlin)) == "07.03.2026, 14:05 UTC"
    assert [formats.yes_no(v) for v in (True, False, None)] == ["Ja", "Nein", ""]


def test_the_templates_have_them_as_filters():
    template = templates.env.from_string(
        "{{ a|de_number }} m² · {{ n|de_count('Eintrag', 'Einträge') }} · {{ d|de_date }} · "
        "{{ b|de_yes_no }}")
    assert template.render(a=30.0, n=1250, d=dt.date(2026, 1, 2), b=False) == \
        "30 m² · 1.250 Einträge · 02.01.2026 · Nein"
