"""billkit: exact, explained billing computations.

The names most users need are importable from here. They load on first use,
so ``import billkit`` stays fast and heavy dependencies (reportlab, babel's
locale data) are imported only by the features that need them.

>>> import billkit
>>> billkit.Money("10.00", "RUB") + billkit.Money("5.50", "RUB")
Money('15.50', 'RUB')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from billkit import _lazy
from billkit._version import __version__

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from billkit.errors import (
        BillkitError as BillkitError,
    )
    from billkit.errors import (
        CatalogError as CatalogError,
    )
    from billkit.errors import (
        CreditError as CreditError,
    )
    from billkit.errors import (
        CreditLimitExceededError as CreditLimitExceededError,
    )
    from billkit.errors import (
        CurrencyMismatchError as CurrencyMismatchError,
    )
    from billkit.errors import (
        IdentifierError as IdentifierError,
    )
    from billkit.errors import (
        InsufficientFundsError as InsufficientFundsError,
    )
    from billkit.errors import (
        InvoicingError as InvoicingError,
    )
    from billkit.errors import (
        MissingDependencyError as MissingDependencyError,
    )
    from billkit.errors import (
        MoneyError as MoneyError,
    )
    from billkit.errors import (
        NotAllowedError as NotAllowedError,
    )
    from billkit.errors import (
        PeriodError as PeriodError,
    )
    from billkit.errors import (
        PricingError as PricingError,
    )
    from billkit.errors import (
        SubscriptionError as SubscriptionError,
    )
    from billkit.errors import (
        TransitionError as TransitionError,
    )
    from billkit.errors import (
        UnknownCurrencyError as UnknownCurrencyError,
    )
    from billkit.errors import (
        UnknownMetricError as UnknownMetricError,
    )
    from billkit.errors import (
        UnknownPlanError as UnknownPlanError,
    )
    from billkit.errors import (
        UsageError as UsageError,
    )
    from billkit.errors import (
        ValidationError as ValidationError,
    )
    from billkit.money import (
        Money as Money,
    )
    from billkit.money import (
        RoundingMode as RoundingMode,
    )
    from billkit.money import (
        RoundingPolicy as RoundingPolicy,
    )
    from billkit.money import (
        TaxSplit as TaxSplit,
    )
    from billkit.money import (
        allocate as allocate,
    )
    from billkit.money import (
        minor_units as minor_units,
    )
    from billkit.money import (
        quantize as quantize,
    )
    from billkit.money import (
        split_evenly as split_evenly,
    )
    from billkit.money import (
        tax_from_gross as tax_from_gross,
    )
    from billkit.money import (
        tax_from_net as tax_from_net,
    )
    from billkit.money import (
        to_decimal as to_decimal,
    )
    from billkit.money import (
        to_money as to_money,
    )
    from billkit.money import (
        to_rate as to_rate,
    )
    from billkit.periods import (
        BillingCycle as BillingCycle,
    )
    from billkit.periods import (
        Cycle as Cycle,
    )
    from billkit.periods import (
        CycleUnit as CycleUnit,
    )
    from billkit.periods import (
        Period as Period,
    )
    from billkit.periods import (
        days_between as days_between,
    )
    from billkit.pricing import (
        Catalog as Catalog,
    )
    from billkit.pricing import (
        Plan as Plan,
    )
    from billkit.pricing import (
        load_catalog as load_catalog,
    )
    from billkit.pricing.quote import (
        Quote as Quote,
    )
    from billkit.pricing.quote import (
        quote as quote,
    )

# Every name importable from billkit -> the module that defines it, loaded on
# first use (billkit._lazy). Only __all__ is the public surface: the other
# names stay importable here for code written against earlier versions.
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
    "Quote": "billkit.pricing.quote",
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
    "quote": "billkit.pricing.quote",
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
    "CurrencyMismatchError",
    "Cycle",
    "Money",
    "Period",
    "Plan",
    "Quote",
    "RoundingPolicy",
    "TransitionError",
    "ValidationError",
    "__version__",
    "allocate",
    "load_catalog",
    "quantize",
    "quote",
    "to_decimal",
    "to_money",
]

__getattr__, __dir__ = _lazy.attach(__name__, _EXPORTS)
