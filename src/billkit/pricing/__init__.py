"""Pricing: price models, plans, catalogs and quotes; proration and plan changes,
overage and the cheapest plan, discounts and prepaid terms.

>>> from billkit.pricing import Graduated, Tier
>>> from billkit.money import Money
>>> Graduated(tiers=[Tier(unit_price=Money("1", "EUR"))]).price(3)
Money('3', 'EUR')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from billkit.pricing.discounts import (
    AppliedDiscount,
    Coupon,
    DiscountDuration,
    DiscountedLine,
    DiscountedQuote,
    Term,
    apply_discounts,
    prepay,
    redeem,
    term_plan,
)
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
from billkit.pricing.overage import (
    AutoUpgrade,
    CompositeMetric,
    Overage,
    PlanComparison,
    UpgradeAdvice,
    auto_upgrade,
    cheapest_plan,
    measure_overage,
    overage_charge,
    upgrade_advice,
)
from billkit.pricing.plans import BASE_FEE_CODE, Charge, ChargeLike, PercentOf, Plan
from billkit.pricing.proration import (
    DEFAULT_PRORATION,
    ChangeDirection,
    ChangeTiming,
    PlanChange,
    Proration,
    ProrationBasis,
    ProrationDivisor,
    ProrationPolicy,
    SliceRounding,
    UnusedCredit,
    change_direction,
    change_plan,
    fixed_fee,
    leading_stub,
    prorate,
    prorate_span,
    trailing_stub,
)
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
    "DEFAULT_PRORATION",
    "AnyModel",
    "AppliedDiscount",
    "AutoUpgrade",
    "Breakdown",
    "Catalog",
    "ChangeDirection",
    "ChangeTiming",
    "Charge",
    "ChargeLike",
    "CompositeMetric",
    "Coupon",
    "DiscountDuration",
    "DiscountedLine",
    "DiscountedQuote",
    "Flat",
    "Graduated",
    "Overage",
    "Package",
    "PerUnit",
    "PercentOf",
    "Percentage",
    "Plan",
    "PlanChange",
    "PlanComparison",
    "PriceModel",
    "PricingCurrencyError",
    "Proration",
    "ProrationBasis",
    "ProrationDivisor",
    "ProrationPolicy",
    "Quote",
    "QuoteLine",
    "SliceRounding",
    "Step",
    "Term",
    "Tier",
    "UnusedCredit",
    "UpgradeAdvice",
    "Usage",
    "Volume",
    "apply_discounts",
    "auto_upgrade",
    "change_direction",
    "change_plan",
    "cheapest_plan",
    "dump_catalog",
    "dumps_catalog",
    "fixed_fee",
    "leading_stub",
    "load_catalog",
    "loads_catalog",
    "measure_overage",
    "overage_charge",
    "prepay",
    "prorate",
    "prorate_span",
    "quote",
    "redeem",
    "term_plan",
    "trailing_stub",
    "upgrade_advice",
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
