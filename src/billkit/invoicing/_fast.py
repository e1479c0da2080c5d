"""Pricing, taxing, grouping and totalling a document's lines in one pass (private; issue 10).

:func:`~billkit.invoicing._assembly._price` (the general, careful path) prices
the items, hands the amounts to :func:`~billkit.invoicing.tax.compute_taxes`
(which checks them again, as it must for a caller's amounts), makes the lines,
then walks them again for the tax groups and again for the totals. For the
common document (per-line tax rounding, no line with its own taxes) all of
that is one loop here: each line's tax is ``amount x rate`` (or ``amount x
rate / (1 + rate)`` for tax-inclusive prices) rounded under the document's
policy, the same expressions in the same local decimal context as
``compute_taxes``; the group and total sums are added up as the lines are
made, in the same order as :func:`~billkit.invoicing.documents._tax_sums`
adds them. Lines, groups and totals go through
:func:`~billkit.invoicing._made.made` once (their invariants still run).

:func:`price` answers ``None`` for anything else (per-document rounding, lines
with their own taxes, an item amount in fractions of a minor unit, a flag
that is not a bool), and the builder takes the general path, which also
raises the errors. tests/invoicing/test_fast.py proves both paths give equal
documents, byte for byte once serialised.
"""

from __future__ import annotations

import decimal
from datetime import date
from decimal import Decimal
from typing import Final

from moneyed import Money

from billkit import _checks as checks
from billkit.conventions import TotalRounding
from billkit.errors import InvoicingError
from billkit.invoicing._assembly import (
    _BOLLO_TREATMENTS,
    _items,
    _note,
    _policy,
    _Priced,
    _round_total,
)
from billkit.invoicing._made import made, maker
from billkit.invoicing.documents import DocumentLine, TaxGroup, Totals
from billkit.invoicing.tax import TaxRounding, TaxTreatment
from billkit.invoicing.terms import DocumentTerms
from billkit.money import CONTEXT, RoundingPolicy

__all__ = ["price"]

_ZERO: Final = Decimal(0)
_STANDARD: Final = TaxTreatment.STANDARD
_ZERO_RATED: Final = TaxTreatment.ZERO_RATED
_line: Final = maker(DocumentLine)


def price(
    items: object,
    terms: DocumentTerms,
    *,
    issue_date: date,
    prices_include_tax: bool,
    tax_rounding: TaxRounding,
    tax_date: date | None,
    rounding: RoundingPolicy,
) -> _Priced | None:
    """The priced lines, groups and totals, as ``_assembly._price`` gives them;
    ``None`` where this path does not apply (see the module docstring)."""
    if tax_rounding is not TaxRounding.PER_LINE or (
        prices_include_tax is not True and prices_include_tax is not False
    ):
        return None
    rows = _items(items)
    for item in rows:
        if item.taxes:
            return None
    policy = _policy(rounding)
    day = (
        checks.day("tax_date", tax_date, error=InvoicingError)
        if tax_date is not None
        else checks.day("issue_date", issue_date, error=InvoicingError)
    )
    taxes = terms.taxes
    country = terms.seller.country if terms.tax_country is None else terms.tax_country
    cur = rows[0].currency
    quantum = policy.quantum(cur)
    rounding_mode = policy.mode.decimal_rounding
    rates: dict[str, Decimal] = {}
    lines: list[DocumentLine] = []
    sums: dict[tuple[str, Decimal, TaxTreatment], list[Decimal]] = {}
    net_total = tax_total = gross_total = untaxed = _ZERO
    first = rows[0].period
    same_period = True
    with decimal.localcontext(CONTEXT):
        for i, item in enumerate(rows):
            money = item.amount
            if money is not None:
                amount = money.amount
                if amount.quantize(quantum, rounding=rounding_mode) != amount:
                    return None  # the general path names the item
            else:
                unit = item.unit_price
                assert unit is not None
                amount = (item.quantity * unit.amount).quantize(quantum, rounding=rounding_mode)
                money = Money(amount, cur)
            treatment = item.treatment
            if treatment is _STANDARD:
                category = item.tax_category
                rate = rates.get(category)
                if rate is None:
                    rate = rates[category] = taxes.rate(country, category, day).rate
            else:
                rate = _ZERO
                category = "zero" if treatment is _ZERO_RATED else treatment.value
                if treatment in _BOLLO_TREATMENTS:
                    untaxed += amount
            exact = amount * rate / (1 + rate) if prices_include_tax else amount * rate
            tax = exact.quantize(quantum, rounding=rounding_mode)
            if prices_include_tax:
                gross, net = amount, amount - tax
                gross_money, net_money = money, Money(net, cur)
            else:
                net, gross = amount, amount + tax
                net_money, gross_money = money, Money(gross, cur)
            unit_price = item.unit_price
            if unit_price is None and item.quantity == 1:
                unit_price = money
            lines.append(
                _line(
                    position=i + 1,
                    description=item.description,
                    quantity=item.quantity,
                    unit=item.unit,
                    unit_price=unit_price,
                    net=net_money,
                    tax_rate=rate,
                    tax=Money(tax, cur),
                    gross=gross_money,
                    tax_category=category,
                    treatment=treatment,
                    code=item.code,
                    explanation=item.explanation,
                    period=item.period,
                    taxes=(),
                )
            )
            acc = sums.get((category, rate, treatment))
            if acc is None:
                acc = sums[(category, rate, treatment)] = [_ZERO, _ZERO, _ZERO]
            acc[0] += net
            acc[1] += tax
            acc[2] += gross
            net_total += net
            tax_total += tax
            gross_total += gross
            if same_period and item.period != first:
                same_period = False
    language = terms.locale.split("_")[0]
    notes: dict[TaxTreatment, str] = {}
    groups = []
    for (category, rate, treatment), (net, tax, gross) in sums.items():
        note = notes.get(treatment)
        if note is None:
            note = notes[treatment] = _note(terms, country, language, cur, untaxed, treatment)
        groups.append(
            made(
                TaxGroup,
                category=category,
                rate=rate,
                treatment=treatment,
                net=Money(net, cur),
                tax=Money(tax, cur),
                gross=Money(gross, cur),
                note=note,
            )
        )
    totals = made(
        Totals,
        net=Money(net_total, cur),
        tax=Money(tax_total, cur),
        gross=Money(gross_total, cur),
    )
    if terms.total_rounding is TotalRounding.ROUND_TOTAL:
        totals = _round_total(totals, groups, prices_include_tax, policy)
    return _Priced(
        lines=tuple(lines),
        tax_groups=tuple(groups),
        totals=totals,
        currency=cur,
        tax_date=day,
        period=first if same_period else None,
    )
