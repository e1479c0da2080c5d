"""The one exception tree of billkit.

Every error billkit raises on purpose is a :class:`BillkitError`. Errors about
bad input also subclass :class:`ValueError`, so generic handlers keep working,
and carry the offending ``field``, its ``value`` and what was ``expected``::

    BillkitError
    └── ValidationError (ValueError)        bad input: field, value, expected
        ├── MoneyError                       amounts, rates, rounding
        │   ├── CurrencyMismatchError        two currencies mixed in one sum
        │   └── UnknownCurrencyError         a code no registry knows
        ├── PeriodError                      dates, periods, billing cycles
        ├── PricingError                     price models, tiers, plans, quotes
        │   └── UnknownMetricError           usage for a metric the plan lacks
        └── CatalogError                     a plan catalog file or document
            └── UnknownPlanError             a plan code not in the catalog

>>> from billkit import BillkitError, PricingError
>>> try:
...     raise PricingError("tiers[1].up_to", "50", "a bound above the previous one (100)")
... except BillkitError as error:
...     print(error)
tiers[1].up_to = '50': expected a bound above the previous one (100)
"""

from __future__ import annotations

__all__ = [
    "BillkitError",
    "CatalogError",
    "CurrencyMismatchError",
    "MoneyError",
    "PeriodError",
    "PricingError",
    "UnknownCurrencyError",
    "UnknownMetricError",
    "UnknownPlanError",
    "ValidationError",
]


class BillkitError(Exception):
    """Root of every error billkit raises on purpose."""


class ValidationError(BillkitError, ValueError):
    """Bad input, refused rather than coerced.

    The message always names the field, the value and what was expected; the
    three are also kept as attributes for programs that report them.
    """

    field: str
    value: object
    expected: str

    def __init__(self, field: str, value: object, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(f"{field} = {value!r}: expected {expected}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.field, self.value, self.expected))


class MoneyError(ValidationError):
    """An amount, rate or rounding setting that billkit cannot accept."""


class CurrencyMismatchError(MoneyError):
    """Two currencies met in one computation; convert explicitly first."""


class UnknownCurrencyError(MoneyError):
    """A currency code that is not in the registry billkit uses."""


class PeriodError(ValidationError):
    """A date, period or billing cycle that does not make sense."""


class PricingError(ValidationError):
    """A price model, tier, plan or quote input that is invalid."""


class UnknownMetricError(PricingError):
    """Usage was reported for a metric the plan does not price."""


class CatalogError(ValidationError):
    """A catalog document that cannot be loaded; names the source and plan."""


class UnknownPlanError(CatalogError, LookupError):
    """A plan code that the catalog does not contain."""
