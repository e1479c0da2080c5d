"""The overdue ladder wired into the subscription lifecycle (``LifecycleSettings(overdue=...)``).

Expected days come from Kill Bill's overdue tutorial, https://docs.killbill.io/0.20/overdue.html
("Scenario"): a 10.00 USD monthly plan after a 10-day trial; failed payments retried three
times, "the first two payment retries should happen 1 day after the last attempt, and the
last one should happen 8 days after previous attempt" (intervals 1, 1, 8); a notice when an
invoice "has not been paid after 10 days" (WARNING, plan changes blocked: "prevent users from
changing plans (e.g. upgrade) until they clear their balance"); the entitlements blocked
"after 14 days" (BLOCKED); the subscriptions cancelled "after 21 days" (CANCELLATION,
END_OF_TERM). Kill Bill counts the days from the earliest unpaid invoice's invoice date
(overdue/.../BillingStateCalculator.java: ``dateOfEarliestUnpaidInvoice = invoice.getInvoiceDate()``).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import SubscriptionError, TransitionError
from billkit.money import Money
from billkit.pricing import Plan
from billkit.subscriptions import (
    CancelReason,
    ChangePlan,
    LifecycleSettings,
    PaymentFailed,
    PaymentSucceeded,
    Subscribe,
    Subscription,
    SubscriptionState,
    advance,
    allowed_events,
    apply,
    start_trial,
)
from billkit.subscriptions.dunning import DunningSchedule
from billkit.subscriptions.overdue import OverdueCondition, OverdueLadder, OverdueState

MOVIES = Plan(code="movies-monthly", name="Movies", currency="USD", base_fee=Money("10.00", "USD"))
PREMIUM = Plan(code="premium", name="Premium", currency="USD", base_fee=Money("20.00", "USD"))
CHEAP = Plan(code="cheap", name="Cheap", currency="USD", base_fee=Money("5.00", "USD"))

TUTORIAL_LADDER = OverdueLadder(
    states=[
        OverdueState(
            name="WARNING",
            condition=OverdueCondition(days_since_earliest_unpaid=10),
            block_changes=True,
        ),
        OverdueState(
            name="BLOCKED",
            condition=OverdueCondition(days_since_earliest_unpaid=14),
            disable_entitlement=True,
        ),
        OverdueState(
            name="CANCELLATION",
            condition=OverdueCondition(days_since_earliest_unpaid=21),
            disable_entitlement=True,
            cancellation="end_of_term",
        ),
    ]
)
LADDER_DUNNING = DunningSchedule.standard(
    grace_days=None, cancel_at_cycle_end=False, retry_intervals=(1, 1, 8)
)
SETTINGS = LifecycleSettings(trial_days=10, overdue=TUTORIAL_LADDER, dunning=LADDER_DUNNING)


def d(text: str) -> date:
    return date.fromisoformat(text)


def unpaid_renewal(settings: LifecycleSettings = SETTINGS) -> Subscription:
    """Trial from 1 January, subscribed and paid on 11 January; the renewal invoice of
    11 February (acme/0002) fails that day."""
    sub = start_trial("acme", plan=MOVIES, on=d("2026-01-01"), settings=settings).subscription
    sub = apply(
        sub, Subscribe(on=d("2026-01-11"), role="org_admin", plan=MOVIES), settings
    ).subscription
    sub = apply(
        sub, PaymentSucceeded(on=d("2026-01-11"), invoice_id="acme/0001"), settings
    ).subscription
    failed = PaymentFailed(on=d("2026-02-11"), invoice_id="acme/0002", reason="declined")
    return apply(sub, failed, settings).subscription


class TestKillBillTutorial:
    def test_the_ladder_from_the_invoice_date(self) -> None:
        sub = unpaid_renewal()
        assert sub.state is SubscriptionState.PENDING_PAYMENT
        assert sub.overdue_state is None
        out = advance(sub, d("2026-03-20"), SETTINGS)
        notices = [
            (str(a.on), a.reason)
            for a in out.actions
            if a.notice and a.notice.value == "overdue_state"
        ]
        # invoice date 11 February: + 10 days = 21 February, + 14 = 25 February, + 21 = 4 March
        assert notices == [
            ("2026-02-21", "overdue state WARNING"),
            ("2026-02-25", "overdue state BLOCKED"),
            ("2026-03-04", "overdue state CANCELLATION"),
        ]
        # entitlement blocked on day 14; cancelled at the end of the term (the cycle
        # 11 February..11 March) for non-payment
        assert [(str(t.on), t.after) for t in out.transitions] == [
            ("2026-02-25", "frozen"),
            ("2026-03-11", "cancelled"),
        ]
        assert out.subscription.cancel_reason is CancelReason.NONPAYMENT

    def test_retries_as_intervals_between_attempts(self) -> None:
        sub = unpaid_renewal()
        out = advance(sub, d("2026-03-01"), SETTINGS)
        retries = [str(a.on) for a in out.actions if a.kind.value == "charge"]
        # 11 February + 1 = 12th, + 1 = 13th, + 8 = 21st
        assert retries == ["2026-02-12", "2026-02-13", "2026-02-21"]

    def test_warning_blocks_plan_changes(self) -> None:
        sub = advance(unpaid_renewal(), d("2026-02-22"), SETTINGS).subscription
        assert sub.overdue_state is not None
        assert sub.overdue_state.name == "WARNING"
        assert "downgrade" not in allowed_events(sub)
        with pytest.raises(TransitionError, match="overdue state WARNING blocks changes"):
            apply(sub, ChangePlan(on=d("2026-02-22"), role="org_admin", plan=CHEAP), SETTINGS)
        # before WARNING (day 9) a downgrade may still be scheduled, as without a ladder
        early = advance(unpaid_renewal(), d("2026-02-20"), SETTINGS).subscription
        assert "downgrade" in allowed_events(early)

    def test_paying_clears_the_state(self) -> None:
        sub = advance(unpaid_renewal(), d("2026-02-26"), SETTINGS).subscription
        assert sub.state is SubscriptionState.FROZEN
        out = apply(sub, PaymentSucceeded(on=d("2026-02-26"), invoice_id="acme/0002"), SETTINGS)
        assert out.subscription.state is SubscriptionState.ACTIVE
        assert out.subscription.overdue_state is None
        assert out.subscription.frozen_on is None

    def test_paying_after_the_cancellation_state_keeps_the_cancellation(self) -> None:
        # Kill Bill cancels the subscriptions with the END_OF_TERM policy on entering the
        # state; paying later does not uncancel them.
        sub = advance(unpaid_renewal(), d("2026-03-05"), SETTINGS).subscription
        out = apply(sub, PaymentSucceeded(on=d("2026-03-05"), invoice_id="acme/0002"), SETTINGS)
        assert out.subscription.state is SubscriptionState.CANCELLING
        assert out.subscription.scheduled is not None
        assert out.subscription.scheduled.effective_on == d("2026-03-11")


class TestConditions:
    def test_immediate_cancellation(self) -> None:
        ladder = OverdueLadder(
            states=[
                OverdueState(
                    name="CANCEL",
                    condition=OverdueCondition(days_since_earliest_unpaid=5),
                    cancellation="immediate",
                )
            ]
        )
        settings = LifecycleSettings(trial_days=10, overdue=ladder, dunning=LADDER_DUNNING)
        out = advance(unpaid_renewal(settings), d("2026-03-01"), settings)
        # 11 February + 5 days
        assert [(str(t.on), t.after) for t in out.transitions] == [("2026-02-16", "cancelled")]
        assert out.subscription.cancel_reason is CancelReason.NONPAYMENT

    def test_a_lower_state_after_one_of_two_invoices_is_paid(self) -> None:
        # Two unpaid invoices put the account in TWO (numberOfUnpaidInvoicesEqualsOrExceeds 2,
        # which blocks the service); paying one leaves one: back to ONE, service restored.
        ladder = OverdueLadder(
            states=[
                OverdueState(name="ONE", condition=OverdueCondition(unpaid_invoices=1)),
                OverdueState(
                    name="TWO",
                    condition=OverdueCondition(unpaid_invoices=2),
                    disable_entitlement=True,
                ),
            ]
        )
        settings = LifecycleSettings(
            trial_days=10,
            overdue=ladder,
            dunning=DunningSchedule.standard(grace_days=None, cancel_at_cycle_end=False),
        )
        sub = unpaid_renewal(settings)
        assert sub.overdue_state is not None
        assert sub.overdue_state.name == "ONE"
        # the March renewal (acme/0003) is not paid by its due day: overdue on 12 March
        sub = advance(sub, d("2026-03-13"), settings).subscription
        assert sub.overdue_state is not None
        assert sub.overdue_state.name == "TWO"
        assert sub.state is SubscriptionState.FROZEN
        out = apply(sub, PaymentSucceeded(on=d("2026-03-13"), invoice_id="acme/0002"), settings)
        assert out.subscription.overdue_state is not None
        assert out.subscription.overdue_state.name == "ONE"
        assert out.subscription.state is SubscriptionState.PENDING_PAYMENT

    def test_without_a_ladder_nothing_changes(self) -> None:
        settings = LifecycleSettings(trial_days=10)
        sub = advance(unpaid_renewal(settings), d("2026-03-01"), settings).subscription
        assert sub.overdue_state is None
        assert sub.state is SubscriptionState.FROZEN  # the default dunning: frozen after 5 days
        assert sub.frozen_on == d("2026-02-16")

    def test_a_schedule_that_freezes_or_cancels_is_refused_with_a_ladder(self) -> None:
        with pytest.raises(SubscriptionError, match="dunning = 'freeze'"):
            LifecycleSettings(overdue=TUTORIAL_LADDER)
        with pytest.raises(SubscriptionError, match="dunning = 'cancel'"):
            LifecycleSettings(
                overdue=TUTORIAL_LADDER, dunning=DunningSchedule.standard(grace_days=None)
            )

    def test_retry_days_or_intervals_not_both(self) -> None:
        with pytest.raises(SubscriptionError, match="retry_intervals"):
            DunningSchedule.standard(retry_days=(1,), retry_intervals=(1,))


@given(
    warn=st.integers(min_value=0, max_value=20),
    block=st.integers(min_value=1, max_value=20),
    days=st.integers(min_value=1, max_value=60),
)
def test_the_subscription_is_in_the_ladders_state_of_its_overdue_invoices(
    warn: int, block: int, days: int
) -> None:
    ladder = OverdueLadder(
        states=[
            OverdueState(name="WARN", condition=OverdueCondition(days_since_earliest_unpaid=warn)),
            OverdueState(
                name="BLOCK",
                condition=OverdueCondition(days_since_earliest_unpaid=warn + block),
                disable_entitlement=True,
            ),
        ]
    )
    settings = LifecycleSettings(
        trial_days=10,
        overdue=ladder,
        dunning=DunningSchedule.standard(grace_days=None, cancel_at_cycle_end=False),
    )
    until = d("2026-02-12") + timedelta(days=days)
    sub = advance(unpaid_renewal(settings), until, settings).subscription
    expected = ladder.state_of([(i.issued_on, i.amount) for i in sub.overdue], sub.as_of)
    assert sub.overdue_state == expected
    frozen = expected is not None and expected.blocks_service
    assert (sub.state is SubscriptionState.FROZEN) == frozen
