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
  plan (the compiled plan keeps one base line), so it is made once, with its
  invariants (as is any line read from ``Quote.lines``);
* what is the same on every account's invoice is bound once, when the
  template is compiled, into makers (:func:`~billkit.invoicing._made.shaped`)
  that take only what changes: a metered line's maker takes its quantity,
  unit price, net, tax, gross and explanation (its position, description,
  unit, rate, category, treatment, code, period and taxes are bound; the
  description is the plan's, or, compiled ``named`` as billing compiles it,
  the charge's name in the terms' locale, ``items._names_in``, worked out
  here once per plan and locale; checked here once as ``items_from_quote``
  checks it; compiled ``named`` for a locale whose documents are explained
  in its own language, ``items._explainer_in``, each such charge's
  explainer is :func:`_explainer_in_words`, which writes, from the figures,
  what ``items._explained_in`` writes off the QuoteLine as billing's general
  path explains it: the label catalog's words, written once per template,
  and the locale's numbers, :class:`_Numbers`, ``Explainer.number`` and
  ``Explainer.money`` compiled; any other line is read off the QuoteLine
  and explained by ``items._explained_in``); the tax group's and the totals' makers take the three sums;
  the invoice's maker takes the buyer, lines, group, totals and number (the
  seller, dates, locale, payment details and the caller's constant fields
  are bound). The number, the one field a caller gives per account, goes
  through the invoice's own converter;
* the invariants of the metered lines, the tax group and the totals (one
  currency, net + tax = gross, no tax on a line of another treatment) and
  of the invoice (it adds up: ``documents._check_adds_up``, positions 1..n,
  one currency, one tax group per (category, rate, treatment) of the lines,
  the groups and the totals the sums of the lines) hold by construction and
  are not checked again (``shaped(..., added_up=True)``): every amount is a
  Money made here in the plan's currency (the base fee's line too), and a
  unit price is the line's own Money or its model's price, in the plan's
  currency (a :class:`~billkit.pricing.Plan` refuses a charge in another);
  a line's gross is net + tax computed exactly (billkit's :data:`CONTEXT`
  keeps 80 digits, more than any sum of amounts in range needs; with
  tax-inclusive prices the net is amount - tax and the gross the amount);
  a metered line has the standard treatment and no taxes of its own; each
  line is made at position ``i + 1`` of the tuple the invoice holds (with
  ``drop_zero``, a line billing nothing is left out, as ``items_from_quote``
  leaves it out, and the next is made at the next position); every
  line has the standard category, the terms' rate and the standard
  treatment, the one tax group's key; and the group's and the totals' net,
  tax and gross are the sums of exactly those lines' amounts, added in the
  same order and context as the check adds them, exactly (so net + tax =
  gross again), with no rounding difference. tests/invoicing/test_template.py
  runs every skipped check on every invoice made here, and fails should one
  of these classes' invariants change.

Billing's month end (``billing._Templates``, one per engine run) compiles
the template with the options its invoices have: the tax date (the period's
last day, whose rates apply) and ``drop_zero``; for the plans billed by
proforma it compiles the proforma ``build_proforma`` makes
(:meth:`InvoiceTemplate.document`: :class:`Proforma`, like :class:`Invoice`,
binds its converters when it is defined, ``checks.prepare_fields``, and its
one invariant is the invoice's, that it adds up); tests/billing/test_compiled.py
proves those documents equal to the general path's, and
tests/invoicing/test_template.py the compiled proformas equal to
``build_proforma``'s.

:meth:`InvoiceTemplate.invoice` answers ``None`` where it does not apply (a
quote of another plan or period, a line without lines, an amount in
fractions of a minor unit or out of range, a description the item would
refuse, a quantity whose line would pass the limit, nothing left to bill) and the caller takes the
general path (``items_from_quote`` + ``build_invoice``), which also raises
the errors. A template is compiled only for the terms this path covers
(per-line tax rounding, the sum-of-parts total, the standard category and
treatment); :func:`compile_invoice` answers ``None`` otherwise.

:class:`Buyers` makes the bill run's buyers (an individual in the seller's
country, named per account): kind and country are checked once, each name
by :class:`~billkit.parties.Party`'s own converter; the party's invariants,
about identifiers only, hold by construction (a buyer made here has none).

tests/invoicing/test_template.py proves the compiled invoice equals the one
``items_from_quote`` + ``build_invoice`` make, byte for byte once serialised,
on generated plans and usage.
"""

from __future__ import annotations

import decimal
import string
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Final, NamedTuple, cast

from moneyed import Money

from billkit import _checks as checks
from billkit.conventions import TotalRounding
from billkit.errors import InvoicingError
from billkit.invoicing._assembly import _due, _note, _payment, _policy
from billkit.invoicing._made import _converters, converted, maker, shaped
from billkit.invoicing.documents import (
    DocumentLine,
    Invoice,
    InvoiceKind,
    Proforma,
    TaxGroup,
    Totals,
)
from billkit.invoicing.items import (
    _document_names,
    _explained_in,
    _explainer_in,
    _names_in,
    _plain_explanation,
    _shown,
)
from billkit.invoicing.tax import TaxRounding, TaxTreatment
from billkit.invoicing.terms import DocumentTerms, _terms
from billkit.money import CONTEXT, LIMIT, in_range
from billkit.parties import Party, PartyKind, check_party
from billkit.periods import Period
from billkit.pricing._compiled import LineFigures
from billkit.pricing.models import Graduated, Package, PerUnit, Volume
from billkit.pricing.plans import PercentOf, Plan
from billkit.pricing.quote import Quote, QuoteLine

if TYPE_CHECKING:
    from billkit.invoicing._explain import Explainer

__all__ = ["Buyers", "InvoiceTemplate", "compile_invoice"]

_ZERO: Final = Decimal(0)
_CEILING: Final = decimal.ROUND_CEILING
_STANDARD: Final = TaxTreatment.STANDARD
_CATEGORY: Final = "standard"
# A line read from Quote.lines (the base fee's, or a model without an explainer):
# made with its invariants, by keyword.
_line: Final = maker(DocumentLine)
# What changes from one account's line to the next, for a charge with an explainer
# (the rest is the same in every account's line: _Charge.make binds it).
_LINE_GIVEN: Final = ("quantity", "unit_price", "net", "tax", "gross", "explanation")
_SUMS: Final = ("net", "tax", "gross")
_INVOICE_GIVEN: Final = ("buyer", "lines", "tax_groups", "totals", "number")


class _Charge(NamedTuple):
    """A metered charge's line, prepared once per template: its explainer, the
    code and description every account's line has, and ``make``, the document
    line's maker with everything else bound (position, description, unit, rate,
    category, treatment, code, period, taxes)."""

    explain: _Explainer
    code: str
    description: str
    make: Callable[..., DocumentLine]
    fixed: dict[str, object]
    # With drop_zero, a line left out moves the next ones up: their makers at
    # another position, made on first use.
    moved: dict[int, Callable[..., DocumentLine]]


class InvoiceTemplate:
    """The invoice of one plan under one set of terms, compiled (see the module
    docstring). Make one with :func:`compile_invoice`."""

    __slots__ = (
        "_base",
        "_base_row",
        "_base_sums",
        "_charges",
        "_cur",
        "_drop_zero",
        "_explain_in",
        "_group",
        "_include_tax",
        "_invoice",
        "_mode",
        "_names",
        "_number",
        "_one_plus_rate",
        "_period",
        "_quantum",
        "_rate",
        "_rules",
        "_totals",
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
        tax_date: date | None = None,
        drop_zero: bool = False,
        document: type[Invoice | Proforma] = Invoice,
        named: bool = False,
    ) -> None:
        day = checks.day("issue_date", issue_date, error=InvoicingError)
        # The day whose tax rates apply and the invoice's tax date (build_invoice's)
        supplied = (
            day if tax_date is None else checks.day("tax_date", tax_date, error=InvoicingError)
        )
        self._drop_zero = checks.flag("drop_zero", drop_zero, error=InvoicingError)
        self.plan = checks.instance("plan", plan, Plan, error=InvoicingError)
        self._period = period
        cur = self._cur = plan.currency
        policy = _policy(terms.rounding)
        self._quantum = policy.quantum(cur)
        self._mode = policy.mode.decimal_rounding
        self._include_tax = include_tax
        self._rules = terms.rules
        country = terms.seller.country if terms.tax_country is None else terms.tax_country
        rate = self._rate = terms.taxes.rate(country, _CATEGORY, supplied).rate
        self._one_plus_rate = CONTEXT.add(1, rate)
        language = terms.locale.split("_")[0]
        # The one tax group's and the totals' makers: only their sums change.
        self._group: Callable[..., TaxGroup] = shaped(
            TaxGroup,
            _SUMS,
            {
                "category": _CATEGORY,
                "rate": rate,
                "treatment": _STANDARD,
                "note": _note(terms, country, language, cur, _ZERO, _STANDARD),
            },
            added_up=True,
        )
        self._totals: Callable[..., Totals] = shaped(Totals, _SUMS, {}, added_up=True)
        # The invoice's fields that are the same for every account: billkit's
        # own, and the caller's, checked here once by the invoice's converters.
        callers: dict[str, object] = {
            "prices_include_tax": include_tax,
            "tax_rounding": TaxRounding.PER_LINE,
            "period": period,
            "notes": (),
            "references": (),
            "due_date": _due(day, None, payment_days),
        }
        if document is Invoice:  # (a proforma has no kind)
            callers["invoice_kind"] = invoice_kind
        given = converted(document, callers)
        assert given is not None  # Invoice's and Proforma's converters need no instance
        converters = _converters(document)
        assert converters is not None
        self._number = converters["number"]  # the invoice's own check of a number
        # The invoice's one invariant, that it adds up (documents._check_adds_up),
        # holds by construction here (the module docstring): made without it.
        self._invoice: Callable[..., Invoice | Proforma] = shaped(
            document,
            _INVOICE_GIVEN,
            {
                "issue_date": day,
                "seller": terms.seller,
                "currency": cur,
                "locale": terms.locale,
                "tax_date": supplied,
                "payment": _payment(terms.payment, terms.seller),
                "facsimile": terms.facsimile,
                **given,
            },
            added_up=True,
        )
        # The base fee's document line, made from the first quote (the same for all)
        compiled = plan._compiled
        self._base_row = compiled.base_row
        self._base: DocumentLine | None = None
        self._base_sums = (_ZERO, _ZERO, _ZERO)
        # Per line of the plan's quotes (the base fee's first, then each charge):
        # its _Charge, or None where the line is read from Quote.lines.
        charges: list[_Charge | None] = [] if compiled.base_row is None else [None]
        # The lines a document in the terms' locale names otherwise (named=True):
        # worked out here, once per plan and locale, not per account.
        names = self._names = _names_in(plan, terms.locale) if named else {}
        # Explained in the locale's language (items._explained), named=True and not
        # English: a metered line by its explainer in words (_explainer_in_words), any
        # other read off the QuoteLine (_read), as the general path reads it.
        self._explain_in = _explainer_in(terms.locale, cur.code) if named else None
        explain_in = self._explain_in
        for spec in compiled.specs:
            if spec.metric is None:
                explain = None
            elif explain_in is None:
                explain = _explainer(spec.source, spec.included)
            else:  # in the locale's words and numbers, as items._explained_in writes them
                explain = _explainer_in_words(spec.source, spec.included, explain_in)
            label = spec.label
            if explain is None or not label or label.strip() != label:
                charges.append(None)  # (a description an item refuses: the general path)
                continue
            fixed = {
                "position": len(charges) + 1,
                "description": names.get(spec.code, label),
                "unit": "",
                "tax_rate": rate,
                "tax_category": _CATEGORY,
                "treatment": _STANDARD,
                "code": spec.code,
                "period": period,
                "taxes": (),
            }
            make = shaped(DocumentLine, _LINE_GIVEN, fixed, added_up=True)
            charges.append(_Charge(explain, spec.code, label, make, fixed, {}))
        self._charges: tuple[_Charge | None, ...] = tuple(charges)

    def invoice(self, bill: Quote, buyer: Party, number: str | None) -> Invoice | None:
        """``bill``'s invoice to ``buyer``, numbered ``number``: the one
        ``build_invoice(items_from_quote(bill), terms, ...)`` makes with the
        terms compiled and this buyer; ``None`` where this path does not apply
        (the module docstring)."""
        made = self.document(bill, buyer, number)
        assert made is None or isinstance(made, Invoice)
        return made

    def document(self, bill: Quote, buyer: Party, number: str | None) -> Invoice | Proforma | None:
        """:meth:`invoice`, of the class compiled for (``document=``): an invoice,
        or the proforma ``build_proforma`` makes."""
        if type(bill) is not Quote or bill.plan is not self.plan:
            return None
        period = bill.period
        if period is not self._period and period != self._period:
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
        charges = self._charges
        if bill._rows is not None:
            charges = (None,) * len(rows)
        elif len(charges) != len(rows):
            return None  # pragma: no cover - a plan's quotes have its lines
        cur = self._cur
        quantum, mode, rate = self._quantum, self._mode, self._rate
        include_tax = self._include_tax
        one_plus_rate = self._one_plus_rate
        # Every operation names billkit's CONTEXT (80 digits: exact for numbers in
        # range), as the general path computes in it: no context is entered.
        C = CONTEXT
        add, multiply, quantize = C.add, C.multiply, Decimal.quantize
        made_lines: list[DocumentLine] = []
        net_total = tax_total = gross_total = _ZERO
        base_row = self._base_row
        drop_zero = self._drop_zero
        lines: tuple[QuoteLine, ...] | None = None
        for i, row in enumerate(rows):
            if drop_zero and not row.amount:
                continue  # items_from_quote(..., drop_zero=True) leaves it out
            position = len(made_lines) + 1
            charge = charges[i]
            if charge is not None:
                amount = row.amount
                if quantize(amount, quantum, mode, C) != amount or not in_range(amount):
                    return None  # the general path names the line
                if row.description is not charge.description or row.code is not charge.code:
                    return None  # pragma: no cover - the compiled figures carry the plan's
                quantity, unit_price, explanation = charge.explain(row)
                if unit_price is not None and multiply(quantity, unit_price.amount) >= LIMIT:
                    return None
                exact = multiply(amount, rate)
                if include_tax:
                    tax = quantize(C.divide(exact, one_plus_rate), quantum, mode, C)
                    net = C.subtract(amount, tax)
                    gross = amount
                else:
                    tax = quantize(exact, quantum, mode, C)
                    net = amount
                    gross = add(amount, tax)
                money = Money(amount, cur)
                if unit_price is None and quantity == 1:
                    unit_price = money
                make = charge.make if position == i + 1 else self._moved(charge, position)
                made_lines.append(
                    make(
                        quantity,
                        unit_price,
                        Money(net, cur) if include_tax else money,
                        Money(tax, cur),
                        money if include_tax else Money(gross, cur),
                        explanation,
                    )
                )
                net_total = add(net_total, net)
                tax_total = add(tax_total, tax)
                gross_total = add(gross_total, gross)
                continue
            if i == 0 and base_row is not None and row is base_row and self._base is not None:
                doc = self._base
                net_total, tax_total, gross_total = self._base_sums
            else:
                if lines is None:
                    lines = bill.lines
                doc_or_none = self._read(lines[i], row, position, period, bill)
                if doc_or_none is None:
                    return None
                doc = doc_or_none
                net_total = add(net_total, doc.net.amount)
                tax_total = add(tax_total, doc.tax.amount)
                gross_total = add(gross_total, doc.gross.amount)
                if i == 0 and row is base_row:
                    self._base = doc
                    self._base_sums = (net_total, tax_total, gross_total)
            made_lines.append(doc)
        if not made_lines:
            return None  # nothing billed: the general path says what that means
        net_money, tax_money = Money(net_total, cur), Money(tax_total, cur)
        gross_money = Money(gross_total, cur)
        return self._invoice(
            buyer,
            tuple(made_lines),
            (self._group(net_money, tax_money, gross_money),),
            self._totals(net_money, tax_money, gross_money),
            self._number(number),
        )

    @staticmethod
    def _moved(charge: _Charge, position: int) -> Callable[..., DocumentLine]:
        """``charge``'s line maker at ``position`` (a line before it left out)."""
        make = charge.moved.get(position)
        if make is None:
            fixed = {**charge.fixed, "position": position}
            make = charge.moved[position] = shaped(DocumentLine, _LINE_GIVEN, fixed, added_up=True)
        return make

    def _read(
        self, line: QuoteLine, row: LineFigures, position: int, period: Period, bill: Quote
    ) -> DocumentLine | None:
        """The document line of ``line`` (figures ``row``, at ``position``, of
        ``bill``), read off the QuoteLine through ``items._shown`` and
        ``items._plain_explanation`` (or ``items._explained_in``, naming the lines
        a percentage sums as the document names them: ``items._document_names``),
        as ``items_from_quote`` reads it; ``None`` where the general path must
        decide."""
        C = CONTEXT
        cur, quantum, mode, rate = self._cur, self._quantum, self._mode, self._rate
        amount = row.amount
        if amount.quantize(quantum, mode, C) != amount or not in_range(amount):
            return None  # the general path names the line
        description = self._names.get(row.code, row.description) if self._names else row.description
        if not description or description.strip() != description:
            return None
        quantity, unit_price = _shown(line)
        explain_in = self._explain_in
        names = _document_names(bill, self._names) if isinstance(line.source, PercentOf) else {}
        if explain_in is None:
            explanation = tuple(_plain_explanation(line, names))
        else:
            explanation = tuple(_explained_in(line, explain_in, names))
        if unit_price is not None and C.multiply(quantity, unit_price.amount) >= LIMIT:
            return None
        money = Money(amount, cur)
        exact = C.multiply(amount, rate)
        if self._include_tax:
            exact = C.divide(exact, self._one_plus_rate)
        tax = exact.quantize(quantum, mode, C)
        if self._include_tax:
            gross_money, net_money = money, Money(C.subtract(amount, tax), cur)
        else:
            net_money, gross_money = money, Money(C.add(amount, tax), cur)
        if unit_price is None and quantity == 1:
            unit_price = money
        return _line(
            position=position,
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


def compile_invoice(
    plan: Plan,
    terms: DocumentTerms,
    *,
    issue_date: date,
    payment_days: int | None = None,
    invoice_kind: InvoiceKind | str = InvoiceKind.ONE_OFF,
    period: Period,
    tax_date: date | None = None,
    drop_zero: bool = False,
    proforma: bool = False,
    named: bool = False,
) -> InvoiceTemplate | None:
    """``plan``'s invoice under ``terms`` (whose buyer is replaced per account),
    compiled; ``None`` for terms this path does not cover (the module docstring).

    ``tax_date`` and ``invoice_kind`` as for ``build_invoice``; ``drop_zero`` as
    for ``items_from_quote``; ``proforma``: the proforma ``build_proforma``
    makes instead (``invoice_kind`` is then not used); ``named``: the lines
    named as a document in the terms' locale names them (``items._named``,
    as billing's documents are), not as the quote names them."""
    terms = _terms(terms)
    document = Proforma if checks.flag("proforma", proforma, error=InvoicingError) else Invoice
    if _converters(document) is None:
        return None  # pragma: no cover - converters that take the field: the general path
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
        tax_date=tax_date,
        drop_zero=drop_zero,
        document=document,
        named=checks.flag("named", named, error=InvoicingError),
    )


class Buyers:
    """Parties of one ``kind`` in one ``country``, made by name: ``Buyers("individual",
    "IT")("Account 7") == Party(kind="individual", country="IT", name="Account 7")``.

    Kind and country are checked once (a sample party is made); each name by
    :class:`Party`'s own converter. A buyer made here has no identifiers, and
    :class:`Party`'s invariants are about identifiers only (an INN, OGRN or
    KPP that must fit the kind of party), so they hold by construction and are
    not run again (``_made.shaped(..., added_up=True)``); the tests run them on
    every buyer made, and fail should ``Party`` gain another invariant."""

    __slots__ = ("_make", "_name")

    def __init__(self, kind: PartyKind | str, country: str) -> None:
        sample = Party(kind=kind, country=country, name="-")  # checks kind and country once
        self._make: Callable[[str], Party] = shaped(
            Party, ("name",), {"kind": sample.kind, "country": sample.country}, added_up=True
        )
        converters = _converters(Party)
        assert converters is not None  # Party's converters need no instance
        self._name = converters["name"]  # Party's own check of a name

    def __call__(self, name: str) -> Party:
        """The party named ``name`` (checked by :class:`Party`'s converter)."""
        return self._make(self._name(name))


# ------------------------------------------------------------------ explainers

_Explained = tuple[Decimal, "Money | None", tuple[str, ...]]
_Explainer = Callable[[LineFigures], _Explained]


def _fmt(value: Decimal) -> str:
    """``format(value, "f")``, as ``items._fmt`` and ``str(Step)`` write a number:
    ``str(value)`` where that has no exponent (then the same characters: the
    digits, the sign, the point where the exponent puts it), about twice as
    fast; ``format`` otherwise (an exponent above 0 or a number below 10**-6;
    ``e`` where the thread's context has ``capitals=0``)."""
    text = str(value)
    if "E" in text or "e" in text:
        return format(value, "f")
    return text


def _step_text(label: str, units: Decimal, price: Decimal, fee: Decimal, amount: Decimal) -> str:
    """``items._step_text(Step(...))`` from the step's Decimals."""
    text = f"{label}: {_fmt(units)} × {_fmt(price)}"
    if fee:
        text += f" + {_fmt(fee)}"
    return f"{text} = {_fmt(amount)}"


def _explainer(source: object, included: Decimal | None = None) -> _Explainer | None:
    """For a metered charge priced by ``source``: ``explain(row)``, the quantity,
    unit price and explanation ``items._shown`` and ``items._plain_explanation``
    give for the line of those figures, worked out from the figures (``row``)
    by the same operations, in billkit's :data:`CONTEXT`, as
    ``pricing._compiled.breakdown`` (so the model's ``explain``), without
    making the QuoteLine, its breakdown or its steps. ``None`` for another
    model (the line is then read from ``Quote.lines``). Every operation names
    :data:`CONTEXT`; the text that is the same on every line (prices, package
    sizes, tier labels, and the charge's ``included`` units where given: the
    figures' own ``included`` is used whenever it is another object) is written
    once, here."""
    kind = type(source)
    multiply = CONTEXT.multiply
    given = included
    given_text = None if included is None else f" − {_fmt(included)} included = "

    def head(row: LineFigures) -> str:
        # items._plain_explanation's first line, for a line with included units
        free = row.included
        middle = given_text if free is given else f" − {_fmt(free)} included = "
        return f"{_fmt(row.quantity)}{middle}{_fmt(row.billable)}"

    if kind is PerUnit:
        assert isinstance(source, PerUnit)
        each = source.unit_price
        each_d = each.amount
        before = f" × {_fmt(each_d)} = "

        def per_unit(row: LineFigures) -> _Explained:
            b = row.billable
            product = multiply(b, each_d)
            text = f"per unit: {_fmt(b)}{before}{_fmt(product)}"
            # items._shown: the unit price where billable x price is the exact amount
            shown = each if product == row.exact else None
            return b, shown, ((head(row), text) if row.included else (text,))

        return per_unit
    if kind is Package:
        assert isinstance(source, Package)
        free, size, per = source.included, source.size, source.price_per_package
        per_d = per.amount
        # "<n> package(s) of <size>: <n> × <price> = <amount>"
        one, many = f" package of {_fmt(size)}: ", f" packages of {_fmt(size)}: "
        times = f" × {_fmt(per_d)} = "
        note = f"{_fmt(free)} free units"
        divide, subtract = CONTEXT.divide, CONTEXT.subtract

        def package(row: LineFigures) -> _Explained:
            b = row.billable
            billable = subtract(b, free) if free else b
            if billable <= 0:
                n = 0
            else:
                n = int(divide(billable, size).to_integral_value(_CEILING, CONTEXT))
            text = f"{n}{one if n == 1 else many}{n}{times}{_fmt(multiply(n, per_d))}"
            shown = None if multiply(b, per_d) != row.exact else per
            if row.included:
                return b, shown, ((head(row), note, text) if free else (head(row), text))
            return b, shown, ((note, text) if free else (text,))

        return package
    if kind is Volume and not cast("Volume", source)._has_blocks:
        volume = cast("Volume", source)
        steps = tuple(
            (price, fee, volume._labels[i], t.unit_price, t.flat_fee.amount)
            for i, ((_, _, price, fee), t) in enumerate(
                zip(volume._table, volume.tiers, strict=True)
            )
        )
        fee_at_zero = volume.flat_fee_at_zero

        def by_volume(row: LineFigures) -> _Explained:
            b = row.billable
            price, fee, label, unit, flat = steps[volume._find(b)]
            charged = bool(b) or fee_at_zero
            amount = CONTEXT.add(multiply(b, price), fee) if charged else _ZERO
            text = _step_text(label, b, unit.amount, flat if charged else _ZERO, amount)
            shown = None if multiply(b, unit.amount) != row.exact else unit
            return b, shown, ((head(row), text) if row.included else (text,))

        return by_volume
    if kind is Graduated and not cast("Graduated", source)._has_blocks:
        assert isinstance(source, Graduated)
        # the quote's tier labels and numbers, the document's step
        return _graduated(source, head, source._labels, _fmt, _fmt, _STEP, _STEP_FEE)
    return None


# A step as every document writes it: the label catalog's explain_step and
# explain_step_fee (the same in every language), so items._step_text in English.
_STEP: Final = "{label}: {units} × {price} = {amount}"
_STEP_FEE: Final = "{label}: {units} × {price} + {fee} = {amount}"


def _graduated(
    source: Graduated,
    head: Callable[[LineFigures], str],
    labels: Sequence[str],
    number: Callable[[Decimal], str],
    money: Callable[[Decimal], str],
    step: str,
    step_fee: str,
) -> _Explainer:
    """The explainer of a graduated charge (tiers without blocks) in one
    language: each tier a line reaches is a step, ``step`` (or ``step_fee``,
    for a tier with a flat fee) filled with the tier's label (``labels[i]``),
    its units (``number``), its unit price, flat fee and amount (``money``),
    after ``head(row)`` for a line with included units. English
    (:func:`_explainer`: the quote's labels and numbers) and every other
    language (:func:`_explainer_in_words`: the catalog's labels, the locale's
    numbers) go through it, with the same operations as
    ``pricing._compiled.breakdown``. What is the same on every line is written
    once, here: each tier's step with its label, price and fee filled in, cut
    around the units and the amount (:func:`_cut`), so a line joins five
    strings per step (``str.format`` where a pattern cannot be cut so)."""
    tiers = []
    for i, ((lower, upper, price, fee), t) in enumerate(
        zip(source._table, source.tiers, strict=True)
    ):
        fixed = {"label": labels[i], "price": money(t.unit_price.amount)}
        if t.flat_fee.amount:
            fixed["fee"] = money(t.flat_fee.amount)
        pattern = step_fee if t.flat_fee.amount else step
        tiers.append((lower, upper, price, fee, _cut(pattern, fixed), pattern, fixed))
    fee_at_zero = source.flat_fee_at_zero
    multiply, add, subtract = CONTEXT.multiply, CONTEXT.add, CONTEXT.subtract

    def graduated(row: LineFigures) -> _Explained:
        b = row.billable
        at_zero = b == 0 and fee_at_zero
        texts = [head(row)] if row.included else []
        for i, (lower, upper, price, fee, cut, pattern, fixed) in enumerate(tiers):
            if b <= lower and not (i == 0 and at_zero):
                break
            units = subtract(b if upper is None or b < upper else upper, lower)
            amount = add(multiply(units, price), fee)
            if cut is None:
                texts.append(pattern.format(units=number(units), amount=money(amount), **fixed))
            else:
                before, between, after = cut
                texts.append(before + number(units) + between + money(amount) + after)
        return b, None, tuple(texts)  # a graduated line has no one unit price

    return graduated


def _cut(pattern: str, fixed: dict[str, str]) -> tuple[str, str, str] | None:
    """``pattern`` with the fields ``fixed`` names filled in, cut around its
    ``{units}`` and its ``{amount}`` (in that order, once each, with no
    conversion or format spec): ``(before, between, after)``, so that
    ``before + units + between + amount + after`` is
    ``pattern.format(units=units, amount=amount, **fixed)``; ``None`` for a
    pattern not so made.

    >>> _cut("{label}: {units} × {price} = {amount}", {"label": "tier 1", "price": "0.5"})
    ('tier 1: ', ' × 0.5 = ', '')
    """
    pieces: list[str] = []
    text = ""
    for literal, field, spec, conversion in string.Formatter().parse(pattern):
        text += literal
        if field is None:
            continue
        if spec or conversion:
            return None
        if field in fixed:
            text += fixed[field]
        elif len(pieces) < 2 and field == ("units", "amount")[len(pieces)]:
            pieces.append(text)
            text = ""
        else:
            return None
    if len(pieces) != 2:
        return None
    return pieces[0], pieces[1], text


# ------------------------------------------------------- explainers in words


class _Numbers:
    """``Explainer.number`` and ``Explainer.money`` (``invoicing/_explain.py``)
    for one locale and currency, compiled: ``format(value, ",f")`` (the
    value's exact digits, grouped by threes) with its fraction's trailing zeros
    taken off, then padded to the decimals ``Formatter.money_digits`` gives
    the value ``Explainer.money`` trims (see :meth:`money`), and the locale's
    symbols and digits put in by one ``str.translate``
    (:meth:`Formatter.grouped <billkit.invoicing.render.fmt.Formatter.grouped>`).
    A negative value (or ``-0``), or one with 40 decimals or more, is written
    by the Explainer itself. :meth:`of` answers ``None`` where the formatter
    has no compiled form."""

    __slots__ = ("_explainer", "_least", "_minor", "_post", "_pre", "_table")

    def __init__(
        self, explainer: Explainer, grouped: tuple[dict[int, int | str], str, str, int, int]
    ) -> None:
        self._explainer = explainer
        self._table, self._pre, self._post, self._least, iso = grouped
        self._minor = explainer.minor
        assert iso == self._minor  # (both billkit's minor_units of the currency)

    @staticmethod
    def of(explainer: Explainer) -> _Numbers | None:
        """The compiled numbers of ``explainer``; ``None`` where it has none."""
        grouped = explainer.fmt.grouped()
        return None if grouped is None else _Numbers(explainer, grouped)

    def number(self, value: Decimal) -> str:
        """``Explainer.number(value)``: a quantity without trailing zeros (an
        integral value as its integer, any other normalised)."""
        if value.is_signed():
            return self._explainer.number(value)
        whole, _, fraction = format(value, ",f").partition(".")
        fraction = fraction.rstrip("0")
        if len(fraction) >= _MOST_DECIMALS:
            return self._explainer.number(value)
        text = f"{whole}.{fraction}" if fraction else whole
        return f"{self._pre}{text.translate(self._table)}{self._post}"

    def money(self, value: Decimal) -> str:
        """``Explainer.money(value)``: the currency's decimals, more only where it
        has them. With ``given`` the decimals of the value without trailing
        zeros and ``minor`` the currency's: the Explainer keeps the value
        normalised where ``given >= minor``, else quantises it to ``minor``
        decimals; ``Formatter.money_digits`` then gives ``given`` where it is
        above ``minor``; the locale's digits for the currency (CLDR's,
        ``least``) for a whole value; ``max(least, minor)`` otherwise."""
        if value.is_signed():
            return self._explainer.money(value)
        whole, _, fraction = format(value, ",f").partition(".")
        fraction = fraction.rstrip("0")
        given = len(fraction)
        if given >= _MOST_DECIMALS:
            return self._explainer.money(value)
        if given > self._minor:
            digits = given
        elif not fraction:
            digits = self._least
        else:
            digits = max(self._least, self._minor)
        text = f"{whole}.{fraction.ljust(digits, '0')}" if digits else whole
        return f"{self._pre}{text.translate(self._table)}{self._post}"


_MOST_DECIMALS: Final = 40  # Formatter's patterns write at most 39 decimals


def _explainer_in_words(
    source: object, included: Decimal | None, explainer: Explainer
) -> _Explainer | None:
    """:func:`_explainer` in ``explainer``'s language and numbers: for a metered
    charge priced by ``source``, ``explain(row)``, the quantity, unit price and
    the explanation ``items._explained_in(line, explainer)`` writes for the
    line of those figures (the label catalog's words, the locale's numbers),
    worked out from the figures as :func:`_explainer` works them out, without
    the QuoteLine, its steps or the step labels' patterns. What is the same on
    every line is written once, here, by the explainer itself (the labels of
    the steps, the prices and fees, the packages' size, a note of free units);
    each line's numbers by :class:`_Numbers`. ``None`` for another model, or a
    locale without a compiled formatter (the line is then read from
    ``Quote.lines``)."""
    english = _explainer(source, included)
    numbers = _Numbers.of(explainer)
    if english is None or numbers is None:
        return None
    number, money = numbers.number, numbers.money
    multiply, add, subtract = CONTEXT.multiply, CONTEXT.add, CONTEXT.subtract
    label = explainer.label
    step, step_fee = label("explain_step"), label("explain_step_fee")
    heading = label("explain_included")
    given = included
    given_text = None if included is None else number(included)

    def head(row: LineFigures) -> str:
        # Explainer.included(quantity, included, billable)
        free = row.included
        return heading.format(
            quantity=number(row.quantity),
            included=given_text if free is given else number(free),
            billable=number(row.billable),
        )

    def tier(i: int) -> str:  # Explainer.step_label of a tier's step
        return label("explain_tier").format(n=number(Decimal(i + 1)))

    kind = type(source)
    if kind is PerUnit:
        assert isinstance(source, PerUnit)
        each = source.unit_price
        each_d = each.amount
        per_unit_label, price = label("explain_per_unit"), money(each_d)

        def per_unit(row: LineFigures) -> _Explained:
            b = row.billable
            product = multiply(b, each_d)
            text = step.format(
                label=per_unit_label, units=number(b), price=price, amount=money(product)
            )
            shown = each if product == row.exact else None
            return b, shown, ((head(row), text) if row.included else (text,))

        return per_unit
    if kind is Package:
        assert isinstance(source, Package)
        free, size, per = source.included, source.size, source.price_per_package
        per_d = per.amount
        size_text, price = number(size), money(per_d)
        # the label, or, where its noun agrees with the count (Explainer.counted),
        # the label of each count
        packages = label("explain_packages")
        counted = explainer.counted if explainer.agrees("explain_packages") else None
        # Explainer.note of the breakdown's note (pricing._compiled.breakdown's words)
        note = explainer.note(f"{format(free, 'f')} free units") if free else ""

        def package(row: LineFigures) -> _Explained:
            b = row.billable
            billable = subtract(b, free) if free else b
            if billable <= 0:
                n = 0
            else:
                n = int(CONTEXT.divide(billable, size).to_integral_value(_CEILING, CONTEXT))
            count = number(Decimal(n))
            text = step.format(
                label=(packages if counted is None else counted("explain_packages", n)).format(
                    n=count, size=size_text
                ),
                units=count,
                price=price,
                amount=money(multiply(n, per_d)),
            )
            shown = None if multiply(b, per_d) != row.exact else per
            if row.included:
                return b, shown, ((head(row), note, text) if free else (head(row), text))
            return b, shown, ((note, text) if free else (text,))

        return package
    if kind is Volume:
        volume = cast("Volume", source)
        steps = tuple(
            (price, fee, tier(i), t.unit_price, money(t.unit_price.amount), t.flat_fee.amount)
            for i, ((_, _, price, fee), t) in enumerate(
                zip(volume._table, volume.tiers, strict=True)
            )
        )
        fee_at_zero = volume.flat_fee_at_zero

        def by_volume(row: LineFigures) -> _Explained:
            b = row.billable
            price, fee, name, unit, unit_text, flat = steps[volume._find(b)]
            charged = bool(b) or fee_at_zero
            amount = add(multiply(b, price), fee) if charged else _ZERO
            if charged and flat:
                text = step_fee.format(
                    label=name,
                    units=number(b),
                    price=unit_text,
                    fee=money(flat),
                    amount=money(amount),
                )
            else:
                text = step.format(
                    label=name, units=number(b), price=unit_text, amount=money(amount)
                )
            shown = None if multiply(b, unit.amount) != row.exact else unit
            return b, shown, ((head(row), text) if row.included else (text,))

        return by_volume
    assert kind is Graduated
    graduated = cast("Graduated", source)
    labels = [tier(i) for i in range(len(graduated.tiers))]
    return _graduated(graduated, head, labels, number, money, step, step_fee)
