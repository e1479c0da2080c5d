"""Scenarios, populations and simulation results survive billkit.serialize and pickle:
an analyst saves a preview and reads back the same tables."""

from __future__ import annotations

import json
import pickle
from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.demo import demo_catalog
from billkit.errors import SerializationError
from billkit.money import Money
from billkit.periods import Period
from billkit.serialize import dumps, from_data, loads, to_data
from billkit.simulate import (
    BreakEven,
    Customer,
    Scenario,
    Simulation,
    break_even,
    population,
    simulate,
    synthetic,
)

CATALOG = demo_catalog()
GROWTH = CATALOG["growth-monthly"]
MONTHS = tuple(Period(date(2026, m, 1), date(2026, m + 1, 1)) for m in (3, 4, 5))

contacts = st.integers(min_value=0, max_value=20_000)
quantities = st.one_of(
    contacts,
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False),
)


@st.composite
def customers(draw: st.DrawFn) -> tuple[Customer, ...]:
    n = draw(st.integers(min_value=0, max_value=6))
    return tuple(
        Customer(
            key=f"org-{i}",
            plan=draw(st.sampled_from(["growth-monthly", "growth-annual-usage"])),
            usage={"monthly_active_contacts": draw(quantities)},
        )
        for i in range(n)
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    fee = draw(st.decimals(min_value=0, max_value=500, places=2))
    dearer = attrs.evolve(GROWTH, code="growth-new", base_fee=Money(fee, "EUR"))
    cap = draw(st.none() | st.decimals(min_value=0, max_value=1, places=2))
    return Scenario(
        name="new",
        catalog=[dearer, CATALOG["growth-annual-usage"]],
        moves={"growth-monthly": "growth-new"},
        keep_periods=draw(st.integers(min_value=0, max_value=3)),
        cap=cap,
    )


def _no_float(text: str) -> object:
    raise AssertionError(f"a JSON float: {text}")


def _json_round_trip(value: object) -> object:
    text = dumps(value)
    json.loads(text, parse_float=_no_float)  # amounts are text, never JSON numbers
    return loads(text)


@settings(max_examples=30, deadline=None)
@given(customers(), scenarios(), st.integers(min_value=1, max_value=3))
def test_a_simulation_reads_back_equal_with_the_same_tables(
    people: tuple[Customer, ...], scenario: Scenario, months: int
) -> None:
    result = simulate(people, [Scenario(name="today", catalog=CATALOG), scenario], MONTHS[:months])
    for copy in (_json_round_trip(result), from_data(to_data(result), Simulation)):
        assert copy == result
        assert isinstance(copy, Simulation)
        # the tables are computed from the bills: equal bills, equal tables, exact decimals
        assert copy.details().rows == result.details().rows
        assert copy.summary().rows == result.summary().rows
    assert pickle.loads(pickle.dumps(result)) == result
    summary = result.summary()  # a table is a view of the bills; it pickles too
    assert pickle.loads(pickle.dumps(summary)) == summary
    assert _json_round_trip(scenario) == scenario
    assert pickle.loads(pickle.dumps(scenario)) == scenario


@settings(max_examples=30, deadline=None)
@given(customers())
def test_a_population_reads_back_customer_by_customer(people: tuple[Customer, ...]) -> None:
    # A population is a tuple of Customer values: each one is saved, and
    # population() reads the list back (it accepts Customer values).
    saved = json.dumps([to_data(c) for c in people])
    again = population([from_data(d, Customer) for d in json.loads(saved)])
    assert again == people
    assert pickle.loads(pickle.dumps(people)) == people


def test_a_synthetic_population_and_a_break_even_survive() -> None:
    people = synthetic(
        50, seed=3, plans=["growth-monthly"], usage={"monthly_active_contacts": (0, 5000)}
    )
    assert tuple(loads(dumps(c), Customer) for c in people) == people
    found = break_even(
        CATALOG["attribution-starter"],
        CATALOG["attribution-growth"],
        "attributions",
        range(23400, 23420),
        Period(date(2026, 3, 21), date(2026, 4, 20)),
    )
    copy = loads(dumps(found), BreakEven)
    assert copy == found
    assert copy.crossings == (Decimal("23414"),)  # the docs' arithmetic: 697 500 000 / 52 000
    assert pickle.loads(pickle.dumps(found)) == found


def test_a_bill_is_saved_as_its_fields_and_a_float_is_refused_with_its_path() -> None:
    people = [Customer(key="org-2", plan="growth-monthly", usage={"monthly_active_contacts": 1250})]
    result = simulate(people, [Scenario(name="today", catalog=CATALOG)], MONTHS[0])
    data = to_data(result)
    # 99.00 + 3 blocks x 20.00 = 159.00 (docs/simulate.md): quoted, billed and baseline
    assert data["bills"] == [
        ["org-2", "today", 0, "growth-monthly", "159.00", "159.00", "159.00", "EUR"]
    ]
    data["bills"][0][5] = 159.0
    with pytest.raises(SerializationError) as caught:
        from_data(data)
    assert "bills[0][5]" in str(caught.value)
    data["bills"][0] = data["bills"][0][:7]
    with pytest.raises(SerializationError, match=r"bills\[0\]"):
        from_data(data)
