"""The view model the renderers draw: a document as labelled, computed values.

A :class:`RenderDocument` holds what a printed document shows and nothing it
has to compute: every amount is already rounded, every tax row already added
up. The PDF and HTML renderers only lay it out, translate its labels and
format its values for its locale. Documents of :mod:`billkit.invoicing` are
turned into one by :func:`~billkit.invoicing.render.adapters.to_render_document`; any
other source can build one directly.

Labels (a field's ``label``, a column's ``label``, a party's ``role``, a
total's ``label`` and the document ``kind``) are keys of the label catalog
(``"due_date"``, ``"seller"``, ``"total_due"``, see
:func:`~billkit.invoicing.render.labels.label_keys`) translated into the document's
language; a label that is not a key prints as written. Cell values and other
user text always print as written; wrap a key in :class:`Label` to have a
cell translated.

>>> from datetime import date
>>> from billkit.money import Money
>>> doc = RenderDocument(
...     kind="invoice", number="INV-7", issue_date=date(2026, 3, 5), locale="en",
...     currency="EUR",
...     table=LineTable(
...         columns=[Column(label="description"), Column(label="amount", kind="money")],
...         rows=[["Hosting, March", Money("12.00", "EUR")]],
...     ),
...     totals=[TotalRow(label="total_due", amount=Money("12.00", "EUR"), strong=True)],
... )
>>> doc.direction, len(doc.table.rows)
('ltr', 1)
>>> Field(label="note", value=0.5)
Traceback (most recent call last):
...
billkit.errors.InvoicingError: field.value = 0.5: expected a str, int, Decimal, Money, date, Period, Label or None (never a float)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal, TypeAlias, TypeVar

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit.errors import InvoicingError, ValidationError
from billkit.invoicing.documents import Facsimile
from billkit.money import CONTEXT
from billkit.periods import Period

__all__ = [
    "LANGUAGES",
    "Column",
    "ColumnKind",
    "Field",
    "Label",
    "LineTable",
    "PartyBlock",
    "RenderDocument",
    "TaxRow",
    "TotalRow",
    "Value",
]

LANGUAGES: tuple[str, ...] = ("en", "ru", "uk", "it", "fa")
"""The languages billkit's label catalog translates (Persian is right to left)."""

_RTL_LANGUAGES = frozenset({"fa"})
_T = TypeVar("_T")


@attrs.frozen
class Label:
    """A catalog key used as a cell value: printed translated.

    >>> Label("opening_balance").key
    'opening_balance'
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "label."

    key: str = attrs.field(converter=checks.TEXT)


Value: TypeAlias = str | int | Decimal | Money | date | Period | Label | None
"""What a field or cell may hold; each type is formatted for the locale."""

_VALUE_TYPES = (str, int, Decimal, Money, date, Period, Label)
_VALUE_EXPECTED = "a str, int, Decimal, Money, date, Period, Label or None (never a float)"


def _check_value(field: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, _VALUE_TYPES):
        raise InvoicingError(field, value, _VALUE_EXPECTED)
    if isinstance(value, str):
        checks.characters(field, value, error=InvoicingError)
    if isinstance(value, datetime):
        raise InvoicingError(field, value, "a date, not a datetime")
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvoicingError(field, value, "a finite number")
    if isinstance(value, Money) and not value.amount.is_finite():
        raise InvoicingError(field, value, "a finite amount")


@attrs.frozen(kw_only=True)
class Field:
    """A labelled value: ``INN 7701234567``, ``Due date 15.03.2026``.

    >>> Field(label="inn", value="7701234567").label
    'inn'
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "field."

    label: str = attrs.field(converter=checks.TEXT)
    value: Value = attrs.field()

    @value.validator
    def _check(self, _: object, value: object) -> None:
        _check_value("field.value", value)


@attrs.frozen(kw_only=True)
class PartyBlock:
    """One party as printed: its role, name, address lines and identifiers.

    ``role`` is a label key (``"seller"``, ``"buyer"``, ``"executor"``,
    ``"customer"``, ``"payer"``) or literal text; ``lines`` are printed as
    written (address, contact); ``fields`` are the labelled identifiers and
    bank details (``Field(label="kpp", value="770101001")``).

    >>> PartyBlock(role="seller", name="Acme LLC", fields=[Field(label="inn", value="7701234567")]).fields[0].value
    '7701234567'
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "party."

    role: str = attrs.field(converter=checks.TEXT)
    name: str = attrs.field(converter=checks.TEXT)
    lines: tuple[str, ...] = attrs.field(default=(), converter=checks.TUPLE)
    fields: tuple[Field, ...] = attrs.field(
        default=(),
        converter=checks.TUPLE,
    )


ColumnKind: TypeAlias = Literal["text", "number", "money", "percent", "date"]
"""How a column's values are formatted and aligned.

``text`` prints str and :class:`Label` cells, wrapped to the column width;
``number`` prints int and Decimal cells as given (never rounded); ``money``
prints Money cells as plain numbers with at least the currency's decimals
(the currency is named in the column header); ``percent`` prints Decimal
fractions as percentages (``Decimal("0.22")`` -> 22%); ``date`` prints dates
and periods. Numbers are right-aligned in every direction so their digits
line up. A str or Label cell is allowed in any column ("—", "No VAT").
"""

_KINDS: dict[str, tuple[type, ...]] = {
    "text": (str, Label),
    "number": (int, Decimal, str, Label),
    "money": (Money, str, Label),
    "percent": (Decimal, str, Label),
    "date": (date, Period, str, Label),
}


@attrs.frozen(kw_only=True)
class Column:
    """A column of the line table.

    ``carry=True`` (money and number columns only) sums the column on every
    page: a multi-page table ends each page with a "carried forward" row and
    starts the next with "brought forward". ``weight`` shares the width left
    over by the number columns among the text columns.

    >>> Column(label="amount", kind="money", carry=True).carry
    True
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "column."

    label: str = attrs.field(converter=checks.TEXT)
    kind: ColumnKind = "text"
    carry: bool = attrs.field(default=False, converter=checks.FLAG)
    weight: int = attrs.field(default=1, converter=checks.WHOLE, metadata=checks.options(low=1))

    def __attrs_post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InvoicingError("column.kind", self.kind, f"one of {', '.join(_KINDS)}")
        if self.carry and self.kind not in ("money", "number"):
            raise InvoicingError("column.carry", self.carry, "False for a non-number column")


def _rows(
    field: str, value: object, *, error: type[ValidationError] = InvoicingError
) -> tuple[tuple[Value, ...], ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise error(field, value, "a list of rows (each a list of values)")
    rows = []
    for i, row in enumerate(value):
        if isinstance(row, str) or not isinstance(row, Iterable):
            raise error(f"{field}[{i}]", row, "a list of values")
        rows.append(tuple(row))
    return tuple(rows)


if TYPE_CHECKING:  # mypy's attrs plugin needs named functions (see billkit._checks)

    def _ROWS(value: object) -> tuple[tuple[Value, ...], ...]: ...

else:
    _ROWS = checks.converter(_rows)


@attrs.frozen(kw_only=True)
class LineTable:
    """The document's table: columns, rows, and bold rows before and after.

    ``head_rows`` print first (an opening balance) and ``foot_rows`` last
    (turnover, closing balance); neither counts in carried totals. Every row
    has one value per column, of a type the column's kind accepts.

    >>> t = LineTable(columns=[Column(label="date", kind="date")], rows=[[None]])
    >>> LineTable(columns=[Column(label="qty", kind="number")], rows=[["1", 2]])
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: table.rows[0] = ('1', 2): expected 1 values, one per column
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "table."

    columns: tuple[Column, ...] = attrs.field(converter=checks.TUPLE)
    rows: tuple[tuple[Value, ...], ...] = attrs.field(converter=_ROWS)
    head_rows: tuple[tuple[Value, ...], ...] = attrs.field(
        default=(),
        converter=_ROWS,
    )
    foot_rows: tuple[tuple[Value, ...], ...] = attrs.field(
        default=(),
        converter=_ROWS,
    )

    def __attrs_post_init__(self) -> None:
        if not self.columns:
            raise InvoicingError("table.columns", self.columns, "at least one column")
        kinds = [_KINDS[c.kind] for c in self.columns]
        n = len(kinds)
        for name in ("head_rows", "rows", "foot_rows"):
            for i, row in enumerate(getattr(self, name)):
                if len(row) != n:
                    raise InvoicingError(f"table.{name}[{i}]", row, f"{n} values, one per column")
                for j, (cell, allowed) in enumerate(zip(row, kinds, strict=True)):
                    if cell is None or (
                        type(cell) in allowed
                        and type(cell) is not bool
                        and (type(cell) is not str or cell.isascii())
                    ):
                        continue  # the common case, fast: exact types, ASCII text
                    _check_value(f"table.{name}[{i}][{j}]", cell)
                    if not isinstance(cell, allowed):
                        column = self.columns[j]
                        names = ", ".join(t.__name__ for t in allowed)
                        raise InvoicingError(
                            f"table.{name}[{i}][{j}]",
                            cell,
                            f"a {names} or None in {column.kind} column {column.label!r}",
                        )


@attrs.frozen(kw_only=True)
class TaxRow:
    """One tax rate's totals: ``net + tax == gross``, checked.

    ``rate`` is a fraction (``Decimal("0.22")``) or None for supplies without
    tax; ``label`` (a key or text) replaces the default "VAT 22%" / "No VAT".

    >>> from billkit.money import Money
    >>> TaxRow(rate=Decimal("0.22"), net=Money("100.00", "RUB"), tax=Money("22.00", "RUB"),
    ...        gross=Money("121.00", "RUB"))
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: tax.gross = Money('121.00', 'RUB'): expected net + tax = 122.00 RUB
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "tax."

    rate: Decimal | None = attrs.field(converter=checks.DECIMAL, metadata=checks.options(low=0))
    net: Money = attrs.field(converter=checks.MONEY)
    tax: Money = attrs.field(converter=checks.MONEY)
    gross: Money = attrs.field(converter=checks.MONEY)
    label: str | None = attrs.field(default=None, converter=checks.TEXT)

    def __attrs_post_init__(self) -> None:
        code = self.net.currency.code
        checks.same_currency("tax.tax", self.tax, code, error=InvoicingError)
        checks.same_currency("tax.gross", self.gross, code, error=InvoicingError)
        # billkit's context, not the caller's: 29-digit amounts add up exactly
        expected = CONTEXT.add(self.net.amount, self.tax.amount)
        if expected != self.gross.amount:
            raise InvoicingError(
                "tax.gross", self.gross, f"net + tax = {expected} {self.gross.currency.code}"
            )


@attrs.frozen(kw_only=True)
class TotalRow:
    """A line of the totals block: ``Total excl. VAT``, ``VAT``, ``Total due``.

    ``strong`` rows print bold, above a rule.

    >>> TotalRow(label="total_due", amount=Money("10.00", "EUR"), strong=True).strong
    True
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "total."

    label: str = attrs.field(converter=checks.TEXT)
    amount: Money = attrs.field(converter=checks.MONEY)
    strong: bool = attrs.field(default=False, converter=checks.FLAG)


def _renderable_locale(
    field: str, value: object, *, error: type[ValidationError] = InvoicingError
) -> str:
    if not isinstance(value, str):
        raise error(field, value, f"a locale of one of {', '.join(LANGUAGES)}")
    normal = value.replace("-", "_")
    if normal.split("_")[0].lower() not in LANGUAGES:
        raise error(
            field, value, f"a locale of one of {', '.join(LANGUAGES)} such as 'ru' or 'fa_IR'"
        )
    # 'en_XX' or 'fa_' would fail in babel when printed: refused here instead
    checks.known_locale(field, normal, error=error)
    return normal


def _currency_code(
    field: str, value: object, *, error: type[ValidationError] = InvoicingError
) -> str:
    return checks.currency(field, value, error=error).code


if TYPE_CHECKING:  # mypy's attrs plugin needs named functions (see billkit._checks)

    def _LOCALE(value: object) -> str: ...
    def _CURRENCY_CODE(value: object) -> str: ...

else:
    _LOCALE = checks.converter(_renderable_locale)
    _CURRENCY_CODE = checks.converter(_currency_code)


@attrs.frozen(kw_only=True)
class RenderDocument:
    """A document ready to print: what the PDF and HTML renderers draw.

    ``kind`` names the document (``invoice``, ``proforma``, ``act``,
    ``reconciliation``, ``credit_note``, ``receipt``, ``statement``) and gives
    its default title; ``title`` overrides it. ``fields`` print under the
    title (due date, period, contract, the invoice a credit note corrects);
    ``parties`` side by side; then the ``table``, ``tax_summary``, ``totals``,
    the ``summary`` sentences ("Всего наименований 2, на сумму 1 500,00 ₽", an
    act's acceptance clause, a statement's closing balance),
    ``amount_in_words``, ``payment`` details, ``notes`` and one signature line
    per entry of ``signatures`` (label keys such as ``"executor"``), the
    first one carrying the ``facsimile`` signature and stamp images if given
    (a :class:`~billkit.invoicing.documents.Facsimile`, checked when it was made).
    ``own_taxes`` says the lines carry taxes of their own (a state and a city
    tax, GST and QST): the tax summary's headings then say "tax", not "VAT".

    Every Money is in ``currency``; ``locale`` is a babel locale of one of
    :data:`LANGUAGES` (``"ru"``, ``"it_IT"``, ``"fa_IR"``).
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    kind: str = attrs.field(converter=checks.TEXT)
    number: str = attrs.field(converter=checks.TEXT)
    issue_date: date = attrs.field(converter=checks.DAY)
    locale: str = attrs.field(converter=_LOCALE)
    currency: str = attrs.field(converter=_CURRENCY_CODE)
    title: str | None = attrs.field(default=None, converter=checks.TEXT)
    fields: tuple[Field, ...] = attrs.field(
        default=(),
        converter=checks.TUPLE,
    )
    parties: tuple[PartyBlock, ...] = attrs.field(
        default=(),
        converter=checks.TUPLE,
    )
    table: LineTable | None = attrs.field(default=None, converter=checks.INSTANCE)
    tax_summary: tuple[TaxRow, ...] = attrs.field(
        default=(),
        converter=checks.TUPLE,
    )
    totals: tuple[TotalRow, ...] = attrs.field(
        default=(),
        converter=checks.TUPLE,
    )
    amount_in_words: str | None = attrs.field(default=None, converter=checks.TEXT)
    summary: tuple[str, ...] = attrs.field(default=(), converter=checks.TUPLE)
    payment: tuple[Field, ...] = attrs.field(
        default=(),
        converter=checks.TUPLE,
    )
    notes: tuple[str, ...] = attrs.field(default=(), converter=checks.TUPLE)
    signatures: tuple[str, ...] = attrs.field(default=(), converter=checks.TUPLE)
    own_taxes: bool = attrs.field(default=False, converter=checks.FLAG)
    facsimile: Facsimile | None = attrs.field(default=None, converter=checks.INSTANCE)

    def __attrs_post_init__(self) -> None:
        if self.facsimile is not None and not self.signatures:
            raise InvoicingError(
                "facsimile", self.facsimile, "a signature line to print it on (signatures=...)"
            )
        for field, money in self._amounts():
            checks.same_currency(field, money, self.currency, error=InvoicingError)

    def _amounts(self) -> Iterable[tuple[str, Money]]:
        for i, t in enumerate(self.tax_summary):
            yield f"tax_summary[{i}]", t.gross
        for i, total in enumerate(self.totals):
            yield f"totals[{i}].amount", total.amount
        for name, fields in (("fields", self.fields), ("payment", self.payment)):
            for i, f in enumerate(fields):
                if isinstance(f.value, Money):
                    yield f"{name}[{i}].value", f.value
        if self.table is not None:
            code = self.currency
            money_columns = [j for j, c in enumerate(self.table.columns) if c.kind == "money"]
            for name in ("head_rows", "rows", "foot_rows"):
                for i, row in enumerate(getattr(self.table, name)):
                    for j in money_columns:
                        cell = row[j]
                        if isinstance(cell, Money) and cell.currency.code != code:
                            yield f"table.{name}[{i}][{j}]", cell

    @property
    def language(self) -> str:
        """The language of the labels: ``"ru"`` for ``"ru_RU"``."""
        return self.locale.split("_")[0].lower()

    @property
    def direction(self) -> Literal["ltr", "rtl"]:
        """``"rtl"`` for Persian documents, else ``"ltr"``."""
        return "rtl" if self.language in _RTL_LANGUAGES else "ltr"

    def _repr_html_(self) -> str:
        """The document as an HTML fragment, for notebooks."""
        # The model's one reference to a renderer: notebooks ask the value
        # itself for its HTML. Imported on use, so the model loads alone.
        from billkit.invoicing.render.html import render_html

        return render_html(self, fragment=True)
