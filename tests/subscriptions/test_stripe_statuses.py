"""Stripe's subscription statuses. Expected values come from Stripe's API reference for
``Subscription.status`` (quoted beside each test)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import SubscriptionError, TransitionError
from billkit.subscriptions.statuses import (
    MissingPaymentMethod,
    RetriesExhausted,
    StripeEvent,
    StripeLifecycle,
    StripeStatus,
)

S = StripeStatus
CREATED = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


class TestStripesReference:
    def test_incomplete_expires_after_23_hours(self) -> None:
        # "If the first invoice is not paid within 23 hours, the subscription transitions to
        # incomplete_expired. This is a terminal status": 09:00 + 23 h = 08:00 the next day.
        stripe = StripeLifecycle()
        assert stripe.start() is S.INCOMPLETE
        just_before = CREATED + timedelta(hours=23) - timedelta(seconds=1)
        assert stripe.expire("incomplete", CREATED, just_before) is S.INCOMPLETE
        assert stripe.expire("incomplete", CREATED, CREATED + timedelta(hours=23)) is (
            S.INCOMPLETE_EXPIRED
        )
        assert stripe.allowed("incomplete_expired") == ()
        # An active subscription does not expire.
        assert stripe.expire("active", CREATED, CREATED + timedelta(days=30)) is S.ACTIVE

    def test_paying_the_first_invoice_activates(self) -> None:
        # "Once the first invoice is paid, the subscription moves into an active status."
        assert StripeLifecycle().apply("incomplete", "payment_succeeded") is S.ACTIVE

    def test_a_trial_becomes_active_when_it_ends(self) -> None:
        # "A subscription that is currently in a trial period is trialing and moves to active
        # when the trial period is over."
        stripe = StripeLifecycle()
        assert stripe.start(trial=True) is S.TRIALING
        assert stripe.apply("trialing", "trial_ended") is S.ACTIVE

    @pytest.mark.parametrize(
        ("setting", "status"),
        [("create_invoice", S.ACTIVE), ("pause", S.PAUSED), ("cancel", S.CANCELED)],
    )
    def test_a_trial_ending_without_a_payment_method(self, setting: str, status: S) -> None:
        # "A subscription can only enter a paused status when a trial ends without a payment
        # method. A paused subscription ... can be resumed after your customer adds their
        # payment method." (trial_settings.end_behavior.missing_payment_method)
        stripe = StripeLifecycle(missing_payment_method=setting)
        assert stripe.apply("trialing", "trial_ended_without_payment_method") is status
        if status is S.PAUSED:
            assert stripe.apply(status, "resumed") is S.ACTIVE

    @pytest.mark.parametrize(
        ("setting", "status"),
        [("cancel", S.CANCELED), ("mark_unpaid", S.UNPAID), ("leave_past_due", S.PAST_DUE)],
    )
    def test_when_the_retries_run_out(self, setting: str, status: S) -> None:
        # "it becomes past_due when payment is required but cannot be paid ... Once Stripe has
        # exhausted all payment retry attempts, the subscription will become canceled or unpaid
        # (depending on your subscriptions settings)"; the settings also leave it past_due.
        stripe = StripeLifecycle(when_retries_fail=setting)
        past_due = stripe.apply("active", "payment_failed")
        assert past_due is S.PAST_DUE
        assert stripe.apply(past_due, "retries_exhausted") is status

    def test_paying_the_latest_invoice_reactivates(self) -> None:
        stripe = StripeLifecycle(when_retries_fail="mark_unpaid")
        assert stripe.apply("unpaid", "payment_succeeded") is S.ACTIVE
        assert stripe.apply("past_due", "payment_succeeded") is S.ACTIVE

    def test_refusals(self) -> None:
        with pytest.raises(TransitionError, match="allowed: 'resumed', 'canceled'"):
            StripeLifecycle().apply("paused", "payment_failed")
        with pytest.raises(SubscriptionError, match="when_retries_fail"):
            StripeLifecycle(when_retries_fail="retry_forever")
        with pytest.raises(SubscriptionError, match="state"):
            StripeLifecycle().apply("dunning", "canceled")
        with pytest.raises(SubscriptionError, match="incomplete_hours"):
            StripeLifecycle(incomplete_hours=0)


lifecycles = st.builds(
    StripeLifecycle,
    when_retries_fail=st.sampled_from(RetriesExhausted),
    missing_payment_method=st.sampled_from(MissingPaymentMethod),
)
FINAL = {S.CANCELED, S.INCOMPLETE_EXPIRED}


@given(
    lifecycles, st.sampled_from(StripeStatus), st.lists(st.sampled_from(StripeEvent), max_size=12)
)
def test_any_sequence_of_events(
    stripe: StripeLifecycle, start: S, events: list[StripeEvent]
) -> None:
    """Final statuses take nothing; every other can be canceled; paused is entered only from
    a trial ending without a payment method; incomplete_expired only from incomplete."""
    status = start
    for event in events:
        allowed = stripe.allowed(status)
        assert (allowed == ()) == (status in FINAL)
        if status not in FINAL:
            assert StripeEvent.CANCELED in allowed
        if event not in allowed:
            with pytest.raises(TransitionError):
                stripe.apply(status, event)
            continue
        after = stripe.apply(status, event)
        if after is S.PAUSED and status is not S.PAUSED:
            assert (status, event) == (S.TRIALING, StripeEvent.TRIAL_ENDED_WITHOUT_PAYMENT_METHOD)
        if after is S.INCOMPLETE_EXPIRED:
            assert status is S.INCOMPLETE
        status = after
