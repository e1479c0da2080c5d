"""Several taxes on one amount, in order, some compound."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import InvoicingError
from billkit.invoicing.tax import stack_taxes
from billkit.money import Money

CENT = Decimal("0.01")


def cad(amount: str) -> Money:
    return Money(amount, "CAD")


def test_quebec_since_2013() -> None:
    # Revenu Québec: GST 5 % and QST 9.975 % both on the selling price (QST no longer on GST).
    # 100.00 x 5 % = 5.00; 100.00 x 9.975 % = 9.975 -> 9.98; 100.00 + 5.00 + 9.98 = 114.98
    taxes = stack_taxes(cad("100.00"), [("GST", "5%", False), ("QST", "9.975%", False)])
    assert taxes == (("GST", cad("5.00")), ("QST", cad("9.98")))
    assert cad("100.00") + sum((t for _, t in taxes), cad("0")) == cad("114.98")


def test_quebec_before_2013_compound() -> None:
    # 2012: QST 9.5 % on the price including GST: (100.00 + 5.00) x 9.5 % = 9.975 -> 9.98
    # (the same 9.98 as 2013's 9.975 % on 100.00: the rate was cut to keep the tax the same)
    assert stack_taxes(cad("100.00"), [("GST", "5%", False), ("QST", "9.5%", True)]) == (
        ("GST", cad("5.00")),
        ("QST", cad("9.98")),
    )
    # the order matters for a compound layer: first, it has nothing before it to tax
    # 100.00 x 9.5 % = 9.50; GST (not compound) stays 5.00
    assert stack_taxes(cad("100.00"), [("QST", "9.5%", True), ("GST", "5%", False)]) == (
        ("QST", cad("9.50")),
        ("GST", cad("5.00")),
    )


_RATE = st.integers(min_value=0, max_value=3000).map(lambda r: Decimal(r) / 10000)
_LAYERS = st.lists(st.tuples(_RATE, st.booleans()), min_size=1, max_size=5)
_NET = st.integers(min_value=0, max_value=10**9).map(lambda c: Money(Decimal(c) / 100, "EUR"))


@given(_NET, _LAYERS)
def test_properties(net: Money, rows: list[tuple[Decimal, bool]]) -> None:
    layers = [(f"t{i}", rate, compound) for i, (rate, compound) in enumerate(rows)]
    taxes = stack_taxes(net, layers)
    assert [name for name, _ in taxes] == [name for name, _, _ in layers]
    before = Decimal(0)
    for (_, rate, compound), (_, tax) in zip(layers, taxes, strict=True):
        # each tax: its rate on the net, plus the earlier taxes when compound, rounded half up
        base = net.amount + before if compound else net.amount
        assert tax.amount == (base * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        before += tax.amount
    # without compound layers the order does not matter
    simple = [(name, rate, False) for name, rate, _ in layers]
    forward = dict(stack_taxes(net, simple))
    assert dict(stack_taxes(net, simple[::-1])) == forward
    # a compound layer never taxes less than the same layer not compound
    for (name, _, _), (_, tax) in zip(layers, taxes, strict=True):
        assert tax >= forward[name]


def test_refusals() -> None:
    with pytest.raises(InvoicingError, match="layers"):
        stack_taxes(cad("1.00"), ("GST", "5%", False))  # type: ignore[arg-type]
    with pytest.raises(InvoicingError, match=r"layers\[0\]"):
        stack_taxes(cad("1.00"), [("GST", "5%")])  # type: ignore[list-item]
