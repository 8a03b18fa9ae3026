"""Pure business-day arithmetic for the queue's targets: no clock, no settings, no ORM."""

from collections.abc import Collection
from datetime import date, timedelta


def is_business_day(day: date, *, workdays: Collection[int], holidays: Collection[date]) -> bool:
    """True when `day` is one of the clinic's weekdays (Monday is 0) and not a holiday."""
    return day.weekday() in workdays and day not in holidays


def next_business_day(day: date, *, workdays: Collection[int], holidays: Collection[date]) -> date:
    """`day` itself when it is a business day, else the first business day after it."""
    if not workdays:
        raise ValueError("The clinic needs at least one business day a week.")
    while not is_business_day(day, workdays=workdays, holidays=holidays):
        day += timedelta(days=1)
    return day


def due_date(
    received: date, target_days: int, *, workdays: Collection[int], holidays: Collection[date]
) -> date:
    """The last day on which a referral received on `received` is still on time.

    A referral that arrives on a weekend or holiday counts as arriving on the next business day.
    A target of 0 business days means the same business day; 3 means by the end of the third
    business day after that.
    """
    if target_days < 0:
        raise ValueError("A target cannot be negative.")
    day = next_business_day(received, workdays=workdays, holidays=holidays)
    for _ in range(target_days):
        day = next_business_day(day + timedelta(days=1), workdays=workdays, holidays=holidays)
    return day


def is_overdue(
    received: date, today: date, target_days: int, *, workdays: Collection[int], holidays: Collection[date]
) -> bool:
    return today > due_date(received, target_days, workdays=workdays, holidays=holidays)


def latest_overdue_received(
    today: date, target_days: int, *, workdays: Collection[int], holidays: Collection[date]
) -> date:
    """The latest date of receipt that is overdue today: received on or before it ⇔ overdue.

    `due_date` never decreases as `received` grows, so walking back from today finds the boundary;
    the queue turns it into one database condition instead of a check per row.
    """
    day = today
    while due_date(day, target_days, workdays=workdays, holidays=holidays) >= today:
        day -= timedelta(days=1)
    return day


def business_days_between(
    start: date, end: date, *, workdays: Collection[int], holidays: Collection[date]
) -> int:
    """Business days after `start` up to and including `end` (0 when end is not after start)."""
    if end <= start:
        return 0
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * len(set(workdays))  # every 7 consecutive days hold each weekday once
    tail = start + timedelta(days=7 * weeks)
    count += sum(1 for offset in range(1, extra + 1) if (tail + timedelta(days=offset)).weekday() in workdays)
    count -= sum(1 for holiday in set(holidays) if start < holiday <= end and holiday.weekday() in workdays)
    return count
