"""Hypothesis strategies for billkit.pricing: tiers, price models, plans, usage.

Everything generated is valid by construction (ascending tier bounds, one
currency per plan, unique line codes, ``PercentOf`` lines that refer only to
earlier lines), so a property test that fails has found a bug in billkit, not
in the generator. Amounts stay far below billkit's 60-digit context so no
test trips over precision it does not mean to test. The strategy factories
are cached per argument: building and validating a strategy object costs
more than drawing from it.
"""

from __future__ import annotations

import functools
import math
from datetime import date
from decimal import Decimal
from typing import Final

import attrs
from hypothesis import strategies as st

from billkit import _checks as checks
from billkit.money import Money, RoundingMode, RoundingPolicy
from billkit.periods import MONTHLY, QUARTERLY, WEEKLY, YEARLY, Cycle, CycleUnit, Period
from billkit.pricing import (
    Charge,
    Flat,
    Graduated,
    Package,
    Percentage,
    PercentOf,
    PerUnit,
    Plan,
    Tier,
    Volume,
)
from billkit.pricing.models import AnyModel
from billkit.pricing.plans import ChargeLike

__all__ = [
    "CURRENCIES",
    "DOCUMENT_LOCALES",
    "amounts",
    "catalog_plans",
    "charge_names",
    "currencies",
    "cycles",
    "event_lists",
    "flats",
    "graduated",
    "models",
    "named_plans",
    "packages",
    "per_units",
    "percentages",
    "periods_for",
    "plans",
    "prices",
    "quantities",
    "rounding_policies",
    "tier_lists",
    "usage_for",
    "volumes",
]

# Two-decimal, zero-decimal (JPY) and three-decimal (KWD) currencies, and the
# currencies of the five businesses in REQUIREMENTS.md (RUB, UAH, EUR, IRR).
CURRENCIES = ("EUR", "USD", "RUB", "UAH", "IRR", "JPY", "KWD")


@functools.cache
def currencies() -> st.SearchStrategy[str]:
    return st.sampled_from(CURRENCIES)


@functools.cache
@st.composite
def amounts(
    draw: st.DrawFn,
    *,
    min_value: Decimal | int = 0,
    max_value: Decimal | int = 100_000,
    max_places: int = 4,
) -> Decimal:
    """Exact, finite decimals with 0 to ``max_places`` decimal places.

    Drawn as a whole number of units of ``10 ** -places`` (cheaper than
    ``st.decimals`` and it shrinks towards small, short numbers), built from
    text so that no decimal context touches it.
    """
    places = draw(st.integers(0, max_places))
    scale = 10**places
    low = math.ceil(Decimal(min_value) * scale)
    high = math.floor(Decimal(max_value) * scale)
    units = draw(st.integers(low, high))
    return Decimal(f"{units}E-{places}")


@functools.cache
def prices(
    currency: str, *, max_value: Decimal | int = 1_000, max_places: int = 4
) -> st.SearchStrategy[Money]:
    """A price of zero or more in ``currency``; unit prices may have extra digits."""
    return amounts(max_value=max_value, max_places=max_places).map(lambda a: Money(a, currency))


@functools.cache
def quantities(
    *, max_value: Decimal | int = 1_000_000, max_places: int = 3
) -> st.SearchStrategy[Decimal]:
    """Usage quantities: whole units, or fractions such as 2.5 GB or 0.25 hours."""
    return amounts(max_value=max_value, max_places=max_places)


@functools.cache
@st.composite
def tier_lists(
    draw: st.DrawFn,
    currency: str,
    *,
    min_size: int = 1,
    max_size: int = 5,
    fees: bool = True,
) -> list[Tier]:
    """Tiers with strictly ascending bounds and an unbounded last tier."""
    n = draw(st.integers(min_size, max_size))
    bounds = draw(
        st.lists(
            amounts(min_value=Decimal("0.001"), max_value=100_000, max_places=3),
            min_size=n - 1,
            max_size=n - 1,
            unique=True,  # Decimal('1') == Decimal('1.0'): equal values are not unique
        )
    )
    bounds.sort()
    tiers = []
    for up_to in [*bounds, None]:
        unit_price = draw(prices(currency, max_value=100))
        if fees and draw(st.booleans()):
            tiers.append(Tier(up_to=up_to, unit_price=unit_price, flat_fee=draw(prices(currency))))
        else:
            tiers.append(Tier(up_to=up_to, unit_price=unit_price))
    return tiers


@functools.cache
def flats(currency: str) -> st.SearchStrategy[Flat]:
    return st.builds(Flat, amount=prices(currency, max_value=10_000, max_places=2))


@functools.cache
def per_units(currency: str) -> st.SearchStrategy[PerUnit]:
    return st.builds(PerUnit, unit_price=prices(currency, max_value=100))


@functools.cache
def graduated(currency: str, *, fees: bool = True) -> st.SearchStrategy[Graduated]:
    return st.builds(
        Graduated, tiers=tier_lists(currency, fees=fees), flat_fee_at_zero=st.booleans()
    )


@functools.cache
def volumes(currency: str, *, fees: bool = True) -> st.SearchStrategy[Volume]:
    return st.builds(Volume, tiers=tier_lists(currency, fees=fees), flat_fee_at_zero=st.booleans())


@functools.cache
def packages(currency: str) -> st.SearchStrategy[Package]:
    return st.builds(
        Package,
        size=amounts(min_value=Decimal("0.5"), max_value=1_000, max_places=1),
        price=prices(currency, max_value=1_000, max_places=2),
        included=st.one_of(st.just(Decimal(0)), quantities(max_value=1_000)),
    )


@functools.cache
def _rates() -> st.SearchStrategy[Decimal]:
    return amounts(max_value=Decimal("0.5"), max_places=4)


@functools.cache
@st.composite
def percentages(draw: st.DrawFn, currency: str, *, per_event: bool | None = None) -> Percentage:
    """A Percentage model; ``per_event`` forces per-event terms on (True) or off (False).

    Per-event terms (a fixed fee, a minimum or maximum, free events) need the
    events themselves; a Percentage without them can price a total.
    """
    with_terms = draw(st.booleans()) if per_event is None else per_event
    fixed = low = high = None
    free_events = 0
    if with_terms:
        fixed = draw(st.none() | prices(currency, max_value=5, max_places=2))
        low = draw(st.none() | prices(currency, max_value=5, max_places=2))
        high = draw(st.none() | prices(currency, max_value=50, max_places=2))
        if low is not None and high is not None and low.amount > high.amount:
            low, high = high, low
        free_events = draw(st.integers(0, 3))
        if fixed is low is high is None and free_events == 0:
            free_events = 1  # at least one per-event term
    return Percentage(
        rate=draw(_rates()),
        currency=currency,
        fixed=fixed,
        min_per_event=low,
        max_per_event=high,
        included=draw(st.one_of(st.just(Decimal(0)), quantities(max_value=1_000))),
        free_events=free_events,
    )


@functools.cache
def models(currency: str) -> st.SearchStrategy[AnyModel]:
    """Any of the six price models, in ``currency``."""
    return st.one_of(
        flats(currency),
        per_units(currency),
        graduated(currency),
        volumes(currency),
        packages(currency),
        percentages(currency),
    )


@functools.cache
def rounding_policies(currency: str) -> st.SearchStrategy[RoundingPolicy]:
    """Any rounding mode, sometimes with the currency's minor units overridden."""
    overrides = st.one_of(st.just({}), st.integers(0, 4).map(lambda n: {currency: n}))
    return st.builds(
        RoundingPolicy, mode=st.sampled_from(list(RoundingMode)), minor_units=overrides
    )


@functools.cache
def cycles() -> st.SearchStrategy[Cycle]:
    return st.sampled_from([MONTHLY, QUARTERLY, YEARLY, WEEKLY, Cycle(CycleUnit.DAY, 30)])


_CODE_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_"


@functools.cache
def _codes() -> st.SearchStrategy[str]:
    return st.text(_CODE_ALPHABET, min_size=1, max_size=10)


@functools.cache
def _texts() -> st.SearchStrategy[str]:
    # Any text a person might type: names, descriptions (Cyrillic, Persian, markup, quotes).
    return st.text(st.characters(codec="utf-8"), max_size=20)


@functools.cache
def _name_locales() -> tuple[str, ...]:
    # Every locale code CLDR (babel) has that Charge.names accepts as a key:
    # languages alone ("ru") and with a country ("fa_IR").
    from babel.localedata import locale_identifiers

    def valid(code: str) -> bool:
        try:
            checks.locale("names", code)
        except ValueError:
            return False
        return True

    return tuple(sorted(code for code in locale_identifiers() if valid(code)))


@functools.cache
def charge_names() -> st.SearchStrategy[dict[str, str]]:
    """A valid ``Charge.names``: locale codes CLDR knows to names of any
    Unicode text (Cyrillic, Persian, markup, quotes), non-empty and without
    surrounding spaces."""
    names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=20).filter(
        lambda text: text.strip() == text
    )
    return st.dictionaries(st.sampled_from(_name_locales()), names, max_size=4)


@st.composite
def _charges(draw: st.DrawFn, currency: str, has_base: bool, *, text: bool) -> list[ChargeLike]:
    codes = draw(
        st.lists(_codes().filter(lambda c: c != "base"), max_size=5, unique=True),
    )
    out: list[ChargeLike] = []
    earlier = ["base"] if has_base else []
    for code in codes:
        description = draw(_texts()) if text else ""
        if earlier and draw(st.integers(0, 4)) == 0:
            of = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=3, unique=True))
            out.append(PercentOf(code=code, of=of, rate=draw(_rates()), description=description))
        else:
            model = draw(models(currency))
            included = (
                Decimal(0)
                if isinstance(model, Percentage)
                else draw(st.one_of(st.just(Decimal(0)), quantities(max_value=10_000)))
            )
            # Shared metrics (two charges on one metric) or one of its own.
            metric = ["m1", "m2", "m3", "m4", f"{code}_units"][draw(st.integers(0, 4))]
            out.append(
                Charge(
                    code=code,
                    metric=metric,
                    model=model,
                    included=included,
                    description=description,
                    names=draw(charge_names()) if text else {},
                )
            )
        earlier.append(code)
    return out


@st.composite
def plans(draw: st.DrawFn, *, currency: str | None = None, text: bool = False) -> Plan:
    """A valid plan: base fee or not, up to five charges, any rounding and cycle.

    ``text=True`` draws names and descriptions from all of Unicode (for
    catalog round trips); otherwise they are plain, to keep examples small.
    """
    cur = currency or draw(currencies())
    base_fee = draw(st.none() | prices(cur, max_value=100_000, max_places=3))
    return Plan(
        code=draw(_codes()),
        name=draw(_texts()) if text else "Plan",
        currency=cur,
        cycle=draw(cycles()),
        base_fee=base_fee,
        charges=draw(_charges(cur, base_fee is not None, text=text)),
        rounding=draw(rounding_policies(cur)),
        description=draw(_texts()) if text else "",
        names=draw(charge_names()) if text else {},
    )


#: The locales billing's documents are drawn in (tests/billing, tests/invoicing),
#: and names for them: a charge (and a plan) named in some, not all, of these.
DOCUMENT_LOCALES: Final = ("ru", "ru_RU", "it", "it_IT", "en", "en_GB", "uk", "fa", "fa_IR")
_DOCUMENT_NAMES: Final = (
    "Звонки",
    "Chiamate",
    "Calls made",
    "SMS «отправлено»",
    "Дзвінки",
    "تماس‌ها",
    "Plan",  # a plan's name given again for a locale: named as it is anyway
)


@st.composite
def named_plans(draw: st.DrawFn) -> Plan:
    """A plan of :func:`plans` whose metered charges, and the plan itself (its
    base fee's line), are named (``Charge.names``, ``Plan.names``) in some
    of the :data:`DOCUMENT_LOCALES`, each maybe in none."""
    plan = draw(plans())
    names = st.dictionaries(
        st.sampled_from(DOCUMENT_LOCALES), st.sampled_from(_DOCUMENT_NAMES), max_size=3
    )
    charges = [
        attrs.evolve(c, names=draw(names)) if isinstance(c, Charge) else c for c in plan.charges
    ]
    return attrs.evolve(plan, charges=charges, names=draw(names))


@st.composite
def percent_plans(draw: st.DrawFn) -> Plan:
    """A plan of :func:`named_plans` with a base fee, a ``Percentage`` charge and
    a ``PercentOf`` line at its end (of the base fee, or of it and earlier
    lines), for the percentage lines' explanations in every locale."""
    plan = draw(named_plans())
    cur = plan.currency.code
    base_fee = plan.base_fee or draw(prices(cur, max_value=100_000, max_places=2))
    card = "Card"  # capitals: no code _codes draws
    charges: list[ChargeLike] = [
        *plan.charges,
        Charge(code=card, metric=f"{card}_units", model=draw(percentages(cur))),
    ]
    earlier = ["base", *(c.code for c in charges)]
    of = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=3, unique=True))
    charges.append(PercentOf(code="Cover", of=of, rate=draw(_rates())))
    return attrs.evolve(plan, base_fee=base_fee, charges=charges)


@st.composite
def catalog_plans(draw: st.DrawFn) -> list[Plan]:
    """Plans with unique codes, to put in a catalog."""
    found = draw(st.lists(plans(text=True), max_size=3))
    seen: set[str] = set()
    return [p for p in found if not (p.code in seen or seen.add(p.code))]


@functools.cache
def event_lists(*, max_size: int = 6) -> st.SearchStrategy[list[Decimal]]:
    """Transaction amounts for a Percentage charge."""
    return st.lists(amounts(max_value=10_000, max_places=2), max_size=max_size)


@st.composite
def usage_for(draw: st.DrawFn, plan: Plan) -> dict[str, object]:
    """Usage of the plan's metrics: some missing (zero), quantities as Decimal or
    str, and event lists where every charge on the metric is a Percentage.

    Charges may share a metric. A metric read by a Percentage with per-event
    terms needs events, which only Percentage charges accept: if another model
    shares it, it is left out (zero usage).
    """
    by_metric: dict[str, list[AnyModel]] = {}
    for charge in plan.charges:
        if isinstance(charge, Charge):
            by_metric.setdefault(charge.metric, []).append(charge.model)
    usage: dict[str, object] = {}
    for metric, found in by_metric.items():
        all_percentage = all(isinstance(m, Percentage) for m in found)
        needs_events = any(isinstance(m, Percentage) and m._per_event_terms for m in found)
        if draw(st.integers(0, 3)) == 0 or (needs_events and not all_percentage):
            continue  # no usage reported: counts as zero
        if all_percentage and (needs_events or draw(st.booleans())):
            usage[metric] = draw(event_lists())
        else:
            q = draw(quantities(max_value=200_000))
            usage[metric] = str(q) if draw(st.booleans()) else q
    return usage


@st.composite
def periods_for(draw: st.DrawFn, cycle: Cycle) -> Period:
    """One whole period of ``cycle``, anchored on any day (month ends included)."""
    anchor = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)))
    return cycle.period(anchor, 0)
