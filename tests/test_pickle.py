"""Values of money, periods, pricing and usage survive pickle unchanged.

(No ``types.MappingProxyType`` inside a value: it cannot be pickled; frozen
values hold a ``billkit._checks.FrozenMap`` instead.)
"""

from __future__ import annotations

import pickle
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.periods import MONTHLY, BillingCycle
from billkit.pricing import Catalog, ProrationPolicy, quote
from billkit.usage import AlertRule, Meter, aggregate
from tests.strategies import rounding_policies
from tests.strategies.pricing import periods_for, plans, usage_for
from tests.strategies.usage import METERS, event_lists


def round_trip(value: object) -> object:
    return pickle.loads(pickle.dumps(value))


@given(rounding_policies())
def test_rounding_policies(policy: object) -> None:
    assert round_trip(policy) == policy


@settings(max_examples=40)
@given(st.data())
def test_plans_quotes_and_catalogs(data: st.DataObject) -> None:
    plan = data.draw(plans())
    bill = quote(plan, data.draw(usage_for(plan)), data.draw(periods_for(plan.cycle)))
    copy = round_trip(bill)
    assert copy == bill
    assert copy.lines == bill.lines  # the lines are rebuilt from the stored rows
    assert round_trip(Catalog([plan])) == Catalog([plan])


@settings(max_examples=30)
@given(event_lists(max_size=10))
def test_events_and_reports(events: list[object]) -> None:
    assert [round_trip(e) for e in events] == events
    report = aggregate(
        events, METERS, billing=BillingCycle.calendar(MONTHLY), tz="UTC", by=("workspace",)
    )
    assert round_trip(report) == report


def test_meters_rules_and_policies() -> None:
    for value in (
        Meter(code="paid", aggregation="count", where={"install_type": {"a", "b"}}),
        AlertRule(meter="mac", limit={"org-1": 1000, "org-2": 50}),
        ProrationPolicy(tz="Europe/Rome"),
        BillingCycle.anniversary(MONTHLY, date(2026, 1, 31)),
    ):
        assert round_trip(value) == value


def test_peer_charge_models_and_their_quotes() -> None:
    """Tier blocks, capacity and graduated percentage models, and quotes using them."""
    from billkit.money import Money
    from billkit.periods import Period
    from billkit.pricing import Charge, Graduated, Percentage, PerUnit, Plan, Tier
    from billkit.pricing.models import (
        Capacity,
        CapacityTier,
        GraduatedPercentage,
        PercentTier,
        Presence,
        Prorated,
    )

    usd = "USD"
    plan = Plan(
        code="peer",
        name="Peer",
        currency=usd,
        charges=[
            Charge(
                code="calls",
                metric="calls",
                model=Graduated(
                    tiers=[
                        Tier(up_to=1000, unit_price=Money("1", usd), block_size=100),
                        Tier(unit_price=Money("1", usd), block_size=1000),
                    ]
                ),
            ),
            Charge(
                code="fees",
                metric="gmv",
                model=GraduatedPercentage(
                    currency=usd,
                    tiers=[PercentTier(up_to=10, rate="1%"), PercentTier(rate="2%")],
                ),
            ),
            Charge(
                code="card",
                metric="payments",
                model=Percentage(
                    rate="1%", currency=usd, fixed=Money("1", usd), fixed_fee_at_zero_total=False
                ),
            ),
            Charge(
                code="hosting",
                metric="hosting",
                model=Capacity(
                    tiers=[
                        CapacityTier(limits={"cpus": 2}, price=Money("10", usd)),
                        CapacityTier(limits={}, price=Money("20", usd)),
                    ]
                ),
            ),
            Charge(
                code="seats",
                metric="seats",
                model=Prorated(model=PerUnit(unit_price=Money("10", usd))),
            ),
        ],
    )
    march = Period(date(2026, 3, 1), date(2026, 4, 1))
    held = Presence(period=march, opening=1, changes=[(date(2026, 3, 9), 2)])
    assert round_trip(held) == held
    bill = quote(
        plan,
        {"calls": 5325, "gmv": 12, "payments": ["0", "5"], "cpus": 3, "seats": held},
        march,
    )
    copy = round_trip(bill)
    assert copy == bill
    assert copy.lines == bill.lines
    assert [line.breakdown for line in copy.lines] == [line.breakdown for line in bill.lines]


def test_conventions_and_the_policies_they_make() -> None:
    """Each preset, a plan that carries one and the policy it makes survive pickle."""
    import attrs

    from billkit.conventions import BILLKIT, KILL_BILL, LAGO, STRIPE
    from billkit.pricing import Plan

    fixed = attrs.evolve(KILL_BILL, name="kb30", day_count="fixed_month", month_days=28)
    for conventions in (BILLKIT, LAGO, KILL_BILL, STRIPE, fixed):
        assert round_trip(conventions) == conventions
        assert round_trip(ProrationPolicy.of(conventions)) == ProrationPolicy.of(conventions)
    plan = Plan(code="p", name="P", currency="EUR", conventions=KILL_BILL)
    assert round_trip(plan) == plan
    assert round_trip(plan).conventions is not BILLKIT
    assert round_trip(BillingCycle.on_day(MONTHLY, 31)) == BillingCycle.on_day(MONTHLY, 31)


def test_wallet_splits_and_partial_payments() -> None:
    """Wallets with a priority and fee types, a split across them, and a partial payment."""
    from datetime import datetime, timezone

    from billkit.credit import Ledger, Wallet
    from billkit.credit.wallets import split_across_wallets
    from billkit.money import Money

    usage = Wallet(name="usage", currency="EUR", priority=10, fee_types=["charge"])
    assert round_trip(usage) == usage
    split = split_across_wallets(
        {"subscription": Money("36.00", "EUR"), "charge": Money("15.50", "EUR")},
        [(usage, Money("10.00", "EUR")), (Wallet(name="main", currency="EUR"), Money("30", "EUR"))],
    )
    assert round_trip(split) == split
    at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    ledger = Ledger(wallets=[usage]).top_up("usage", "10.00", at=at, key="p1")
    ledger, paid = ledger.pay_from_balance("usage", "120.00", at=at, key="inv-1")
    assert round_trip(paid) == paid
    assert round_trip(ledger) == ledger


def test_overdue_ladders_and_retry_schedules() -> None:
    from billkit.money import Money
    from billkit.subscriptions.overdue import (
        KILL_BILL_RETRIES,
        OverdueCondition,
        OverdueLadder,
        OverdueState,
        RetrySchedule,
    )

    ladder = OverdueLadder(
        states=[
            OverdueState(name="OD1", condition=OverdueCondition(days_since_earliest_unpaid=10)),
            OverdueState(
                name="OD2",
                condition=OverdueCondition(unpaid_balance=Money("5.00", "USD")),
                disable_entitlement=True,
                cancellation="end_of_term",
            ),
        ]
    )
    assert round_trip(ladder) == ladder
    assert round_trip(KILL_BILL_RETRIES) == KILL_BILL_RETRIES
    assert round_trip(RetrySchedule.intervals([1, 8, 4, 7])).days == (1, 9, 13, 20)


def test_stripe_lifecycles() -> None:
    from billkit.subscriptions.statuses import StripeLifecycle, StripeStatus

    stripe = StripeLifecycle(when_retries_fail="leave_past_due", incomplete_hours=12)
    copy = round_trip(stripe)
    assert copy == stripe
    assert copy.apply("past_due", "retries_exhausted") is StripeStatus.PAST_DUE
