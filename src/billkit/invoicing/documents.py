"""Documents as data: invoices, proformas, acts, credit notes, receipts and
reconciliation statements.

Every document is a frozen value holding everything a renderer prints: its
number and dates, the seller and buyer (a snapshot of their details when it
was built), the lines with their explanations, the tax summary per rate with
legal notes, the totals, the currency and locale, notes and payment details.
Build them with the functions of :mod:`billkit.invoicing.builders`; a document
checks on construction that it adds up (each line ``net + tax == gross``,
the tax groups are the sums of their lines, the totals the sums of the
groups), so no document that fails to add up can exist.

An issued document never changes: a correction is a :class:`CreditNote`.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.parties import Address, Party
>>> from billkit.invoicing import DocumentTerms, Item, build_invoice
>>> seller = Party(kind="legal_entity", country="IT", name="Chat S.r.l.",
...                legal_address=Address(country="IT", city="Milano", street="Via Roma 1"),
...                identifiers={"it.iva": "00743110157"})
>>> buyer = Party(kind="individual", country="IT", name="Mario Rossi",
...               identifiers={"it.cf": "RSSMRA85T10A562S"})
>>> invoice = build_invoice(
...     [Item(description="Piano Growth, marzo 2026", unit_price=Money("49.00", "EUR"))],
...     DocumentTerms(seller=seller, buyer=buyer, locale="it_IT"),
...     number="2026/0001", issue_date=date(2026, 3, 1),
... )
>>> invoice.kind, invoice.totals.net, invoice.totals.tax, invoice.totals.gross
(<DocumentKind.INVOICE: 'invoice'>, Money('49.00', 'EUR'), Money('10.78', 'EUR'), Money('59.78', 'EUR'))
"""

from __future__ import annotations

import decimal
import enum
from datetime import date
from decimal import Decimal
from typing import ClassVar, Final, TypeAlias, TypeVar, Union

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit import _display
from billkit._kinds import InvoiceKind  # shared with subscriptions, kept low in the house
from billkit.errors import InvoicingError, ValidationError
from billkit.invoicing.tax import AppliedTax, TaxRounding, TaxTreatment
from billkit.money import CONTEXT, DEFAULT_ROUNDING
from billkit.parties import BankAccount, Party
from billkit.periods import Period

__all__ = [
    "Act",
    "AnyDocument",
    "BuyerFigures",
    "CreditNote",
    "DocumentKind",
    "DocumentLine",
    "DocumentRef",
    "Facsimile",
    "Invoice",
    "InvoiceKind",
    "PaymentDetails",
    "Proforma",
    "Receipt",
    "ReconciliationRow",
    "ReconciliationStatement",
    "TaxGroup",
    "Totals",
]

_ZERO: Final = Decimal(0)
_T = TypeVar("_T")


class DocumentKind(str, enum.Enum):
    """What a document is.

    >>> [kind.value for kind in DocumentKind]
    ['invoice', 'proforma', 'act', 'credit_note', 'receipt', 'reconciliation']
    """

    INVOICE = "invoice"
    PROFORMA = "proforma"
    ACT = "act"
    CREDIT_NOTE = "credit_note"
    RECEIPT = "receipt"
    RECONCILIATION = "reconciliation"


# --------------------------------------------------------------------------- checks


def _add(a: Decimal, b: Decimal) -> Decimal:
    return CONTEXT.add(a, b)


# --------------------------------------------------------------------------- parts

FACSIMILE_BYTES: Final = 512 * 1024
"""The largest facsimile signature or stamp image, in bytes: 512 KiB (each
document keeps its own copy, so it is kept smaller than a logo)."""
FACSIMILE_PIXELS: Final = 4_000_000
"""The most pixels a facsimile signature or stamp image may have (2 000 x 2 000)."""


def _image(field: str, value: object) -> bytes | None:
    if value is None:
        return None
    return checks.image(
        field,
        value,
        max_bytes=FACSIMILE_BYTES,
        max_pixels=FACSIMILE_PIXELS,
        error=InvoicingError,
    )


def _signature_image(value: object) -> bytes | None:
    return _image("facsimile.signature", value)


def _stamp_image(value: object) -> bytes | None:
    return _image("facsimile.stamp", value)


@attrs.frozen(kw_only=True)
class Facsimile:
    """The seller's facsimile signature and stamp, printed on its signature line.

    ``signature`` and ``stamp`` are the bytes of PNG or JPEG images (a
    transparent PNG looks best), each checked once here like a logo: at most
    :data:`FACSIMILE_BYTES` bytes and :data:`FACSIMILE_PIXELS` pixels, read
    from the header before anything is decoded, and decoding whole. At least
    one of the two is given. The renderers draw the signature over the
    seller's signature line (the first one) and the stamp beside it, in
    every language; a document that prints no signature lines gets one for
    the seller.

    >>> Facsimile()
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: facsimile = None: expected a signature image, a stamp image or both
    >>> Facsimile(stamp=b"GIF89a")
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: facsimile.stamp = b'GIF89a': expected the bytes of a PNG or JPEG image (read the file first)
    """

    signature: bytes | None = attrs.field(default=None, converter=_signature_image, repr=False)
    stamp: bytes | None = attrs.field(default=None, converter=_stamp_image, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.signature is None and self.stamp is None:
            raise InvoicingError("facsimile", None, "a signature image, a stamp image or both")


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class DocumentLine:
    """One line of a document, with its tax and its explanation.

    ``position`` is the 1-based line number. ``quantity`` of ``unit`` (free
    text such as ``'month'`` or ``'GB'``) at ``unit_price`` (tax-exclusive or
    inclusive as the document's ``prices_include_tax`` says; ``None`` when no
    single price applies, as on a graduated line) gives the line; ``net`` +
    ``tax`` = ``gross``. ``tax_rate`` is a fraction (``Decimal('0.22')``) of
    tax ``category`` under ``treatment``. ``explanation`` keeps how the
    amount was reached (the quote's steps); ``code`` is the quote line's code;
    ``period`` the service period. On a credit note, ``corrects_line`` is the
    position of the original line it credits (``None`` for a credit spread
    over a tax rate).

    A line whose item carried its own taxes (``Item(taxes=...)``) lists them
    in ``taxes`` (:class:`~billkit.invoicing.tax.AppliedTax`, which add up to
    ``tax``); its ``tax_rate`` is then their combined rate before rounding
    and its ``tax_category`` their names joined by ``' + '``. Such a line
    counts in the tax summary once per tax, not under its own rate.

    >>> line = DocumentLine(position=1, description="VPS", quantity=1, unit="month",
    ...                     unit_price=Money("100.00", "RUB"), net=Money("100.00", "RUB"),
    ...                     tax_rate="0.22", tax=Money("22.00", "RUB"), gross=Money("122.00", "RUB"))
    >>> line.gross
    Money('122.00', 'RUB')
    >>> attrs.evolve(line, tax=Money("21.00", "RUB"))
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: lines[1].gross = Money('122.00', 'RUB'): expected net + tax = 121.00
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    position: int = attrs.field(converter=checks.WHOLE, metadata=checks.options(low=1))
    description: str = attrs.field(converter=checks.TEXT)
    quantity: Decimal = attrs.field(converter=checks.DECIMAL)
    unit: str = attrs.field(default="", converter=checks.FREE_TEXT)
    unit_price: Money | None = attrs.field(default=None, converter=checks.MONEY)
    net: Money = attrs.field(converter=checks.MONEY)
    tax_rate: Decimal = attrs.field(converter=checks.RATE)
    tax: Money = attrs.field(converter=checks.MONEY)
    gross: Money = attrs.field(converter=checks.MONEY)
    tax_category: str = attrs.field(default="standard", converter=checks.TEXT)
    treatment: TaxTreatment = attrs.field(default=TaxTreatment.STANDARD, converter=checks.MEMBER)
    code: str = attrs.field(default="", converter=checks.FREE_TEXT)
    explanation: tuple[str, ...] = attrs.field(default=(), converter=checks.TEXTS)
    period: Period | None = attrs.field(default=None, converter=checks.INSTANCE)
    corrects_line: int | None = attrs.field(
        default=None, converter=checks.WHOLE, metadata=checks.options(low=1)
    )
    taxes: tuple[AppliedTax, ...] = attrs.field(default=(), converter=checks.TUPLE)

    def __attrs_post_init__(self) -> None:
        cur = self.net.currency
        where = f"lines[{self.position}]"
        if self.taxes:
            total = _ZERO
            for tax in self.taxes:
                checks.same_currency(f"{where}.taxes", tax.amount, cur, error=InvoicingError)
                total = _add(total, tax.amount.amount)
            if total != self.tax.amount:
                raise InvoicingError(f"{where}.tax", self.tax, f"the sum of its taxes, {total}")
        for name in ("tax", "gross"):
            checks.same_currency(f"{where}.{name}", getattr(self, name), cur, error=InvoicingError)
        if self.unit_price is not None:
            checks.same_currency(f"{where}.unit_price", self.unit_price, cur, error=InvoicingError)
        expected = _add(self.net.amount, self.tax.amount)
        if expected != self.gross.amount:
            raise InvoicingError(f"{where}.gross", self.gross, f"net + tax = {expected}")
        if self.treatment is not TaxTreatment.STANDARD and self.tax.amount:
            raise InvoicingError(
                f"{where}.tax", self.tax, f"zero: a {self.treatment.value} line carries no tax"
            )


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class TaxGroup:
    """The tax summary of the lines sharing one category, rate and treatment.

    ``note`` is the legal note printed for it (zero-rated, exempt,
    reverse-charge and not-subject supplies); ``''`` for standard tax.

    >>> TaxGroup(category="standard", rate="0.20", net=Money("208.33", "RUB"),
    ...          tax=Money("41.67", "RUB"), gross=Money("250.00", "RUB")).gross
    Money('250.00', 'RUB')
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    category: str = attrs.field(converter=checks.TEXT)
    rate: Decimal = attrs.field(converter=checks.RATE)
    treatment: TaxTreatment = attrs.field(default=TaxTreatment.STANDARD, converter=checks.MEMBER)
    net: Money = attrs.field(converter=checks.MONEY)
    tax: Money = attrs.field(converter=checks.MONEY)
    gross: Money = attrs.field(converter=checks.MONEY)
    note: str = attrs.field(default="", converter=checks.FREE_TEXT)

    def __attrs_post_init__(self) -> None:
        cur = self.net.currency
        checks.same_currency("tax_groups.tax", self.tax, cur, error=InvoicingError)
        checks.same_currency("tax_groups.gross", self.gross, cur, error=InvoicingError)
        expected = _add(self.net.amount, self.tax.amount)
        if expected != self.gross.amount:
            raise InvoicingError("tax_groups.gross", self.gross, f"net + tax = {expected}")

    @property
    def key(self) -> tuple[str, Decimal, TaxTreatment]:
        """What lines of this group share: (category, rate, treatment)."""
        return (self.category, self.rate, self.treatment)


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class Totals:
    """A document's totals: ``net + tax == gross``.

    ``rounding_difference`` is ``None`` when the totals are the sums of the
    tax groups (billkit's default); under the ``'round_total'``
    :class:`~billkit.conventions.TotalRounding` it is how much the rounded
    total tax differs from the sum of the groups' rounded taxes (``None``
    when they agree). The tax total is then the groups' tax plus the
    difference; with tax-exclusive prices the gross moves with it, with
    tax-inclusive prices the net moves the other way.

    >>> Totals(net=Money("99.99", "RUB"), tax=Money("22.00", "RUB"), gross=Money("121.99", "RUB")).tax
    Money('22.00', 'RUB')
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "totals."

    net: Money = attrs.field(converter=checks.MONEY)
    tax: Money = attrs.field(converter=checks.MONEY)
    gross: Money = attrs.field(converter=checks.MONEY)
    rounding_difference: Money | None = attrs.field(default=None, converter=checks.MONEY)

    def __repr__(self) -> str:
        diff = self.rounding_difference
        tail = "" if diff is None else f", rounding_difference={diff!r}"
        return f"Totals(net={self.net!r}, tax={self.tax!r}, gross={self.gross!r}{tail})"

    def __attrs_post_init__(self) -> None:
        checks.same_currency("totals.tax", self.tax, self.net.currency, error=InvoicingError)
        checks.same_currency("totals.gross", self.gross, self.net.currency, error=InvoicingError)
        if self.rounding_difference is not None:
            checks.same_currency(
                "totals.rounding_difference",
                self.rounding_difference,
                self.net.currency,
                error=InvoicingError,
            )
            if self.rounding_difference.amount == 0:
                raise InvoicingError(
                    "totals.rounding_difference", self.rounding_difference, "None when it is zero"
                )
        expected = _add(self.net.amount, self.tax.amount)
        if expected != self.gross.amount:
            raise InvoicingError("totals.gross", self.gross, f"net + tax = {expected}")


@attrs.frozen(kw_only=True)
class DocumentRef:
    """A reference to another document: its kind, number and date.

    >>> DocumentRef(kind="invoice", number="INV-2026-000017", issue_date=date(2026, 3, 1)).number
    'INV-2026-000017'
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    kind: DocumentKind = attrs.field(converter=checks.MEMBER)
    number: str = attrs.field(converter=checks.TEXT)
    issue_date: date = attrs.field(converter=checks.DAY)


@attrs.frozen(kw_only=True)
class PaymentDetails:
    """How to pay a document: the seller's bank account, the payment purpose
    (назначение платежа) or reference to quote, and free instructions.

    >>> PaymentDetails(purpose="Оплата по счету № 17 от 01.03.2026").purpose
    'Оплата по счету № 17 от 01.03.2026'
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "payment."

    bank: BankAccount | None = attrs.field(default=None, converter=checks.INSTANCE)
    purpose: str = attrs.field(default="", converter=checks.FREE_TEXT)
    reference: str = attrs.field(default="", converter=checks.FREE_TEXT)
    instructions: str = attrs.field(default="", converter=checks.FREE_TEXT)


@attrs.frozen(kw_only=True)
class _Billed:
    """The fields every document with lines shares (see :class:`Invoice`)."""

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    number: str | None = attrs.field(converter=checks.TEXT)
    issue_date: date = attrs.field(converter=checks.DAY)
    seller: Party = attrs.field(converter=checks.INSTANCE)
    buyer: Party = attrs.field(converter=checks.INSTANCE)
    currency: Currency = attrs.field(converter=checks.CURRENCY)
    locale: str = attrs.field(converter=checks.LOCALE)
    lines: tuple[DocumentLine, ...] = attrs.field(converter=checks.TUPLE)
    tax_groups: tuple[TaxGroup, ...] = attrs.field(converter=checks.TUPLE)
    totals: Totals
    prices_include_tax: bool = attrs.field(default=False, converter=checks.FLAG)
    tax_rounding: TaxRounding = attrs.field(default=TaxRounding.PER_LINE, converter=checks.MEMBER)
    tax_date: date | None = attrs.field(default=None, converter=checks.DAY)
    period: Period | None = attrs.field(default=None, converter=checks.INSTANCE)
    notes: tuple[str, ...] = attrs.field(default=(), converter=checks.TEXTS)
    payment: PaymentDetails | None = attrs.field(default=None, converter=checks.INSTANCE)
    references: tuple[DocumentRef, ...] = attrs.field(default=(), converter=checks.TUPLE)
    facsimile: Facsimile | None = attrs.field(default=None, converter=checks.INSTANCE)

    def _repr_html_(self) -> str:
        """A table for notebooks: number, dates, parties, the lines with their
        explanation and the totals; every text is escaped."""
        return _display.document_html(self)

    def __attrs_post_init__(self) -> None:
        _check_adds_up(self)

    @property
    def language(self) -> str:
        """The language of :attr:`locale` (``'ru'`` for ``'ru_RU'``)."""
        return self.locale.split("_")[0]

    @property
    def is_draft(self) -> bool:
        """Whether the document has no number yet (a draft)."""
        return self.number is None

    @property
    def ref(self) -> DocumentRef:
        """A :class:`DocumentRef` to this document (it must have a number)."""
        if self.number is None:
            raise InvoicingError("number", None, "a number: a draft cannot be referred to")
        kind: DocumentKind = self.kind  # type: ignore[attr-defined]
        return DocumentRef(kind=kind, number=self.number, issue_date=self.issue_date)

    @property
    def notes_with_legal(self) -> tuple[str, ...]:
        """The legal notes of the tax groups (each once), then the notes."""
        legal: list[str] = []
        for group in self.tax_groups:
            if group.note and group.note not in legal:
                legal.append(group.note)
        return (*legal, *self.notes)


_GroupKey: TypeAlias = tuple[str, Decimal, TaxTreatment]


def _tax_sums(
    lines: tuple[DocumentLine, ...] | list[DocumentLine],
) -> dict[_GroupKey, list[Decimal]]:
    """The tax summary's sums (net, tax, gross) per (category, rate, treatment).

    A line counts under its own category and rate; a line with its own taxes
    counts once per tax, under the tax's name and rate, with the base it was
    charged on as the net. A key is one kind or the other, never both."""
    sums: dict[_GroupKey, list[Decimal]] = {}
    if not any(line.taxes for line in lines):  # one rate per line: each line counts once
        with decimal.localcontext(CONTEXT):
            for line in lines:
                acc = sums.setdefault(
                    (line.tax_category, line.tax_rate, line.treatment), [_ZERO, _ZERO, _ZERO]
                )
                acc[0] += line.net.amount
                acc[1] += line.tax.amount
                acc[2] += line.gross.amount
        return sums
    own: set[_GroupKey] = set()
    with decimal.localcontext(CONTEXT):
        for line in lines:
            parts = (
                [
                    ((t.name, t.rate, TaxTreatment.STANDARD), t.base.amount, t.amount.amount)
                    for t in line.taxes
                ]
                if line.taxes
                else [
                    (
                        (line.tax_category, line.tax_rate, line.treatment),
                        line.net.amount,
                        line.tax.amount,
                    )
                ]
            )
            for key, net, tax in parts:
                if key in sums and (key in own) != bool(line.taxes):
                    raise InvoicingError(
                        f"lines[{line.position}].taxes",
                        key[0],
                        "a tax name other than the tax categories of the other lines",
                    )
                if line.taxes:
                    own.add(key)
                acc = sums.setdefault(key, [_ZERO, _ZERO, _ZERO])
                acc[0] += net
                acc[1] += tax
                acc[2] += net + tax
    return sums


def _check_adds_up(doc: _Billed) -> None:
    cur = doc.currency
    lines = [_ZERO, _ZERO, _ZERO]
    sums: dict[_GroupKey, list[Decimal]] = {}
    own = False
    with decimal.localcontext(CONTEXT):
        for i, line in enumerate(doc.lines):
            if line.position != i + 1:
                raise InvoicingError(f"lines[{i}].position", line.position, f"{i + 1}")
            checks.same_currency(f"lines[{i + 1}].net", line.net, cur, error=InvoicingError)
            lines[0] += line.net.amount
            lines[1] += line.tax.amount
            lines[2] += line.gross.amount
            if line.taxes:
                own = True
            else:
                acc = sums.setdefault(
                    (line.tax_category, line.tax_rate, line.treatment), [_ZERO, _ZERO, _ZERO]
                )
                acc[0] += line.net.amount
                acc[1] += line.tax.amount
                acc[2] += line.gross.amount
        if own:  # a line with its own taxes counts once per tax (_tax_sums)
            sums = _tax_sums(doc.lines)
        keys = [g.key for g in doc.tax_groups]
        if len(set(keys)) != len(keys) or set(keys) != set(sums):
            raise InvoicingError(
                "tax_groups",
                [f"{c} {r} {t.value}" for c, r, t in keys],
                "one group per (category, rate, treatment) of the lines: "
                f"{[f'{c} {r} {t.value}' for c, r, t in sums]}",
            )
        # The totals are the sums of the lines: the sums of the groups too,
        # unless a line carries several taxes (it then counts in several groups).
        total = lines
        for group in doc.tax_groups:
            checks.same_currency("tax_groups.net", group.net, cur, error=InvoicingError)
            acc = sums[group.key]
            for j, name in enumerate(("net", "tax", "gross")):
                value: Money = getattr(group, name)
                if value.amount != acc[j]:
                    raise InvoicingError(
                        f"tax_groups[{group.category} {group.rate}].{name}",
                        value,
                        f"the sum of its lines, {acc[j]}",
                    )
        diff = doc.totals.rounding_difference
        if diff is not None:
            # the tax total moves by the difference; so does the gross, or the net
            # when the prices include tax (the gross is then what the lines say)
            total[1] += diff.amount
            total[0 if doc.prices_include_tax else 2] += (
                -diff.amount if doc.prices_include_tax else diff.amount
            )
        for j, name in enumerate(("net", "tax", "gross")):
            value = getattr(doc.totals, name)
            checks.same_currency(f"totals.{name}", value, cur, error=InvoicingError)
            if value.amount != total[j]:
                raise InvoicingError(f"totals.{name}", value, f"the sum of the lines, {total[j]}")


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class Invoice(_Billed):
    """An invoice (счёт на оплату, fattura, рахунок, صورتحساب).

    Fields: ``number`` (``None`` for a draft), ``issue_date``, ``due_date``,
    ``seller`` and ``buyer`` (:class:`~billkit.parties.Party` snapshots),
    ``currency``, ``locale`` (``'ru_RU'``, ``'uk_UA'``, ``'it_IT'``,
    ``'fa_IR'``, ``'en_US'``...), ``lines`` (:class:`DocumentLine`),
    ``tax_groups`` (:class:`TaxGroup`, one per category/rate/treatment),
    ``totals`` (:class:`Totals`), ``prices_include_tax``, ``tax_rounding``,
    ``tax_date`` (the date that chose the tax rates), ``period`` (the
    service period), ``notes``, ``payment`` (:class:`PaymentDetails`),
    ``references`` (the proforma it follows...) and ``invoice_kind``
    (:class:`InvoiceKind`). Build one with
    :func:`~billkit.invoicing.build_invoice` and friends.

    >>> from billkit.invoicing import DocumentTerms, Item, build_invoice
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="UA", name='ТОВ "Розсилка"'),
    ...                       buyer=Party(kind="individual", country="UA", name="Олена Коваль"),
    ...                       rules=None)
    >>> inv = build_invoice([Item(description="Email Start", unit_price=Money("300.00", "UAH"))],
    ...                     terms, issue_date=date(2026, 3, 1))
    >>> isinstance(inv, Invoice), inv.is_draft, inv.totals.gross   # 300.00 + 20 %
    (True, True, Money('360.00', 'UAH'))
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    invoice_kind: InvoiceKind = attrs.field(default=InvoiceKind.ONE_OFF, converter=checks.MEMBER)
    due_date: date | None = attrs.field(default=None, converter=checks.DAY)

    def __repr__(self) -> str:
        return _display.document_repr(self)

    @property
    def kind(self) -> DocumentKind:
        """:attr:`DocumentKind.INVOICE`."""
        return DocumentKind.INVOICE


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class Proforma(_Billed):
    """A proforma invoice (пиش‌فاکتور): what the official invoice will say,
    for the customer to approve. Same fields as :class:`Invoice`, with
    ``due_date`` the date to approve and pay by.

    >>> from billkit.invoicing import DocumentTerms, Item, build_proforma
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="IT", name="A"),
    ...                       buyer=Party(kind="legal_entity", country="IT", name="B"), rules=None)
    >>> pf = build_proforma([Item(description="Plan M", unit_price=Money("100", "EUR"))],
    ...                     terms, issue_date=date(2026, 3, 31), number="PF-1")
    >>> isinstance(pf, Proforma), pf.kind.value, pf.ref.number
    (True, 'proforma', 'PF-1')
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    due_date: date | None = attrs.field(default=None, converter=checks.DAY)

    def __repr__(self) -> str:
        return _display.document_repr(self)

    @property
    def kind(self) -> DocumentKind:
        """:attr:`DocumentKind.PROFORMA`."""
        return DocumentKind.PROFORMA


@attrs.frozen(kw_only=True)
class Act(_Billed):
    """An act of completed work (акт выполненных работ, акт наданих послуг):
    the services rendered over ``period``, signed by both parties. Same fields
    as :class:`Invoice` without a due date.

    >>> from billkit.invoicing import DocumentTerms, Item, build_act
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="RU", name="Хостинг"),
    ...                       buyer=Party(kind="individual", country="RU", name="Аня"),
    ...                       prices_include_tax=True, rules=None)
    >>> act = build_act([Item(description="VPS, March", unit_price=Money("250.00", "RUB"))],
    ...                 terms, issue_date=date(2025, 3, 31))
    >>> isinstance(act, Act), act.totals.tax   # 250 x 20 / 120 = 41.666...
    (True, Money('41.67', 'RUB'))
    """

    def __repr__(self) -> str:
        return _display.document_repr(self)

    @property
    def kind(self) -> DocumentKind:
        """:attr:`DocumentKind.ACT`."""
        return DocumentKind.ACT


@attrs.frozen(kw_only=True)
class CreditNote(_Billed):
    """A credit note: a refund or correction of an issued document.

    ``corrects`` refers to the document it corrects and ``reason`` says why.
    Amounts are positive: what is credited. Build one with
    :func:`~billkit.invoicing.build_credit_note`, which refuses to credit more
    than is left of the original, per tax rate.

    >>> from billkit.invoicing import DocumentTerms, Item, build_credit_note, build_invoice
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="IT", name="Chat"),
    ...                       buyer=Party(kind="legal_entity", country="IT", name="Cliente"),
    ...                       rules=None)
    >>> inv = build_invoice([Item(description="Growth", unit_price=Money("49.00", "EUR"))],
    ...                     terms, issue_date=date(2026, 3, 1), number="7")
    >>> cn = build_credit_note(inv, number="NC-1", issue_date=date(2026, 3, 2), reason="void")
    >>> isinstance(cn, CreditNote), cn.corrects.number, cn.totals.gross
    (True, '7', Money('59.78', 'EUR'))
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    corrects: DocumentRef = attrs.field(converter=checks.INSTANCE)
    reason: str = attrs.field(default="", converter=checks.FREE_TEXT)

    def __repr__(self) -> str:
        return _display.document_repr(self)

    @property
    def kind(self) -> DocumentKind:
        """:attr:`DocumentKind.CREDIT_NOTE`."""
        return DocumentKind.CREDIT_NOTE


@attrs.frozen(kw_only=True)
class Receipt(_Billed):
    """A payment receipt: what was paid, when, how, with the tax it included.

    ``paid_on`` is the payment date, ``method`` how it was paid (``'card'``,
    ``'bank_transfer'``...), ``payment_reference`` the payment's id or the
    bank's reference. The lines say what the payment paid for.

    >>> from billkit.invoicing import DocumentTerms, Item, build_receipt
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="IT", name="Chat"),
    ...                       buyer=Party(kind="individual", country="IT", name="Mario"),
    ...                       rules=None)
    >>> r = build_receipt([Item(description="Top-up", unit_price=Money("120.00", "EUR"))],
    ...                   terms, issue_date=date(2026, 3, 2), paid_on=date(2026, 3, 2),
    ...                   method="card")
    >>> isinstance(r, Receipt), r.totals.tax   # 120 x 22 / 122 = 21.639...
    (True, Money('21.64', 'EUR'))
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    paid_on: date = attrs.field(converter=checks.DAY)
    method: str = attrs.field(default="", converter=checks.FREE_TEXT)
    payment_reference: str = attrs.field(default="", converter=checks.FREE_TEXT)

    def __repr__(self) -> str:
        return _display.document_repr(self)

    @property
    def kind(self) -> DocumentKind:
        """:attr:`DocumentKind.RECEIPT`."""
        return DocumentKind.RECEIPT


@attrs.frozen(kw_only=True)
class ReconciliationRow:
    """One row of a reconciliation statement: a dated debit or credit.

    From the seller's side, as an акт сверки reads: a ``debit`` is what the
    buyer came to owe (a charge, a refund paid out), a ``credit`` what reduced
    it (a payment, a bonus credited). Exactly one of the two is non-zero.
    ``entry_kind`` is the ledger entry's kind (``'charge'``, ``'top_up'``...).

    >>> ReconciliationRow(on=date(2024, 2, 21), description="BACKUP-1000",
    ...                   debit=Money("22.4137", "RUB"), credit=Money("0", "RUB")).debit
    Money('22.4137', 'RUB')
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    on: date = attrs.field(converter=checks.DAY)
    description: str = attrs.field(converter=checks.FREE_TEXT)
    debit: Money = attrs.field(converter=checks.MONEY)
    credit: Money = attrs.field(converter=checks.MONEY)
    reference: str = attrs.field(default="", converter=checks.FREE_TEXT)
    entry_kind: str = attrs.field(default="", converter=checks.FREE_TEXT)
    key: str = attrs.field(default="", converter=checks.FREE_TEXT)

    def __attrs_post_init__(self) -> None:
        checks.same_currency("credit", self.credit, self.debit.currency, error=InvoicingError)
        if self.debit.amount < 0 or self.credit.amount < 0:
            raise InvoicingError("debit", (self.debit, self.credit), "amounts of zero or more")
        if self.debit.amount and self.credit.amount:
            # both zero is allowed: a charge of less than half a kopeck, in whole kopecks
            raise InvoicingError(
                "debit", (self.debit, self.credit), "at most one of debit and credit above zero"
            )


def _minor_units_only(field: str, money: Money) -> None:
    checks.whole_minor_units(field, money, DEFAULT_ROUNDING, error=InvoicingError)


def _buyer_credits(self: BuyerFigures) -> Money:
    with decimal.localcontext(CONTEXT):
        amount = sum((r.credit.amount for r in self.rows), _ZERO)
    return Money(amount, self.opening_balance.currency)


def _buyer_debits(self: BuyerFigures) -> Money:
    with decimal.localcontext(CONTEXT):
        amount = sum((r.debit.amount for r in self.rows), _ZERO)
    return Money(amount, self.opening_balance.currency)


def _buyer_closing(self: BuyerFigures) -> Money:
    with decimal.localcontext(CONTEXT):
        amount = self.opening_balance.amount + self.credit_total.amount - self.debit_total.amount
    return Money(amount, self.opening_balance.currency)


@attrs.frozen(kw_only=True)
class BuyerFigures:
    """The buyer's own figures for a reconciliation statement ("по данным
    покупателя"): what the buyer's books show, for the second side of the
    statement.

    ``rows`` are as the buyer's books record them, the mirror of the
    seller's: a *debit* reduced the buyer's debt (a payment it made), a
    *credit* increased it (an act or invoice it received). The balances are
    what the buyer's books say it owes the seller, with the statement's sign
    (positive: a debt to the seller; negative: a prepayment), so the two
    sides compare directly: ``closing_balance == opening_balance +
    credit_total - debit_total`` (checked; the totals and the closing
    balance are computed when not given). Every amount is in whole minor
    units, as books hold them: a fraction of a kopeck is refused, not rounded.

    The buyer booked the February act of 12 500.00 and a payment of
    12 000.00, from an opening debt of 12 000.00:

    >>> rub = lambda a: Money(a, "RUB")
    >>> figures = BuyerFigures(opening_balance=rub("12000.00"), rows=[
    ...     ReconciliationRow(on=date(2024, 2, 5), description="п/п № 56",
    ...                       debit=rub("12000.00"), credit=rub("0")),
    ...     ReconciliationRow(on=date(2024, 2, 29), description="Акт № 2",
    ...                       debit=rub("0"), credit=rub("12500.00"))])
    >>> figures.closing_balance   # 12 000.00 + 12 500.00 - 12 000.00
    Money('12500.00', 'RUB')
    >>> BuyerFigures(opening_balance=rub("0.001"))
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: buyer_figures.opening_balance = Money('0.001', 'RUB'): expected a whole number of minor units (2 decimal places): real money moves in minor units
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "buyer_figures."

    opening_balance: Money = attrs.field(converter=checks.MONEY)
    rows: tuple[ReconciliationRow, ...] = attrs.field(default=(), converter=checks.TUPLE)
    debit_total: Money = attrs.field(
        default=attrs.Factory(_buyer_debits, takes_self=True), converter=checks.MONEY
    )
    credit_total: Money = attrs.field(
        default=attrs.Factory(_buyer_credits, takes_self=True), converter=checks.MONEY
    )
    closing_balance: Money = attrs.field(
        default=attrs.Factory(_buyer_closing, takes_self=True), converter=checks.MONEY
    )

    def __attrs_post_init__(self) -> None:
        cur = self.opening_balance.currency
        last: date | None = None
        for i, row in enumerate(self.rows):
            where = f"buyer_figures.rows[{i}]"
            checks.same_currency(f"{where}.debit", row.debit, cur, error=InvoicingError)
            _minor_units_only(f"{where}.debit", row.debit)
            _minor_units_only(f"{where}.credit", row.credit)
            if last is not None and row.on < last:
                raise InvoicingError(f"{where}.on", row.on, f"a day on or after {last}")
            last = row.on
        for name in ("opening_balance", "debit_total", "credit_total", "closing_balance"):
            value: Money = getattr(self, name)
            checks.same_currency(f"buyer_figures.{name}", value, cur, error=InvoicingError)
            _minor_units_only(f"buyer_figures.{name}", value)
        for name, expected in (
            ("debit_total", _buyer_debits(self)),
            ("credit_total", _buyer_credits(self)),
            ("closing_balance", _buyer_closing(self)),
        ):
            if getattr(self, name).amount != expected.amount:
                what = (
                    "opening + credits - debits" if name == "closing_balance" else "the sum of rows"
                )
                raise InvoicingError(
                    f"buyer_figures.{name}", getattr(self, name), f"{what}, {expected.amount}"
                )


@attrs.frozen(kw_only=True)
class ReconciliationStatement:
    """A reconciliation statement (акт сверки взаимных расчётов) for one buyer
    and ``period``: the opening balance, each debit and credit, the closing
    balance.

    Balances are what the buyer owes the seller: positive is a debt, negative
    a prepayment (the seller owes services). ``buyer_figures``
    (:class:`BuyerFigures`) is the buyer's side when the buyer has given its
    own figures (its rows within ``period``); :attr:`discrepancy` is then how
    far the two closing balances differ. So ``closing_balance ==
    opening_balance + debit_total - credit_total`` (checked), and it is the
    negative of the customer's ledger balance at the period's end.

    >>> from billkit.periods import Period
    >>> seller = Party(kind="legal_entity", country="RU", name="Хостинг")
    >>> buyer = Party(kind="individual", country="RU", name="Аня")
    >>> rub = lambda a: Money(a, "RUB")
    >>> st = ReconciliationStatement(
    ...     number="R-1", issue_date=date(2024, 3, 1), seller=seller, buyer=buyer,
    ...     currency="RUB", locale="ru_RU", period=Period(date(2024, 2, 1), date(2024, 3, 1)),
    ...     opening_balance=rub("0.00"),
    ...     rows=[ReconciliationRow(on=date(2024, 2, 20), description="Оплата",
    ...                             debit=rub("0"), credit=rub("100.00")),
    ...           ReconciliationRow(on=date(2024, 2, 21), description="BACKUP-1000",
    ...                             debit=rub("22.4137"), credit=rub("0"))],
    ...     debit_total=rub("22.4137"), credit_total=rub("100.00"), closing_balance=rub("-77.5863"),
    ... )
    >>> st.closing_balance
    Money('-77.5863', 'RUB')
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    number: str | None = attrs.field(converter=checks.TEXT)
    issue_date: date = attrs.field(converter=checks.DAY)
    seller: Party = attrs.field(converter=checks.INSTANCE)
    buyer: Party = attrs.field(converter=checks.INSTANCE)
    currency: Currency = attrs.field(converter=checks.CURRENCY)
    locale: str = attrs.field(converter=checks.LOCALE)
    period: Period = attrs.field(converter=checks.INSTANCE)
    opening_balance: Money = attrs.field(converter=checks.MONEY)
    rows: tuple[ReconciliationRow, ...] = attrs.field(converter=checks.TUPLE)
    debit_total: Money = attrs.field(converter=checks.MONEY)
    credit_total: Money = attrs.field(converter=checks.MONEY)
    closing_balance: Money = attrs.field(converter=checks.MONEY)
    notes: tuple[str, ...] = attrs.field(default=(), converter=checks.TEXTS)
    facsimile: Facsimile | None = attrs.field(default=None, converter=checks.INSTANCE)
    buyer_figures: BuyerFigures | None = attrs.field(default=None, converter=checks.INSTANCE)

    def __attrs_post_init__(self) -> None:
        cur = self.currency
        figures = self.buyer_figures
        if figures is not None:
            checks.same_currency(
                "buyer_figures.opening_balance", figures.opening_balance, cur, error=InvoicingError
            )
            for i, row in enumerate(figures.rows):
                if row.on not in self.period:
                    raise InvoicingError(
                        f"buyer_figures.rows[{i}].on", row.on, f"a day of {self.period}"
                    )
        for name in ("opening_balance", "debit_total", "credit_total", "closing_balance"):
            checks.same_currency(name, getattr(self, name), cur, error=InvoicingError)
        with decimal.localcontext(CONTEXT):
            debits = credits = _ZERO
            last: date | None = None
            for i, row in enumerate(self.rows):
                checks.same_currency(f"rows[{i}].debit", row.debit, cur, error=InvoicingError)
                if row.on not in self.period:
                    raise InvoicingError(f"rows[{i}].on", row.on, f"a day of {self.period}")
                if last is not None and row.on < last:
                    raise InvoicingError(f"rows[{i}].on", row.on, f"a day on or after {last}")
                last = row.on
                debits += row.debit.amount
                credits += row.credit.amount
            if debits != self.debit_total.amount:
                raise InvoicingError("debit_total", self.debit_total, f"the sum of rows, {debits}")
            if credits != self.credit_total.amount:
                raise InvoicingError(
                    "credit_total", self.credit_total, f"the sum of rows, {credits}"
                )
            closing = self.opening_balance.amount + debits - credits
            if closing != self.closing_balance.amount:
                raise InvoicingError(
                    "closing_balance",
                    self.closing_balance,
                    f"opening + debits - credits = {closing}",
                )

    @property
    def kind(self) -> DocumentKind:
        """:attr:`DocumentKind.RECONCILIATION`."""
        return DocumentKind.RECONCILIATION

    @property
    def language(self) -> str:
        """The language of :attr:`locale`."""
        return self.locale.split("_")[0]

    @property
    def discrepancy(self) -> Money | None:
        """How much the seller's closing balance exceeds the buyer's
        (:attr:`buyer_figures`): zero when the two sides agree, ``None``
        without the buyer's figures.

        The seller's 12 000.00 against the buyer's 12 500.00 (an act the
        buyer booked and the seller credited by 500.00) is -500.00.
        """
        if self.buyer_figures is None:
            return None
        with decimal.localcontext(CONTEXT):
            amount = self.closing_balance.amount - self.buyer_figures.closing_balance.amount
        return Money(amount, self.currency)

    @property
    def in_favour_of(self) -> str:
        """Whom the closing balance favours: ``'seller'`` (the buyer owes),
        ``'buyer'`` (prepaid) or ``''`` when it is zero."""
        amount = self.closing_balance.amount
        return "seller" if amount > 0 else "buyer" if amount < 0 else ""


AnyDocument: TypeAlias = Union[Invoice, Proforma, Act, CreditNote, Receipt, ReconciliationStatement]  # noqa: UP007
"""Any document billkit builds (a ``Union``, usable with ``isinstance``).

>>> from typing import get_args
>>> Act in get_args(AnyDocument)
True
"""
