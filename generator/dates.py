"""Dates as the content writes them, turned into aware datetimes and Open Badges strings."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.model import Duration

_DURATION_RE = re.compile(r"^\s*(\d{1,9})\s*(day|week|month|year)s?\s*$", re.IGNORECASE)
# French spellings too: the first association using Insigne writes its content in French.
_FRENCH_UNITS = {
    "jour": "day",
    "jours": "day",
    "semaine": "week",
    "semaines": "week",
    "mois": "month",
    "an": "year",
    "ans": "year",
    "année": "year",
    "années": "year",
}
_FRENCH_RE = re.compile(r"^\s*(\d{1,9})\s*([a-zéè]+)\s*$", re.IGNORECASE)
# Dates Insigne accepts: any real award fits, and expiry arithmetic (at most MAX_DURATION_YEARS
# later) and time zone conversions stay within Python's years 1 to 9999.
FIRST_YEAR, LAST_YEAR = 1000, 8999
MAX_DURATION_YEARS = 1000
_DAYS_PER = {"days": 1, "weeks": 7, "months": 31, "years": 366}


class DateError(ValueError):
    pass


def load_timezone(name: str) -> tzinfo:
    if name.upper() in ("UTC", "Z", "ETC/UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DateError(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Paris' or 'UTC'"
        ) from None


def parse_moment(value: object, tz: tzinfo) -> datetime:
    """A YAML date (midnight in the site's zone) or an ISO datetime (its zone, else the site's)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                moment = datetime.combine(date.fromisoformat(text), time(0, 0))
            else:
                moment = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise DateError(
                f"{value!r} is not a date: write YYYY-MM-DD (e.g. 2017-06-10) "
                "or an ISO date-time (e.g. 2017-06-10T18:30:00+02:00)"
            ) from None
    else:
        raise DateError(f"{value!r} is not a date: write YYYY-MM-DD (e.g. 2017-06-10)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        shown = value.isoformat() if isinstance(value, date) else repr(value)
        raise DateError(
            f"{shown} is out of range: write a date between the years {FIRST_YEAR} and {LAST_YEAR}"
        )
    return moment


def parse_duration(value: object) -> Duration:
    text = value if isinstance(value, str) else ""
    duration = None
    match = _DURATION_RE.match(text)
    if match:
        duration = Duration(int(match.group(1)), match.group(2).lower() + "s")
    match = _FRENCH_RE.match(text)
    if match and match.group(2).lower() in _FRENCH_UNITS:
        duration = Duration(int(match.group(1)), _FRENCH_UNITS[match.group(2).lower()] + "s")
    if duration is not None:
        if duration.amount * _DAYS_PER[duration.unit] > MAX_DURATION_YEARS * 366:
            raise DateError(
                f"{text!r} is too long: a badge expires after at most {MAX_DURATION_YEARS} years"
            )
        return duration
    shown = repr(value) if isinstance(value, str) else f"a {type(value).__name__}"
    raise DateError(
        f"{shown} is not a duration: write a number and a unit, e.g. '90 days', "
        "'18 months' or '2 years'"
    )


def add_duration(moment: datetime, duration: Duration) -> datetime:
    if duration.unit == "days":
        return moment + timedelta(days=duration.amount)
    if duration.unit == "weeks":
        return moment + timedelta(weeks=duration.amount)
    months = duration.amount * (12 if duration.unit == "years" else 1)
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    # 31 January + 1 month is the last day of February, as people count.
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def ob_datetime(moment: datetime) -> str:
    """ISO 8601 with an explicit offset, `Z` for UTC: validators reject dates without a zone."""
    text = moment.isoformat(timespec="seconds")
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


def read_ob_datetime(value: object) -> datetime | None:
    """A published date as verifiers read it: ISO 8601 with a zone, else None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
