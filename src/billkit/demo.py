"""The demo: the five businesses of billkit's requirements, priced and explained.

``billkit demo`` prints :func:`render`; the same scenarios are available to
code and notebooks as :data:`SCENARIOS` and :func:`demo_catalog`.

>>> from billkit.demo import demo_catalog, SCENARIOS, run
>>> catalog = demo_catalog()
>>> run(SCENARIOS[0], catalog).total
Money('10000.00', 'RUB')
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from importlib import resources

import attrs

from billkit.invoicing._explain import Explainer
from billkit.money import Money, tax_from_gross
from billkit.periods import Period
from billkit.pricing import Catalog, Quote, loads_catalog, quote

__all__ = ["SCENARIOS", "Scenario", "demo_catalog", "explain", "render", "run"]


def demo_catalog() -> Catalog:
    """The bundled demo catalog (``billkit/data/demo_catalog.toml``)."""
    text = resources.files("billkit").joinpath("data/demo_catalog.toml").read_text("utf-8")
    return loads_catalog(text, source="billkit/data/demo_catalog.toml")


@attrs.frozen(kw_only=True)
class Scenario:
    """One business, one plan, one period of usage, and what to say about it."""

    business: str
    plan: str
    period: Period
    usage: Mapping[str, Decimal] = attrs.field(factory=dict)
    notes: tuple[str, ...] = ()


def _period(start: date, end: date) -> Period:
    return Period(start, end)


# The attribution business bills attributions = non-organic installs +
# re-attributions + rejected (fraudulent) installs.
_INSTALLS, _REATTRIBUTIONS, _REJECTED = Decimal(9200), Decimal(1400), Decimal(650)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        business="1. Analytics SaaS with a prepaid balance (Russia)",
        plan="analytics-10k",
        period=_period(date(2026, 3, 1), date(2026, 4, 1)),
        notes=("The tariff is debited monthly from the prepaid main balance.",),
    ),
    Scenario(
        business="1. Analytics SaaS: the separate tracking product (its own balance)",
        plan="tracking-start",
        period=_period(date(2026, 3, 1), date(2026, 4, 1)),
        usage={"tracking_numbers": Decimal(5)},
    ),
    Scenario(
        business="2. Email and omnichannel marketing SaaS (Ukraine)",
        plan="email-standard",
        period=_period(date(2026, 3, 1), date(2026, 4, 1)),
        usage={
            "contacts": Decimal(4200),
            "emails_sent": Decimal(12500),
            "sms_sent": Decimal(300),
        },
        notes=("The first 2 500 promotional emails are free, with or without a top-up.",),
    ),
    Scenario(
        business="3. Cloud / hosting provider (Russia; prices include VAT)",
        plan="vps-start",
        period=_period(date(2026, 3, 1), date(2026, 4, 1)),
        usage={"backup_gb": Decimal("25.5"), "traffic_gb": Decimal(1800)},
    ),
    Scenario(
        business="4. Messaging SaaS: monthly plan with on-demand contact blocks",
        plan="growth-monthly",
        period=_period(date(2026, 3, 14), date(2026, 4, 14)),
        usage={"monthly_active_contacts": Decimal(1250)},
        notes=("250 contacts over the 1 000 included need 3 blocks of 100.",),
    ),
    Scenario(
        business="4. Messaging SaaS: the annual plan (20 % below 12 monthly fees)",
        plan="growth-annual",
        period=_period(date(2026, 3, 14), date(2027, 3, 14)),
    ),
    Scenario(
        business="4. Messaging SaaS: the annual plan's monthly usage invoice",
        plan="growth-annual-usage",
        period=_period(date(2026, 3, 14), date(2026, 4, 14)),
        usage={"monthly_active_contacts": Decimal(1180)},
    ),
    Scenario(
        business="5. Mobile attribution SaaS (Iran; every 30 days, whole rials)",
        plan="attribution-starter",
        period=_period(date(2026, 3, 21), date(2026, 4, 20)),
        usage={"attributions": _INSTALLS + _REATTRIBUTIONS + _REJECTED},
        notes=(
            f"Billable attributions = {_INSTALLS:,} non-organic installs"
            f" + {_REATTRIBUTIONS:,} re-attributions + {_REJECTED:,} rejected installs"
            f" = {_INSTALLS + _REATTRIBUTIONS + _REJECTED:,}.",
        ),
    ),
)
"""The demo's scenarios, in the order of billkit's requirements."""


def run(scenario: Scenario, catalog: Catalog) -> Quote:
    """Quote one scenario against ``catalog``."""
    return quote(catalog[scenario.plan], scenario.usage, scenario.period)


def _vat_note(total: Money) -> str:
    split = tax_from_gross(total, "20%")
    money = Explainer("en", total.currency.code).money
    return (
        f"The total {money(split.gross.amount)} {total.currency.code} includes 20 % VAT: "
        f"tax {money(split.tax.amount)}, net {money(split.net.amount)}."
    )


def explain(result: Quote) -> str:
    """``result`` as a plain-text table, its figures as billkit's documents explain them.

    The layout of :meth:`~billkit.pricing.Quote.explain`; amounts show the
    currency's decimals, more only where a price has them, and quantities no
    trailing zero (``15.5 x 2.50 = 38.75``, never ``38.750``; whole rials for
    the Iranian rial), grouped by thousands.

    >>> from billkit.demo import SCENARIOS, demo_catalog, explain, run
    >>> print(explain(run(SCENARIOS[3], demo_catalog())).splitlines()[3].strip())
    per unit: 15.5 x 2.50 = 38.75                                 38.75
    """
    e = Explainer("en", result.currency.code)
    width = max([len(ln.code) for ln in result.lines] + [5])
    indent = " " * (width + 4)
    out = [f"{result.plan.name} ({result.plan.code}), {result.period}, {result.currency.code}"]

    def row(text: str, amount: Decimal) -> str:
        return _pad(text, 64) + f" {e.money(amount):>13}"

    for ln in result.lines:
        head = f"  {_pad(ln.code, width)}  {_pad(ln.description, 38)}"
        if ln.kind == "base":
            out.append(row(f"{head}  1 x {e.money(ln.amount.amount)}", ln.amount.amount))
            continue
        if ln.included:
            billable = e.included(ln.quantity, ln.included, ln.billable).replace("\u2212", "-")
            out.append(f"{head}  {billable}")
        else:
            out.append(head.rstrip())
        steps = [
            f"{_grouped(s.label, e)}: {e.number(s.units)} x {e.money(s.unit_price.amount)}"
            + (f" + {e.money(s.flat_fee.amount)}" if s.flat_fee.amount else "")
            + f" = {e.money(s.amount.amount)}"
            for s in ln.steps
        ] or ["nothing to bill"]
        if ln.breakdown.note:
            steps.insert(0, ln.breakdown.note)
        out.extend(f"{indent}{text}" for text in steps[:-1])
        out.append(row(f"{indent}{steps[-1]}", ln.amount.amount))
    out.append(row(f"  {_pad('total', width)}", result.total.amount))
    return "\n".join(out)


def _grouped(label: str, e: Explainer) -> str:
    """``label``'s long numbers (``tier 2 (1000 to 5000)``) grouped as the figures are."""
    return re.sub(r"\d{4,}", lambda found: e.number(Decimal(found[0])), label)


def _pad(text: str, width: int) -> str:
    return text.ljust(width)


def render(catalog: Catalog | None = None) -> Iterator[str]:
    """The demo's text, one block per scenario."""
    catalog = catalog or demo_catalog()
    for scenario in SCENARIOS:
        result = run(scenario, catalog)
        block = [scenario.business, "-" * len(scenario.business), explain(result)]
        block.extend(f"  note: {note}" for note in scenario.notes)
        if scenario.plan == "vps-start":
            block.append(f"  note: {_vat_note(result.total)}")
        yield "\n".join(block)
