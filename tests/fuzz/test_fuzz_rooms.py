"""Fuzz: periods, models and quote, proration, commission, parties, documents,
usage and catalogs with hostile inputs.

Only BillkitError escapes; accepted results keep their invariants (a
proration's parts add up, a quote's total is the sum of its lines, an
invoice's gross is net plus tax); the same input gives the same output under
a 5-digit caller decimal context.
"""

from __future__ import annotations

import decimal
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.credit.commission import Commission, fee_on_top, gross_up
from billkit.errors import BillkitError
from billkit.invoicing import DocumentTerms, Item, build_invoice
from billkit.money import LIMIT, sum_money, to_money
from billkit.parties import Party, validate_identifier
from billkit.parties.identifiers import IDENTIFIER_SCHEMES
from billkit.periods import MONTHLY, BillingCycle, Cycle, Period
from billkit.pricing import (
    Charge,
    Flat,
    Graduated,
    PerUnit,
    Plan,
    Tier,
    dumps_catalog,
    loads_catalog,
    quote,
)
from billkit.pricing.proration import ProrationPolicy, prorate
from billkit.usage import Meter, UsageEvent, aggregate
from tests.fuzz._support import examples, survive
from tests.strategies.hostile import (
    anything,
    catalog_texts,
    hostile_dates,
    hostile_decimals,
    hostile_moments,
    hostile_money,
    hostile_rates,
    hostile_texts,
    in_range_decimals,
    in_range_money,
)

pytestmark = pytest.mark.fuzz

UTC = timezone.utc
ZONES = st.sampled_from(["UTC", "Asia/Tokyo", "Europe/Rome", "America/New_York", "+14:00"])


def small_context(call: Any, *args: Any, **kwargs: Any) -> Any:
    with decimal.localcontext() as ctx:
        ctx.prec = 5
        ctx.rounding = decimal.ROUND_DOWN
        return survive(call, *args, **kwargs)


# ------------------------------------------------------------------ periods


@examples(quick=80, deep=3_000)
@given(start=hostile_dates(), end=hostile_dates(), text=hostile_texts(), n=anything())
def test_periods_and_cycles(start: object, end: object, text: object, n: object) -> None:
    period = survive(Period, start, end)
    if not isinstance(period, BillkitError):
        assert Period.parse(str(period)) == period
    survive(Period.parse, text)
    cycle = survive(Cycle.parse, text)
    if not isinstance(cycle, BillkitError):
        assert Cycle.parse(str(cycle)) == cycle
        if isinstance(start, date) and not isinstance(start, datetime):
            survive(cycle.add, start, n)
            survive(cycle.add, start, 10**6)


# ------------------------------------------------------------------ models, plans, quote


@st.composite
def hostile_plans(draw: st.DrawFn) -> Plan | BillkitError:
    cur = draw(st.sampled_from(["EUR", "JPY", "KWD"]))
    price = draw(st.one_of(hostile_money(), in_range_money(currencies=(cur,), nonnegative=True)))
    model = draw(
        st.sampled_from(
            [
                lambda: PerUnit(unit_price=price),
                lambda: Flat(amount=price),
                lambda: Graduated(
                    tiers=[
                        Tier(up_to=draw(hostile_decimals()), unit_price=price),
                        Tier(unit_price=price),
                    ]
                ),
            ]
        )
    )
    charge = survive(
        lambda: Charge(
            code="c",
            metric="m",
            model=model(),
            included=draw(st.one_of(st.just(0), hostile_decimals())),
        )
    )
    if isinstance(charge, BillkitError):
        return charge
    return survive(
        Plan,
        code="p",
        name="P",
        currency=cur,
        base_fee=draw(st.one_of(st.none(), hostile_money())),
        charges=[charge],
    )


@examples(quick=60, deep=1_000)
@given(
    plan=hostile_plans(),
    usage=st.one_of(hostile_decimals(), st.lists(hostile_decimals(), max_size=3)),
)
def test_quote(plan: Plan | BillkitError, usage: object) -> None:
    if isinstance(plan, BillkitError):
        return
    period = Period(date(2026, 3, 1), date(2026, 4, 1))
    result = survive(quote, plan, {"m": usage}, period)
    if isinstance(result, BillkitError):
        return
    assert sum_money([line.amount for line in result.lines], plan.currency) == result.total
    assert abs(result.total.amount) < LIMIT
    assert small_context(quote, plan, {"m": usage}, period) == result
    again = survive(result.explain)
    assert again == result.explain()


# ------------------------------------------------------------------ proration


@examples(quick=60, deep=2_000)
@given(
    amount=st.one_of(hostile_money(), in_range_money(places=2, nonnegative=True)),
    start=st.one_of(hostile_dates(), hostile_moments()),
    end=st.one_of(hostile_dates(), hostile_moments()),
    basis=st.sampled_from(["day", "second"]),
    tz=ZONES,
    period=st.sampled_from(
        [
            Period(date(2026, 3, 1), date(2026, 4, 1)),
            Period(date(1, 1, 1), date(1, 2, 1)),
            Period(date(9999, 11, 1), date(9999, 12, 31)),
        ]
    ),
)
def test_prorate(
    amount: object, start: object, end: object, basis: str, tz: str, period: Period
) -> None:
    policy = ProrationPolicy(basis=basis, tz=tz)
    result = survive(prorate, amount, period, start, end, policy)
    if not isinstance(result, BillkitError):
        assert abs(result.amount.amount) <= abs(result.full.amount)
        assert small_context(prorate, amount, period, start, end, policy) == result


# ------------------------------------------------------------------ commission


@examples(quick=60, deep=2_000)
@given(
    rate=hostile_rates(),
    fixed=st.one_of(st.none(), hostile_money()),
    amount=st.one_of(hostile_money(), in_range_money(currencies=("EUR",), places=2)),
)
def test_commission(rate: object, fixed: object, amount: object) -> None:
    commission = survive(Commission, rate=rate, fixed=fixed, currency="EUR")
    if isinstance(commission, BillkitError):
        return
    survive(commission.fee, amount)
    on_top = survive(fee_on_top, commission, amount)
    if not isinstance(on_top, BillkitError):
        assert on_top.net + on_top.fee == on_top.gross
    up = survive(gross_up, commission, amount)
    if not isinstance(up, BillkitError):
        assert up.net + up.fee == up.gross
        assert up.net >= to_money(amount, "EUR")
        assert commission.fee(up.gross) == up.fee  # its own fee() accepts its gross


# ------------------------------------------------------------------ parties


@examples(quick=80, deep=2_000)
@given(
    scheme=st.one_of(st.sampled_from(sorted(IDENTIFIER_SCHEMES)), hostile_texts()),
    value=hostile_texts(),
    name=hostile_texts(),
    country=st.one_of(st.sampled_from(["RU", "IT", "IR", "UA", "us"]), hostile_texts()),
    kind=st.one_of(st.sampled_from(["individual", "legal_entity", "sole_proprietor"]), anything()),
)
def test_parties(
    scheme: object, value: object, name: object, country: object, kind: object
) -> None:
    number = survive(validate_identifier, scheme, value)
    if isinstance(number, str):
        assert number.isascii()
    survive(Party, kind=kind, country=country, name=name)
    if isinstance(scheme, str) and scheme in IDENTIFIER_SCHEMES:
        survive(Party, kind="individual", country="RU", name="X", identifiers={scheme: value})


# ------------------------------------------------------------------ documents


SELLER = Party(kind="legal_entity", country="IT", name="Chat S.r.l.")
BUYER = Party(kind="individual", country="IT", name="Mario Rossi")
TERMS = DocumentTerms(seller=SELLER, buyer=BUYER, rules=None)


@st.composite
def items(draw: st.DrawFn) -> Item | BillkitError:
    return survive(
        Item,
        description=draw(st.one_of(st.just("Line"), hostile_texts())),
        unit_price=draw(
            st.one_of(in_range_money(currencies=("EUR",), nonnegative=True), hostile_money())
        ),
        quantity=draw(st.one_of(in_range_decimals(low=0, places=3), hostile_decimals())),
        tax_category=draw(st.sampled_from(["standard", "reduced", "zero", "nope"])),
    )


@examples(quick=30, deep=400)
@given(lines=st.lists(items(), min_size=1, max_size=4), issue=hostile_dates())
def test_invoices(lines: list[Item | BillkitError], issue: object) -> None:
    good = [line for line in lines if isinstance(line, Item)]
    if not good:
        return
    invoice = survive(build_invoice, good, TERMS, issue_date=issue)
    if isinstance(invoice, BillkitError):
        return
    totals = invoice.totals
    assert totals.net + totals.tax == totals.gross
    assert small_context(build_invoice, good, TERMS, issue_date=issue) == invoice


# ------------------------------------------------------------------ usage


@examples(quick=40, deep=1_000)
@given(
    stamps=st.lists(hostile_moments(), min_size=1, max_size=4),
    values=st.lists(hostile_decimals(), min_size=4, max_size=4),
    tz=ZONES,
    aggregation=st.sampled_from(["sum", "count", "max", "unique_count", "last"]),
)
def test_usage(stamps: list[object], values: list[object], tz: str, aggregation: str) -> None:
    events = []
    for i, (stamp, value) in enumerate(zip(stamps, values, strict=False)):
        event = survive(
            UsageEvent,
            customer="c",
            metric="m",
            timestamp=stamp,
            idempotency_key=f"k{i}",
            value=value,
        )
        if isinstance(event, UsageEvent):
            events.append(event)
    meter = survive(Meter, code="m", aggregation=aggregation)
    if isinstance(meter, BillkitError):
        return
    billing = BillingCycle.calendar(MONTHLY)
    report = survive(aggregate, events, meter, billing=billing, tz=tz)
    if not isinstance(report, BillkitError):
        again = survive(aggregate, list(reversed(events)), meter, billing=billing, tz=tz)
        if aggregation != "last":
            assert type(again) is type(report)
            assert [row for row in again.rows] == [row for row in report.rows]  # type: ignore[union-attr]


# ------------------------------------------------------------------ catalogs


@examples(quick=50, deep=800)
@given(doc=catalog_texts())
def test_catalog_text(doc: tuple[str, str]) -> None:
    text, fmt = doc
    catalog = survive(loads_catalog, text, fmt)
    if not isinstance(catalog, BillkitError):
        for form in ("toml", "json"):
            assert loads_catalog(dumps_catalog(catalog, form), form) == catalog  # type: ignore[arg-type]


@examples(quick=30, deep=1_000)
@given(value=anything(), fmt=st.one_of(st.sampled_from(["toml", "json"]), hostile_texts()))
def test_catalog_wrong_types(value: object, fmt: object) -> None:
    survive(loads_catalog, value, fmt)
    _ = Decimal  # exact numbers only in catalogs
