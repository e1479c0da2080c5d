"""Property tests: generated values round-trip exactly through serialize and pickle.

For each generated value ``v``: ``from_data(to_data(v)) == v``,
``loads(dumps(v)) == v``, ``dumps`` gives the same text again for what it
read (so every digit and exponent survived), and pickle round-trips.
"""

from __future__ import annotations

import pickle
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from billkit.credit import Ledger, Wallet
from billkit.invoicing import Item, build_invoice
from billkit.parties import Address, Party
from billkit.periods import MONTHLY, BillingCycle, Period
from billkit.pricing import Catalog, Plan, cheapest_plan, quote
from billkit.serialize import converter, dumps, from_data, loads, to_data
from billkit.subscriptions import PaymentSucceeded, Subscribe, advance, apply, start_trial
from billkit.usage import Meter, UsageEvent, aggregate
from tests.pricing_strategies import catalog_plans, periods_for, plans, usage_for
from tests.strategies import money, rounding_policies

ZONES = [
    timezone.utc,
    timezone(timedelta(hours=3, minutes=30)),
    timezone(-timedelta(hours=9)),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Asia/Tehran"),
    ZoneInfo("Australia/Lord_Howe"),  # half-hour DST shifts
]
MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2060, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from(ZONES),
    allow_imaginary=True,  # wall times the clocks skip round-trip too
)
TEXT = st.text(min_size=1, max_size=20).map(str.strip).filter(bool)


def assert_round_trips(value: object) -> None:
    data = to_data(value)
    assert from_data(data) == value
    text = dumps(value)
    back = loads(text)
    assert back == value
    assert type(back) is type(value)
    assert dumps(back) == text
    assert pickle.loads(pickle.dumps(value)) == value


@given(money(extra_places=3))
def test_money_keeps_its_exact_amount(amount: Money) -> None:
    data = converter.unstructure(amount)
    assert data == {"amount": str(amount.amount), "currency": amount.currency.code}
    back = converter.structure(data, Money)
    assert back.amount.as_tuple() == amount.amount.as_tuple()  # digits and exponent
    assert back.currency == amount.currency


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimals_keep_every_digit_and_exponent(number: Decimal) -> None:
    back = converter.structure(converter.unstructure(number, Decimal), Decimal)
    assert back.as_tuple() == number.as_tuple()


@given(MOMENTS)
def test_datetimes_keep_their_wall_time_offset_and_zone(moment: datetime) -> None:
    back = converter.structure(converter.unstructure(moment, datetime), datetime)
    assert back == moment
    assert back.replace(tzinfo=None) == moment.replace(tzinfo=None)
    assert back.utcoffset() == moment.utcoffset()
    assert back.tzinfo == moment.tzinfo
    assert (
        back.fold == moment.fold or back.utcoffset() == back.replace(fold=1 - back.fold).utcoffset()
    )


@given(rounding_policies())
def test_rounding_policies(policy: object) -> None:
    assert_round_trips(policy)


@given(plans(text=True))
def test_plans(plan: Plan) -> None:
    assert_round_trips(plan)


@given(catalog_plans())
def test_catalogs(found: list[Plan]) -> None:
    assert_round_trips(Catalog(plans=found))


@given(st.data())
def test_quotes(data: st.DataObject) -> None:
    plan = data.draw(plans())
    result = quote(plan, data.draw(usage_for(plan)), data.draw(periods_for(plan.cycle)))
    assert_round_trips(result)
    for line in result.lines:
        assert_round_trips(line)


@given(st.data())
def test_plan_comparisons_keep_the_usage_as_given(data: st.DataObject) -> None:
    """Quantities given as text stay text, Decimals stay Decimals, events stay events."""
    plan = data.draw(plans())
    usage = data.draw(usage_for(plan))
    comparison = cheapest_plan([plan], usage, data.draw(periods_for(plan.cycle)))
    assert_round_trips(comparison)
    back = loads(dumps(comparison))
    assert {k: type(v) for k, v in back.usage.items()} == {
        k: type(v) for k, v in comparison.usage.items()
    }


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["org-1", "org-2"]),
            st.sampled_from(["call", "sms"]),
            MOMENTS,
            st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False),
            st.dictionaries(st.sampled_from(["workspace", "channel"]), TEXT, max_size=2),
        ),
        max_size=12,
    )
)
def test_usage_events_and_reports(
    rows: list[tuple[str, str, datetime, Decimal, dict[str, str]]],
) -> None:
    events = [
        UsageEvent(
            customer=customer,
            metric=metric,
            idempotency_key=f"e-{i}",
            timestamp=at,
            value=value,
            properties=props,
        )
        for i, (customer, metric, at, value, props) in enumerate(rows)
    ]
    for event in events:
        assert_round_trips(event)
    report = aggregate(
        events,
        Meter(code="calls", aggregation="sum", metrics="call"),
        billing=BillingCycle.calendar(MONTHLY),
        tz="Europe/Berlin",
    )
    assert_round_trips(report)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["top_up", "grant", "charge"]),
            st.decimals(min_value=Decimal("0.01"), max_value=10**5, places=2),
        ),
        max_size=10,
    )
)
def test_ledgers(operations: list[tuple[str, Decimal]]) -> None:
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    start = datetime(2026, 3, 1, tzinfo=ZoneInfo("Europe/Moscow"))
    for i, (operation, amount) in enumerate(operations):
        at = start + timedelta(hours=i)
        if operation == "charge":
            if ledger.balance("main") < Money(amount, "RUB"):
                continue
            ledger = ledger.charge("main", amount, at=at, key=f"c{i}")
        else:
            ledger = getattr(ledger, operation)("main", amount, at=at, key=f"k{i}")
    assert_round_trips(ledger)
    for entry in ledger.entries:
        assert_round_trips(entry)
    for derived in (ledger.credits("main"), ledger.allocations("main"), ledger.expenses("main")):
        for value in derived:
            assert_round_trips(value)


def parties(countries: list[str]) -> st.SearchStrategy[Party]:
    return st.builds(
        Party,
        kind=st.sampled_from(["legal_entity", "individual"]),
        country=st.sampled_from(countries),
        name=TEXT,
        email=st.just("") | st.just("billing@example.com"),
        legal_address=st.none() | st.builds(Address, country=st.just("DE"), city=TEXT),
    )


@given(
    parties(["RU"]),  # a seller in a country with tax rates
    parties(["RU", "DE", "IR", "US"]),
    st.lists(
        st.tuples(TEXT, st.integers(1, 1000), st.decimals(min_value=0, max_value=10**4, places=2)),
        min_size=1,
        max_size=6,
    ),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)),
)
def test_invoices(
    seller: Party, buyer: Party, rows: list[tuple[str, int, Decimal]], on: date
) -> None:
    assert_round_trips(seller)
    items = [
        Item(description=text, quantity=quantity, unit="month", unit_price=Money(price, "EUR"))
        for text, quantity, price in rows
    ]
    invoice = build_invoice(
        items,
        seller=seller,
        buyer=buyer,
        number="INV-1",
        issue_date=on,
        payment_days=10,
        rules=None,
    )
    assert_round_trips(invoice)


@given(
    plans(),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)),
    st.integers(0, 120),
)
def test_subscriptions(plan: Plan, on: date, days: int) -> None:
    sub = start_trial("org-1", plan=plan, on=on).subscription
    assert_round_trips(sub)
    sub = apply(sub, Subscribe(on=on, role="org_admin", plan=plan)).subscription
    for invoice in sub.unpaid:
        assert_round_trips(invoice)
        sub = apply(sub, PaymentSucceeded(on=on, invoice_id=invoice.id)).subscription
    assert_round_trips(sub)
    # Unpaid renewals, dunning notices, freezing: what the days bring, saved.
    later = advance(sub, on + timedelta(days=days))
    assert_round_trips(later)


@given(st.dates(), st.integers(1, 400))
def test_periods(start: date, days: int) -> None:
    end = start + timedelta(days=days) if start < date(9999, 1, 1) - timedelta(days=days) else None
    if end is not None:
        assert_round_trips(Period(start=start, end=end))


def test_the_repeated_and_the_skipped_hour_of_a_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 2026-10-25: clocks go back at 03:00 CEST, so 02:30 happens twice.
    first = datetime(2026, 10, 25, 2, 30, tzinfo=berlin)
    second = first.replace(fold=1)
    assert converter.unstructure(first, datetime) == "2026-10-25T02:30:00+02:00[Europe/Berlin]"
    assert converter.unstructure(second, datetime) == "2026-10-25T02:30:00+01:00[Europe/Berlin]"
    for moment in (first, second):
        back = converter.structure(converter.unstructure(moment, datetime), datetime)
        assert (back.fold, back.utcoffset(), back.tzinfo) == (
            moment.fold,
            moment.utcoffset(),
            berlin,
        )
    # 2026-03-29: clocks jump from 02:00 to 03:00, so 02:30 never happens.
    skipped = datetime(2026, 3, 29, 2, 30, tzinfo=berlin)
    back = converter.structure(converter.unstructure(skipped, datetime), datetime)
    assert back == skipped
    assert back.replace(tzinfo=None) == skipped.replace(tzinfo=None)
