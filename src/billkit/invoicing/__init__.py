"""Invoicing: documents as data, taxes, lifecycles, numbering, amounts in words.

* :mod:`~billkit.invoicing.documents`: the document types (:class:`Invoice`,
  :class:`Proforma`, :class:`Act`, :class:`CreditNote`, :class:`Receipt`,
  ``ReconciliationStatement``), frozen values that always add up;
* :mod:`~billkit.invoicing.items`: what to bill (:class:`Item`, items from
  quotes and ledger expenses);
* :mod:`~billkit.invoicing.terms`: :class:`DocumentTerms`, what every
  document between one seller and one buyer shares, and payment terms;
* :mod:`~billkit.invoicing.builders`, :mod:`~billkit.invoicing.credit_notes`,
  :mod:`~billkit.invoicing.reconciliation`: pure functions that build the
  documents from items, terms, documents and ledgers;
* :mod:`~billkit.invoicing.tax`: effective-dated tax rates per country,
  inclusive and exclusive prices, per-line or per-document rounding, legal
  notes;
* :mod:`~billkit.invoicing.lifecycle`: invoice, official-invoice, payment and
  statement states as pure transitions;
* :mod:`~billkit.invoicing.numbering`: gap-free number series;
* :mod:`~billkit.invoicing.words`: the amount in words (num2words).

Parties (sellers, payers, identifiers) live in :mod:`billkit.parties`.
Rendering to PDF and HTML is :mod:`billkit.invoicing.render`, imported only
when used.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.parties import Party
>>> from billkit.invoicing import DocumentTerms, Item, NumberSeries, build_invoice, next_number
>>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="RU", name="ООО Хостинг"),
...                       buyer=Party(kind="legal_entity", country="RU", name="ООО Клиент"),
...                       rules=None)
>>> number = next_number(NumberSeries(prefix="INV-"), None, date(2026, 1, 12))
>>> invoice = build_invoice(
...     [Item(description="VPS-2", quantity=3, unit="month", unit_price=Money("33.33", "RUB"))],
...     terms, number=number.text, issue_date=number.on, payment_days=10,
... )
>>> invoice.number, invoice.due_date, invoice.totals.tax   # 99.99 x 22 % = 21.9978
('INV-2026-000001', datetime.date(2026, 1, 22), Money('22.00', 'RUB'))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from billkit import _lazy

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from billkit.invoicing.builders import (
        build_act,
        build_invoice,
        build_proforma,
        build_receipt,
        invoice_from_proforma,
    )
    from billkit.invoicing.credit_notes import build_credit_note
    from billkit.invoicing.documents import Act, CreditNote, Invoice, Proforma, Receipt
    from billkit.invoicing.items import Item, items_from_quote
    from billkit.invoicing.numbering import NumberSeries, next_number
    from billkit.invoicing.reconciliation import build_reconciliation
    from billkit.invoicing.tax import TaxTable
    from billkit.invoicing.terms import DocumentTerms

_EXPORTS: dict[str, str] = {
    "Act": "billkit.invoicing.documents",
    "CreditNote": "billkit.invoicing.documents",
    "DocumentTerms": "billkit.invoicing.terms",
    "Invoice": "billkit.invoicing.documents",
    "Item": "billkit.invoicing.items",
    "NumberSeries": "billkit.invoicing.numbering",
    "Proforma": "billkit.invoicing.documents",
    "Receipt": "billkit.invoicing.documents",
    "TaxTable": "billkit.invoicing.tax",
    "build_act": "billkit.invoicing.builders",
    "build_credit_note": "billkit.invoicing.credit_notes",
    "build_invoice": "billkit.invoicing.builders",
    "build_proforma": "billkit.invoicing.builders",
    "build_receipt": "billkit.invoicing.builders",
    "build_reconciliation": "billkit.invoicing.reconciliation",
    "invoice_from_proforma": "billkit.invoicing.builders",
    "items_from_quote": "billkit.invoicing.items",
    "next_number": "billkit.invoicing.numbering",
}

__all__ = [
    "Act",
    "CreditNote",
    "DocumentTerms",
    "Invoice",
    "Item",
    "NumberSeries",
    "Proforma",
    "Receipt",
    "TaxTable",
    "build_act",
    "build_credit_note",
    "build_invoice",
    "build_proforma",
    "build_receipt",
    "build_reconciliation",
    "invoice_from_proforma",
    "items_from_quote",
    "next_number",
]

# Names that left the public surface in issue 9 (see CHANGELOG.md): still
# importable from here for code written before, not listed by dir() or docs;
# import them from the module that defines them.
_MOVED: dict[str, str] = {
    "AnyDocument": "billkit.invoicing.documents",
    "DEFAULT_TAXES": "billkit.invoicing.tax",
    "DocumentKind": "billkit.invoicing.documents",
    "DocumentLine": "billkit.invoicing.documents",
    "DocumentRef": "billkit.invoicing.documents",
    "INVOICE_LIFECYCLE": "billkit.invoicing.lifecycle",
    "InvoiceKind": "billkit.invoicing.documents",
    "InvoiceState": "billkit.invoicing.lifecycle",
    "IssuedNumber": "billkit.invoicing.numbering",
    "Lifecycle": "billkit.invoicing.lifecycle",
    "OFFICIAL_INVOICE_LIFECYCLE": "billkit.invoicing.lifecycle",
    "OfficialInvoiceFlow": "billkit.invoicing.lifecycle",
    "OfficialInvoiceState": "billkit.invoicing.lifecycle",
    "PAYMENT_LIFECYCLE": "billkit.invoicing.lifecycle",
    "PaymentDetails": "billkit.invoicing.documents",
    "PaymentFailure": "billkit.invoicing.lifecycle",
    "PaymentState": "billkit.invoicing.lifecycle",
    "PaymentStatus": "billkit.invoicing.lifecycle",
    "ReconciliationRow": "billkit.invoicing.documents",
    "ReconciliationStatement": "billkit.invoicing.documents",
    "Reset": "billkit.invoicing.numbering",
    "STATEMENT_LIFECYCLE": "billkit.invoicing.lifecycle",
    "StatementState": "billkit.invoicing.lifecycle",
    "TaxGroup": "billkit.invoicing.documents",
    "TaxRate": "billkit.invoicing.tax",
    "TaxRounding": "billkit.invoicing.tax",
    "TaxTreatment": "billkit.invoicing.tax",
    "Totals": "billkit.invoicing.documents",
    "WORDS_LANGUAGES": "billkit.invoicing.words",
    "advance_invoice": "billkit.invoicing.builders",
    "amount_in_words": "billkit.invoicing.words",
    "before_month_end": "billkit.invoicing.terms",
    "check_sequence": "billkit.invoicing.numbering",
    "compute_taxes": "billkit.invoicing.tax",
    "credit_limit_invoice": "billkit.invoicing.builders",
    "due_date": "billkit.invoicing.terms",
    "items_from_expenses": "billkit.invoicing.items",
    "receipt_for": "billkit.invoicing.builders",
    "refund_event": "billkit.invoicing.lifecycle",
    "statement_event": "billkit.invoicing.lifecycle",
}

__getattr__, _dir = _lazy.attach(__name__, {**_EXPORTS, **_MOVED})


def __dir__() -> list[str]:
    return [name for name in _dir() if name not in _MOVED or name in globals()]
