"""The dunning schedule as data, and its simulation over a calendar."""

from __future__ import annotations

from datetime import date

import pytest

from billkit.errors import PeriodError, ValidationError
from billkit.periods import MONTHLY, BillingCycle
from billkit.subscriptions.actions import SubscriptionNoticeKind
from billkit.subscriptions.dunning import (
    MESSAGING_DUNNING,
    DunningAnchor,
    DunningMove,
    DunningSchedule,
    DunningStep,
    ScheduledMove,
    cancel_date,
    simulate_dunning,
)

CYCLE = BillingCycle.anniversary(MONTHLY, date(2026, 3, 1))


def d(text: str) -> date:
    return date.fromisoformat(text)


def table(moves: tuple[ScheduledMove, ...]) -> list[tuple[str, str, str]]:
    return [(m.on.isoformat(), m.move.value, m.notice.value if m.notice else "") for m in moves]


class TestSteps:
    def test_the_messaging_schedule(self) -> None:
        # REQUIREMENTS 4: notice, FROZEN after a 5-day grace period, CANCELLED at the end of
        # the cycle, marked for deletion 90 days after cancellation.
        assert [(s.move, s.anchor, s.days, s.notice) for s in MESSAGING_DUNNING.steps] == [
            (DunningMove.NOTIFY, DunningAnchor.OVERDUE, 0, SubscriptionNoticeKind.PAYMENT_OVERDUE),
            (DunningMove.FREEZE, DunningAnchor.OVERDUE, 5, SubscriptionNoticeKind.FROZEN),
            (DunningMove.CANCEL, DunningAnchor.CYCLE_END, 0, SubscriptionNoticeKind.CANCELLED),
            (
                DunningMove.MARK_FOR_DELETION,
                DunningAnchor.CANCELLED,
                90,
                SubscriptionNoticeKind.MARKED_FOR_DELETION,
            ),
        ]
        assert (MESSAGING_DUNNING.grace_days, MESSAGING_DUNNING.deletion_days) == (5, 90)

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"move": "retry", "days": 0}, "days"),  # never retried the day it failed
            ({"move": "retry", "anchor": "cancelled", "days": 1}, "anchor"),
            ({"move": "freeze", "anchor": "cycle_end"}, "anchor"),
            ({"move": "cancel", "anchor": "cycle_end", "days": 3}, "days"),
            ({"move": "mark_for_deletion", "anchor": "overdue", "days": 90}, "anchor"),
            ({"move": "notify", "days": 2}, "notice"),
            ({"move": "notify", "days": -1, "notice": "payment_reminder"}, "days"),
            ({"move": "block"}, "move"),
            ({"move": "notify", "notice": "bill_me"}, "notice"),
        ],
    )
    def test_steps_that_make_no_sense_are_refused(
        self, kwargs: dict[str, object], field: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            DunningStep(**kwargs)  # type: ignore[arg-type]
        assert caught.value.field == field

    def test_at_most_one_freeze_cancel_and_deletion_and_cancel_not_before_freeze(self) -> None:
        freeze = DunningStep(move="freeze", days=5)
        with pytest.raises(ValidationError, match="at most one 'freeze'"):
            DunningSchedule(steps=[freeze, freeze])
        with pytest.raises(ValidationError, match="no earlier than the 'freeze'"):
            DunningSchedule(steps=[freeze, DunningStep(move="cancel", days=3)])
        with pytest.raises(ValidationError, match="steps"):
            DunningSchedule(steps="freeze")  # type: ignore[arg-type]

    def test_standard_builds_every_number_from_settings(self) -> None:
        schedule = DunningSchedule.standard(
            grace_days=3,
            cancel_after_days=20,
            deletion_days=30,
            retry_days=(2, 1),
            reminder_days=(2,),
        )
        assert [(s.move.value, s.anchor.value, s.days) for s in schedule.steps] == [
            ("notify", "overdue", 0),
            ("retry", "overdue", 1),
            ("retry", "overdue", 2),  # sorted by day; a retry before a reminder of the same day
            ("notify", "overdue", 2),
            ("freeze", "overdue", 3),
            ("cancel", "overdue", 20),
            ("mark_for_deletion", "cancelled", 30),
        ]
        never = DunningSchedule.standard(
            grace_days=None, cancel_at_cycle_end=False, deletion_days=None
        )
        assert [s.move.value for s in never.steps] == ["notify"]
        assert never.grace_days is None
        assert never.deletion_days is None


class TestSimulation:
    def test_unpaid_through_to_deletion(self) -> None:
        # Overdue 10 March: frozen the 15th; the cycle ends 1 April: cancelled; 1 April
        # + 90 days (29 left in April + 31 + 30) = 30 June.
        assert table(
            simulate_dunning(MESSAGING_DUNNING, overdue_on=d("2026-03-10"), cycle=CYCLE)
        ) == [
            ("2026-03-10", "notify", "payment_overdue"),
            ("2026-03-15", "freeze", "frozen"),
            ("2026-04-01", "cancel", "cancelled"),
            ("2026-06-30", "mark_for_deletion", "marked_for_deletion"),
        ]

    def test_paid_within_grace_only_the_notice(self) -> None:
        moves = simulate_dunning(
            MESSAGING_DUNNING, overdue_on=d("2026-03-10"), cycle=CYCLE, paid_on=d("2026-03-14")
        )
        assert table(moves) == [("2026-03-10", "notify", "payment_overdue")]

    def test_paid_on_the_freeze_day_the_freeze_still_happens(self) -> None:
        # The day's schedule runs at the start of the day, before the day's payments.
        moves = simulate_dunning(
            MESSAGING_DUNNING, overdue_on=d("2026-03-10"), cycle=CYCLE, paid_on=d("2026-03-15")
        )
        assert [m.move for m in moves] == [DunningMove.NOTIFY, DunningMove.FREEZE]

    def test_paid_after_cancellation_changes_nothing(self) -> None:
        late = simulate_dunning(
            MESSAGING_DUNNING, overdue_on=d("2026-03-10"), cycle=CYCLE, paid_on=d("2026-04-02")
        )
        never = simulate_dunning(MESSAGING_DUNNING, overdue_on=d("2026-03-10"), cycle=CYCLE)
        assert late == never

    def test_freezing_on_the_cycle_end_cancels_at_the_next_end(self) -> None:
        # Overdue 27 March + 5 = 1 April, the cycle end: cancelled 1 May, not 1 April.
        moves = simulate_dunning(MESSAGING_DUNNING, overdue_on=d("2026-03-27"), cycle=CYCLE)
        assert table(moves)[1:3] == [
            ("2026-04-01", "freeze", "frozen"),
            ("2026-05-01", "cancel", "cancelled"),
        ]
        assert cancel_date(MESSAGING_DUNNING, d("2026-03-27"), CYCLE) == d("2026-05-01")
        assert cancel_date(MESSAGING_DUNNING, d("2026-03-26"), CYCLE) == d("2026-04-01")

    def test_without_a_freeze_cancel_at_the_first_cycle_end_after_overdue(self) -> None:
        schedule = DunningSchedule.standard(grace_days=None, deletion_days=None)
        moves = simulate_dunning(schedule, overdue_on=d("2026-03-31"), cycle=CYCLE)
        assert table(moves) == [
            ("2026-03-31", "notify", "payment_overdue"),
            ("2026-04-01", "cancel", "cancelled"),
        ]

    def test_on_the_cancellation_day_the_cancellation_comes_first(self) -> None:
        schedule = DunningSchedule.standard(
            grace_days=5, cancel_after_days=10, reminder_days=(10, 12), deletion_days=0
        )
        moves = simulate_dunning(schedule, overdue_on=d("2026-03-10"))
        assert table(moves) == [
            ("2026-03-10", "notify", "payment_overdue"),
            ("2026-03-15", "freeze", "frozen"),
            ("2026-03-20", "cancel", "cancelled"),  # the reminders of day 10 and 12 never come
            ("2026-03-20", "mark_for_deletion", "marked_for_deletion"),
        ]

    def test_retries_and_reminders_in_date_and_schedule_order(self) -> None:
        schedule = DunningSchedule.standard(
            retry_days=(1, 3), reminder_days=(3,), deletion_days=None
        )
        moves = simulate_dunning(schedule, overdue_on=d("2026-03-10"), cycle=CYCLE)
        assert table(moves) == [
            ("2026-03-10", "notify", "payment_overdue"),
            ("2026-03-11", "retry", ""),
            ("2026-03-13", "retry", ""),
            ("2026-03-13", "notify", "payment_reminder"),
            ("2026-03-15", "freeze", "frozen"),
            ("2026-04-01", "cancel", "cancelled"),
        ]

    def test_inputs(self) -> None:
        with pytest.raises(ValidationError, match="cycle"):
            simulate_dunning(MESSAGING_DUNNING, overdue_on=d("2026-03-10"))
        with pytest.raises(PeriodError, match="paid_on"):
            simulate_dunning(
                MESSAGING_DUNNING, overdue_on=d("2026-03-10"), cycle=CYCLE, paid_on=d("2026-03-09")
            )
        with pytest.raises(ValidationError, match="schedule"):
            simulate_dunning("messaging", overdue_on=d("2026-03-10"))  # type: ignore[arg-type]
        # A schedule that never cancels needs no cycle.
        blocked = DunningSchedule.standard(
            grace_days=10, cancel_at_cycle_end=False, deletion_days=None
        )
        assert table(simulate_dunning(blocked, overdue_on=d("2026-03-10"))) == [
            ("2026-03-10", "notify", "payment_overdue"),
            ("2026-03-20", "freeze", "frozen"),
        ]
