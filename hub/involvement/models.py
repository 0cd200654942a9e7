"""Involvement checks counted per member and per team per local day, for every hub process.

The per-day limits of the policy hold in total however many hub processes serve the
checks, so the count lives in the database: one row per (day, scope, key), raised by an
atomic upsert (``hub/involvement/repository.py``). The day comes first in the key, so that
forgetting the days gone by is a range of the primary key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime


class CheckDayCount(Base):
    __tablename__ = "check_day_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # in Europe/Amsterdam
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # "member" or "team"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # a member's sub, a team's slug
    count: Mapped[int] = mapped_column(Integer)


class CheckMinuteCount(Base):
    """The per-minute limits shared by the hub processes on PostgreSQL: checks per member
    and per team in each minute (a fixed window, UTC), counted as the day's are.

    Without it each process keeps token buckets of its own, and n replicas allow n times
    the limit (``hub/involvement/limits.py``).
    """

    __tablename__ = "check_minute_counts"

    minute: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    scope: Mapped[str] = mapped_column(String(8), primary_key=True)  # "member" or "team"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
