"""Hypothesis strategies for billkit's property tests, one module per room.

- :mod:`tests.strategies.amounts`: the money room (amounts, currencies,
  rates, rounding policies, weights); re-exported here, so
  ``from tests.strategies import money, rates`` keeps working. (Named
  ``amounts`` because ``money`` is one of its strategies.)
- :mod:`tests.strategies.pricing`: tiers, price models, plans, usage, periods.

Other rooms add ``tests/strategies/<room>.py``.
"""

from __future__ import annotations

from tests.strategies.amounts import (
    CURRENCIES_BY_DIGITS,
    CURRENCY_CODES,
    HALF_MODES,
    MAX_MAJOR_UNITS,
    currency_codes,
    exact_decimal,
    exact_halves,
    money,
    money_lists,
    rates,
    rounding_modes,
    rounding_policies,
    scaled_decimals,
    unrounded_money,
    weights,
)

__all__ = [
    "CURRENCIES_BY_DIGITS",
    "CURRENCY_CODES",
    "HALF_MODES",
    "MAX_MAJOR_UNITS",
    "currency_codes",
    "exact_decimal",
    "exact_halves",
    "money",
    "money_lists",
    "rates",
    "rounding_modes",
    "rounding_policies",
    "scaled_decimals",
    "unrounded_money",
    "weights",
]
