"""The reference figures on hand-made cases: if these are wrong, every comparison is worthless."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.statistics import timeline as tl


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def one(changes: list[tuple[datetime, str, str]], *, created: datetime, status: str,
        vacant_since: date | None = None) -> tl.Timeline:
    return tl.timeline(vacancy_id=1, ags="16053000", created_at=created, vacant_since=vacant_since,
                       status=status, changes=[tl.Change(t, i, old, new)
                                               for i, (t, old, new) in enumerate(changes, 1)])


def test_one_vacancy_through_interim_use_to_reuse() -> None:
    line = one([(utc(2026, 2, 10), "vacant", "interim_use"), (utc(2026, 4, 5), "interim_use", "reused")],
               created=utc(2026, 1, 15), status="reused")
    assert [s.status for s in line.spans] == ["vacant", "interim_use", "reused"]
    months = tl.monthly([line], tl.months_between("2025-12", "2026-04"), public_only=False,
                        population=20000)
    by = {m["month"]: m for m in months}
    assert by["2025-12"]["counts"]["vacant"] == 0 and by["2025-12"]["active"] == 0
    assert by["2026-01"]["counts"]["vacant"] == 1 and by["2026-01"]["new"] == 1
    assert by["2026-01"]["per_10000"] == tl.Decimal("0.50")
    assert by["2026-02"]["counts"]["interim_use"] == 1 and by["2026-02"]["interim_started"] == 1
    assert by["2026-02"]["new"] == 0  # vacant → interim use is no new vacancy
    assert by["2026-03"]["counts"]["interim_use"] == 1
    assert by["2026-04"]["counts"]["reused"] == 1 and by["2026-04"]["active"] == 0
    assert by["2026-04"]["reused"] == 1 and by["2026-04"]["interim_ended"] == 1
    result = tl.durations([line], now=utc(2026, 6, 1))
    assert result["current"]["count"] == 0
    assert result["ended"]["count"] == 1
    assert result["ended"]["median_days"] == (utc(2026, 4, 5) - utc(2026, 1, 15)).days
    assert result["vacant_to_reused"] == {"count": 1, "median_days": 80.0}
    assert result["interim"] == {"ended": 1, "became_permanent": 1, "share_permanent": 1.0}


def test_a_change_late_on_31_march_utc_falls_in_april_in_berlin() -> None:
    # 2026-03-29 is the switch to summer time: 23:30 UTC on 31 March is 01:30 on 1 April in Berlin
    line = one([(utc(2026, 3, 31, 23, 30), "vacant", "reused")], created=utc(2026, 3, 1),
               status="reused")
    by = {m["month"]: m for m in tl.monthly([line], ["2026-03", "2026-04"], public_only=False,
                                            population=None)}
    assert by["2026-03"]["counts"]["vacant"] == 1 and by["2026-03"]["reused"] == 0
    assert by["2026-04"]["counts"]["reused"] == 1 and by["2026-04"]["reused"] == 1
    assert by["2026-04"]["per_10000"] is None
    # 21:59 UTC on 31 March is still March (23:59 CEST); 22:00 UTC is April
    assert tl.month_of(utc(2026, 3, 31, 21, 59)) == "2026-03"
    assert tl.month_of(utc(2026, 3, 31, 22, 0)) == "2026-04"
    # in winter the offset is one hour
    assert tl.month_of(utc(2026, 1, 31, 22, 30)) == "2026-01"
    assert tl.month_of(utc(2026, 1, 31, 23, 0)) == "2026-02"


def test_vacant_since_before_the_register_counts_from_that_date() -> None:
    line = one([], created=utc(2026, 5, 2), status="vacant", vacant_since=date(2025, 11, 1))
    assert line.spans[0].start == datetime(2025, 11, 1, tzinfo=tl.BERLIN)
    by = {m["month"]: m for m in tl.monthly([line], tl.months_between("2025-10", "2025-12"),
                                            public_only=False, population=None)}
    assert by["2025-10"]["active"] == 0
    assert by["2025-11"]["active"] == 1 and by["2025-11"]["new"] == 1
    assert by["2025-12"]["active"] == 1 and by["2025-12"]["new"] == 0
    # a vacant_since after the creation does not move the start
    later = one([], created=utc(2026, 5, 2), status="vacant", vacant_since=date(2026, 6, 1))
    assert later.spans[0].start == utc(2026, 5, 2)


def test_back_and_forth_and_hidden_statuses() -> None:
    line = one([(utc(2026, 1, 10), "vacant", "withdrawn"), (utc(2026, 2, 10), "withdrawn", "vacant")],
               created=utc(2025, 12, 5), status="vacant")
    full = {m["month"]: m for m in tl.monthly([line], ["2026-01", "2026-02"], public_only=False,
                                              population=None)}
    public = {m["month"]: m for m in tl.monthly([line], ["2026-01", "2026-02"], public_only=True,
                                                population=None)}
    assert full["2026-01"]["counts"]["withdrawn"] == 1 and full["2026-01"]["active"] == 0
    assert "withdrawn" not in public["2026-01"]["counts"]
    assert public["2026-01"]["active"] == 0 and public["2026-02"]["active"] == 1
    assert full["2026-02"]["new"] == public["2026-02"]["new"] == 1  # fell empty again
    assert [s.end_status for s in tl.spells(line)] == ["withdrawn", None]


def test_quantiles_interpolate_like_percentile_cont() -> None:
    assert tl.quantile([], 0.5) is None
    assert tl.quantile([4.0], 0.25) == 4.0
    assert tl.quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert tl.quantile([4.0, 1.0, 3.0, 2.0], 0.25) == 1.75
    assert tl.floor_band(49.9) == "0-50" and tl.floor_band(50) == "50-100"
    assert tl.floor_band(500) == "500+" and tl.floor_band(None) is None
