"""Building documents from items and :class:`~billkit.invoicing.terms.DocumentTerms`.

Every builder is a pure function: the same items, terms and dates give the
same document. Lines are priced once (``quantity x unit_price``, rounded to
the minor unit, unless the item brings its amount, as a quote's lines do),
taxed by :func:`~billkit.invoicing.tax.compute_taxes` with the rate in force
on the document's tax date, grouped per tax category, rate and treatment, and
totalled. Each line keeps the explanation of its amount.

* :func:`build_invoice`, :func:`build_proforma`, :func:`build_act`,
  :func:`build_receipt` from :class:`~billkit.invoicing.items.Item`\\ s;
* :func:`advance_invoice`: an invoice for an amount the customer types;
* :func:`invoice_from_proforma`: the official invoice of an approved proforma;
* :func:`credit_limit_invoice`: a credit-limit statement as an invoice;
* :func:`receipt_for`: the receipt of a payment of an invoice.

The hosting provider's cart, 250.00 RUB including 20 % VAT:

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.parties import Party
>>> from billkit.invoicing import DocumentTerms, Item
>>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="RU", name="ООО Хостинг"),
...                       buyer=Party(kind="individual", country="RU", name="Аня Банана"),
...                       prices_include_tax=True, locale="ru_RU", rules=None)
>>> invoice = build_invoice(
...     [Item(description="VPS-1, месяц", unit="мес.", unit_price=Money("250.00", "RUB"))],
...     terms, number="17", issue_date=date(2025, 3, 1),
... )
>>> invoice.totals
Totals(net=Money('208.33', 'RUB'), tax=Money('41.67', 'RUB'), gross=Money('250.00', 'RUB'))
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, TypeVar

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit.credit.ledger import Ledger
from billkit.credit.limit import Statement
from billkit.errors import InvoicingError
from billkit.invoicing import _fast as fast
from billkit.invoicing._assembly import (
    _credit_amount,
    _due,
    _group,
    _note_like,
    _payment,
    _policy_of,
    _price,
    _totals,
)
from billkit.invoicing._made import built
from billkit.invoicing.documents import (
    Act,
    DocumentLine,
    DocumentRef,
    Invoice,
    InvoiceKind,
    Proforma,
    Receipt,
    _Billed,
)
from billkit.invoicing.items import Item, items_from_expenses
from billkit.invoicing.tax import TaxRounding
from billkit.invoicing.terms import DocumentTerms, _terms
from billkit.money import CONTEXT, RoundingPolicy
from billkit.periods import Period

__all__ = [
    "advance_invoice",
    "build_act",
    "build_invoice",
    "build_proforma",
    "build_receipt",
    "credit_limit_invoice",
    "invoice_from_proforma",
    "receipt_for",
]

_ZERO: Final = Decimal(0)

_D = TypeVar("_D", bound=_Billed)


def _common(
    cls: type[_D],
    items: object,
    terms: DocumentTerms,
    *,
    issue_date: date,
    number: str | None,
    include_tax: bool,
    tax_rounding: TaxRounding,
    tax_date: date | None,
    period: Period | None,
    notes: Sequence[str] | str,
    references: Sequence[DocumentRef],
    with_payment: bool = True,
    rounding: RoundingPolicy | None = None,
    careful: bool = False,
    **extra: object,
) -> _D:
    # careful: the general path only (tests/invoicing/test_fast.py compares the two)
    _terms(terms)
    day = checks.day("issue_date", issue_date, error=InvoicingError)
    policy = terms.rounding if rounding is None else rounding
    priced = None
    if not careful:
        priced = fast.price(
            items,
            terms,
            issue_date=day,
            prices_include_tax=include_tax,
            tax_rounding=tax_rounding,
            tax_date=tax_date,
            rounding=policy,
        )
    if priced is None:
        priced = _price(
            items,
            terms,
            issue_date=day,
            prices_include_tax=include_tax,
            tax_rounding=tax_rounding,
            tax_date=tax_date,
            rounding=policy,
        )
    # What billkit made or took from the checked terms...
    own: dict[str, object] = {
        "issue_date": day,
        "seller": terms.seller,
        "buyer": terms.buyer,
        "currency": priced.currency,
        "locale": terms.locale,
        "lines": priced.lines,
        "tax_groups": priced.tax_groups,
        "totals": priced.totals,
        "tax_date": priced.tax_date,
        "payment": _payment(terms.payment, terms.seller) if with_payment else None,
        "facsimile": terms.facsimile,
    }
    # ... and what the caller gave, checked here once.
    given: dict[str, object] = {
        "number": number,
        "prices_include_tax": include_tax,
        "tax_rounding": tax_rounding,
        "period": period if period is not None else priced.period,
        "notes": notes,
        "references": references,
        **extra,
    }
    if careful:
        return cls(**own, **given)  # type: ignore[arg-type]
    # The document's own fields are not checked again; the caller's are, by the
    # document class's converters; its invariants run (_made.py).
    return built(cls, own, given)


def build_invoice(
    items: Sequence[Item],
    terms: DocumentTerms,
    *,
    issue_date: date,
    number: str | None = None,
    due_date: date | None = None,
    payment_days: int | None = None,
    invoice_kind: InvoiceKind | str = InvoiceKind.ONE_OFF,
    tax_date: date | None = None,
    period: Period | None = None,
    notes: Sequence[str] | str = (),
    references: Sequence[DocumentRef] = (),
) -> Invoice:
    """An invoice for ``items`` under ``terms`` (seller, buyer, language, taxes...).

    ``number`` is ``None`` for a draft. The due date is ``due_date``, or
    ``payment_days`` after the issue date. Tax rates are those of the terms'
    tax country (the seller's by default) in force on ``tax_date`` (the
    issue date by default: give the supply date when it differs, as for
    December services invoiced in January). Prices are tax-exclusive unless
    the terms say otherwise.

    The messaging SaaS's subscription invoice, 10 days to pay:

    >>> from billkit.parties import Party
    >>> seller = Party(kind="legal_entity", country="IT", name="Chat S.r.l.",
    ...                legal_address=None, identifiers={"it.iva": "00743110157"})
    >>> buyer = Party(kind="individual", country="IT", name="Mario Rossi",
    ...               identifiers={"it.cf": "RSSMRA85T10A562S"})
    >>> terms = DocumentTerms(seller=seller, buyer=buyer, rules=None)
    >>> inv = build_invoice([Item(description="Growth", unit_price=Money("49.00", "EUR"))],
    ...                     terms, issue_date=date(2026, 3, 1), number="2026/0007",
    ...                     payment_days=10, invoice_kind="subscription")
    >>> inv.due_date, inv.tax_groups[0].rate, inv.totals.gross
    (datetime.date(2026, 3, 11), Decimal('0.22'), Money('59.78', 'EUR'))
    """
    day = checks.day("issue_date", issue_date, error=InvoicingError)
    return _common(
        Invoice,
        items,
        terms,
        issue_date=day,
        number=number,
        include_tax=_terms(terms)._includes_tax(False),
        tax_rounding=terms._tax_rounding_or(TaxRounding.PER_LINE),
        tax_date=tax_date,
        period=period,
        notes=notes,
        references=references,
        invoice_kind=invoice_kind,
        due_date=_due(day, due_date, payment_days),
    )


def build_proforma(
    items: Sequence[Item],
    terms: DocumentTerms,
    *,
    issue_date: date,
    number: str | None = None,
    due_date: date | None = None,
    payment_days: int | None = None,
    tax_date: date | None = None,
    period: Period | None = None,
    notes: Sequence[str] | str = (),
    references: Sequence[DocumentRef] = (),
) -> Proforma:
    """A proforma for ``items``: the attribution SaaS issues one at the end
    of each 30-day period for the customer to approve. Arguments as for
    :func:`build_invoice`.

    >>> from billkit.parties import Party
    >>> seller = Party(kind="legal_entity", country="IR", name="Metrix")
    >>> buyer = Party(kind="individual", country="IR", name="Sara", identifiers={"ir.national_id": "0499370899"})
    >>> irr = RoundingPolicy(minor_units={"IRR": 0})
    >>> terms = DocumentTerms(seller=seller, buyer=buyer, rounding=irr, locale="fa_IR", rules=None)
    >>> pf = build_proforma([Item(description="Attribution, plan M", unit_price=Money("150000000", "IRR"))],
    ...                     terms, issue_date=date(2024, 4, 1), number="PF-1")
    >>> pf.totals.tax   # 10 % from 1403/01/01
    Money('15000000', 'IRR')
    """
    day = checks.day("issue_date", issue_date, error=InvoicingError)
    return _common(
        Proforma,
        items,
        terms,
        issue_date=day,
        number=number,
        include_tax=_terms(terms)._includes_tax(False),
        tax_rounding=terms._tax_rounding_or(TaxRounding.PER_LINE),
        tax_date=tax_date,
        period=period,
        notes=notes,
        references=references,
        due_date=_due(day, due_date, payment_days),
    )


def build_act(
    items: Sequence[Item],
    terms: DocumentTerms,
    *,
    issue_date: date,
    number: str | None = None,
    tax_date: date | None = None,
    period: Period | None = None,
    notes: Sequence[str] | str = (),
    references: Sequence[DocumentRef] = (),
) -> Act:
    """An act of completed work for ``items`` (the services of ``period``).
    Arguments as for :func:`build_invoice`; an act has no due date.

    >>> from billkit.parties import Party
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="RU", name="ООО Аналитика"),
    ...                       buyer=Party(kind="legal_entity", country="RU", name="ООО Клиент"),
    ...                       prices_include_tax=True, locale="ru_RU", rules=None)
    >>> act = build_act([Item(description="Тариф «Про», январь", unit_price=Money("10000.00", "RUB"))],
    ...                 terms, issue_date=date(2026, 1, 31), number="A-12")
    >>> act.kind.value, act.totals.tax   # 10 000 x 22 / 122 = 1 803.278... -> 1 803.28
    ('act', Money('1803.28', 'RUB'))
    """
    return _common(
        Act,
        items,
        terms,
        issue_date=issue_date,
        number=number,
        include_tax=_terms(terms)._includes_tax(False),
        tax_rounding=terms._tax_rounding_or(TaxRounding.PER_LINE),
        tax_date=tax_date,
        period=period,
        notes=notes,
        references=references,
    )


def build_receipt(
    items: Sequence[Item],
    terms: DocumentTerms,
    *,
    issue_date: date,
    paid_on: date,
    number: str | None = None,
    method: str = "",
    payment_reference: str = "",
    tax_date: date | None = None,
    period: Period | None = None,
    notes: Sequence[str] | str = (),
    references: Sequence[DocumentRef] = (),
) -> Receipt:
    """A receipt for a payment of ``items`` made on ``paid_on`` by ``method``.
    Prices include tax unless the terms say otherwise (a receipt shows what
    was paid).

    >>> from billkit.parties import Party
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="UA", name='ТОВ "Розсилка"'),
    ...                       buyer=Party(kind="individual", country="UA", name="Олена Коваль"),
    ...                       rules=None)
    >>> r = build_receipt([Item(description="Поповнення балансу", unit_price=Money("1200.00", "UAH"))],
    ...                   terms, issue_date=date(2026, 3, 2), paid_on=date(2026, 3, 2),
    ...                   method="card", number="R-5")
    >>> r.totals.tax   # 1 200 x 20 / 120
    Money('200.00', 'UAH')
    """
    return _common(
        Receipt,
        items,
        terms,
        issue_date=issue_date,
        number=number,
        include_tax=_terms(terms)._includes_tax(True),
        tax_rounding=terms._tax_rounding_or(TaxRounding.PER_LINE),
        tax_date=tax_date,
        period=period,
        notes=notes,
        references=references,
        with_payment=False,
        paid_on=checks.day("paid_on", paid_on, error=InvoicingError),
        method=method,
        payment_reference=payment_reference,
    )


_ADVANCE: Final = {
    "en": "Advance payment",
    "ru": "Авансовый платеж",
    "uk": "Авансовий платіж",
    "it": "Pagamento anticipato",
    "fa": "پیش‌پرداخت",
}


def advance_invoice(
    amount: Money,
    terms: DocumentTerms,
    *,
    issue_date: date,
    number: str | None = None,
    description: str | None = None,
    due_date: date | None = None,
    payment_days: int | None = None,
    tax_category: str = "standard",
    tax_date: date | None = None,
    notes: Sequence[str] | str = (),
) -> Invoice:
    """An invoice for an amount the customer types: an advance payment to top
    up the balance (the analytics SaaS's invoices for legal entities).

    The amount is what the customer pays, tax included unless the terms say
    ``prices_include_tax=False``; it must be above zero and a whole number of
    minor units. The line reads "Advance payment" in the document's language
    unless ``description`` says otherwise.

    >>> from billkit.parties import Party
    >>> from billkit.invoicing.terms import before_month_end
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="RU", name="ООО Аналитика"),
    ...                       buyer=Party(kind="legal_entity", country="RU", name="ООО Клиент"),
    ...                       locale="ru_RU", rules=None)
    >>> inv = advance_invoice(Money("90000.00", "RUB"), terms,
    ...                       issue_date=before_month_end(2026, 3), number="2026-0101",
    ...                       payment_days=10)
    >>> inv.lines[0].description, inv.issue_date, inv.totals.tax  # 90 000 x 22 / 122 = 16 229.508...
    ('Авансовый платеж', datetime.date(2026, 3, 21), Money('16229.51', 'RUB'))
    """
    _terms(terms)
    checks.money("amount", amount, sign="above_zero", error=InvoicingError)
    if description is None:
        language = terms.locale.split("_")[0]
        description = _ADVANCE.get(language, _ADVANCE["en"])
    item = Item(description=description, amount=amount, tax_category=tax_category)
    day = checks.day("issue_date", issue_date, error=InvoicingError)
    return _common(
        Invoice,
        [item],
        terms,
        issue_date=day,
        number=number,
        include_tax=terms._includes_tax(True),
        tax_rounding=terms._tax_rounding_or(TaxRounding.PER_LINE),
        tax_date=tax_date,
        period=None,
        notes=notes,
        references=(),
        invoice_kind=InvoiceKind.ADVANCE_PAYMENT,
        due_date=_due(day, due_date, payment_days),
    )


def invoice_from_proforma(
    proforma: Proforma,
    *,
    number: str,
    issue_date: date,
    due_date: date | None = None,
    payment_days: int | None = None,
    invoice_kind: InvoiceKind | str = InvoiceKind.ONE_OFF,
    notes: Sequence[str] | str | None = None,
) -> Invoice:
    """The official invoice of an approved proforma: the same parties, lines,
    taxes and totals the customer approved, with its own number and dates,
    referring to the proforma. The tax date stays the proforma's (the
    supply's date), so a rate change between the two does not alter what was
    approved.

    >>> from billkit.parties import Party
    >>> seller = Party(kind="legal_entity", country="IR", name="Metrix")
    >>> buyer = Party(kind="legal_entity", country="IR", name="Digikala")
    >>> irr = RoundingPolicy(minor_units={"IRR": 0})
    >>> terms = DocumentTerms(seller=seller, buyer=buyer, rounding=irr, rules=None)
    >>> pf = build_proforma([Item(description="Attribution", unit_price=Money("1000000", "IRR"))],
    ...                     terms, issue_date=date(2024, 3, 19), number="PF-9")
    >>> inv = invoice_from_proforma(pf, number="F-31", issue_date=date(2024, 3, 21), payment_days=10)
    >>> inv.totals.tax, inv.due_date, inv.references[0].number   # 9 %: supplied in 1402
    (Money('90000', 'IRR'), datetime.date(2024, 3, 31), 'PF-9')
    """
    if not isinstance(proforma, Proforma):
        raise InvoicingError("proforma", proforma, "a Proforma")
    if proforma.number is None:
        raise InvoicingError("proforma.number", None, "an issued proforma (with a number)")
    day = checks.day("issue_date", issue_date, error=InvoicingError)
    if day < proforma.issue_date:
        raise InvoicingError(
            "issue_date", day, f"a day on or after the proforma's ({proforma.issue_date})"
        )
    return Invoice(
        number=checks.text("number", number, error=InvoicingError),
        issue_date=day,
        seller=proforma.seller,
        buyer=proforma.buyer,
        currency=proforma.currency,
        locale=proforma.locale,
        lines=proforma.lines,
        tax_groups=proforma.tax_groups,
        totals=proforma.totals,
        prices_include_tax=proforma.prices_include_tax,
        tax_rounding=proforma.tax_rounding,
        tax_date=proforma.tax_date or proforma.issue_date,
        period=proforma.period,
        notes=proforma.notes if notes is None else notes,
        payment=proforma.payment,
        references=(*proforma.references, proforma.ref),
        facsimile=proforma.facsimile,
        invoice_kind=invoice_kind,
        due_date=_due(day, due_date, payment_days),
    )


def credit_limit_invoice(
    ledger: Ledger,
    statement: Statement,
    terms: DocumentTerms,
    *,
    number: str | None = None,
    tax_category: str = "standard",
    tax_date: date | None = None,
    notes: Sequence[str] | str = (),
) -> Invoice:
    """The invoice of a credit-limit statement: the expenses bought on credit
    and unpaid when it was issued, due on its due date.

    The lines are the statement's charges, each with its unpaid part at
    issue, split from the statement's rounded amount (so the invoice's total
    is exactly the statement's amount, rounded under the ledger's rounding
    policy). Prices include tax and the tax is rounded per document unless
    the terms say otherwise, as the hosting provider shows it. The tax date
    defaults to the last day before issue (the month the services were
    bought). Whether it is to pay, partially paid or paid is the statement's
    :attr:`~billkit.credit.Statement.state`, from the ledger.

    >>> from billkit.parties import Party
    >>> from datetime import datetime, timezone
    >>> from billkit.credit import CreditLine, Wallet
    >>> line = CreditLine(limit=Money("5000.00", "RUB"))
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
    >>> ledger = ledger.charge("main", "1200.00", at=datetime(2025, 12, 10, tzinfo=timezone.utc),
    ...                        key="vps-dec", description="VPS-2, декабрь")
    >>> (statement,) = ledger.statements("main", date(2026, 1, 1))
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="RU", name="ООО Хостинг"),
    ...                       buyer=Party(kind="legal_entity", country="RU", name="ООО Клиент"),
    ...                       rules=None)
    >>> inv = credit_limit_invoice(ledger, statement, terms, number="CL-1")
    >>> inv.issue_date, inv.due_date, inv.totals.gross, inv.totals.tax  # 20 % in December 2025
    (datetime.date(2026, 1, 1), datetime.date(2026, 1, 15), Money('1200.00', 'RUB'), Money('200.00', 'RUB'))
    """
    _terms(terms)
    if not isinstance(ledger, Ledger):
        raise InvoicingError("ledger", ledger, "a Ledger")
    if not isinstance(statement, Statement):
        raise InvoicingError("statement", statement, "a Statement")
    wanted = set(statement.charges)
    rows = [
        row
        for row in ledger.expenses(statement.wallet, at=statement.issued_at)
        if row.key in wanted
    ]
    if {row.key for row in rows} != wanted:
        raise InvoicingError(
            "statement", statement.number, "a statement of this ledger (its charges are missing)"
        )
    items = items_from_expenses(
        rows, unpaid_only=True, tax_category=tax_category, rounding=ledger.rounding
    )
    with decimal.localcontext(CONTEXT):
        total = sum((i.amount.amount for i in items if i.amount is not None), _ZERO)
    if total != statement.amount.amount:  # pragma: no cover - the ledger rounds the same way
        raise InvoicingError("statement.amount", statement.amount, f"the unpaid charges, {total}")
    issue = statement.issued_on
    return _common(
        Invoice,
        items,
        terms,
        issue_date=issue,
        number=number,
        include_tax=terms._includes_tax(True),
        tax_rounding=terms._tax_rounding_or(TaxRounding.PER_DOCUMENT),
        tax_date=tax_date if tax_date is not None else issue - timedelta(days=1),
        period=None,
        notes=notes,
        references=(),
        rounding=ledger.rounding,
        invoice_kind=InvoiceKind.CREDIT_LIMIT_STATEMENT,
        due_date=statement.due_on,
    )


def receipt_for(
    invoice: Invoice,
    *,
    number: str | None,
    paid_on: date,
    issue_date: date | None = None,
    amount: Money | None = None,
    method: str = "",
    payment_reference: str = "",
    notes: Sequence[str] | str = (),
    rounding: RoundingPolicy | None = None,
) -> Receipt:
    """The receipt of a payment of ``invoice``: all of it, or ``amount`` of
    it (tax included), the tax then taken in proportion from each rate.
    The split is rounded by ``rounding``, by default to the invoice's own
    precision (whole rials for an invoice built in whole rials).

    >>> from billkit.parties import Party
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
    ...                       buyer=Party(kind="legal_entity", country="IT", name="Cliente S.p.A."),
    ...                       rules=None)
    >>> inv = build_invoice([Item(description="Growth", unit_price=Money("100.00", "EUR"))],
    ...                     terms, issue_date=date(2026, 3, 1), number="7")
    >>> r = receipt_for(inv, number="Q-7", paid_on=date(2026, 3, 4), method="card")
    >>> r.totals.gross, r.references[0].number, r.paid_on
    (Money('122.00', 'EUR'), '7', datetime.date(2026, 3, 4))
    """
    if not isinstance(invoice, Invoice):
        raise InvoicingError("invoice", invoice, "an Invoice")
    if invoice.number is None:
        raise InvoicingError("invoice.number", None, "an issued invoice (with a number)")
    paid = checks.day("paid_on", paid_on, error=InvoicingError)
    day = paid if issue_date is None else checks.day("issue_date", issue_date, error=InvoicingError)
    cur = invoice.currency
    made: list[DocumentLine]
    if amount is None or (isinstance(amount, Money) and amount == invoice.totals.gross):
        made = list(invoice.lines)
    else:
        left = {g.key: [g.net.amount, g.tax.amount, g.gross.amount] for g in invoice.tax_groups}
        with decimal.localcontext(CONTEXT):
            policy = _policy_of(invoice, rounding)
            made = _credit_amount(invoice, amount, left, None, invoice.locale, policy)
        made = [
            attrs.evolve(
                line,
                description=f"{_RECEIPT_PART.get(invoice.language, _RECEIPT_PART['en'])} {invoice.number}",
            )
            for line in made
        ]
    groups = _group(made, cur, lambda t: _note_like(invoice, t))
    return Receipt(
        number=number,
        issue_date=day,
        seller=invoice.seller,
        buyer=invoice.buyer,
        currency=cur,
        locale=invoice.locale,
        lines=made,
        tax_groups=groups,
        totals=_totals(made, cur),
        prices_include_tax=invoice.prices_include_tax,
        tax_rounding=invoice.tax_rounding,
        tax_date=invoice.tax_date or invoice.issue_date,
        period=invoice.period,
        notes=notes,
        payment=None,
        references=(invoice.ref,),
        facsimile=invoice.facsimile,
        paid_on=paid,
        method=method,
        payment_reference=payment_reference,
    )


_RECEIPT_PART: Final = {
    "en": "Partial payment of invoice",
    "ru": "Частичная оплата по счету №",
    "uk": "Часткова оплата рахунку №",
    "it": "Pagamento parziale della fattura",
    "fa": "پرداخت جزئی صورتحساب",
}
