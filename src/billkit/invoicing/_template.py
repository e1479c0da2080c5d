"""A plan's invoice, compiled once per set of terms (private; issues 10 and 14).

In a month-end bill run every account on one plan gets an invoice of the
same shape: the same seller, language, tax rate, legal note, dates and
payment details; the same lines in the same order, each with the same
description, code and period. Only the buyer, the number and each line's
figures (quantity, unit price, amount, tax, explanation) change from one
account to the next. :class:`InvoiceTemplate` checks and works out the
constant part once, when it is compiled, and then makes each account's
invoice from its quote in one pass:

* the items are not made, nor the quote's lines: the quote's compiled
  figures (``Quote._figures``) go straight into the document lines. Each
  charge on a per-unit, package, volume or graduated model (tiers without
  blocks) has an explainer (:func:`_explainer`, made once per template)
  working out, from a line's figures, the quantity, the unit price and the
  explanation ``items._shown`` and ``items._plain_explanation`` read off the
  QuoteLine (the same operations as ``pricing._compiled.breakdown``, so the
  model's ``explain``), without making the QuoteLine, its breakdown or its
  steps; any other line, and every line of a quote whose figures were
  loaded or came from the general path, is read from ``Quote.lines`` through
  those helpers, so both write the same words and figures;
* each line's tax is ``amount x rate`` (or ``amount x rate / (1 + rate)``
  with tax-inclusive prices) rounded under the terms' policy, the same
  expressions, in billkit's decimal context, as ``_fast.price``; the
  tax group and totals are added up as the lines are made;
* the base fee's document line is the same value for every account of a
  plan (the compiled plan keeps one base line), so it is made once;
* lines, the tax group and the totals go through
  :func:`~billkit.invoicing._made.made` (their invariants still run: net +
  tax = gross); the number, the one field a caller gives per account, goes
  through the invoice's own converter;
* the invoice's one invariant, that it adds up (``documents._check_adds_up``:
  positions 1..n, one currency, one tax group per (category, rate,
  treatment) of the lines, the groups and the totals the sums of the lines),
  holds by construction and is not checked again
  (:func:`~billkit.invoicing._made.maker_added_up`): each line is made at
  position ``i + 1`` of the tuple the invoice holds; every amount is a Money
  made here in the plan's currency (the base fee's line too); every line has
  the standard category, the terms' rate and the standard treatment, the one
  tax group's key; and the group's and the totals' net, tax and gross are the
  sums of exactly those lines' amounts, added in the same order and context
  as the check adds them, with no rounding difference.
  tests/invoicing/test_template.py runs the check on every invoice made here,
  and fails should ``Invoice`` gain another invariant.

:meth:`InvoiceTemplate.invoice` answers ``None`` where it does not apply (a
quote of another plan or period, a line without lines, an amount in
fractions of a minor unit or out of range, a description the item would
refuse, a quantity whose line would pass the limit) and the caller takes the
general path (``items_from_quote`` + ``build_invoice``), which also raises
the errors. A template is compiled only for the terms this path covers
(per-line tax rounding, the sum-of-parts total, the standard category and
treatment); :func:`compile_invoice` answers ``None`` otherwise.

:class:`Buyers` makes the bill run's buyers (an individual in the seller's
country, named per account): kind and country are checked once, each name
by :class:`~billkit.parties.Party`'s own converter, and the party's
invariants run.

tests/invoicing/test_template.py proves the compiled invoice equals the one
``items_from_quote`` + ``build_invoice`` make, byte for byte once serialised,
on generated plans and usage.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Final, cast

from moneyed import Money

from billkit import _checks as checks
from billkit.conventions import TotalRounding
from billkit.errors import InvoicingError
from billkit.invoicing._assembly import _due, _note, _payment, _policy
from billkit.invoicing._made import _converters, converted, maker, maker_added_up
from billkit.invoicing.documents import DocumentLine, Invoice, InvoiceKind, TaxGroup, Totals
from billkit.invoicing.items import _plain_explanation, _shown
from billkit.invoicing.tax import TaxRounding, TaxTreatment
from billkit.invoicing.terms import DocumentTerms, _terms
from billkit.money import CONTEXT, LIMIT, in_range
from billkit.parties import Party, PartyKind, check_party
from billkit.periods import Period
from billkit.pricing._compiled import LineFigures
from billkit.pricing.models import Graduated, Package, PerUnit, Volume
from billkit.pricing.plans import Plan
from billkit.pricing.quote import Quote, QuoteLine

__all__ = ["Buyers", "InvoiceTemplate", "compile_invoice"]

_ZERO: Final = Decimal(0)
_CEILING: Final = decimal.ROUND_CEILING
_STANDARD: Final = TaxTreatment.STANDARD
_CATEGORY: Final = "standard"
_line: Final = maker(DocumentLine)
_group: Final = maker(TaxGroup)
_totals: Final = maker(Totals)
# The invoice's one invariant, that it adds up (documents._check_adds_up), holds
# by construction here (the module docstring): the invoice is made without it.
_invoice: Final = maker_added_up(Invoice)


class InvoiceTemplate:
    """The invoice of one plan under one set of terms, compiled (see the module
    docstring). Make one with :func:`compile_invoice`."""

    __slots__ = (
        "_base",
        "_base_row",
        "_constant",
        "_cur",
        "_explainers",
        "_group_note",
        "_include_tax",
        "_mode",
        "_number",
        "_one_plus_rate",
        "_period",
        "_quantum",
        "_rate",
        "_rules",
        "plan",
    )

    def __init__(
        self,
        plan: Plan,
        terms: DocumentTerms,
        *,
        issue_date: date,
        payment_days: int | None,
        invoice_kind: InvoiceKind | str,
        period: Period,
        include_tax: bool,
    ) -> None:
        day = checks.day("issue_date", issue_date, error=InvoicingError)
        self.plan = checks.instance("plan", plan, Plan, error=InvoicingError)
        self._period = period
        cur = self._cur = plan.currency
        policy = _policy(terms.rounding)
        self._quantum = policy.quantum(cur)
        self._mode = policy.mode.decimal_rounding
        self._include_tax = include_tax
        self._rules = terms.rules
        country = terms.seller.country if terms.tax_country is None else terms.tax_country
        self._rate = terms.taxes.rate(country, _CATEGORY, day).rate
        self._one_plus_rate = CONTEXT.add(1, self._rate)
        language = terms.locale.split("_")[0]
        self._group_note = _note(terms, country, language, cur, _ZERO, _STANDARD)
        # The invoice's fields that are the same for every account: billkit's
        # own, and the caller's, checked here once by the invoice's converters.
        given = converted(
            Invoice,
            {
                "prices_include_tax": include_tax,
                "tax_rounding": TaxRounding.PER_LINE,
                "period": period,
                "notes": (),
                "references": (),
                "invoice_kind": invoice_kind,
                "due_date": _due(day, None, payment_days),
            },
        )
        assert given is not None  # Invoice's converters need no instance
        converters = _converters(Invoice)
        assert converters is not None
        self._number = converters["number"]  # the invoice's own check of a number
        self._constant: dict[str, Any] = {
            "issue_date": day,
            "seller": terms.seller,
            "currency": cur,
            "locale": terms.locale,
            "tax_date": day,
            "payment": _payment(terms.payment, terms.seller),
            "facsimile": terms.facsimile,
            **given,
        }
        # The base fee's document line, made from the first quote (the same for all)
        compiled = plan._compiled
        self._base_row = compiled.base_row
        self._base: DocumentLine | None = None
        # Per line of the plan's quotes (the base fee's first, then each charge):
        # its explainer, or None where the line is read from Quote.lines.
        self._explainers: tuple[_Explainer | None, ...] = (
            *(() if compiled.base_row is None else (None,)),
            *(None if s.metric is None else _explainer(s.source) for s in compiled.specs),
        )

    def invoice(self, bill: Quote, buyer: Party, number: str | None) -> Invoice | None:
        """``bill``'s invoice to ``buyer``, numbered ``number``: the one
        ``build_invoice(items_from_quote(bill), terms, ...)`` makes with the
        terms compiled and this buyer; ``None`` where this path does not apply
        (the module docstring)."""
        if type(bill) is not Quote or bill.plan is not self.plan or bill.period != self._period:
            return None
        if self._rules is not None:
            checks.instance("buyer", buyer, Party, error=InvoicingError)
            check_party(buyer, self._rules, role="buyer")
        elif not isinstance(buyer, Party):
            return None
        # The compiled figures (Quote._figures), explained here (_explainer), for a
        # quote priced from usage; a loaded one, or the general path's, reads its lines.
        rows = bill._figures
        if not rows:
            return None
        explainers = self._explainers if bill._rows is None else (None,) * len(rows)
        if len(explainers) != len(rows):
            return None  # pragma: no cover - a plan's quotes have its lines
        lines: tuple[QuoteLine, ...] | None = None
        cur = self._cur
        quantum, mode, rate = self._quantum, self._mode, self._rate
        include_tax = self._include_tax
        period = bill.period
        made_lines: list[DocumentLine] = []
        net_total = tax_total = gross_total = _ZERO
        base = self._base
        # Every operation names billkit's CONTEXT (80 digits: exact for numbers in
        # range), as the general path computes in it: no context is entered.
        C, add = CONTEXT, CONTEXT.add
        one_plus_rate = self._one_plus_rate
        for i, row in enumerate(rows):
            if i == 0 and base is not None and row is self._base_row:
                doc = base
            else:
                amount = row.amount
                if amount.quantize(quantum, mode, C) != amount or not in_range(amount):
                    return None  # the general path names the line
                description = row.description
                if not description or description.strip() != description:
                    return None
                explain = explainers[i]
                if explain is None:
                    if lines is None:
                        lines = bill.lines
                    line = lines[i]
                    quantity, unit_price = _shown(line)
                    explanation = tuple(_plain_explanation(line))
                else:
                    quantity, unit_price, explanation = explain(row)
                if unit_price is not None and C.multiply(quantity, unit_price.amount) >= LIMIT:
                    return None
                money = Money(amount, cur)
                exact = C.multiply(amount, rate)
                if include_tax:
                    exact = C.divide(exact, one_plus_rate)
                tax = exact.quantize(quantum, mode, C)
                if include_tax:
                    gross_money, net_money = money, Money(C.subtract(amount, tax), cur)
                else:
                    net_money, gross_money = money, Money(C.add(amount, tax), cur)
                if unit_price is None and quantity == 1:
                    unit_price = money
                doc = _line(
                    position=i + 1,
                    description=description,
                    quantity=quantity,
                    unit="",
                    unit_price=unit_price,
                    net=net_money,
                    tax_rate=rate,
                    tax=Money(tax, cur),
                    gross=gross_money,
                    tax_category=_CATEGORY,
                    treatment=_STANDARD,
                    code=row.code,
                    explanation=explanation,
                    period=period,
                    taxes=(),
                )
                if i == 0 and row is self._base_row:
                    self._base = doc
            made_lines.append(doc)
            net_total = add(net_total, doc.net.amount)
            tax_total = add(tax_total, doc.tax.amount)
            gross_total = add(gross_total, doc.gross.amount)
        sums = Money(net_total, cur), Money(tax_total, cur), Money(gross_total, cur)
        group = _group(
            category=_CATEGORY,
            rate=rate,
            treatment=_STANDARD,
            net=sums[0],
            tax=sums[1],
            gross=sums[2],
            note=self._group_note,
        )
        return _invoice(
            buyer=buyer,
            lines=tuple(made_lines),
            tax_groups=(group,),
            totals=_totals(net=sums[0], tax=sums[1], gross=sums[2]),
            number=self._number(number),
            **self._constant,
        )


def compile_invoice(
    plan: Plan,
    terms: DocumentTerms,
    *,
    issue_date: date,
    payment_days: int | None = None,
    invoice_kind: InvoiceKind | str = InvoiceKind.ONE_OFF,
    period: Period,
) -> InvoiceTemplate | None:
    """``plan``'s invoice under ``terms`` (whose buyer is replaced per account),
    compiled; ``None`` for terms this path does not cover (the module docstring)."""
    terms = _terms(terms)
    if (
        terms._tax_rounding_or(TaxRounding.PER_LINE) is not TaxRounding.PER_LINE
        or terms.total_rounding is not TotalRounding.SUM_OF_PARTS
    ):
        return None
    return InvoiceTemplate(
        plan,
        terms,
        issue_date=issue_date,
        payment_days=payment_days,
        invoice_kind=invoice_kind,
        period=checks.instance("period", period, Period, error=InvoicingError),
        include_tax=terms._includes_tax(False),
    )


class Buyers:
    """Parties of one ``kind`` in one ``country``, made by name: ``Buyers("individual",
    "IT")("Account 7") == Party(kind="individual", country="IT", name="Account 7")``."""

    __slots__ = ("_country", "_kind", "_make", "_name")

    def __init__(self, kind: PartyKind | str, country: str) -> None:
        sample = Party(kind=kind, country=country, name="-")  # checks kind and country once
        self._kind, self._country = sample.kind, sample.country
        self._make = maker(Party)
        converters = _converters(Party)
        assert converters is not None  # Party's converters need no instance
        self._name = converters["name"]  # Party's own check of a name

    def __call__(self, name: str) -> Party:
        """The party named ``name`` (checked by :class:`Party`'s converter)."""
        return self._make(kind=self._kind, country=self._country, name=self._name(name))


# ------------------------------------------------------------------ explainers

_Explained = tuple[Decimal, "Money | None", tuple[str, ...]]
_Explainer = Callable[[LineFigures], _Explained]


def _fmt(value: Decimal) -> str:
    return format(value, "f")


def _step_text(label: str, units: Decimal, price: Decimal, fee: Decimal, amount: Decimal) -> str:
    """``str(Step(...))`` (pricing/models.py) from the step's Decimals."""
    text = f"{label}: {_fmt(units)} x {_fmt(price)}"
    if fee:
        text += f" + {_fmt(fee)}"
    return f"{text} = {_fmt(amount)}"


def _explainer(source: object) -> _Explainer | None:
    """For a metered charge priced by ``source``: ``explain(row)``, the quantity,
    unit price and explanation ``items._shown`` and ``items._plain_explanation``
    give for the line of those figures, worked out from the figures (``row``)
    by the same operations, in billkit's :data:`CONTEXT`, as
    ``pricing._compiled.breakdown`` (so the model's ``explain``), without
    making the QuoteLine, its breakdown or its steps. ``None`` for another
    model (the line is then read from ``Quote.lines``). Every operation names
    :data:`CONTEXT`."""
    kind = type(source)
    multiply = CONTEXT.multiply

    def shown(billable: Decimal, price: Money | None, exact: Decimal) -> Money | None:
        # items._shown for a line of billable units (no flat, percentage or base fee)
        if price is not None and multiply(billable, price.amount) != exact:
            return None
        return price

    def head(row: LineFigures) -> list[str]:
        if row.included:
            return [f"{_fmt(row.quantity)} - {_fmt(row.included)} included = {_fmt(row.billable)}"]
        return []

    if kind is PerUnit:
        assert isinstance(source, PerUnit)
        each = source.unit_price
        each_d = each.amount
        each_text = _fmt(each_d)

        def per_unit(row: LineFigures) -> _Explained:
            b = row.billable
            text = f"per unit: {_fmt(b)} x {each_text} = {_fmt(multiply(b, each_d))}"
            return b, shown(b, each, row.exact), (*head(row), text)

        return per_unit
    if kind is Package:
        assert isinstance(source, Package)
        free, size, per = source.included, source.size, source.price_per_package
        per_d = per.amount
        per_text, size_text = _fmt(per_d), _fmt(size)
        note = [f"{_fmt(free)} free units"] if free else []

        def package(row: LineFigures) -> _Explained:
            b = row.billable
            billable = CONTEXT.subtract(b, free)
            if billable <= 0:
                n = 0
            else:
                n = int(CONTEXT.divide(billable, size).to_integral_value(_CEILING, CONTEXT))
            label = f"{n} package{'s' if n != 1 else ''} of {size_text}"
            text = f"{label}: {n} x {per_text} = {_fmt(multiply(n, per_d))}"
            return b, shown(b, per, row.exact), (*head(row), *note, text)

        return package
    if kind is Volume and not cast("Volume", source)._has_blocks:
        volume = cast("Volume", source)

        def by_volume(row: LineFigures) -> _Explained:
            b = row.billable
            i = volume._find(b)
            _, _, price, fee = volume._table[i]
            tier = volume.tiers[i]
            charged = bool(b) or volume.flat_fee_at_zero
            amount = CONTEXT.add(multiply(b, price), fee) if charged else _ZERO
            fee_d = tier.flat_fee.amount if charged else _ZERO
            text = _step_text(volume._labels[i], b, tier.unit_price.amount, fee_d, amount)
            return b, shown(b, tier.unit_price, row.exact), (*head(row), text)

        return by_volume
    if kind is Graduated and not cast("Graduated", source)._has_blocks:
        assert isinstance(source, Graduated)
        tiers = tuple(
            (lower, upper, price, fee, source._labels[i], t.unit_price.amount, t.flat_fee.amount)
            for i, ((lower, upper, price, fee), t) in enumerate(
                zip(source._table, source.tiers, strict=True)
            )
        )
        fee_at_zero = source.flat_fee_at_zero

        def graduated(row: LineFigures) -> _Explained:
            b = row.billable
            at_zero = b == 0 and fee_at_zero
            texts = head(row)
            for i, (lower, upper, price, fee, label, unit, flat) in enumerate(tiers):
                if b <= lower and not (i == 0 and at_zero):
                    break
                units = CONTEXT.subtract(b if upper is None or b < upper else upper, lower)
                amount = CONTEXT.add(CONTEXT.multiply(units, price), fee)
                texts.append(_step_text(label, units, unit, flat, amount))
            return b, None, tuple(texts)  # a graduated line has no one unit price

        return graduated
    return None
