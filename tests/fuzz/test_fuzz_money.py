"""Fuzz: the money room (converters, quantize, allocation, tax splits).

Only BillkitError escapes; every split that is accepted adds back up to its
total; results do not depend on the caller's decimal context.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import BillkitError
from billkit.money import (
    LIMIT,
    Money,
    RoundingMode,
    RoundingPolicy,
    allocate,
    in_range,
    quantize,
    sum_money,
    tax_from_gross,
    tax_from_net,
    to_decimal,
    to_money,
    to_rate,
)
from tests.fuzz._support import examples, survive
from tests.strategies.hostile import (
    anything,
    hostile_decimals,
    hostile_money,
    hostile_rates,
    in_range_decimals,
    in_range_money,
)

pytestmark = pytest.mark.fuzz


policies = st.builds(
    RoundingPolicy,
    mode=st.sampled_from(list(RoundingMode)),
    minor_units=st.sampled_from([{}, {"IRR": 0}, {"EUR": 4}, {"JPY": 2}]),
)


def _in_a_small_context(call, *args):  # type: ignore[no-untyped-def]
    """``call(*args)`` under a caller context of 5 digits that traps nothing."""
    with decimal.localcontext() as ctx:
        ctx.prec = 5
        ctx.rounding = decimal.ROUND_FLOOR
        ctx.traps[decimal.InvalidOperation] = False
        return survive(call, *args)


@examples(quick=100, deep=5_000)
@given(value=hostile_decimals(), field=st.sampled_from(["amount", "quantity"]))
def test_to_decimal_accepts_only_numbers_in_range(value: object, field: str) -> None:
    result = survive(to_decimal, value, field)
    if isinstance(result, BillkitError):
        assert result.field == field  # type: ignore[attr-defined]
    else:
        assert in_range(result)
        assert _in_a_small_context(to_decimal, value, field) == result


@examples(quick=80, deep=5_000)
@given(value=hostile_money(), currency=st.sampled_from([None, "EUR", "JPY", "xx", 3]))
def test_to_money_and_quantize(value: object, currency: object) -> None:
    money = survive(to_money, value, currency)
    if isinstance(money, BillkitError):
        return
    assert in_range(money.amount)
    rounded = survive(quantize, money)
    assert not isinstance(rounded, BillkitError)
    assert _in_a_small_context(quantize, money) == rounded


@examples(quick=80, deep=5_000)
@given(value=hostile_rates())
def test_to_rate(value: object) -> None:
    rate = survive(to_rate, value)
    if not isinstance(rate, BillkitError):
        assert rate >= 0
        assert in_range(rate)


@examples(quick=100, deep=3_000)
@given(
    total=st.one_of(hostile_money(), in_range_money(places=2)),
    weights=st.one_of(st.lists(hostile_decimals(), max_size=5), anything()),
    policy=st.one_of(policies, anything()),
)
def test_allocate_refuses_cleanly(total: object, weights: object, policy: object) -> None:
    parts = survive(allocate, total, weights, policy)  # type: ignore[arg-type]
    if isinstance(parts, BillkitError):
        return
    assert isinstance(total, Money)
    assert sum_money(parts, total.currency) == total


split_cases = st.tuples(
    in_range_money(places=0),
    st.lists(in_range_decimals(low=0, places=4), min_size=1, max_size=8),
    policies,
)


@examples(quick=100, deep=100_000)
@given(cases=st.lists(split_cases, min_size=1, max_size=1))
def test_allocate_conserves_every_minor_unit(
    cases: list[tuple[Money, list[Decimal], RoundingPolicy]],
) -> None:
    """Conservation (deep: 100 000 examples): the
    parts add up to the total, each is a whole number of minor units, signs
    never mix, and the same split comes out under a 5-digit caller context."""
    for total, weights, policy in cases:
        parts = survive(allocate, total, weights, policy)
        if isinstance(parts, BillkitError):
            assert not any(weights)  # only all-zero weights are refused for a whole total
            continue
        assert sum_money(parts, total.currency) == total
        for part, weight in zip(parts, weights, strict=True):
            assert quantize(part, policy) == part
            assert part.amount * total.amount >= 0
            if not weight:
                assert not part.amount
        assert _in_a_small_context(allocate, total, weights, policy) == parts


@examples(quick=100, deep=3_000)
@given(
    amount=hostile_money(),
    rate=hostile_rates(),
    policy=st.one_of(policies, anything()),
    split=st.sampled_from([tax_from_net, tax_from_gross]),
)
def test_tax_splits_refuse_cleanly(amount: object, rate: object, policy: object, split) -> None:  # type: ignore[no-untyped-def]
    result = survive(split, amount, rate, policy)
    if not isinstance(result, BillkitError):
        assert result.net + result.tax == result.gross
        assert abs(result.gross.amount) < LIMIT


tax_cases = st.tuples(
    in_range_money(places=4),
    in_range_decimals(low=0, places=6).filter(lambda r: r < 1000),
    policies,
    st.sampled_from([tax_from_net, tax_from_gross]),
)


@examples(quick=100, deep=100_000)
@given(cases=st.lists(tax_cases, min_size=1, max_size=1))
def test_tax_splits_conserve(cases: list[tuple[Money, Decimal, RoundingPolicy, Any]]) -> None:
    """Conservation (deep: 100 000 examples):
    net + tax == gross exactly, the tax is rounded to the minor unit, and a
    5-digit caller context changes nothing."""
    for amount, rate, policy, split in cases:
        result = survive(split, amount, rate, policy)
        if isinstance(result, BillkitError):
            # Only a gross beyond the range is refused.
            assert abs(amount.amount) * (1 + rate) >= LIMIT / 2
            continue
        assert result.net + result.tax == result.gross
        assert quantize(result.tax, policy) == result.tax
        assert _in_a_small_context(split, amount, rate, policy) == result


@examples(quick=50, deep=2_000)
@given(
    amounts=st.lists(st.one_of(in_range_money(currencies=("EUR",)), hostile_money()), max_size=6)
)
def test_sum_money(amounts: list[object]) -> None:
    total = survive(sum_money, amounts, "EUR")
    if not isinstance(total, BillkitError):
        exact = sum((m.amount for m in amounts), Decimal(0))  # type: ignore[attr-defined]
        with decimal.localcontext(decimal.Context(prec=100)):
            exact = sum((m.amount for m in amounts), Decimal(0))  # type: ignore[attr-defined]
        assert total.amount == exact
