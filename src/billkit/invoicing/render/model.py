"""The view model the renderers draw: a document as labelled, computed values.

A :class:`RenderDocument` holds what a printed document shows and nothing it
has to compute: every amount is already rounded, every tax row already added
up. The PDF and HTML renderers only lay it out, translate its labels and
format its values for its locale. Documents of :mod:`billkit.invoicing` are
turned into one by :func:`~billkit.invoicing.render.to_render_document`; any
other source can build one directly.

Labels (a field's ``label``, a column's ``label``, a party's ``role``, a
total's ``label`` and the document ``kind``) are keys of the label catalog
(``"due_date"``, ``"seller"``, ``"total_due"``, see
:func:`~billkit.invoicing.render.label_keys`) translated into the document's
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
from typing import Literal, TypeAlias, TypeVar

import attrs
from moneyed import Money

from billkit.errors import InvoicingError
from billkit.money import currency_of
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

    key: str = attrs.field()

    @key.validator
    def _check(self, _: object, value: object) -> None:
        if not isinstance(value, str) or not value:
            raise InvoicingError("label.key", value, "a non-empty label key such as 'total'")


Value: TypeAlias = str | int | Decimal | Money | date | Period | Label | None
"""What a field or cell may hold; each type is formatted for the locale."""

_VALUE_TYPES = (str, int, Decimal, Money, date, Period, Label)
_VALUE_EXPECTED = "a str, int, Decimal, Money, date, Period, Label or None (never a float)"


def _check_value(field: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, _VALUE_TYPES):
        raise InvoicingError(field, value, _VALUE_EXPECTED)
    if isinstance(value, datetime):
        raise InvoicingError(field, value, "a date, not a datetime")
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvoicingError(field, value, "a finite number")
    if isinstance(value, Money) and not value.amount.is_finite():
        raise InvoicingError(field, value, "a finite amount")


def _text(field: str, value: object, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise InvoicingError(field, value, "a non-empty str" if not empty else "a str")
    return value


def _texts(field: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvoicingError(field, value, "a list of str")
    items = tuple(value)
    for i, item in enumerate(items):
        _text(f"{field}[{i}]", item, empty=True)
    return items


def _tuple(field: str, kind: type[_T], value: object) -> tuple[_T, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvoicingError(field, value, f"a list of {kind.__name__}")
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, kind):
            raise InvoicingError(f"{field}[{i}]", item, f"a {kind.__name__}")
    return items


# Named converters: attrs' mypy plugin reads only named functions.


def _c_field_label(value: object) -> str:
    return _text("field.label", value)


def _c_party_role(value: object) -> str:
    return _text("party.role", value)


def _c_party_name(value: object) -> str:
    return _text("party.name", value)


def _c_party_lines(value: object) -> tuple[str, ...]:
    return _texts("party.lines", value)


def _c_party_fields(value: object) -> tuple[Field, ...]:
    return _tuple("party.fields", Field, value)


def _c_column_label(value: object) -> str:
    return _text("column.label", value)


def _c_table_columns(value: object) -> tuple[Column, ...]:
    return _tuple("table.columns", Column, value)


def _c_table_rows(value: object) -> tuple[tuple[Value, ...], ...]:
    return _rows("table.rows", value)


def _c_table_head_rows(value: object) -> tuple[tuple[Value, ...], ...]:
    return _rows("table.head_rows", value)


def _c_table_foot_rows(value: object) -> tuple[tuple[Value, ...], ...]:
    return _rows("table.foot_rows", value)


def _c_tax_net(value: object) -> Money:
    return _money("tax.net", value)


def _c_tax_tax(value: object) -> Money:
    return _money("tax.tax", value)


def _c_tax_gross(value: object) -> Money:
    return _money("tax.gross", value)


def _c_total_label(value: object) -> str:
    return _text("total.label", value)


def _c_total_amount(value: object) -> Money:
    return _money("total.amount", value)


def _c_kind(value: object) -> str:
    return _text("kind", value)


def _c_number(value: object) -> str:
    return _text("number", value)


def _c_fields(value: object) -> tuple[Field, ...]:
    return _tuple("fields", Field, value)


def _c_parties(value: object) -> tuple[PartyBlock, ...]:
    return _tuple("parties", PartyBlock, value)


def _c_tax_summary(value: object) -> tuple[TaxRow, ...]:
    return _tuple("tax_summary", TaxRow, value)


def _c_totals(value: object) -> tuple[TotalRow, ...]:
    return _tuple("totals", TotalRow, value)


def _c_payment(value: object) -> tuple[Field, ...]:
    return _tuple("payment", Field, value)


def _c_notes(value: object) -> tuple[str, ...]:
    return _texts("notes", value)


def _c_signatures(value: object) -> tuple[str, ...]:
    return _texts("signatures", value)


@attrs.frozen(kw_only=True)
class Field:
    """A labelled value: ``INN 7701234567``, ``Due date 15.03.2026``.

    >>> Field(label="inn", value="7701234567").label
    'inn'
    """

    label: str = attrs.field(converter=_c_field_label)
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

    role: str = attrs.field(converter=_c_party_role)
    name: str = attrs.field(converter=_c_party_name)
    lines: tuple[str, ...] = attrs.field(default=(), converter=_c_party_lines)
    fields: tuple[Field, ...] = attrs.field(
        default=(),
        converter=_c_party_fields,
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

    label: str = attrs.field(converter=_c_column_label)
    kind: ColumnKind = "text"
    carry: bool = False
    weight: int = 1

    def __attrs_post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InvoicingError("column.kind", self.kind, f"one of {', '.join(_KINDS)}")
        if not isinstance(self.carry, bool):
            raise InvoicingError("column.carry", self.carry, "a bool")
        if self.carry and self.kind not in ("money", "number"):
            raise InvoicingError("column.carry", self.carry, "False for a non-number column")
        if isinstance(self.weight, bool) or not isinstance(self.weight, int) or self.weight < 1:
            raise InvoicingError("column.weight", self.weight, "an int of 1 or more")


def _rows(field: str, value: object) -> tuple[tuple[Value, ...], ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvoicingError(field, value, "a list of rows (each a list of values)")
    rows = []
    for i, row in enumerate(value):
        if isinstance(row, str) or not isinstance(row, Iterable):
            raise InvoicingError(f"{field}[{i}]", row, "a list of values")
        rows.append(tuple(row))
    return tuple(rows)


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

    columns: tuple[Column, ...] = attrs.field(converter=_c_table_columns)
    rows: tuple[tuple[Value, ...], ...] = attrs.field(converter=_c_table_rows)
    head_rows: tuple[tuple[Value, ...], ...] = attrs.field(
        default=(),
        converter=_c_table_head_rows,
    )
    foot_rows: tuple[tuple[Value, ...], ...] = attrs.field(
        default=(),
        converter=_c_table_foot_rows,
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
                    if cell is None or (type(cell) in allowed and type(cell) is not bool):
                        continue  # the common case, fast: exact types
                    _check_value(f"table.{name}[{i}][{j}]", cell)
                    if not isinstance(cell, allowed):
                        column = self.columns[j]
                        names = ", ".join(t.__name__ for t in allowed)
                        raise InvoicingError(
                            f"table.{name}[{i}][{j}]",
                            cell,
                            f"a {names} or None in {column.kind} column {column.label!r}",
                        )


def _rate(value: object) -> Decimal | None:
    if value is None or (isinstance(value, Decimal) and value.is_finite() and value >= 0):
        return value
    raise InvoicingError("tax.rate", value, "a Decimal fraction (0.22 for 22%) or None")


def _money(field: str, value: object) -> Money:
    if not isinstance(value, Money) or not value.amount.is_finite():
        raise InvoicingError(field, value, "a Money")
    return value


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

    rate: Decimal | None = attrs.field(converter=_rate)
    net: Money = attrs.field(converter=_c_tax_net)
    tax: Money = attrs.field(converter=_c_tax_tax)
    gross: Money = attrs.field(converter=_c_tax_gross)
    label: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.net.currency == self.tax.currency == self.gross.currency:
            raise InvoicingError("tax", self, "net, tax and gross in one currency")
        if self.net.amount + self.tax.amount != self.gross.amount:
            expected = self.net.amount + self.tax.amount
            raise InvoicingError(
                "tax.gross", self.gross, f"net + tax = {expected} {self.gross.currency.code}"
            )
        if self.label is not None:
            _text("tax.label", self.label)


@attrs.frozen(kw_only=True)
class TotalRow:
    """A line of the totals block: ``Total excl. VAT``, ``VAT``, ``Total due``.

    ``strong`` rows print bold, above a rule.

    >>> TotalRow(label="total_due", amount=Money("10.00", "EUR"), strong=True).strong
    True
    """

    label: str = attrs.field(converter=_c_total_label)
    amount: Money = attrs.field(converter=_c_total_amount)
    strong: bool = False


def _locale(value: object) -> str:
    if not isinstance(value, str):
        raise InvoicingError("locale", value, f"a locale of one of {', '.join(LANGUAGES)}")
    normal = value.replace("-", "_")
    if normal.split("_")[0].lower() not in LANGUAGES:
        raise InvoicingError(
            "locale", value, f"a locale of one of {', '.join(LANGUAGES)} such as 'ru' or 'fa_IR'"
        )
    return normal


def _currency_code(value: object) -> str:
    try:
        return currency_of(value).code  # type: ignore[arg-type]
    except Exception:
        raise InvoicingError("currency", value, "an ISO 4217 currency code such as 'RUB'") from None


def _issue_date(value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvoicingError("issue_date", value, "a datetime.date")
    return value


@attrs.frozen(kw_only=True)
class RenderDocument:
    """A document ready to print: what the PDF and HTML renderers draw.

    ``kind`` names the document (``invoice``, ``proforma``, ``act``,
    ``reconciliation``, ``credit_note``, ``receipt``, ``statement``) and gives
    its default title; ``title`` overrides it. ``fields`` print under the
    title (due date, period, contract, the invoice a credit note corrects);
    ``parties`` side by side; then the ``table``, ``tax_summary``, ``totals``,
    ``amount_in_words``, ``payment`` details, ``notes`` and one signature line
    per entry of ``signatures`` (label keys such as ``"executor"``).

    Every Money is in ``currency``; ``locale`` is a babel locale of one of
    :data:`LANGUAGES` (``"ru"``, ``"it_IT"``, ``"fa_IR"``).
    """

    kind: str = attrs.field(converter=_c_kind)
    number: str = attrs.field(converter=_c_number)
    issue_date: date = attrs.field(converter=_issue_date)
    locale: str = attrs.field(converter=_locale)
    currency: str = attrs.field(converter=_currency_code)
    title: str | None = None
    fields: tuple[Field, ...] = attrs.field(
        default=(),
        converter=_c_fields,
    )
    parties: tuple[PartyBlock, ...] = attrs.field(
        default=(),
        converter=_c_parties,
    )
    table: LineTable | None = None
    tax_summary: tuple[TaxRow, ...] = attrs.field(
        default=(),
        converter=_c_tax_summary,
    )
    totals: tuple[TotalRow, ...] = attrs.field(
        default=(),
        converter=_c_totals,
    )
    amount_in_words: str | None = None
    payment: tuple[Field, ...] = attrs.field(
        default=(),
        converter=_c_payment,
    )
    notes: tuple[str, ...] = attrs.field(default=(), converter=_c_notes)
    signatures: tuple[str, ...] = attrs.field(default=(), converter=_c_signatures)

    def __attrs_post_init__(self) -> None:
        if self.title is not None:
            _text("title", self.title)
        if self.amount_in_words is not None:
            _text("amount_in_words", self.amount_in_words)
        if self.table is not None and not isinstance(self.table, LineTable):
            raise InvoicingError("table", self.table, "a LineTable or None")
        for field, money in self._amounts():
            if money.currency.code != self.currency:
                raise InvoicingError(field, money, f"an amount in {self.currency}")

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
        from billkit.invoicing.render.html import render_html

        return render_html(self, fragment=True)
