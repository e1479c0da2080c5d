"""Pricing: price models, plans, catalogs and quotes.

>>> from billkit.pricing import Graduated, Tier
>>> from billkit.money import Money
>>> Graduated(tiers=[Tier(unit_price=Money("1", "EUR"))]).price(3)
Money('3', 'EUR')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from billkit.pricing.models import (
    AnyModel,
    Breakdown,
    Flat,
    Graduated,
    Package,
    Percentage,
    PerUnit,
    PriceModel,
    PricingCurrencyError,
    Step,
    Tier,
    Volume,
)
from billkit.pricing.plans import BASE_FEE_CODE, Charge, ChargeLike, PercentOf, Plan
from billkit.pricing.quote import Quote, QuoteLine, Usage, quote

if TYPE_CHECKING:  # pragma: no cover
    from billkit.pricing.catalog import (
        Catalog,
        dump_catalog,
        dumps_catalog,
        load_catalog,
        loads_catalog,
    )

__all__ = [
    "BASE_FEE_CODE",
    "AnyModel",
    "Breakdown",
    "Catalog",
    "Charge",
    "ChargeLike",
    "Flat",
    "Graduated",
    "Package",
    "PerUnit",
    "PercentOf",
    "Percentage",
    "Plan",
    "PriceModel",
    "PricingCurrencyError",
    "Quote",
    "QuoteLine",
    "Step",
    "Tier",
    "Usage",
    "Volume",
    "dump_catalog",
    "dumps_catalog",
    "load_catalog",
    "loads_catalog",
    "quote",
]

_CATALOG = {"Catalog", "dump_catalog", "dumps_catalog", "load_catalog", "loads_catalog"}


def __getattr__(name: str) -> Any:
    # The catalog pulls in cattrs and TOML: load it only when used.
    if name in _CATALOG:
        from billkit.pricing import catalog

        value = getattr(catalog, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'billkit.pricing' has no attribute {name!r}")
