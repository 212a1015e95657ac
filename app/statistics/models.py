"""The status spans of every vacancy and their monthly marks, kept by triggers in PostgreSQL
(migration 0012).

Never written by the app: the triggers on ``vacancy`` and ``vacancy_history`` rebuild a
vacancy's spans — and move the marks by the difference — whenever a statement changes its
status, creation time, ``vacant_since``, town or status history, or deletes it
(docs/statistics.md). The time series in app.statistics.trends reads the marks.
"""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class VacancySpan(Base):
    __tablename__ = "vacancy_span"
    __table_args__ = (Index("ix_vacancy_span_municipality_id", "municipality_id", "start_month"),)

    # no foreign key: the trigger that deletes a vacancy's spans also takes away their marks
    vacancy_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # 0: the span from the creation; else the id of the history row that started it
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(Text)
    prev_status: Mapped[str | None] = mapped_column(Text)
    next_status: Mapped[str | None] = mapped_column(Text)
    # months in Europe/Berlin as year × 12 + month − 1
    start_month: Mapped[int] = mapped_column(Integer)
    end_month: Mapped[int | None] = mapped_column(Integer)


class VacancyMonth(Base):
    """Per town, month (Europe/Berlin, year × 12 + month − 1) and status: the spans of the
    status that start in the month minus those that end in it, and the events of the spans that
    start in it."""

    __tablename__ = "vacancy_month"

    municipality_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(Text, primary_key=True)
    change: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer)
    reused: Mapped[int] = mapped_column(Integer)
    interim_started: Mapped[int] = mapped_column(Integer)
    interim_ended: Mapped[int] = mapped_column(Integer)
