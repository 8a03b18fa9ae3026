"""The pure business-day helper behind the queue's targets: weekends, holidays, boundaries."""

from datetime import date

import pytest

from referrals import business_days as bd

CAL = {"workdays": frozenset({0, 1, 2, 3, 4}), "holidays": frozenset({date(2026, 12, 25)})}
# 2026-12-21 is a Monday; the 25th (Friday) is a holiday.


class BusinessDayTests:
    @pytest.mark.parametrize(
        ("received", "target", "due"),
        [
            (date(2026, 12, 21), 0, date(2026, 12, 21)),  # urgent: the same business day
            (date(2026, 12, 19), 0, date(2026, 12, 21)),  # Saturday counts from Monday
            (date(2026, 12, 21), 3, date(2026, 12, 24)),
            (date(2026, 12, 23), 3, date(2026, 12, 29)),  # over the holiday and the weekend
            (date(2026, 12, 25), 0, date(2026, 12, 28)),  # received on a holiday
            (date(2026, 12, 24), 1, date(2026, 12, 28)),
        ],
    )
    def test_due_date(self, received, target, due):
        assert bd.due_date(received, target, **CAL) == due

    @pytest.mark.parametrize(
        ("received", "today", "target", "overdue"),
        [
            (date(2026, 12, 21), date(2026, 12, 21), 0, False),
            (date(2026, 12, 21), date(2026, 12, 22), 0, True),
            (date(2026, 12, 21), date(2026, 12, 24), 3, False),
            (date(2026, 12, 21), date(2026, 12, 25), 3, True),
            (date(2026, 12, 19), date(2026, 12, 20), 0, False),  # weekend arrival is not yet late on Sunday
        ],
    )
    def test_is_overdue(self, received, today, target, overdue):
        assert bd.is_overdue(received, today, target, **CAL) is overdue

    @pytest.mark.parametrize("target", [0, 1, 3, 5])
    @pytest.mark.parametrize(
        "today", [date(2026, 12, 21), date(2026, 12, 26), date(2026, 12, 29), date(2027, 1, 4)]
    )
    def test_latest_overdue_received_is_the_exact_boundary(self, today, target):
        boundary = bd.latest_overdue_received(today, target, **CAL)
        assert bd.is_overdue(boundary, today, target, **CAL)
        for offset in range(1, 15):
            later = date.fromordinal(boundary.toordinal() + offset)
            if later <= today:
                assert not bd.is_overdue(later, today, target, **CAL)
            earlier = date.fromordinal(boundary.toordinal() - offset)
            assert bd.is_overdue(earlier, today, target, **CAL)

    @pytest.mark.parametrize(
        ("start", "end", "count"),
        [
            (date(2026, 12, 21), date(2026, 12, 21), 0),
            (date(2026, 12, 21), date(2026, 12, 22), 1),
            (date(2026, 12, 21), date(2026, 12, 28), 4),  # Tue, Wed, Thu, Mon (Fri is a holiday)
            (date(2026, 12, 18), date(2026, 12, 21), 1),
            (date(2026, 12, 21), date(2026, 12, 1), 0),
            (date(2026, 1, 1), date(2026, 12, 31), 259),  # 260 weekdays after Jan 1, less the holiday
        ],
    )
    def test_business_days_between(self, start, end, count):
        assert bd.business_days_between(start, end, **CAL) == count

    def test_matches_a_day_by_day_count(self):
        start = date(2026, 11, 3)
        for span in range(0, 60):
            end = date.fromordinal(start.toordinal() + span)
            slow = sum(
                1
                for n in range(1, span + 1)
                if bd.is_business_day(date.fromordinal(start.toordinal() + n), **CAL)
            )
            assert bd.business_days_between(start, end, **CAL) == slow

    def test_refuses_a_week_without_business_days_and_negative_targets(self):
        with pytest.raises(ValueError):
            bd.next_business_day(date(2026, 12, 21), workdays=frozenset(), holidays=frozenset())
        with pytest.raises(ValueError):
            bd.due_date(date(2026, 12, 21), -1, **CAL)
