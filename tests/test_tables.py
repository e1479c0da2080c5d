"""Tables: exact decimals survive records, Arrow, pandas and polars round trips."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.demo import demo_catalog
from billkit.errors import MissingDependencyError, ValidationError
from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import Charge, PerUnit, Plan, cheapest_plan, quote
from billkit.tables import Table, plan_comparisons, quote_lines, quote_totals

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
# The marketing SaaS (docs/invoicing.md): 300.00 UAH with 2 500 emails free, then
# 0.125 UAH an email: the unit price has three decimals, the currency two.
EMAIL = Plan(
    code="email-start",
    name="Email Start",
    currency="UAH",
    base_fee=Money("300.00", "UAH"),
    charges=[
        Charge(
            code="emails",
            metric="emails_sent",
            included=2500,
            model=PerUnit(unit_price=Money("0.125", "UAH")),
        )
    ],
)


def _round_trips(table: Table) -> None:
    expected = table.to_records()
    arrow = table.to_arrow()
    assert arrow.to_pylist() == expected
    assert pa.table(table).to_pylist() == expected  # through __arrow_c_stream__
    frame = table.to_pandas()
    assert pa.Table.from_pandas(frame, preserve_index=False).to_pylist() == expected
    polars = table.to_polars()
    assert polars.to_arrow().to_pylist() == expected
    assert pl.DataFrame(table).to_dicts() == expected  # polars reads the capsule itself
    assert polars.rows() == [tuple(r.values()) for r in expected]


def test_quote_lines_keep_every_digit_and_the_currency_scale() -> None:
    # 4 001 emails - 2 500 included = 1 501 x 0.125 = 187.625, billed 187.63.
    bills = {"olena": quote(EMAIL, {"emails_sent": 4001}, MARCH)}
    table = quote_lines(bills)
    emails = table.to_records()[1]
    assert (emails["billable"], emails["unit_price"], emails["amount"]) == (
        Decimal("1501"),
        Decimal("0.125"),
        Decimal("187.63"),
    )
    schema = table.to_arrow().schema
    assert schema.field("amount").type == pa.decimal128(38, 2)  # UAH: 2 minor units
    assert schema.field("unit_price").type == pa.decimal128(38, 3)  # 0.125 needs three
    frame = table.to_pandas()
    assert frame["amount"].sum() == Decimal("487.63")  # 300.00 + 187.63, exactly
    assert list(frame["currency"]) == ["UAH", "UAH"]
    _round_trips(table)


def test_totals_in_a_currency_without_minor_units_keep_scale_zero() -> None:
    # The yen has no minor unit (ISO 4217): whole amounts, scale 0.
    plan = Plan(code="jpy", name="JPY", currency="JPY", base_fee=Money("52000", "JPY"))
    table = quote_totals([quote(plan, {}, MARCH)])
    assert table.to_arrow().schema.field("total").type == pa.decimal128(38, 0)
    _round_trips(table)


def test_plan_comparisons_mark_the_cheapest() -> None:
    catalog = demo_catalog()
    plans = [catalog["growth-monthly"], catalog["growth-annual-usage"]]
    table = plan_comparisons(
        [cheapest_plan(plans, {"monthly_active_contacts": n}, MARCH) for n in (0, 2000)]
    )
    rows = [(r["key"], r["plan"], r["total"], r["cheapest"]) for r in table.to_records()]
    # growth-monthly: 99.00 + blocks; growth-annual-usage: blocks only (2 000 contacts:
    # 10 blocks of 100 over the 1 000 included, at 20.00).
    assert rows == [
        (0, "growth-monthly", Decimal("99.00"), False),
        (0, "growth-annual-usage", Decimal("0.00"), True),
        (1, "growth-monthly", Decimal("299.00"), False),
        (1, "growth-annual-usage", Decimal("200.00"), True),
    ]
    _round_trips(table)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=8))
def test_exact_decimals_survive_every_round_trip(emails: list[int]) -> None:
    _round_trips(quote_lines([quote(EMAIL, {"emails_sent": n}, MARCH) for n in emails]))


def test_bad_inputs_are_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="quotes = 3: expected a Quote"):
        quote_lines(3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"rows\[0\]"):
        Table(columns=("a", "b"), rows=((1,),))


def test_a_missing_dataframe_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(MissingDependencyError, match=r"py-billkit\[polars\]"):
        quote_totals([]).to_polars()


def test_upgrade_advice_is_a_table_with_exact_amounts() -> None:
    from billkit.pricing import overage_charge, upgrade_advice
    from billkit.tables import upgrade_advices

    eur = "EUR"
    # docs/overage.md: Growth 99.00 with 1 000 contacts and 20.00 per block of 100;
    # Advanced 189.00 with 3 000 and 15.00. 1 200 contacts by 11 April, 2 800
    # expected: staying bills 18 blocks x 20.00 = 360.00.
    growth = Plan(
        code="growth",
        name="Growth",
        currency=eur,
        base_fee=Money("99.00", eur),
        charges=[
            overage_charge(
                "blocks", "contacts", included=1000, price=Money("20.00", eur), block=100
            )
        ],
    )
    advanced = Plan(
        code="advanced",
        name="Advanced",
        currency=eur,
        base_fee=Money("189.00", eur),
        charges=[
            overage_charge(
                "blocks", "contacts", included=3000, price=Money("15.00", eur), block=100
            )
        ],
    )
    april = Period(date(2026, 4, 1), date(2026, 5, 1))
    advice = upgrade_advice(
        growth, advanced, {"contacts": 1200}, april, date(2026, 4, 11), projected={"contacts": 2800}
    )
    table = upgrade_advices({"org-1": advice})
    [row] = table.to_records()
    assert (row["current"], row["candidate"], row["requested_on"]) == (
        "growth",
        "advanced",
        date(2026, 4, 11),
    )
    assert row["stay"] == Decimal("360.00")
    assert row["saving"] == row["stay"] - row["switch"]
    assert row["worth_it"] is True
    _round_trips(table)
    with pytest.raises(ValidationError):
        upgrade_advices(["not advice"])  # type: ignore[list-item]


def test_simulation_tables_keep_exact_decimals() -> None:
    from billkit.simulate import Customer, Scenario, simulate

    people = [
        Customer(key="org-1", plan="email-start", usage={"emails_sent": 4001}),
        Customer(key="org-2", plan="email-start", usage={"emails_sent": "2500.5"}),
    ]
    result = simulate(people, [Scenario(name="today", catalog=[EMAIL])], MARCH)
    for table in (result.details(), result.by_customer(), result.summary(), result.revenue()):
        _round_trips(table)
    # 300.00 + 1 501 x 0.125 = 487.625 -> 487.63; 300.00 + 0.5 x 0.125 = 300.0625 -> 300.06
    assert [r["total"] for r in result.by_customer().to_records()] == [
        Decimal("487.63"),
        Decimal("300.06"),
    ]
