"""Immediate plan changes in the pure core: cycles cut short tile time; the fee is conserved."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from billkit.billing import BillingState, PlanFrom, Subscribed, plan_documents
from billkit.invoicing.terms import DocumentTerms
from billkit.money import Money
from billkit.parties.party import Party
from billkit.pricing.plans import Plan

TERMS = DocumentTerms(
    seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
    buyer=Party(kind="legal_entity", country="IT", name="Acme S.p.A."),
    rules=None,
)
START = date(2026, 1, 31)  # an anchor on the 31st: month ends clamp
FEES = ["20.00", "50.00", "99.00", "189.00"]


def _plan(n: int) -> Plan:
    return Plan(code=f"p{n}", name=f"P{n}", currency="EUR", base_fee=Money(FEES[n], "EUR"))


changes = st.lists(st.integers(1, 400), min_size=0, max_size=4, unique=True).map(sorted)


@given(changes)
def test_billing_periods_tile_time_whatever_the_changes(offsets: list[int]) -> None:
    plans = [PlanFrom(on=START, plan=_plan(0))]
    plans += [
        PlanFrom(on=START + timedelta(days=d), plan=_plan(i % 3 + 1)) for i, d in enumerate(offsets)
    ]
    sub = Subscribed(id="s", plans=plans)
    periods = sub.periods(START + timedelta(days=500))
    assert periods[0].start == START
    for before, after in itertools.pairwise(periods):
        assert before.end == after.start  # no gap, no overlap
    starts = {p.start for p in periods}
    for change in plans[1:]:
        assert change.on in starts  # every change starts a billing period
    for day in range(0, 480, 7):
        probe = START + timedelta(days=day)
        assert sub.period_on(probe).start <= probe < sub.period_on(probe).end


@given(st.integers(1, 27))
def test_a_cut_short_cycle_bills_the_fee_less_exactly_the_unused_credit(day: int) -> None:
    # February 2026 (28 days) on P2 (99.00), upgraded to P3 on day 1 + ``day``:
    # the used part is 99.00 x day / 28, rounded; what is credited is the rest.
    old, new = _plan(2), _plan(3)
    on = date(2026, 2, 1) + timedelta(days=day)
    sub = Subscribed(
        id="s", plans=[PlanFrom(on=date(2026, 2, 1), plan=old), PlanFrom(on=on, plan=new)]
    )
    (doc,) = plan_documents(BillingState(terms=TERMS, subscriptions=[sub]), on)
    (line,) = doc.document.lines
    # The credit is the cumulative slice [on, March 1): 99.00 - round(99.00 x day / 28), so
    # the fee less the credit is round(99.00 x day / 28), half-up to the cent.
    used = (Decimal("99.00") * day / 28).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert line.net.amount == used
