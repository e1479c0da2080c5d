"""Invoicing: documents as data, taxes, lifecycles, numbering, amounts in words.

* :mod:`~billkit.invoicing.documents`: the document types (:class:`Invoice`,
  :class:`Proforma`, :class:`Act`, :class:`CreditNote`, :class:`Receipt`,
  :class:`ReconciliationStatement`), frozen values that always add up;
* :mod:`~billkit.invoicing.build`: pure functions that build them from
  quotes, ledger entries and parties;
* :mod:`~billkit.invoicing.tax`: effective-dated tax rates per country,
  inclusive and exclusive prices, per-line or per-document rounding, legal
  notes;
* :mod:`~billkit.invoicing.lifecycle`: invoice, official-invoice, payment and
  statement states as pure transitions;
* :mod:`~billkit.invoicing.numbering`: gap-free number series;
* :mod:`~billkit.invoicing.words`: the amount in words (optional extra
  ``py-billkit[words]``).

Parties (sellers, payers, identifiers) live in :mod:`billkit.parties`.
Rendering to PDF and HTML is :mod:`billkit.invoicing.render`, imported only
when used.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.parties import Party
>>> from billkit.invoicing import Item, NumberSeries, build_invoice, next_number
>>> number = next_number(NumberSeries(prefix="INV-"), None, date(2026, 1, 12))
>>> invoice = build_invoice(
...     [Item(description="VPS-2", quantity=3, unit="month", unit_price=Money("33.33", "RUB"))],
...     seller=Party(kind="legal_entity", country="RU", name="ООО Хостинг"),
...     buyer=Party(kind="legal_entity", country="RU", name="ООО Клиент"),
...     number=number.text, issue_date=number.on, payment_days=10, rules=None,
... )
>>> invoice.number, invoice.due_date, invoice.totals.tax   # 99.99 x 22 % = 21.9978
('INV-2026-000001', datetime.date(2026, 1, 22), Money('22.00', 'RUB'))
"""

from __future__ import annotations

from billkit.invoicing.build import (
    Item,
    advance_invoice,
    before_month_end,
    build_act,
    build_credit_note,
    build_invoice,
    build_proforma,
    build_receipt,
    build_reconciliation,
    credit_limit_invoice,
    due_date,
    invoice_from_proforma,
    items_from_expenses,
    items_from_quote,
    receipt_for,
)
from billkit.invoicing.documents import (
    Act,
    AnyDocument,
    CreditNote,
    DocumentKind,
    DocumentLine,
    DocumentRef,
    Invoice,
    InvoiceKind,
    PaymentDetails,
    Proforma,
    Receipt,
    ReconciliationRow,
    ReconciliationStatement,
    TaxGroup,
    Totals,
)
from billkit.invoicing.lifecycle import (
    INVOICE_LIFECYCLE,
    OFFICIAL_INVOICE_LIFECYCLE,
    PAYMENT_LIFECYCLE,
    STATEMENT_LIFECYCLE,
    InvoiceState,
    Lifecycle,
    OfficialInvoiceFlow,
    OfficialInvoiceState,
    PaymentFailure,
    PaymentState,
    PaymentStatus,
    StatementState,
    refund_event,
    statement_event,
)
from billkit.invoicing.numbering import (
    IssuedNumber,
    NumberSeries,
    Reset,
    check_sequence,
    next_number,
)
from billkit.invoicing.tax import (
    DEFAULT_TAXES,
    TaxRate,
    TaxRounding,
    TaxTable,
    TaxTreatment,
    compute_taxes,
)
from billkit.invoicing.words import WORDS_LANGUAGES, amount_in_words

__all__ = [
    "DEFAULT_TAXES",
    "INVOICE_LIFECYCLE",
    "OFFICIAL_INVOICE_LIFECYCLE",
    "PAYMENT_LIFECYCLE",
    "STATEMENT_LIFECYCLE",
    "WORDS_LANGUAGES",
    "Act",
    "AnyDocument",
    "CreditNote",
    "DocumentKind",
    "DocumentLine",
    "DocumentRef",
    "Invoice",
    "InvoiceKind",
    "InvoiceState",
    "IssuedNumber",
    "Item",
    "Lifecycle",
    "NumberSeries",
    "OfficialInvoiceFlow",
    "OfficialInvoiceState",
    "PaymentDetails",
    "PaymentFailure",
    "PaymentState",
    "PaymentStatus",
    "Proforma",
    "Receipt",
    "ReconciliationRow",
    "ReconciliationStatement",
    "Reset",
    "StatementState",
    "TaxGroup",
    "TaxRate",
    "TaxRounding",
    "TaxTable",
    "TaxTreatment",
    "Totals",
    "advance_invoice",
    "amount_in_words",
    "before_month_end",
    "build_act",
    "build_credit_note",
    "build_invoice",
    "build_proforma",
    "build_receipt",
    "build_reconciliation",
    "check_sequence",
    "compute_taxes",
    "credit_limit_invoice",
    "due_date",
    "invoice_from_proforma",
    "items_from_expenses",
    "items_from_quote",
    "next_number",
    "receipt_for",
    "refund_event",
    "statement_event",
]
