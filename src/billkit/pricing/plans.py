"""Plans: what a customer is billed each cycle, as plain data.

A :class:`Plan` has a base fee charged every cycle and any number of
charges, each producing one line of a quote:

* :class:`Charge`: a metered charge; usage of ``metric`` priced by a price
  model, after the units ``included`` in the plan (a free allowance);
* :class:`PercentOf`: a percentage of other lines of the same quote (the
  attribution business bills each analytics feature as a percentage of the
  plan fee).

>>> from billkit.money import Money
>>> from billkit.pricing.models import PerUnit
>>> plan = Plan(
...     code="email-start", name="Email Start", currency="UAH",
...     base_fee=Money("0", "UAH"),
...     charges=[Charge(code="emails", metric="emails_sent", included=2500,
...                     model=PerUnit(unit_price=Money("0.12", "UAH")))],
... )
>>> plan.charge("emails").included
Decimal('2500')
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar, Final, TypeAlias

import attrs
from moneyed import Currency, Money

import billkit._checks as checks
from billkit import _display
from billkit.conventions import BILLKIT, Conventions
from billkit.errors import PeriodError, PricingError, ValidationError
from billkit.money import (
    DEFAULT_ROUNDING,
    RoundingPolicy,
    rounding_context,
)
from billkit.periods import MONTHLY, Cycle, Period
from billkit.pricing.models import (
    AnyModel,
    Capacity,
    Flat,
    Graduated,
    GraduatedPercentage,
    Package,
    Percentage,
    PerUnit,
    PricingCurrencyError,
    Prorated,
    Volume,
)

__all__ = ["BASE_FEE_CODE", "Charge", "ChargeLike", "PercentOf", "Plan"]

BASE_FEE_CODE: Final = "base"
"""The line code of a plan's base fee, which :class:`PercentOf` may refer to."""

_MODELS: Final = (
    Flat,
    PerUnit,
    Graduated,
    Volume,
    Package,
    Percentage,
    GraduatedPercentage,
    Capacity,
    Prorated,
)


_NAME_LOCALE: Final = functools.partial(checks.locale, error=PricingError)
_NAME_TEXT: Final = functools.partial(checks.text, error=PricingError)


def _names_per_locale(value: object) -> checks.FrozenMap[str, str]:
    if value is checks.EMPTY_MAP:  # the default: no names, nothing to check
        return checks.EMPTY_MAP
    return checks.mapping("names", value, _NAME_LOCALE, _NAME_TEXT, error=PricingError)


def _translated(names: Mapping[str, str] | None, locale: str) -> str | None:
    """The name ``names`` gives for ``locale``: its own (``'fa_IR'``), else its
    language's (``'fa'``), else ``None``.

    >>> _translated({"ru": "Звонки", "ru_UA": "Дзвінки"}, "ru_RU")
    'Звонки'
    >>> _translated({"ru": "Звонки"}, "en_GB") is None
    True
    """
    if not names:
        return None
    found = names.get(locale)
    if found is None:
        found = names.get(locale.replace("-", "_").split("_")[0])
    return found


@attrs.frozen(kw_only=True)
class Charge:
    """A metered charge: usage of ``metric`` priced by ``model``.

    The first ``included`` units each cycle are part of the plan (a free
    allowance, such as 2 500 free emails) and are not priced; the model prices
    the rest. ``description`` is what the quote line says (the code if empty).

    ``names`` gives the charge (and its metric) a name per language, by
    locale code (``{"ru": "Звонки", "fa_IR": "تماس‌ها"}``): documents in a
    language and usage alerts read it (:meth:`name_in`). Keys are locale
    codes CLDR knows; names are non-empty texts without surrounding spaces.

    >>> from billkit.money import Money
    >>> from billkit.pricing.models import PerUnit
    >>> calls = Charge(code="calls", metric="calls", description="Calls",
    ...                names={"ru": "Звонки", "uk": "Дзвінки"},
    ...                model=PerUnit(unit_price=Money("0.01", "EUR")))
    >>> calls.name_in("ru_RU"), calls.name_in("uk"), calls.name_in("it")
    ('Звонки', 'Дзвінки', 'Calls')
    """

    _error_class: ClassVar[type[ValidationError]] = PricingError

    code: str = attrs.field(converter=checks.TEXT)
    metric: str = attrs.field(converter=checks.TEXT)
    model: AnyModel = attrs.field(converter=checks.INSTANCE)
    description: str = attrs.field(default="", converter=checks.FREE_TEXT)
    included: Decimal = attrs.field(
        default=Decimal(0),
        converter=checks.DECIMAL,
        metadata=checks.options(low=0, noun="number of units"),
    )
    names: checks.FrozenMap[str, str] = attrs.field(
        default=checks.EMPTY_MAP, converter=_names_per_locale
    )

    @property
    def label(self) -> str:
        """The description, or the code when there is none."""
        return self.description or self.code

    def name_in(self, locale: str) -> str:
        """The charge's name in ``locale``: ``names[locale]``, else the name for
        its language (``'ru'`` for ``'ru_RU'``), else :attr:`label` (the
        description, else the code). ``locale`` is a locale code such as
        ``'ru_RU'`` or ``'fa'`` (anything else is refused)."""
        checks.locale("locale", locale, error=PricingError)
        return _translated(self.names, locale) or self.label


def _refs(value: object) -> tuple[str, ...]:
    refs = checks.texts("of", value, required=True, error=PricingError)
    if not refs:
        raise PricingError("of", value, "one or more line codes")
    return refs


@attrs.frozen(kw_only=True)
class PercentOf:
    """A line priced as ``rate`` of other lines of the same quote.

    ``of`` names earlier lines by code (``"base"`` is the base fee). The rate
    applies to their *rounded* amounts, the figures the customer sees, so the
    line can be checked by hand: 10 % of a 490.00 plan fee is 49.00.
    """

    _error_class: ClassVar[type[ValidationError]] = PricingError

    code: str = attrs.field(converter=checks.TEXT)
    of: tuple[str, ...] = attrs.field(converter=_refs)
    rate: Decimal = attrs.field(converter=checks.RATE)
    description: str = attrs.field(default="", converter=checks.FREE_TEXT)

    @property
    def label(self) -> str:
        """The description, or the code when there is none."""
        return self.description or self.code


ChargeLike: TypeAlias = Charge | PercentOf

_ZERO: Final = Decimal(0)
"""Any line a plan can charge besides its base fee."""


def cycle_of(value: object) -> Cycle:
    """``value`` as a :class:`~billkit.periods.Cycle`: a Cycle, or a text such as
    ``'monthly'`` or ``'30 days'`` (:meth:`Cycle.parse`); plans and catalogs read cycles so."""
    if isinstance(value, Cycle):
        return value
    if isinstance(value, str):
        try:
            return Cycle.parse(value)
        except PeriodError as error:  # it names its own argument, "text"
            raise PricingError("cycle", value, error.expected) from None
    raise PricingError("cycle", value, "a Cycle or a text such as 'monthly' or '30 days'")


@attrs.frozen(kw_only=True)
class Plan:
    """A tariff: a base fee every ``cycle`` and the charges that come with it.

    All amounts are in ``currency``; every quote line is rounded once under
    ``rounding`` (half-up to the currency's minor unit by default).
    ``base_fee`` may be omitted (pay as you go). Charge codes are unique and
    ``PercentOf`` lines may refer only to lines before them. ``conventions``
    (:data:`~billkit.conventions.BILLKIT` by default) are the proration and
    period conventions a change of this plan follows, such as
    :data:`~billkit.conventions.KILL_BILL`.

    ``names`` gives the plan a name per language, by locale code, as
    :attr:`Charge.names` does for a charge (the same checks): the base-fee
    line of a document in a language reads it (:meth:`name_in`).

    >>> pro = Plan(code="pro", name="Pro", currency="EUR", base_fee=Money("20.00", "EUR"),
    ...            names={"ru": "Профессиональный", "fa": "پیشرفته"})
    >>> pro.name_in("ru_RU"), pro.name_in("fa_IR"), pro.name_in("it")
    ('Профессиональный', 'پیشرفته', 'Pro')
    """

    _error_class: ClassVar[type[ValidationError]] = PricingError

    code: str = attrs.field(converter=checks.TEXT)
    name: str = attrs.field(converter=checks.FREE_TEXT)
    currency: Currency = attrs.field(converter=checks.CURRENCY)
    cycle: Cycle = attrs.field(default=MONTHLY, converter=cycle_of)
    base_fee: Money | None = attrs.field(
        default=None, converter=checks.MONEY, metadata=checks.options(sign="zero_or_more")
    )
    charges: tuple[ChargeLike, ...] = attrs.field(default=(), converter=checks.TUPLE)
    rounding: RoundingPolicy = attrs.field(default=DEFAULT_ROUNDING, converter=checks.INSTANCE)
    description: str = attrs.field(default="", converter=checks.FREE_TEXT)
    conventions: Conventions = attrs.field(
        default=BILLKIT, converter=checks.INSTANCE, repr=lambda c: repr(c.name)
    )
    names: checks.FrozenMap[str, str] = attrs.field(
        default=checks.EMPTY_MAP, converter=_names_per_locale
    )
    # Derived once per plan, for quoting many usages fast (see quote()).
    _metrics: frozenset[str] = attrs.field(init=False, repr=False, eq=False)
    _quantum: Decimal = attrs.field(init=False, repr=False, eq=False)
    _context: decimal.Context = attrs.field(init=False, repr=False, eq=False)
    # Periods this plan's cycle was asked about (quote() checks each period is
    # one whole cycle): per plan, bounded, and the same answer in any thread.
    _whole: dict[object, bool] = attrs.field(init=False, factory=dict, repr=False, eq=False)

    def __repr__(self) -> str:
        return _display.plan_repr(self)

    def _repr_html_(self) -> str:
        """A table for notebooks: the base fee and each charge with its price
        model; every text is escaped."""
        return _display.plan_html(self)

    def _is_whole(self, period: Period) -> bool:
        """``self.cycle.is_whole_period(period)``, remembered for this plan."""
        whole = self._whole.get(period)
        if whole is None:
            whole = self.cycle.is_whole_period(period)
            if len(self._whole) >= 256:
                self._whole.clear()
            self._whole[period] = whole
        return whole

    @_metrics.default
    def _collect_metrics(self) -> frozenset[str]:
        names: set[str] = set()
        for c in self.charges:
            if isinstance(c, Charge):
                # A capacity charge reads each metric its tiers limit.
                names.update(c.model.metrics if isinstance(c.model, Capacity) else (c.metric,))
        return frozenset(names)

    @_quantum.default
    def _find_quantum(self) -> Decimal:
        return self.rounding.quantum(self.currency)

    @_context.default
    def _find_context(self) -> decimal.Context:
        return rounding_context(self.rounding.mode)

    def __attrs_post_init__(self) -> None:
        cur = self.currency
        if self.base_fee is not None:
            checks.same_currency("base_fee", self.base_fee, cur, error=PricingError)
        seen = {BASE_FEE_CODE} if self.base_fee is not None else set()
        for i, charge in enumerate(self.charges):
            if charge.code in seen or charge.code == BASE_FEE_CODE:
                raise PricingError(
                    f"charges[{i}].code", charge.code, "a code not used by another line"
                )
            if isinstance(charge, Charge):
                if isinstance(charge.model, Percentage) and charge.included:
                    raise PricingError(
                        f"charges[{i}].included",
                        charge.included,
                        "0 for a Percentage model: use its own included or free_events",
                    )
                if isinstance(charge.model, Capacity) and charge.included:
                    raise PricingError(
                        f"charges[{i}].included",
                        charge.included,
                        "0 for a Capacity model: its tiers set what each price allows",
                    )
                if isinstance(charge.model, Prorated) and charge.included:
                    raise PricingError(
                        f"charges[{i}].included",
                        charge.included,
                        "0 for a Prorated model: give free units a tier at price 0",
                    )
                if charge.model.currency != cur:
                    raise PricingCurrencyError(
                        f"charges[{i}].model", charge.model, f"a price model in {cur.code}"
                    )
            else:
                for ref in charge.of:
                    if ref not in seen:
                        raise PricingError(
                            f"charges[{i}].of",
                            ref,
                            f"the code of an earlier line (one of {sorted(seen)})",
                        )
            seen.add(charge.code)

    def name_in(self, locale: str) -> str:
        """The plan's name in ``locale`` (its base-fee line's on a document in
        that locale): ``names[locale]``, else the name for its language
        (``'ru'`` for ``'ru_RU'``), else :attr:`name`. ``locale`` is a locale
        code such as ``'ru_RU'`` or ``'fa'`` (anything else is refused), as
        for :meth:`Charge.name_in`."""
        checks.locale("locale", locale, error=PricingError)
        return _translated(self.names, locale) or self.name

    def charge(self, code: str) -> ChargeLike:
        """The charge with line code ``code``."""
        for charge in self.charges:
            if charge.code == code:
                return charge
        raise PricingError("code", code, f"one of {[c.code for c in self.charges]}")

    @functools.cached_property
    def _compiled(self) -> _fast.CompiledPlan:
        """This plan compiled for quote()'s fast path (``pricing/_compiled.py``):
        made on the plan's first quote, derived from the plan alone."""
        return _fast.CompiledPlan(self)

    @property
    def metrics(self) -> frozenset[str]:
        """The usage metrics this plan prices."""
        return self._metrics


# Imported last, as a module: the fast path reads this module's names when a plan compiles.
import billkit.pricing._compiled as _fast  # noqa: E402
