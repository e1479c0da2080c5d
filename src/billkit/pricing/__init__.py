"""Pricing: price models, plans, catalogs and quotes; proration, plan changes,
discounts and the cheapest plan.

The names most users need are here; the rest of each idea lives in its module:
:mod:`billkit.pricing.models` (``Breakdown``, ``Step``, the peer models
``GraduatedPercentage``/``PercentTier``, ``Capacity``/``CapacityTier`` and
``Prorated``/``Presence``), :mod:`~billkit.pricing.plans`
(``BASE_FEE_CODE``), :mod:`~billkit.pricing.quote` (``QuoteLine``, ``Usage``),
:mod:`~billkit.pricing.catalog` (``loads_catalog``, ``dump_catalog``...),
:mod:`~billkit.pricing.proration` (stubs, ``PlanChange``, ``change_direction``...),
:mod:`~billkit.pricing.overage` (``overage_charge``, ``auto_upgrade``,
``upgrade_advice``...) and :mod:`~billkit.pricing.discounts` (``redeem``, ``prepay``...).

>>> from billkit.pricing import Graduated, Tier
>>> from billkit.money import Money
>>> Graduated(tiers=[Tier(unit_price=Money("1", "EUR"))]).price(3)
Money('3', 'EUR')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from billkit import _lazy

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from billkit.errors import (
        PricingCurrencyError as PricingCurrencyError,
    )
    from billkit.pricing.catalog import (
        Catalog as Catalog,
    )
    from billkit.pricing.catalog import (
        dump_catalog as dump_catalog,
    )
    from billkit.pricing.catalog import (
        dumps_catalog as dumps_catalog,
    )
    from billkit.pricing.catalog import (
        load_catalog as load_catalog,
    )
    from billkit.pricing.catalog import (
        loads_catalog as loads_catalog,
    )
    from billkit.pricing.discounts import (
        AppliedDiscount as AppliedDiscount,
    )
    from billkit.pricing.discounts import (
        Coupon as Coupon,
    )
    from billkit.pricing.discounts import (
        DiscountDuration as DiscountDuration,
    )
    from billkit.pricing.discounts import (
        DiscountedLine as DiscountedLine,
    )
    from billkit.pricing.discounts import (
        DiscountedQuote as DiscountedQuote,
    )
    from billkit.pricing.discounts import (
        Term as Term,
    )
    from billkit.pricing.discounts import (
        apply_discounts as apply_discounts,
    )
    from billkit.pricing.discounts import (
        prepay as prepay,
    )
    from billkit.pricing.discounts import (
        redeem as redeem,
    )
    from billkit.pricing.discounts import (
        term_plan as term_plan,
    )
    from billkit.pricing.models import (
        AnyModel as AnyModel,
    )
    from billkit.pricing.models import (
        Breakdown as Breakdown,
    )
    from billkit.pricing.models import (
        Capacity as Capacity,
    )
    from billkit.pricing.models import (
        CapacityTier as CapacityTier,
    )
    from billkit.pricing.models import (
        Flat as Flat,
    )
    from billkit.pricing.models import (
        Graduated as Graduated,
    )
    from billkit.pricing.models import (
        GraduatedPercentage as GraduatedPercentage,
    )
    from billkit.pricing.models import (
        Package as Package,
    )
    from billkit.pricing.models import (
        Percentage as Percentage,
    )
    from billkit.pricing.models import (
        PercentTier as PercentTier,
    )
    from billkit.pricing.models import (
        PerUnit as PerUnit,
    )
    from billkit.pricing.models import (
        Presence as Presence,
    )
    from billkit.pricing.models import (
        PriceModel as PriceModel,
    )
    from billkit.pricing.models import (
        Prorated as Prorated,
    )
    from billkit.pricing.models import (
        Step as Step,
    )
    from billkit.pricing.models import (
        Tier as Tier,
    )
    from billkit.pricing.models import (
        Volume as Volume,
    )
    from billkit.pricing.overage import (
        AutoUpgrade as AutoUpgrade,
    )
    from billkit.pricing.overage import (
        CompositeMetric as CompositeMetric,
    )
    from billkit.pricing.overage import (
        Overage as Overage,
    )
    from billkit.pricing.overage import (
        PlanComparison as PlanComparison,
    )
    from billkit.pricing.overage import (
        UpgradeAdvice as UpgradeAdvice,
    )
    from billkit.pricing.overage import (
        auto_upgrade as auto_upgrade,
    )
    from billkit.pricing.overage import (
        cheapest_plan as cheapest_plan,
    )
    from billkit.pricing.overage import (
        measure_overage as measure_overage,
    )
    from billkit.pricing.overage import (
        overage_charge as overage_charge,
    )
    from billkit.pricing.overage import (
        upgrade_advice as upgrade_advice,
    )
    from billkit.pricing.plans import (
        BASE_FEE_CODE as BASE_FEE_CODE,
    )
    from billkit.pricing.plans import (
        Charge as Charge,
    )
    from billkit.pricing.plans import (
        ChargeLike as ChargeLike,
    )
    from billkit.pricing.plans import (
        PercentOf as PercentOf,
    )
    from billkit.pricing.plans import (
        Plan as Plan,
    )
    from billkit.pricing.proration import (
        DEFAULT_PRORATION as DEFAULT_PRORATION,
    )
    from billkit.pricing.proration import (
        ChangeDirection as ChangeDirection,
    )
    from billkit.pricing.proration import (
        ChangeTiming as ChangeTiming,
    )
    from billkit.pricing.proration import (
        PlanChange as PlanChange,
    )
    from billkit.pricing.proration import (
        Proration as Proration,
    )
    from billkit.pricing.proration import (
        ProrationBasis as ProrationBasis,
    )
    from billkit.pricing.proration import (
        ProrationDivisor as ProrationDivisor,
    )
    from billkit.pricing.proration import (
        ProrationPolicy as ProrationPolicy,
    )
    from billkit.pricing.proration import (
        SliceRounding as SliceRounding,
    )
    from billkit.pricing.proration import (
        UnusedCredit as UnusedCredit,
    )
    from billkit.pricing.proration import (
        change_direction as change_direction,
    )
    from billkit.pricing.proration import (
        change_plan as change_plan,
    )
    from billkit.pricing.proration import (
        fixed_fee as fixed_fee,
    )
    from billkit.pricing.proration import (
        leading_stub as leading_stub,
    )
    from billkit.pricing.proration import (
        prorate as prorate,
    )
    from billkit.pricing.proration import (
        prorate_span as prorate_span,
    )
    from billkit.pricing.proration import (
        trailing_stub as trailing_stub,
    )
    from billkit.pricing.quote import (
        Quote as Quote,
    )
    from billkit.pricing.quote import (
        QuoteLine as QuoteLine,
    )
    from billkit.pricing.quote import (
        Usage as Usage,
    )
    from billkit.pricing.quote import (
        quote as quote,
    )

# Every name importable from this package -> the module that defines it, loaded
# on first use. Only __all__ is the public surface; the other names stay
# importable here (and from their modules) for code written against earlier versions.
_EXPORTS: dict[str, str] = {
    "AnyModel": "billkit.pricing.models",
    "AppliedDiscount": "billkit.pricing.discounts",
    "AutoUpgrade": "billkit.pricing.overage",
    "BASE_FEE_CODE": "billkit.pricing.plans",
    "Breakdown": "billkit.pricing.models",
    "Catalog": "billkit.pricing.catalog",
    "CapacityTier": "billkit.pricing.models",
    "Capacity": "billkit.pricing.models",
    "ChangeDirection": "billkit.pricing.proration",
    "ChangeTiming": "billkit.pricing.proration",
    "Charge": "billkit.pricing.plans",
    "ChargeLike": "billkit.pricing.plans",
    "CompositeMetric": "billkit.pricing.overage",
    "Coupon": "billkit.pricing.discounts",
    "DEFAULT_PRORATION": "billkit.pricing.proration",
    "DiscountDuration": "billkit.pricing.discounts",
    "DiscountedLine": "billkit.pricing.discounts",
    "DiscountedQuote": "billkit.pricing.discounts",
    "Flat": "billkit.pricing.models",
    "Graduated": "billkit.pricing.models",
    "GraduatedPercentage": "billkit.pricing.models",
    "Overage": "billkit.pricing.overage",
    "Package": "billkit.pricing.models",
    "PerUnit": "billkit.pricing.models",
    "PercentTier": "billkit.pricing.models",
    "Presence": "billkit.pricing.models",
    "Prorated": "billkit.pricing.models",
    "PercentOf": "billkit.pricing.plans",
    "Percentage": "billkit.pricing.models",
    "Plan": "billkit.pricing.plans",
    "PlanChange": "billkit.pricing.proration",
    "PlanComparison": "billkit.pricing.overage",
    "PriceModel": "billkit.pricing.models",
    "PricingCurrencyError": "billkit.errors",
    "Proration": "billkit.pricing.proration",
    "ProrationBasis": "billkit.pricing.proration",
    "ProrationDivisor": "billkit.pricing.proration",
    "ProrationPolicy": "billkit.pricing.proration",
    "Quote": "billkit.pricing.quote",
    "QuoteLine": "billkit.pricing.quote",
    "SliceRounding": "billkit.pricing.proration",
    "Step": "billkit.pricing.models",
    "Term": "billkit.pricing.discounts",
    "Tier": "billkit.pricing.models",
    "UnusedCredit": "billkit.pricing.proration",
    "UpgradeAdvice": "billkit.pricing.overage",
    "Usage": "billkit.pricing.quote",
    "Volume": "billkit.pricing.models",
    "apply_discounts": "billkit.pricing.discounts",
    "auto_upgrade": "billkit.pricing.overage",
    "change_direction": "billkit.pricing.proration",
    "change_plan": "billkit.pricing.proration",
    "cheapest_plan": "billkit.pricing.overage",
    "dump_catalog": "billkit.pricing.catalog",
    "dumps_catalog": "billkit.pricing.catalog",
    "fixed_fee": "billkit.pricing.proration",
    "leading_stub": "billkit.pricing.proration",
    "load_catalog": "billkit.pricing.catalog",
    "loads_catalog": "billkit.pricing.catalog",
    "measure_overage": "billkit.pricing.overage",
    "overage_charge": "billkit.pricing.overage",
    "prepay": "billkit.pricing.discounts",
    "prorate": "billkit.pricing.proration",
    "prorate_span": "billkit.pricing.proration",
    "quote": "billkit.pricing.quote",
    "redeem": "billkit.pricing.discounts",
    "term_plan": "billkit.pricing.discounts",
    "trailing_stub": "billkit.pricing.proration",
    "upgrade_advice": "billkit.pricing.overage",
}

__all__ = [
    "Catalog",
    "Charge",
    "Coupon",
    "Flat",
    "Graduated",
    "Package",
    "PerUnit",
    "PercentOf",
    "Percentage",
    "Plan",
    "ProrationPolicy",
    "Quote",
    "Tier",
    "Volume",
    "apply_discounts",
    "change_plan",
    "cheapest_plan",
    "load_catalog",
    "prorate",
    "quote",
]

__getattr__, __dir__ = _lazy.attach(__name__, _EXPORTS)

# ``quote`` names both a submodule and its function. Importing the submodule
# sets the package attribute to the module, which a lazy lookup never sees:
# bind the function now (importing the quote module imports the core of pricing).
from billkit.pricing.quote import quote as quote  # noqa: E402
