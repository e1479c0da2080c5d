"""billkit: exact, explained billing computations.

The names most users need are importable from here. They load on first use,
so ``import billkit`` stays fast and heavy dependencies (reportlab, babel's
locale data) are imported only by the features that need them.

>>> import billkit
>>> billkit.Money("10.00", "RUB") + billkit.Money("5.50", "RUB")
Money('15.50', 'RUB')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from billkit._version import __version__

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from billkit.errors import (
        BillkitError,
        CatalogError,
        CreditError,
        CreditLimitExceededError,
        CurrencyMismatchError,
        IdentifierError,
        InsufficientFundsError,
        InvoicingError,
        MissingDependencyError,
        MoneyError,
        NotAllowedError,
        PeriodError,
        PricingError,
        SubscriptionError,
        TransitionError,
        UnknownCurrencyError,
        UnknownMetricError,
        UnknownPlanError,
        UsageError,
        ValidationError,
    )
    from billkit.money import (
        Money,
        RoundingMode,
        RoundingPolicy,
        TaxSplit,
        allocate,
        minor_units,
        quantize,
        split_evenly,
        tax_from_gross,
        tax_from_net,
        to_decimal,
        to_money,
        to_rate,
    )
    from billkit.periods import BillingCycle, Cycle, CycleUnit, Period, days_between
    from billkit.pricing import Catalog, Plan, load_catalog
    from billkit.pricing.quote import Quote, quote

# name -> module that defines it; resolved lazily by __getattr__ below.
_EXPORTS: dict[str, str] = {
    "BillingCycle": "billkit.periods",
    "BillkitError": "billkit.errors",
    "Catalog": "billkit.pricing",
    "CatalogError": "billkit.errors",
    "CreditError": "billkit.errors",
    "CreditLimitExceededError": "billkit.errors",
    "CurrencyMismatchError": "billkit.errors",
    "Cycle": "billkit.periods",
    "CycleUnit": "billkit.periods",
    "IdentifierError": "billkit.errors",
    "InsufficientFundsError": "billkit.errors",
    "InvoicingError": "billkit.errors",
    "MissingDependencyError": "billkit.errors",
    "Money": "billkit.money",
    "MoneyError": "billkit.errors",
    "NotAllowedError": "billkit.errors",
    "Period": "billkit.periods",
    "PeriodError": "billkit.errors",
    "Plan": "billkit.pricing",
    "PricingError": "billkit.errors",
    "Quote": "billkit.pricing",
    "RoundingMode": "billkit.money",
    "RoundingPolicy": "billkit.money",
    "SubscriptionError": "billkit.errors",
    "TaxSplit": "billkit.money",
    "TransitionError": "billkit.errors",
    "UnknownCurrencyError": "billkit.errors",
    "UnknownMetricError": "billkit.errors",
    "UnknownPlanError": "billkit.errors",
    "UsageError": "billkit.errors",
    "ValidationError": "billkit.errors",
    "allocate": "billkit.money",
    "days_between": "billkit.periods",
    "load_catalog": "billkit.pricing",
    "minor_units": "billkit.money",
    "quantize": "billkit.money",
    "quote": "billkit.pricing",
    "split_evenly": "billkit.money",
    "tax_from_gross": "billkit.money",
    "tax_from_net": "billkit.money",
    "to_decimal": "billkit.money",
    "to_money": "billkit.money",
    "to_rate": "billkit.money",
}

__all__ = [
    "BillingCycle",
    "BillkitError",
    "Catalog",
    "CatalogError",
    "CreditError",
    "CreditLimitExceededError",
    "CurrencyMismatchError",
    "Cycle",
    "CycleUnit",
    "IdentifierError",
    "InsufficientFundsError",
    "InvoicingError",
    "MissingDependencyError",
    "Money",
    "MoneyError",
    "NotAllowedError",
    "Period",
    "PeriodError",
    "Plan",
    "PricingError",
    "Quote",
    "RoundingMode",
    "RoundingPolicy",
    "SubscriptionError",
    "TaxSplit",
    "TransitionError",
    "UnknownCurrencyError",
    "UnknownMetricError",
    "UnknownPlanError",
    "UsageError",
    "ValidationError",
    "__version__",
    "allocate",
    "days_between",
    "load_catalog",
    "minor_units",
    "quantize",
    "quote",
    "split_evenly",
    "tax_from_gross",
    "tax_from_net",
    "to_decimal",
    "to_money",
    "to_rate",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'billkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
