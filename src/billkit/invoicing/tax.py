"""Taxes: effective-dated rates per country, inclusive or exclusive prices,
rounding per line or per document, and the legal notes of untaxed supplies.

Rates are data (:class:`TaxRate`): a country, a category (``'standard'``,
``'reduced'``, ``'zero'``...), a rate and the day it takes effect. The rate in
force on a date is the one of its country and category with the latest
``effective_from`` on or before that date, so a change of rate is one more
row. :data:`DEFAULT_TAXES` holds:

============  =========================  =====  ==============
country       category                   rate   from
============  =========================  =====  ==============
Russia (RU)   standard                   18 %   2004-01-01
              standard                   20 %   2019-01-01
              standard                   22 %   2026-01-01
              reduced                    10 %   2004-01-01
              zero                        0 %   2004-01-01
              simplified_5, simplified_7 5, 7 % 2025-01-01
Ukraine (UA)  standard                   20 %   2011-01-01
              zero                        0 %   2011-01-01
Italy (IT)    standard                   22 %   2013-10-01
              reduced (10), 4                   2013-10-01
              reduced_5                   5 %   2016-01-01
              zero                        0 %   2013-10-01
Iran (IR)     standard                    9 %   2016-03-20
              standard                   10 %   2024-03-20
============  =========================  =====  ==============

(``simplified_5`` and ``simplified_7`` are the special rates Russian sellers
on the simplified tax system may choose from 2025.) A date before a table's
first row has no rate: billkit refuses rather than guess; add the rates you
need with :meth:`TaxTable.with_rate`, which also overrides a row.

How a document's tax is computed is :func:`compute_taxes`: prices exclusive
(tax added to the net) or inclusive (tax extracted from the gross), rounded
per line (:attr:`TaxRounding.PER_LINE`: each line's tax rounded, the
document's tax their sum) or per document (:attr:`TaxRounding.PER_DOCUMENT`:
the tax of each rate rounded once on the total, then split over the lines by
the largest remainder so the lines still add up). The two differ: three
lines of 33.33 RUB at 22 % give 7.33 x 3 = 21.99 per line, but 99.99 x 0.22
= 21.9978 -> 22.00 per document:

>>> from billkit.money import Money
>>> lines = [Money("33.33", "RUB")] * 3
>>> sum(s.tax.amount for s in compute_taxes(lines, ["0.22"] * 3, tax_rounding="per_line"))
Decimal('21.99')
>>> sum(s.tax.amount for s in compute_taxes(lines, ["0.22"] * 3, tax_rounding="per_document"))
Decimal('22.00')
>>> DEFAULT_TAXES.rate("RU", "standard", date(2025, 12, 31)).rate
Decimal('0.20')
>>> DEFAULT_TAXES.rate("RU", "standard", date(2026, 1, 1)).rate
Decimal('0.22')
"""

from __future__ import annotations

import decimal
import enum
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Final

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit.errors import InvoicingError, ValidationError
from billkit.money import (
    CONTEXT,
    DEFAULT_ROUNDING,
    DecimalLike,
    RoundingPolicy,
    TaxSplit,
    allocate,
)

__all__ = [
    "DEFAULT_TAXES",
    "AppliedTax",
    "LineTax",
    "TaxRate",
    "TaxRounding",
    "TaxTable",
    "TaxTreatment",
    "apply_line_taxes",
    "compute_taxes",
    "stack_taxes",
]

_ZERO: Final = Decimal(0)


class TaxTreatment(str, enum.Enum):
    """How a line is taxed.

    * ``STANDARD``: taxed at its category's rate (which may be reduced);
    * ``ZERO_RATED``: taxable at 0 % (exports, international services);
    * ``EXEMPT``: exempt from the tax by law;
    * ``REVERSE_CHARGE``: the buyer accounts for the tax (EU B2B services);
    * ``NOT_SUBJECT``: outside the tax (a seller who is not a VAT payer).

    All but ``STANDARD`` carry no tax and print a legal note.

    >>> TaxTreatment("reverse_charge") is TaxTreatment.REVERSE_CHARGE
    True
    """

    STANDARD = "standard"
    ZERO_RATED = "zero_rated"
    EXEMPT = "exempt"
    REVERSE_CHARGE = "reverse_charge"
    NOT_SUBJECT = "not_subject"


class TaxRounding(str, enum.Enum):
    """Where tax is rounded: on each line, or once per rate on the document.

    >>> TaxRounding("per_document") is TaxRounding.PER_DOCUMENT
    True
    """

    PER_LINE = "per_line"
    PER_DOCUMENT = "per_document"


def _treatment(value: object) -> TaxTreatment:
    return checks.member("treatment", value, TaxTreatment, error=InvoicingError)


def _rounding(value: object) -> TaxRounding:
    return checks.member("tax_rounding", value, TaxRounding, error=InvoicingError)


_CATEGORY: Final = re.compile(r"[a-z0-9_]+")


def _table_country(value: object) -> str:
    return checks.country("country", value, error=InvoicingError)


def _category(field: str, value: object, *, error: type[ValidationError] = InvoicingError) -> str:
    if not isinstance(value, str) or not _CATEGORY.fullmatch(value):
        raise error(
            field, value, "a category name of lowercase letters, digits and '_', such as 'reduced'"
        )
    return value


def _tax_rate(
    field: str, value: object, *, error: type[ValidationError] = InvoicingError
) -> Decimal:
    rate = checks.rate(field, value, error=error)
    if rate >= 1:
        raise error(field, value, "a tax rate below 100 % (write '22%' or '0.22')")
    return rate


if TYPE_CHECKING:  # mypy's attrs plugin needs named functions (see billkit._checks)

    def _COUNTRY(value: object) -> str: ...
    def _CATEGORY_NAME(value: object) -> str: ...
    def _TAX_RATE(value: object) -> Decimal: ...

else:
    _COUNTRY = checks.converter(checks.country)
    _CATEGORY_NAME = checks.converter(_category)
    _TAX_RATE = checks.converter(_tax_rate)


@attrs.frozen(kw_only=True)
class TaxRate:
    """One row of a tax table: ``rate`` of ``category`` in ``country`` from
    ``effective_from`` (until a later row of the same country and category).

    ``rate`` is a fraction; ``'22%'`` is read as ``Decimal('0.22')``.
    ``name`` is the tax's name for documents (VAT, НДС, ПДВ, IVA).

    >>> TaxRate(country="RU", category="standard", rate="22%", effective_from=date(2026, 1, 1))
    TaxRate(country='RU', category='standard', rate=Decimal('0.22'), effective_from=datetime.date(2026, 1, 1), name='VAT')
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    country: str = attrs.field(converter=_COUNTRY)
    category: str = attrs.field(converter=_CATEGORY_NAME)
    rate: Decimal = attrs.field(converter=_TAX_RATE)
    effective_from: date = attrs.field(converter=checks.DAY)
    name: str = attrs.field(default="VAT", converter=checks.TEXT)

    @property
    def key(self) -> tuple[str, str, date]:
        """What identifies the row: (country, category, effective_from)."""
        return (self.country, self.category, self.effective_from)


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class LineTax:
    """One of the taxes a line carries itself (``Item(taxes=[...])``), in order.

    ``name`` is what the document prints (``'GST'``, ``'NY State'``); ``rate``
    a fraction below 100 % (``'8.875%'`` is read as ``Decimal('0.08875')``).
    A tax that is not ``compound`` is charged on the line's net; a compound
    one on the net plus the taxes before it on the line (the rules of
    :func:`stack_taxes`). A line's own taxes need no :class:`TaxTable` row:
    an ad-hoc rate is one ``LineTax``.

    >>> LineTax(name="QST", rate="9.975%")
    LineTax(name='QST', rate=Decimal('0.09975'), compound=False)
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    name: str = attrs.field(converter=checks.TEXT)
    rate: Decimal = attrs.field(converter=_TAX_RATE)
    compound: bool = attrs.field(default=False, converter=checks.FLAG)


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class AppliedTax:
    """One tax of a document line that carries its own taxes: the
    :class:`LineTax` it applies, the ``base`` it was charged on (the net, or
    for a compound tax the net plus the taxes before it) and its rounded
    ``amount``. A line's taxes add up to its ``tax``.

    >>> cad = lambda a: Money(a, "CAD")
    >>> AppliedTax(name="GST", rate="0.05", base=cad("100.00"), amount=cad("5.00")).amount
    Money('5.00', 'CAD')
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    name: str = attrs.field(converter=checks.TEXT)
    rate: Decimal = attrs.field(converter=_TAX_RATE)
    compound: bool = attrs.field(default=False, converter=checks.FLAG)
    base: Money = attrs.field(converter=checks.MONEY)
    amount: Money = attrs.field(converter=checks.MONEY)

    def __attrs_post_init__(self) -> None:
        checks.same_currency("amount", self.amount, self.base.currency, error=InvoicingError)


def _rates(value: object) -> tuple[TaxRate, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvoicingError("rates", value, "a sequence of TaxRate")
    found: dict[tuple[str, str, date], TaxRate] = {}
    for i, rate in enumerate(value):
        if not isinstance(rate, TaxRate):
            raise InvoicingError(f"rates[{i}]", rate, "a TaxRate")
        if rate.key in found:
            raise InvoicingError(
                f"rates[{i}]", rate, "one row per (country, category, effective_from)"
            )
        found[rate.key] = rate
    return tuple(sorted(found.values(), key=lambda r: r.key))


_NoteKey = tuple[str, TaxTreatment, str]


def _notes(value: object) -> Mapping[_NoteKey, str]:
    if not isinstance(value, Mapping):
        raise InvoicingError("notes", value, "a mapping of (country, treatment, language) to text")
    result: dict[_NoteKey, str] = {}
    for key, text in value.items():
        if not (isinstance(key, tuple) and len(key) == 3):
            raise InvoicingError("notes", key, "a (country or '*', treatment, language) key")
        country = key[0] if key[0] == "*" else _table_country(key[0])
        treatment = _treatment(key[1])
        language = key[2]
        if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2,3}", language):
            raise InvoicingError("notes", key, "a language code such as 'ru'")
        if not isinstance(text, str):
            raise InvoicingError(f"notes[{key!r}]", text, "a str")
        result[(country, treatment, language)] = text
    return checks.FrozenMap(result)


@attrs.frozen(kw_only=True)
class TaxTable:
    """Tax rates by country, category and date, and the legal notes to print.

    ``notes`` maps ``(country, treatment, language)`` to the note printed on
    documents with such lines; country ``'*'`` is the fallback, and English
    the fallback language.

    >>> isinstance(DEFAULT_TAXES, TaxTable)
    True
    >>> table = DEFAULT_TAXES.with_rate(
    ...     TaxRate(country="UA", category="reduced", rate="7%", effective_from=date(2014, 1, 1)))
    >>> table.rate("UA", "reduced", date(2026, 3, 1)).rate
    Decimal('0.07')
    >>> DEFAULT_TAXES.rate("IR", "standard", date(2024, 3, 19)).rate   # 1402/12/29
    Decimal('0.09')
    >>> DEFAULT_TAXES.rate("IR", "standard", date(2024, 3, 20)).rate   # 1403/01/01
    Decimal('0.10')
    """

    rates: tuple[TaxRate, ...] = attrs.field(default=(), converter=_rates)
    notes: Mapping[_NoteKey, str] = attrs.field(
        factory=dict, converter=_notes, eq=False, hash=False, repr=False
    )
    _notes_key: tuple[tuple[str, str, str, str], ...] = attrs.field(init=False, repr=False)

    @_notes_key.default
    def _make_notes_key(self) -> tuple[tuple[str, str, str, str], ...]:
        return tuple(sorted((c, t.value, lang, text) for (c, t, lang), text in self.notes.items()))

    def rate(self, country: str, category: str, on: date) -> TaxRate:
        """The rate of ``category`` in force in ``country`` on day ``on``.

        >>> DEFAULT_TAXES.rate("IT", "standard", date(2026, 3, 1)).rate
        Decimal('0.22')
        >>> DEFAULT_TAXES.rate("RU", "standard", date(2003, 12, 31))
        Traceback (most recent call last):
        ...
        billkit.errors.InvoicingError: tax_date = datetime.date(2003, 12, 31): expected a date with a 'standard' rate in RU (rates from 2004-01-01); add one with TaxTable.with_rate
        """
        _table_country(country)
        _category("category", category)
        day = checks.day("tax_date", on, error=InvoicingError)
        rows = [r for r in self.rates if r.country == country and r.category == category]
        if not rows:
            known = sorted({r.category for r in self.rates if r.country == country})
            raise InvoicingError(
                "tax_category",
                category,
                f"a tax category of {country}: one of {known}"
                if known
                else f"a country with tax rates ({country} has none); add them with TaxTable.with_rate",
            )
        found = None
        for row in rows:  # sorted by effective_from
            if row.effective_from <= day:
                found = row
        if found is None:
            raise InvoicingError(
                "tax_date",
                day,
                f"a date with a {category!r} rate in {country} "
                f"(rates from {rows[0].effective_from.isoformat()}); add one with TaxTable.with_rate",
            )
        return found

    def rates_on(self, country: str, on: date) -> dict[str, TaxRate]:
        """Every category's rate in force in ``country`` on ``on``.

        >>> {c: r.rate for c, r in DEFAULT_TAXES.rates_on("RU", date(2026, 1, 1)).items()}
        {'reduced': Decimal('0.10'), 'simplified_5': Decimal('0.05'), 'simplified_7': Decimal('0.07'), 'standard': Decimal('0.22'), 'zero': Decimal('0.00')}
        """
        day = checks.day("on", on, error=InvoicingError)
        found: dict[str, TaxRate] = {}
        for row in self.rates:
            if row.country == _table_country(country) and row.effective_from <= day:
                found[row.category] = row
        return dict(sorted(found.items()))

    def with_rate(self, rate: TaxRate) -> TaxTable:
        """This table with ``rate`` added, replacing a row with the same
        country, category and ``effective_from``."""
        if not isinstance(rate, TaxRate):
            raise InvoicingError("rate", rate, "a TaxRate")
        rows = [r for r in self.rates if r.key != rate.key]
        return TaxTable(rates=[*rows, rate], notes=self.notes)

    def with_note(
        self, country: str, treatment: TaxTreatment | str, language: str, text: str
    ) -> TaxTable:
        """This table with the legal note for ``treatment`` in ``country``
        (or ``'*'``) and ``language`` set to ``text``.

        >>> t = DEFAULT_TAXES.with_note("RU", "not_subject", "ru",
        ...     "НДС не облагается в связи с применением УСН (п. 2 ст. 346.11 НК РФ)")
        >>> t.note("RU", "not_subject", "ru")
        'НДС не облагается в связи с применением УСН (п. 2 ст. 346.11 НК РФ)'
        """
        notes = dict(self.notes)
        notes[(country, _treatment(treatment), language)] = text
        return TaxTable(rates=self.rates, notes=notes)

    def note(self, country: str, treatment: TaxTreatment | str, language: str) -> str:
        """The legal note for ``treatment`` in ``country``, in ``language``
        (the country's own note first, then the general one; English if there
        is none in ``language``); ``''`` for standard tax.

        >>> DEFAULT_TAXES.note("RU", "exempt", "ru")
        'Без налога (НДС)'
        >>> DEFAULT_TAXES.note("DE", "reverse_charge", "de")
        'Reverse charge: the customer accounts for the VAT.'
        """
        t = _treatment(treatment)
        if t is TaxTreatment.STANDARD:
            return ""
        for lang in (language, "en"):
            for where in (country, "*"):
                text = self.notes.get((where, t, lang))
                if text is not None:
                    return text
        return ""


def _row(country: str, category: str, rate: str, day: date, name: str) -> TaxRate:
    return TaxRate(country=country, category=category, rate=rate, effective_from=day, name=name)


_RU_2004: Final = date(2004, 1, 1)
_UA_2011: Final = date(2011, 1, 1)
_IT_2013: Final = date(2013, 10, 1)

_DEFAULT_NOTES: Final[dict[_NoteKey, str]] = {
    ("*", TaxTreatment.ZERO_RATED, "en"): "Zero-rated supply: VAT at 0%.",
    ("*", TaxTreatment.EXEMPT, "en"): "Exempt from VAT.",
    ("*", TaxTreatment.REVERSE_CHARGE, "en"): "Reverse charge: the customer accounts for the VAT.",
    ("*", TaxTreatment.NOT_SUBJECT, "en"): "Not subject to VAT.",
    ("*", TaxTreatment.ZERO_RATED, "ru"): "НДС по ставке 0%",
    ("*", TaxTreatment.EXEMPT, "ru"): "Без налога (НДС)",
    ("*", TaxTreatment.REVERSE_CHARGE, "ru"): "НДС исчисляется покупателем (налоговым агентом)",
    ("*", TaxTreatment.NOT_SUBJECT, "ru"): "НДС не облагается",
    ("*", TaxTreatment.ZERO_RATED, "uk"): "ПДВ за ставкою 0%",
    ("*", TaxTreatment.EXEMPT, "uk"): "Звільнено від оподаткування ПДВ",
    ("*", TaxTreatment.REVERSE_CHARGE, "uk"): "ПДВ нараховує отримувач",
    ("*", TaxTreatment.NOT_SUBJECT, "uk"): "Без ПДВ",
    ("*", TaxTreatment.ZERO_RATED, "it"): "Operazione non imponibile IVA",
    ("*", TaxTreatment.EXEMPT, "it"): "Operazione esente IVA",
    ("*", TaxTreatment.REVERSE_CHARGE, "it"): "Inversione contabile (reverse charge)",
    ("*", TaxTreatment.NOT_SUBJECT, "it"): "Operazione fuori campo IVA",
    ("*", TaxTreatment.ZERO_RATED, "fa"): "مشمول مالیات بر ارزش افزوده با نرخ صفر",
    ("*", TaxTreatment.EXEMPT, "fa"): "معاف از مالیات بر ارزش افزوده",
    ("*", TaxTreatment.REVERSE_CHARGE, "fa"): "مالیات بر ارزش افزوده بر عهده خریدار",
    ("*", TaxTreatment.NOT_SUBJECT, "fa"): "خارج از شمول مالیات بر ارزش افزوده",
    # Country-specific wording: Italy's domestic reverse charge (art. 17 c. 6
    # DPR 633/72; services to a business elsewhere in the EU cite art. 196 of
    # Directive 2006/112/EC instead, see invoicing._assembly), Italy's exempt
    # supplies (art. 10 DPR 633/1972) and Russia's required "Без налога (НДС)"
    # (art. 168(5) of the Tax Code).
    ("IT", TaxTreatment.REVERSE_CHARGE, "en"): (
        "Reverse charge: VAT to be accounted for by the customer (art. 17(6) DPR 633/72)."
    ),
    ("IT", TaxTreatment.REVERSE_CHARGE, "it"): (
        "Inversione contabile: IVA a carico del committente (art. 17, c. 6, DPR 633/72)"
    ),
    ("IT", TaxTreatment.EXEMPT, "it"): "Operazione esente IVA (art. 10 DPR 633/1972)",
    ("RU", TaxTreatment.EXEMPT, "ru"): "Без налога (НДС)",
}

DEFAULT_TAXES: Final = TaxTable(
    rates=[
        _row("RU", "standard", "18%", _RU_2004, "НДС"),
        _row("RU", "standard", "20%", date(2019, 1, 1), "НДС"),
        _row("RU", "standard", "22%", date(2026, 1, 1), "НДС"),
        _row("RU", "reduced", "10%", _RU_2004, "НДС"),
        _row("RU", "zero", "0%", _RU_2004, "НДС"),
        _row("RU", "simplified_5", "5%", date(2025, 1, 1), "НДС"),
        _row("RU", "simplified_7", "7%", date(2025, 1, 1), "НДС"),
        _row("UA", "standard", "20%", _UA_2011, "ПДВ"),
        _row("UA", "zero", "0%", _UA_2011, "ПДВ"),
        _row("IT", "standard", "22%", _IT_2013, "IVA"),
        _row("IT", "reduced", "10%", _IT_2013, "IVA"),
        _row("IT", "reduced_5", "5%", date(2016, 1, 1), "IVA"),
        _row("IT", "super_reduced", "4%", _IT_2013, "IVA"),
        _row("IT", "zero", "0%", _IT_2013, "IVA"),
        # Iran: 9 % from 1395/01/01, 10 % from 1403/01/01 (the Solar Hijri new year).
        _row("IR", "standard", "9%", date(2016, 3, 20), "VAT"),
        _row("IR", "standard", "10%", date(2024, 3, 20), "VAT"),
    ],
    notes=_DEFAULT_NOTES,
)
"""billkit's tax table: the rates in the module's table and the default legal notes.

>>> DEFAULT_TAXES.rate("UA", "standard", date(2026, 3, 1)).name
'ПДВ'
"""


# --------------------------------------------------------------------------- computing


def _money_list(amounts: Sequence[Money]) -> list[Money]:
    items = list(checks.tuple_of("amounts", amounts, Money, error=InvoicingError))
    for i, m in enumerate(items):
        checks.same_currency(f"amounts[{i}]", m, items[0].currency, error=InvoicingError)
    return items


def compute_taxes(
    amounts: Sequence[Money],
    rates: Sequence[DecimalLike],
    *,
    prices_include_tax: bool = False,
    tax_rounding: TaxRounding | str = TaxRounding.PER_LINE,
    groups: Sequence[Hashable] | None = None,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> list[TaxSplit]:
    """Net, tax and gross of each line of a document.

    ``amounts`` are the lines' amounts, each a whole number of minor units:
    net amounts, or gross amounts when ``prices_include_tax``. ``rates`` are
    the lines' tax rates (fractions, or strings such as ``'22%'``).

    With ``tax_rounding='per_line'`` each line's tax is rounded on its own
    (``net x rate``, or ``gross x rate / (1 + rate)`` for inclusive prices).
    With ``'per_document'`` the tax of each group of lines (``groups`` gives
    each line's group key; by default lines group by rate) is rounded once on
    the group's total and split over its lines in proportion to their amounts
    by the largest remainder (:func:`billkit.money.allocate`; on a tie the
    earlier line), so the lines add up to the group's tax. Lines of both
    signs in one group (a discount line) start from their own rounded tax and
    the minor units left over go to the lines that rounding moved furthest.
    Every split has ``net + tax == gross``.

    The hosting provider's cart: 250.00 RUB including 20 % VAT holds 41.67
    of tax (250 x 20 / 120 = 41.666...):

    >>> [s.tax for s in compute_taxes([Money("250.00", "RUB")], ["0.20"], prices_include_tax=True)]
    [Money('41.67', 'RUB')]
    """
    items = _money_list(amounts)
    if isinstance(rates, (str, bytes)) or not isinstance(rates, Iterable):
        raise InvoicingError("rates", rates, "a sequence of rates, one per amount")
    rs = [checks.rate(f"rates[{i}]", r, error=InvoicingError) for i, r in enumerate(rates)]
    if len(rs) != len(items):
        raise InvoicingError("rates", list(rates), f"one rate per amount ({len(items)})")
    checks.flag("prices_include_tax", prices_include_tax, error=InvoicingError)
    mode = _rounding(tax_rounding)
    policy = rounding
    keys: list[Hashable] = list(rs) if groups is None else list(groups)
    if len(keys) != len(items):
        raise InvoicingError("groups", groups, f"one group key per amount ({len(items)})")
    for i, m in enumerate(items):
        if policy.round(m).amount != m.amount:
            raise InvoicingError(
                f"amounts[{i}]",
                m,
                f"a whole number of minor units ({policy.digits(m.currency)} decimal places): "
                "round the line first",
            )
    if not items:
        return []
    cur = items[0].currency
    with decimal.localcontext(CONTEXT):
        exact = [
            (m.amount * r / (1 + r)) if prices_include_tax else (m.amount * r)
            for m, r in zip(items, rs, strict=True)
        ]
        taxes = [policy.round_amount(e, cur) for e in exact]
        if mode is TaxRounding.PER_DOCUMENT:
            members: dict[Hashable, list[int]] = {}
            for i, key in enumerate(keys):
                members.setdefault(key, []).append(i)
            for idx in members.values():
                group_rates = {rs[i] for i in idx}
                if len(group_rates) != 1:
                    raise InvoicingError(
                        "groups", [keys[i] for i in idx], "groups of lines sharing one rate"
                    )
                (r,) = group_rates
                total = sum((items[i].amount for i in idx), _ZERO)
                base = total * r / (1 + r) if prices_include_tax else total * r
                tax = policy.round_amount(base, cur)
                parts = _split(
                    tax,
                    [items[i].amount for i in idx],
                    [exact[i] for i in idx],
                    [taxes[i] for i in idx],
                    cur,
                    policy,
                )
                for i, part in zip(idx, parts, strict=True):
                    taxes[i] = part
        result = []
        for m, r, t in zip(items, rs, taxes, strict=True):
            if prices_include_tax:
                gross, net = m.amount, m.amount - t
            else:
                net, gross = m.amount, m.amount + t
            result.append(
                TaxSplit(net=Money(net, cur), tax=Money(t, cur), gross=Money(gross, cur), rate=r)
            )
        return result


def _split(
    tax: Decimal,
    weights: list[Decimal],
    exact: list[Decimal],
    rounded: list[Decimal],
    currency: object,
    policy: RoundingPolicy,
) -> list[Decimal]:
    """Split a group's rounded ``tax`` over its lines so the parts add up."""
    from moneyed import Currency

    assert isinstance(currency, Currency)
    if all(w >= 0 for w in weights) or all(w <= 0 for w in weights):
        if not any(weights):
            return [tax * 0 for _ in weights]
        sign = -1 if any(w < 0 for w in weights) else 1
        shares = allocate(Money(tax * sign, currency), [abs(w) for w in weights], policy)
        return [share.amount * sign for share in shares]
    # Mixed signs: start from each line's own rounded tax, then move the
    # minor units still missing to the lines rounding moved furthest.
    quantum = policy.quantum(currency)
    parts = list(rounded)
    left = int((tax - sum(parts, _ZERO)) / quantum)
    step = quantum if left > 0 else -quantum
    # How far rounding moved each line against the direction we must go.
    order = sorted(range(len(parts)), key=lambda i: ((exact[i] - parts[i]) * -step, i))
    for i in order[: abs(left)]:
        parts[i] += step
    return parts


def stack_taxes(
    net: Money,
    layers: Sequence[tuple[str, DecimalLike, bool]],
    *,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> tuple[tuple[str, Money], ...]:
    """Several taxes on one tax-exclusive amount: ``(name, tax)`` per layer, in order.

    Each layer is ``(name, rate, compound)``. A tax that is not compound is
    ``net x rate``; a compound tax applies to the net plus the taxes of the
    layers before it (as Québec's QST did on the price including GST before
    2013, and as a levy charged on a VAT-inclusive price does), so only a
    compound layer's place in the order matters. Each tax is rounded on its
    own under ``rounding``; ``net`` plus the taxes is the gross.

    Québec since 2013, GST 5 % and QST 9.975 % on 100.00, neither compound:
    5.00 + 9.975 -> 9.98, 114.98 in all; before 2013, QST 8.5 % on the price
    with GST, 105.00 x 8.5 % = 8.925 -> 8.93:

    >>> cad = Money("100.00", "CAD")
    >>> stack_taxes(cad, [("GST", "5%", False), ("QST", "9.975%", False)])
    (('GST', Money('5.00', 'CAD')), ('QST', Money('9.98', 'CAD')))
    >>> stack_taxes(cad, [("GST", "5%", False), ("QST", "8.5%", True)])
    (('GST', Money('5.00', 'CAD')), ('QST', Money('8.93', 'CAD')))
    """
    base = checks.money("net", net, error=InvoicingError)
    policy = checks.instance("rounding", rounding, RoundingPolicy, error=InvoicingError)
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise InvoicingError("layers", layers, "a list of (name, rate, compound) layers")
    checked: list[tuple[str, Decimal, bool]] = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, tuple) or len(layer) != 3:
            raise InvoicingError(f"layers[{i}]", layer, "a (name, rate, compound) tuple")
        name = checks.text(f"layers[{i}].name", layer[0], error=InvoicingError)
        rate = checks.rate(f"layers[{i}].rate", layer[1], high=1, error=InvoicingError)
        compound = checks.flag(f"layers[{i}].compound", layer[2], error=InvoicingError)
        checked.append((name, rate, compound))
    return tuple((name, tax) for name, _, _, _, tax in _stack(base, checked, policy))


def _stack(
    net: Money, layers: Sequence[tuple[str, Decimal, bool]], policy: RoundingPolicy
) -> list[tuple[str, Decimal, bool, Money, Money]]:
    """``(name, rate, compound, base, tax)`` per layer: each tax rounded on its
    own, a compound one charged on the net plus the (rounded) taxes before it."""
    cur = net.currency
    out: list[tuple[str, Decimal, bool, Money, Money]] = []
    with decimal.localcontext(CONTEXT):
        taxed = _ZERO
        for name, rate, compound in layers:
            on = net.amount + taxed if compound else net.amount
            tax = policy.round_amount(on * rate, cur)
            taxed += tax
            out.append((name, rate, compound, Money(on, cur), Money(tax, cur)))
    return out


def apply_line_taxes(
    net: Money, taxes: Sequence[LineTax], *, rounding: RoundingPolicy = DEFAULT_ROUNDING
) -> tuple[AppliedTax, ...]:
    """A line's own taxes on its tax-exclusive ``net``, in order, under the
    rules of :func:`stack_taxes`: what the document builders put on a line
    of an :class:`~billkit.invoicing.Item` with ``taxes``.

    New York City, 100.00 of taxable services: the state's 4 % and the
    city's 4.5 % local tax plus the 0.375 % MCTD surcharge, each on the price
    (NYS publication 718, "New York State Sales and Use Tax Rates by
    Jurisdiction": 8.875 % in all), 4.00 + 4.50 + 0.375 -> 0.38:

    >>> usd = Money("100.00", "USD")
    >>> [(t.name, t.amount) for t in apply_line_taxes(usd, [
    ...     LineTax(name="NY State", rate="4%"), LineTax(name="NYC", rate="4.5%"),
    ...     LineTax(name="MCTD", rate="0.375%")])]
    [('NY State', Money('4.00', 'USD')), ('NYC', Money('4.50', 'USD')), ('MCTD', Money('0.38', 'USD'))]
    """
    base = checks.money("net", net, error=InvoicingError)
    policy = checks.instance("rounding", rounding, RoundingPolicy, error=InvoicingError)
    layers = checks.tuple_of("taxes", taxes, LineTax, error=InvoicingError)
    return tuple(
        AppliedTax(name=name, rate=rate, compound=compound, base=on, amount=tax)
        for name, rate, compound, on, tax in _stack(
            base, [(t.name, t.rate, t.compound) for t in layers], policy
        )
    )
