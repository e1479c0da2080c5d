"""Hypothesis strategies of the invoicing room: items to bill."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from billkit.invoicing import Item
from billkit.money import Money
from tests.strategies.amounts import exact_decimal

__all__ = ["items"]

items: st.SearchStrategy[Item] = st.builds(
    lambda qty, price, category, treatment: Item(
        description="line",
        quantity=qty,
        unit_price=Money(price, "RUB"),
        tax_category=category,
        treatment=treatment,
    ),
    st.integers(1, 50).map(Decimal),
    st.integers(0, 10**8).map(lambda n: exact_decimal(n, 3)),
    st.sampled_from(["standard", "reduced", "simplified_5"]),
    st.sampled_from(["standard", "standard", "standard", "zero_rated", "exempt"]),
)
