"""Building documents from quotes, ledger entries and parties.

Every builder is a pure function: the same items, parties and dates give the
same document. Lines are priced once (``quantity x unit_price``, rounded to
the minor unit, unless the item brings its amount, as a quote's lines do),
taxed by :func:`~billkit.invoicing.compute_taxes` with the rate in force on
the document's tax date, grouped per tax category, rate and treatment, and
totalled. Each line keeps the explanation of its amount.

* :func:`build_invoice`, :func:`build_proforma`, :func:`build_act`,
  :func:`build_receipt` from :class:`Item`\\ s; :func:`items_from_quote`
  turns a quote (or a discounted quote) into items, :func:`items_from_expenses`
  the ledger's expense rows;
* :func:`advance_invoice`: an invoice for an amount the customer types;
* :func:`invoice_from_proforma`: the official invoice of an approved proforma;
* :func:`credit_limit_invoice`: a credit-limit statement as an invoice;
* :func:`build_credit_note`: a refund or correction, never above what is
  left of the original, per line and per tax rate;
* :func:`receipt_for`: the receipt of a payment of an invoice;
* :func:`build_reconciliation`: a reconciliation statement from a ledger;
* :func:`due_date` and :func:`before_month_end`: payment terms and the day
  invoices go out.

The hosting provider's cart, 250.00 RUB including 20 % VAT:

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.parties import Party
>>> seller = Party(kind="legal_entity", country="RU", name="ООО Хостинг")
>>> buyer = Party(kind="individual", country="RU", name="Аня Банана")
>>> invoice = build_invoice(
...     [Item(description="VPS-1, месяц", unit="мес.", unit_price=Money("250.00", "RUB"))],
...     seller=seller, buyer=buyer, number="17", issue_date=date(2025, 3, 1),
...     prices_include_tax=True, locale="ru_RU", rules=None,
... )
>>> invoice.totals
Totals(net=Money('208.33', 'RUB'), tax=Money('41.67', 'RUB'), gross=Money('250.00', 'RUB'))
"""

from __future__ import annotations

import calendar
import decimal
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Final, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from moneyed import Currency, Money

from billkit.credit.ledger import Expense, Ledger
from billkit.credit.limit import Statement
from billkit.errors import InvoicingError
from billkit.invoicing.documents import (
    Act,
    CreditNote,
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
    _Billed,
)
from billkit.invoicing.tax import (
    DEFAULT_TAXES,
    TaxRounding,
    TaxTable,
    TaxTreatment,
    compute_taxes,
)
from billkit.money import CONTEXT, DEFAULT_ROUNDING, RoundingPolicy, allocate, to_decimal
from billkit.parties import DEFAULT_RULES, Party, PartyRules, check_party
from billkit.periods import Period
from billkit.pricing.discounts import DiscountedQuote
from billkit.pricing.models import Flat, Percentage
from billkit.pricing.plans import PercentOf
from billkit.pricing.quote import Quote

__all__ = [
    "Item",
    "advance_invoice",
    "before_month_end",
    "build_act",
    "build_credit_note",
    "build_invoice",
    "build_proforma",
    "build_receipt",
    "build_reconciliation",
    "credit_limit_invoice",
    "due_date",
    "invoice_from_proforma",
    "items_from_expenses",
    "items_from_quote",
    "receipt_for",
]

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)


def _text(field: str, value: object, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise InvoicingError(field, value, "a str")
    if required and not value.strip():
        raise InvoicingError(field, value, "a non-empty str")
    return value


def _optional_money(field: str, value: object) -> Money | None:
    if value is None:
        return None
    if not isinstance(value, Money):
        raise InvoicingError(field, value, "a Money or None")
    to_decimal(value.amount, field)
    return value


def _treatment(value: object) -> TaxTreatment:
    try:
        return TaxTreatment(value)
    except ValueError:
        choices = ", ".join(repr(t.value) for t in TaxTreatment)
        raise InvoicingError("treatment", value, f"one of {choices}") from None


def _explanation(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    if not isinstance(value, Iterable):
        raise InvoicingError("explanation", value, "a sequence of str")
    items = tuple(value)
    for i, item in enumerate(items):
        _text(f"explanation[{i}]", item)
    return items


def _optional_period(value: object) -> Period | None:
    if value is not None and not isinstance(value, Period):
        raise InvoicingError("period", value, "a Period or None")
    return value


# Named converters (mypy's attrs plugin needs named functions).


def _c_amount_opt_money(value: object) -> Money | None:
    return _optional_money("amount", value)


def _c_code(value: object) -> str:
    return _text("code", value)


def _c_description_required(value: object) -> str:
    return _text("description", value, required=True)


def _c_quantity_to_decimal(value: object) -> Decimal:
    return to_decimal(value, "quantity")


def _c_tax_category_required(value: object) -> str:
    return _text("tax_category", value, required=True)


def _c_unit(value: object) -> str:
    return _text("unit", value)


def _c_unit_price_opt_money(value: object) -> Money | None:
    return _optional_money("unit_price", value)


@attrs.frozen(kw_only=True)
class Item:
    """What to bill on one line, before tax.

    Give a ``unit_price`` (the line is ``quantity x unit_price``, rounded to
    the minor unit) or the line's ``amount`` when it is already computed (a
    quote's line: its ``unit_price`` may then be shown for reference, or be
    ``None`` when no single price applies). Prices are tax-exclusive or
    inclusive as the document says. ``tax_category`` picks the rate from the
    tax table (``'standard'``, ``'reduced'``...); ``treatment`` marks
    zero-rated, exempt, reverse-charge and not-subject lines.

    >>> Item(description="Extra contacts, 3 blocks of 100", quantity=3, unit="block",
    ...      unit_price=Money("15.00", "EUR")).quantity
    Decimal('3')
    >>> Item(description="Nothing")
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: unit_price = None: expected a unit price or an amount for line 'Nothing'
    """

    description: str = attrs.field(converter=_c_description_required)
    unit_price: Money | None = attrs.field(default=None, converter=_c_unit_price_opt_money)
    quantity: Decimal = attrs.field(default=_ONE, converter=_c_quantity_to_decimal)
    amount: Money | None = attrs.field(default=None, converter=_c_amount_opt_money)
    unit: str = attrs.field(default="", converter=_c_unit)
    tax_category: str = attrs.field(default="standard", converter=_c_tax_category_required)
    treatment: TaxTreatment = attrs.field(default=TaxTreatment.STANDARD, converter=_treatment)
    code: str = attrs.field(default="", converter=_c_code)
    explanation: tuple[str, ...] = attrs.field(default=(), converter=_explanation)
    period: Period | None = attrs.field(default=None, converter=_optional_period)

    def __attrs_post_init__(self) -> None:
        if self.unit_price is None and self.amount is None:
            raise InvoicingError(
                "unit_price", None, f"a unit price or an amount for line {self.description!r}"
            )
        if (
            self.unit_price is not None
            and self.amount is not None
            and self.unit_price.currency != self.amount.currency
        ):
            raise InvoicingError(
                "unit_price", self.unit_price, f"an amount in {self.amount.currency.code}"
            )

    @property
    def currency(self) -> Currency:
        """The currency of the item's amount or unit price."""
        money = self.amount if self.amount is not None else self.unit_price
        assert money is not None
        return money.currency


def _fmt(value: Decimal) -> str:
    return format(value, "f")


def _pct(rate: Decimal) -> str:
    return format(CONTEXT.multiply(rate, 100).normalize(CONTEXT), "f")


def items_from_quote(
    quote: Quote | DiscountedQuote,
    *,
    tax_category: str = "standard",
    treatment: TaxTreatment | str = TaxTreatment.STANDARD,
    drop_zero: bool = False,
) -> tuple[Item, ...]:
    """A quote's lines as items, each with its explanation and the quote's period.

    The line amounts are the quote's (already rounded under the plan's
    policy); the explanation keeps how each was reached (free units taken
    off, the tiers or steps, a discount). A :class:`~billkit.pricing.DiscountedQuote`
    gives its discounted amounts. A line shows a unit price only where
    quantity times price is its exact amount (per-unit and volume lines);
    flat, percentage and base-fee lines are one unit of their amount. With
    ``drop_zero``, lines that bill nothing are left out.

    >>> from billkit.periods import Period
    >>> from billkit.pricing import Charge, Plan, PerUnit, quote
    >>> plan = Plan(code="email-start", name="Email Start", currency="UAH",
    ...             base_fee=Money("300.00", "UAH"),
    ...             charges=[Charge(code="emails", metric="emails_sent", included=2500,
    ...                             description="Promotional emails",
    ...                             model=PerUnit(unit_price=Money("0.125", "UAH")))])
    >>> q = quote(plan, {"emails_sent": 4001}, Period(date(2026, 3, 1), date(2026, 4, 1)))
    >>> for item in items_from_quote(q):
    ...     print(item.description, item.quantity, item.unit_price.amount, item.amount.amount)
    ...     print("   ", item.explanation)
    Email Start 1 300.00 300.00
        ('base fee: 1 x 300.00 = 300.00',)
    Promotional emails 1501 0.125 187.63
        ('4001 - 2500 included = 1501', 'per unit: 1501 x 0.125 = 187.625')
    """
    discounted: dict[str, tuple[Money, Money]] = {}
    if isinstance(quote, DiscountedQuote):
        for dline in quote.lines:
            discounted[dline.code] = (dline.net, dline.discount)
        base = quote.quote
    elif isinstance(quote, Quote):
        base = quote
    else:
        raise InvoicingError("quote", quote, "a Quote or a DiscountedQuote")
    if not isinstance(drop_zero, bool):
        raise InvoicingError("drop_zero", drop_zero, "True or False")
    items = []
    for line in base.lines:
        amount = line.amount
        explanation: list[str] = []
        if line.included:
            explanation.append(
                f"{_fmt(line.quantity)} - {_fmt(line.included)} included = {_fmt(line.billable)}"
            )
        if line.breakdown.note:
            explanation.append(line.breakdown.note)
        explanation.extend(str(step) for step in line.steps)
        if line.code in discounted:
            amount, discount = discounted[line.code]
            if discount.amount:
                explanation.append(
                    f"discount -{_fmt(discount.amount)}: {_fmt(line.amount.amount)} -> "
                    f"{_fmt(amount.amount)}"
                )
        if drop_zero and not amount.amount:
            continue
        # Show a quantity and a unit price only where one times the other is
        # the line's exact amount: a flat or percentage charge is one unit of
        # its amount; a package or graduated line shows its billable units and
        # leaves the price to the explanation.
        whole = isinstance(line.source, (Percentage, PercentOf, Flat)) or line.kind == "base"
        quantity = _ONE if whole else line.billable
        unit_price = line.unit_price
        if unit_price is not None and (
            CONTEXT.multiply(quantity, unit_price.amount) != line.exact.amount
        ):
            unit_price = None
        items.append(
            Item(
                description=line.description,
                quantity=quantity,
                unit_price=unit_price,
                amount=amount,
                tax_category=tax_category,
                treatment=treatment,
                code=line.code,
                explanation=explanation,
                period=base.period,
            )
        )
    return tuple(items)


def items_from_expenses(
    expenses: Sequence[Expense],
    *,
    unpaid_only: bool = False,
    tax_category: str = "standard",
    treatment: TaxTreatment | str = TaxTreatment.STANDARD,
    policy: RoundingPolicy = DEFAULT_ROUNDING,
) -> tuple[Item, ...]:
    """The ledger's expense rows as items, their amounts in whole minor units.

    Expenses may be finer than the currency (the hosting provider bills
    22.4137 RUB): their total is rounded once and split over the rows in
    proportion by the largest remainder, so the items add up to the rounded
    total. With ``unpaid_only``, each row's unpaid part is billed (rows
    fully paid are left out). Each item's explanation says what it was.

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Ledger, Wallet, CreditLine
    >>> t = lambda day: datetime(2024, 2, day, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB",
    ...                                 credit=CreditLine(limit=Money("1000.00", "RUB")))])
    >>> for key, amount in [("4835", "21.3464"), ("4836", "22.4137"), ("4837", "34.4827"),
    ...                     ("4839", "22.4137")]:
    ...     ledger = ledger.charge("main", amount, at=t(21), key=key, description="BACKUP-1000")
    >>> [str(i.amount.amount) for i in items_from_expenses(ledger.expenses("main"))]
    ['21.35', '22.42', '34.48', '22.41']

    (100.6565 rounds to 100.66; the shares 21.3471, 22.4145, 34.4839, 22.4145
    floor to 100.64, and the two cents left go to the largest remainders:
    21.3471 and the first 22.4145.)
    """
    rows = list(expenses)
    for i, row in enumerate(rows):
        if not isinstance(row, Expense):
            raise InvoicingError(f"expenses[{i}]", row, "an Expense")
    if unpaid_only:
        rows = [row for row in rows if row.unpaid.amount]
    if not rows:
        return ()
    cur = rows[0].amount.currency
    exact = []
    for i, row in enumerate(rows):
        value = row.unpaid if unpaid_only else row.amount
        if value.currency != cur:
            raise InvoicingError(f"expenses[{i}]", row.amount, f"an amount in {cur.code}")
        exact.append(value.amount)
    with decimal.localcontext(CONTEXT):
        total = policy.round_amount(sum(exact, _ZERO), cur)
        if total < 0 or any(e < 0 for e in exact):
            raise InvoicingError("expenses", [str(e) for e in exact], "expenses of zero or more")
        parts = (
            allocate(Money(total, cur), exact, policy)
            if any(exact)
            else [Money(total, cur) for _ in exact]
        )
    items = []
    for row, part, figure in zip(rows, parts, exact, strict=True):
        day = row.at.date().isoformat()
        note = f"{row.key} {day}: {_fmt(figure)} {cur.code}"
        if row.paid_by:
            note += f", paid by {', '.join(row.paid_by)}"
        items.append(
            Item(
                description=row.description or row.key,
                amount=part,
                unit_price=part,
                tax_category=tax_category,
                treatment=treatment,
                code=row.key,
                explanation=(note,),
            )
        )
    return tuple(items)


# --------------------------------------------------------------------------- dates


def due_date(issue_date: date, days: int) -> date:
    """The last day to pay: ``days`` calendar days after ``issue_date``.

    The attribution SaaS gives 10 days to pay from issue:

    >>> due_date(date(2026, 3, 25), 10)
    datetime.date(2026, 4, 4)
    """
    day = _date("issue_date", issue_date)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3660:
        raise InvoicingError("days", days, "a whole number of days from 0 to 3660")
    return day + timedelta(days=days)


def before_month_end(year: int, month: int, days: int = 10) -> date:
    """The day ``days`` days before the last day of ``year``-``month``.

    The analytics SaaS issues legal entities' invoices 10 days before the end
    of each month: on the 21st of a 31-day month, the 20th of a 30-day month
    and the 18th of February (19th in a leap year).

    >>> before_month_end(2026, 1), before_month_end(2026, 4), before_month_end(2026, 2)
    (datetime.date(2026, 1, 21), datetime.date(2026, 4, 20), datetime.date(2026, 2, 18))
    >>> before_month_end(2028, 2)
    datetime.date(2028, 2, 19)
    """
    for field, value, low, high in (("year", year, 1, 9999), ("month", month, 1, 12)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvoicingError(field, value, f"a whole number from {low} to {high}")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 27:
        raise InvoicingError("days", days, "a whole number of days from 0 to 27")
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last - days)


def _date(field: str, value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvoicingError(field, value, "a datetime.date")
    return value


# --------------------------------------------------------------------------- assembly


def _policy(value: object) -> RoundingPolicy:
    if not isinstance(value, RoundingPolicy):
        raise InvoicingError("policy", value, "a RoundingPolicy")
    return value


def _party(role: str, value: object, rules: PartyRules | None) -> Party:
    if not isinstance(value, Party):
        raise InvoicingError(role, value, "a Party")
    if rules is not None:
        if not isinstance(rules, PartyRules):
            raise InvoicingError("rules", rules, "a PartyRules or None")
        check_party(value, rules, role=role)
    return value


def _items(value: object) -> list[Item]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvoicingError("items", value, "a sequence of Item")
    items = list(value)
    if not items:
        raise InvoicingError("items", items, "at least one item")
    for i, item in enumerate(items):
        if not isinstance(item, Item):
            raise InvoicingError(f"items[{i}]", item, "an Item")
        if item.currency != items[0].currency:
            raise InvoicingError(
                f"items[{i}]",
                item.amount or item.unit_price,
                f"an amount in {items[0].currency.code}",
            )
    return items


@attrs.frozen(kw_only=True)
class _Priced:
    lines: tuple[DocumentLine, ...]
    tax_groups: tuple[TaxGroup, ...]
    totals: Totals
    currency: Currency
    tax_date: date
    period: Period | None


def _price(
    items: object,
    *,
    issue_date: date,
    seller: Party,
    locale: str,
    prices_include_tax: bool,
    tax_rounding: TaxRounding | str,
    taxes: TaxTable,
    tax_country: str | None,
    tax_date: date | None,
    policy: RoundingPolicy,
) -> _Priced:
    rows = _items(items)
    if not isinstance(taxes, TaxTable):
        raise InvoicingError("taxes", taxes, "a TaxTable")
    if not isinstance(prices_include_tax, bool):
        raise InvoicingError("prices_include_tax", prices_include_tax, "True or False")
    _policy(policy)
    day = _date("tax_date", tax_date) if tax_date is not None else _date("issue_date", issue_date)
    country = seller.country if tax_country is None else tax_country
    language = locale.split("_")[0] if isinstance(locale, str) else "en"
    cur = rows[0].currency
    amounts: list[Money] = []
    rates: list[Decimal] = []
    keys: list[tuple[str, Decimal, TaxTreatment]] = []
    with decimal.localcontext(CONTEXT):
        for i, item in enumerate(rows):
            if item.amount is not None:
                amount = item.amount
                if policy.round(amount).amount != amount.amount:
                    raise InvoicingError(
                        f"items[{i}].amount",
                        amount,
                        f"a whole number of minor units ({policy.digits(cur)} decimal places)",
                    )
            else:
                assert item.unit_price is not None
                amount = policy.round(Money(item.quantity * item.unit_price.amount, cur))
            if item.treatment is TaxTreatment.STANDARD:
                rate = taxes.rate(country, item.tax_category, day).rate
                category = item.tax_category
            else:
                rate = _ZERO
                category = (
                    "zero" if item.treatment is TaxTreatment.ZERO_RATED else item.treatment.value
                )
            amounts.append(amount)
            rates.append(rate)
            keys.append((category, rate, item.treatment))
    splits = compute_taxes(
        amounts,
        rates,
        prices_include_tax=prices_include_tax,
        rounding=tax_rounding,
        groups=keys,
        policy=policy,
    )
    lines = []
    for i, (item, split, key) in enumerate(zip(rows, splits, keys, strict=True)):
        unit_price = item.unit_price
        if unit_price is None and item.quantity == 1:
            unit_price = amounts[i]
        lines.append(
            DocumentLine(
                position=i + 1,
                description=item.description,
                quantity=item.quantity,
                unit=item.unit,
                unit_price=unit_price,
                net=split.net,
                tax_rate=key[1],
                tax=split.tax,
                gross=split.gross,
                tax_category=key[0],
                treatment=key[2],
                code=item.code,
                explanation=item.explanation,
                period=item.period,
            )
        )
    groups = _group(lines, cur, lambda t: taxes.note(country, t, language))
    periods = {item.period for item in rows}
    return _Priced(
        lines=tuple(lines),
        tax_groups=groups,
        totals=_totals(groups, cur),
        currency=cur,
        tax_date=day,
        period=periods.pop() if len(periods) == 1 else None,
    )


def _group(lines: Sequence[DocumentLine], cur: Currency, note_of: object) -> tuple[TaxGroup, ...]:
    sums: dict[tuple[str, Decimal, TaxTreatment], list[Decimal]] = {}
    with decimal.localcontext(CONTEXT):
        for line in lines:
            acc = sums.setdefault(
                (line.tax_category, line.tax_rate, line.treatment), [_ZERO, _ZERO, _ZERO]
            )
            acc[0] += line.net.amount
            acc[1] += line.tax.amount
            acc[2] += line.gross.amount
    assert callable(note_of)
    return tuple(
        TaxGroup(
            category=category,
            rate=rate,
            treatment=treatment,
            net=Money(net, cur),
            tax=Money(tax, cur),
            gross=Money(gross, cur),
            note=note_of(treatment),
        )
        for (category, rate, treatment), (net, tax, gross) in sums.items()
    )


def _totals(groups: Sequence[TaxGroup], cur: Currency) -> Totals:
    with decimal.localcontext(CONTEXT):
        net = sum((g.net.amount for g in groups), _ZERO)
        tax = sum((g.tax.amount for g in groups), _ZERO)
        gross = sum((g.gross.amount for g in groups), _ZERO)
    return Totals(net=Money(net, cur), tax=Money(tax, cur), gross=Money(gross, cur))


def _due(issue_date: date, due: date | None, payment_days: int | None) -> date | None:
    if due is not None and payment_days is not None:
        raise InvoicingError("payment_days", payment_days, "None when due_date is given")
    if payment_days is not None:
        return due_date(issue_date, payment_days)
    if due is not None:
        day = _date("due_date", due)
        if day < issue_date:
            raise InvoicingError(
                "due_date", day, f"a day on or after the issue date ({issue_date})"
            )
        return day
    return None


def _payment(value: PaymentDetails | None, seller: Party) -> PaymentDetails | None:
    if value is not None:
        return value
    return PaymentDetails(bank=seller.bank) if seller.bank is not None else None


_D = TypeVar("_D", bound=_Billed)


def _common(
    cls: type[_D],
    items: object,
    *,
    seller: Party,
    buyer: Party,
    issue_date: date,
    number: str | None,
    locale: str,
    prices_include_tax: bool,
    tax_rounding: TaxRounding | str,
    taxes: TaxTable,
    tax_country: str | None,
    tax_date: date | None,
    period: Period | None,
    notes: Sequence[str] | str,
    payment: PaymentDetails | None,
    references: Sequence[DocumentRef],
    policy: RoundingPolicy,
    rules: PartyRules | None,
    **extra: object,
) -> _D:
    _party("seller", seller, rules)
    _party("buyer", buyer, rules)
    day = _date("issue_date", issue_date)
    priced = _price(
        items,
        issue_date=day,
        seller=seller,
        locale=locale,
        prices_include_tax=prices_include_tax,
        tax_rounding=tax_rounding,
        taxes=taxes,
        tax_country=tax_country,
        tax_date=tax_date,
        policy=policy,
    )
    return cls(
        number=number,
        issue_date=day,
        seller=seller,
        buyer=buyer,
        currency=priced.currency,
        locale=locale,
        lines=priced.lines,
        tax_groups=priced.tax_groups,
        totals=priced.totals,
        prices_include_tax=prices_include_tax,
        tax_rounding=tax_rounding,
        tax_date=priced.tax_date,
        period=period if period is not None else priced.period,
        notes=notes,
        payment=_payment(payment, seller),
        references=references,
        **extra,
    )


def build_invoice(
    items: Sequence[Item],
    *,
    seller: Party,
    buyer: Party,
    issue_date: date,
    number: str | None = None,
    due_date: date | None = None,
    payment_days: int | None = None,
    invoice_kind: InvoiceKind | str = InvoiceKind.ONE_OFF,
    locale: str = "en",
    prices_include_tax: bool = False,
    tax_rounding: TaxRounding | str = TaxRounding.PER_LINE,
    taxes: TaxTable = DEFAULT_TAXES,
    tax_country: str | None = None,
    tax_date: date | None = None,
    period: Period | None = None,
    notes: Sequence[str] | str = (),
    payment: PaymentDetails | None = None,
    references: Sequence[DocumentRef] = (),
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    rules: PartyRules | None = DEFAULT_RULES,
) -> Invoice:
    """An invoice for ``items`` from ``seller`` to ``buyer``.

    ``number`` is ``None`` for a draft. The due date is ``due_date``, or
    ``payment_days`` after the issue date. Tax rates are those of
    ``tax_country`` (the seller's country by default) in force on
    ``tax_date`` (the issue date by default: give the supply date when it
    differs, as for December services invoiced in January). ``payment``
    defaults to the seller's bank account. ``rules`` are the details each
    party must have (:data:`~billkit.parties.DEFAULT_RULES`; ``None`` checks
    nothing). ``policy`` rounds the lines and the tax.

    The messaging SaaS's subscription invoice, 10 days to pay:

    >>> seller = Party(kind="legal_entity", country="IT", name="Chat S.r.l.",
    ...                legal_address=None, identifiers={"it.iva": "00743110157"})
    >>> buyer = Party(kind="individual", country="IT", name="Mario Rossi",
    ...               identifiers={"it.cf": "RSSMRA85T10A562S"})
    >>> inv = build_invoice([Item(description="Growth", unit_price=Money("49.00", "EUR"))],
    ...                     seller=seller, buyer=buyer, issue_date=date(2026, 3, 1),
    ...                     number="2026/0007", payment_days=10, invoice_kind="subscription",
    ...                     rules=None)
    >>> inv.due_date, inv.tax_groups[0].rate, inv.totals.gross
    (datetime.date(2026, 3, 11), Decimal('0.22'), Money('59.78', 'EUR'))
    """
    day = _date("issue_date", issue_date)
    return _common(
        Invoice,
        items,
        seller=seller,
        buyer=buyer,
        issue_date=day,
        number=number,
        locale=locale,
        prices_include_tax=prices_include_tax,
        tax_rounding=tax_rounding,
        taxes=taxes,
        tax_country=tax_country,
        tax_date=tax_date,
        period=period,
        notes=notes,
        payment=payment,
        references=references,
        policy=policy,
        rules=rules,
        invoice_kind=invoice_kind,
        due_date=_due(day, due_date, payment_days),
    )


def build_proforma(
    items: Sequence[Item],
    *,
    seller: Party,
    buyer: Party,
    issue_date: date,
    number: str | None = None,
    due_date: date | None = None,
    payment_days: int | None = None,
    locale: str = "en",
    prices_include_tax: bool = False,
    tax_rounding: TaxRounding | str = TaxRounding.PER_LINE,
    taxes: TaxTable = DEFAULT_TAXES,
    tax_country: str | None = None,
    tax_date: date | None = None,
    period: Period | None = None,
    notes: Sequence[str] | str = (),
    payment: PaymentDetails | None = None,
    references: Sequence[DocumentRef] = (),
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    rules: PartyRules | None = DEFAULT_RULES,
) -> Proforma:
    """A proforma for ``items``: the attribution SaaS issues one at the end
    of each 30-day period for the customer to approve. Arguments as for
    :func:`build_invoice`.

    >>> seller = Party(kind="legal_entity", country="IR", name="Metrix")
    >>> buyer = Party(kind="individual", country="IR", name="Sara", identifiers={"ir.national_id": "0499370899"})
    >>> irr = RoundingPolicy(minor_units={"IRR": 0})
    >>> pf = build_proforma([Item(description="Attribution, plan M", unit_price=Money("150000000", "IRR"))],
    ...                     seller=seller, buyer=buyer, issue_date=date(2024, 4, 1), number="PF-1",
    ...                     policy=irr, locale="fa_IR", rules=None)
    >>> pf.totals.tax   # 10 % from 1403/01/01
    Money('15000000', 'IRR')
    """
    day = _date("issue_date", issue_date)
    return _common(
        Proforma,
        items,
        seller=seller,
        buyer=buyer,
        issue_date=day,
        number=number,
        locale=locale,
        prices_include_tax=prices_include_tax,
        tax_rounding=tax_rounding,
        taxes=taxes,
        tax_country=tax_country,
        tax_date=tax_date,
        period=period,
        notes=notes,
        payment=payment,
        references=references,
        policy=policy,
        rules=rules,
        due_date=_due(day, due_date, payment_days),
    )


def build_act(
    items: Sequence[Item],
    *,
    seller: Party,
    buyer: Party,
    issue_date: date,
    number: str | None = None,
    locale: str = "en",
    prices_include_tax: bool = False,
    tax_rounding: TaxRounding | str = TaxRounding.PER_LINE,
    taxes: TaxTable = DEFAULT_TAXES,
    tax_country: str | None = None,
    tax_date: date | None = None,
    period: Period | None = None,
    notes: Sequence[str] | str = (),
    payment: PaymentDetails | None = None,
    references: Sequence[DocumentRef] = (),
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    rules: PartyRules | None = DEFAULT_RULES,
) -> Act:
    """An act of completed work for ``items`` (the services of ``period``).
    Arguments as for :func:`build_invoice`; an act has no due date.

    >>> seller = Party(kind="legal_entity", country="RU", name="ООО Аналитика")
    >>> buyer = Party(kind="legal_entity", country="RU", name="ООО Клиент")
    >>> act = build_act([Item(description="Тариф «Про», январь", unit_price=Money("10000.00", "RUB"))],
    ...                 seller=seller, buyer=buyer, issue_date=date(2026, 1, 31), number="A-12",
    ...                 prices_include_tax=True, locale="ru_RU", rules=None)
    >>> act.kind.value, act.totals.tax   # 10 000 x 22 / 122 = 1 803.278... -> 1 803.28
    ('act', Money('1803.28', 'RUB'))
    """
    day = _date("issue_date", issue_date)
    return _common(
        Act,
        items,
        seller=seller,
        buyer=buyer,
        issue_date=day,
        number=number,
        locale=locale,
        prices_include_tax=prices_include_tax,
        tax_rounding=tax_rounding,
        taxes=taxes,
        tax_country=tax_country,
        tax_date=tax_date,
        period=period,
        notes=notes,
        payment=payment,
        references=references,
        policy=policy,
        rules=rules,
    )


def build_receipt(
    items: Sequence[Item],
    *,
    seller: Party,
    buyer: Party,
    issue_date: date,
    paid_on: date,
    number: str | None = None,
    method: str = "",
    payment_reference: str = "",
    locale: str = "en",
    prices_include_tax: bool = True,
    tax_rounding: TaxRounding | str = TaxRounding.PER_LINE,
    taxes: TaxTable = DEFAULT_TAXES,
    tax_country: str | None = None,
    tax_date: date | None = None,
    period: Period | None = None,
    notes: Sequence[str] | str = (),
    references: Sequence[DocumentRef] = (),
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    rules: PartyRules | None = DEFAULT_RULES,
) -> Receipt:
    """A receipt for a payment of ``items`` made on ``paid_on`` by ``method``.
    Prices include tax by default (a receipt shows what was paid).

    >>> seller = Party(kind="legal_entity", country="UA", name='ТОВ "Розсилка"')
    >>> buyer = Party(kind="individual", country="UA", name="Олена Коваль")
    >>> r = build_receipt([Item(description="Поповнення балансу", unit_price=Money("1200.00", "UAH"))],
    ...                   seller=seller, buyer=buyer, issue_date=date(2026, 3, 2),
    ...                   paid_on=date(2026, 3, 2), method="card", number="R-5", rules=None)
    >>> r.totals.tax   # 1 200 x 20 / 120
    Money('200.00', 'UAH')
    """
    day = _date("issue_date", issue_date)
    return _common(
        Receipt,
        items,
        seller=seller,
        buyer=buyer,
        issue_date=day,
        number=number,
        locale=locale,
        prices_include_tax=prices_include_tax,
        tax_rounding=tax_rounding,
        taxes=taxes,
        tax_country=tax_country,
        tax_date=tax_date,
        period=period,
        notes=notes,
        payment=None,
        references=references,
        policy=policy,
        rules=rules,
        paid_on=_date("paid_on", paid_on),
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
    *,
    seller: Party,
    buyer: Party,
    issue_date: date,
    number: str | None = None,
    description: str | None = None,
    due_date: date | None = None,
    payment_days: int | None = None,
    locale: str = "en",
    prices_include_tax: bool = True,
    taxes: TaxTable = DEFAULT_TAXES,
    tax_category: str = "standard",
    tax_country: str | None = None,
    tax_date: date | None = None,
    notes: Sequence[str] | str = (),
    payment: PaymentDetails | None = None,
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    rules: PartyRules | None = DEFAULT_RULES,
) -> Invoice:
    """An invoice for an amount the customer types: an advance payment to top
    up the balance (the analytics SaaS's invoices for legal entities).

    The amount is what the customer pays, tax included unless
    ``prices_include_tax=False``; it must be above zero and a whole number of
    minor units. The line reads "Advance payment" in the document's language
    unless ``description`` says otherwise.

    >>> seller = Party(kind="legal_entity", country="RU", name="ООО Аналитика")
    >>> buyer = Party(kind="legal_entity", country="RU", name="ООО Клиент")
    >>> inv = advance_invoice(Money("90000.00", "RUB"), seller=seller, buyer=buyer,
    ...                       issue_date=before_month_end(2026, 3), number="2026-0101",
    ...                       locale="ru_RU", payment_days=10, rules=None)
    >>> inv.lines[0].description, inv.issue_date, inv.totals.tax  # 90 000 x 22 / 122 = 16 229.508...
    ('Авансовый платеж', datetime.date(2026, 3, 21), Money('16229.51', 'RUB'))
    """
    if not isinstance(amount, Money):
        raise InvoicingError("amount", amount, "a Money")
    if amount.amount <= 0:
        raise InvoicingError("amount", amount, "an amount above zero")
    if description is None:
        language = locale.split("_")[0] if isinstance(locale, str) else "en"
        description = _ADVANCE.get(language, _ADVANCE["en"])
    item = Item(description=description, amount=amount, tax_category=tax_category)
    return build_invoice(
        [item],
        seller=seller,
        buyer=buyer,
        issue_date=issue_date,
        number=number,
        due_date=due_date,
        payment_days=payment_days,
        invoice_kind=InvoiceKind.ADVANCE_PAYMENT,
        locale=locale,
        prices_include_tax=prices_include_tax,
        taxes=taxes,
        tax_country=tax_country,
        tax_date=tax_date,
        notes=notes,
        payment=payment,
        policy=policy,
        rules=rules,
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

    >>> seller = Party(kind="legal_entity", country="IR", name="Metrix")
    >>> buyer = Party(kind="legal_entity", country="IR", name="Digikala")
    >>> irr = RoundingPolicy(minor_units={"IRR": 0})
    >>> pf = build_proforma([Item(description="Attribution", unit_price=Money("1000000", "IRR"))],
    ...                     seller=seller, buyer=buyer, issue_date=date(2024, 3, 19), number="PF-9",
    ...                     policy=irr, rules=None)
    >>> inv = invoice_from_proforma(pf, number="F-31", issue_date=date(2024, 3, 21), payment_days=10)
    >>> inv.totals.tax, inv.due_date, inv.references[0].number   # 9 %: supplied in 1402
    (Money('90000', 'IRR'), datetime.date(2024, 3, 31), 'PF-9')
    """
    if not isinstance(proforma, Proforma):
        raise InvoicingError("proforma", proforma, "a Proforma")
    if proforma.number is None:
        raise InvoicingError("proforma.number", None, "an issued proforma (with a number)")
    day = _date("issue_date", issue_date)
    if day < proforma.issue_date:
        raise InvoicingError(
            "issue_date", day, f"a day on or after the proforma's ({proforma.issue_date})"
        )
    return Invoice(
        number=_text("number", number, required=True),
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
        invoice_kind=invoice_kind,
        due_date=_due(day, due_date, payment_days),
    )


def credit_limit_invoice(
    ledger: Ledger,
    statement: Statement,
    *,
    seller: Party,
    buyer: Party,
    number: str | None = None,
    locale: str = "en",
    prices_include_tax: bool = True,
    tax_rounding: TaxRounding | str = TaxRounding.PER_DOCUMENT,
    taxes: TaxTable = DEFAULT_TAXES,
    tax_category: str = "standard",
    tax_country: str | None = None,
    tax_date: date | None = None,
    notes: Sequence[str] | str = (),
    payment: PaymentDetails | None = None,
    rules: PartyRules | None = DEFAULT_RULES,
) -> Invoice:
    """The invoice of a credit-limit statement: the expenses bought on credit
    and unpaid when it was issued, due on its due date.

    The lines are the statement's charges, each with its unpaid part at
    issue, split from the statement's rounded amount (so the invoice's total
    is exactly the statement's amount). Prices include tax and the tax is
    rounded per document by default, as the hosting provider shows it. The
    tax date defaults to the last day before issue (the month the services
    were bought). Whether it is to pay, partially paid or paid is the
    statement's :attr:`~billkit.credit.Statement.state`, from the ledger.

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import CreditLine, Wallet
    >>> line = CreditLine(limit=Money("5000.00", "RUB"))
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
    >>> ledger = ledger.charge("main", "1200.00", at=datetime(2025, 12, 10, tzinfo=timezone.utc),
    ...                        key="vps-dec", description="VPS-2, декабрь")
    >>> (statement,) = ledger.statements("main", date(2026, 1, 1))
    >>> seller = Party(kind="legal_entity", country="RU", name="ООО Хостинг")
    >>> buyer = Party(kind="legal_entity", country="RU", name="ООО Клиент")
    >>> inv = credit_limit_invoice(ledger, statement, seller=seller, buyer=buyer, number="CL-1",
    ...                            rules=None)
    >>> inv.issue_date, inv.due_date, inv.totals.gross, inv.totals.tax  # 20 % in December 2025
    (datetime.date(2026, 1, 1), datetime.date(2026, 1, 15), Money('1200.00', 'RUB'), Money('200.00', 'RUB'))
    """
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
        rows, unpaid_only=True, tax_category=tax_category, policy=ledger.rounding
    )
    with decimal.localcontext(CONTEXT):
        total = sum((i.amount.amount for i in items if i.amount is not None), _ZERO)
    if total != statement.amount.amount:  # pragma: no cover - the ledger rounds the same way
        raise InvoicingError("statement.amount", statement.amount, f"the unpaid charges, {total}")
    issue = statement.issued_on
    return build_invoice(
        items,
        seller=seller,
        buyer=buyer,
        issue_date=issue,
        number=number,
        due_date=statement.due_on,
        invoice_kind=InvoiceKind.CREDIT_LIMIT_STATEMENT,
        locale=locale,
        prices_include_tax=prices_include_tax,
        tax_rounding=tax_rounding,
        taxes=taxes,
        tax_country=tax_country,
        tax_date=tax_date if tax_date is not None else issue - timedelta(days=1),
        notes=notes,
        payment=payment,
        policy=ledger.rounding,
        rules=rules,
    )


# --------------------------------------------------------------------------- credit notes


_PARTIAL: Final = {
    "en": "Partial credit of {kind} {number}",
    "ru": "Частичный возврат по документу № {number}",
    "uk": "Часткове повернення за документом № {number}",
    "it": "Nota di credito parziale per {number}",
    "fa": "اعتبار جزئی سند {number}",
}


def _credited(
    previous: Sequence[CreditNote], original: _Billed
) -> tuple[dict[int, list[Decimal]], dict[tuple[str, Decimal, TaxTreatment], list[Decimal]]]:
    """What earlier credit notes took: per original line (quantity, net, tax,
    gross) and per tax group (net, tax, gross)."""
    ref = original.ref
    per_line: dict[int, list[Decimal]] = {}
    per_group: dict[tuple[str, Decimal, TaxTreatment], list[Decimal]] = {}
    if isinstance(previous, (str, bytes)) or not isinstance(previous, Iterable):
        raise InvoicingError("previous", previous, "a sequence of CreditNote")
    seen: set[str | None] = set()
    for i, note in enumerate(previous):
        if not isinstance(note, CreditNote):
            raise InvoicingError(f"previous[{i}]", note, "a CreditNote")
        if note.corrects != ref:
            raise InvoicingError(
                f"previous[{i}].corrects", note.corrects, f"a reference to {ref.number}"
            )
        if note.number in seen:
            raise InvoicingError(f"previous[{i}].number", note.number, "each credit note once")
        seen.add(note.number)
        for line in note.lines:
            key = (line.tax_category, line.tax_rate, line.treatment)
            acc = per_group.setdefault(key, [_ZERO, _ZERO, _ZERO])
            acc[0] += line.net.amount
            acc[1] += line.tax.amount
            acc[2] += line.gross.amount
            if line.corrects_line is not None:
                lacc = per_line.setdefault(line.corrects_line, [_ZERO, _ZERO, _ZERO, _ZERO])
                lacc[0] += line.quantity
                lacc[1] += line.net.amount
                lacc[2] += line.tax.amount
                lacc[3] += line.gross.amount
    return per_line, per_group


def _share(
    value: Decimal, part: Decimal, whole: Decimal, cur: Currency, policy: RoundingPolicy
) -> Decimal:
    """``value x part / whole`` rounded, never beyond ``value`` in size."""
    if part == whole:
        return value
    share = policy.round_amount(value * part / whole, cur)
    return min(share, value) if value >= 0 else max(share, value)


def build_credit_note(
    original: Invoice | Act | Receipt,
    *,
    number: str | None,
    issue_date: date,
    reason: str = "",
    lines: Mapping[int, object] | Sequence[int] | None = None,
    amount: Money | None = None,
    previous: Sequence[CreditNote] = (),
    description: str | None = None,
    locale: str | None = None,
    notes: Sequence[str] | str = (),
    policy: RoundingPolicy = DEFAULT_ROUNDING,
) -> CreditNote:
    """A credit note refunding or correcting an issued ``original``.

    Three ways to say what is credited:

    * neither ``lines`` nor ``amount``: everything not yet credited (a full
      refund, a voided sale);
    * ``lines``: the positions of the original lines to credit in full, or a
      mapping of position to the quantity to credit (3 of 5 months); a
      partial quantity credits that share of the line's amounts;
    * ``amount``: a gross amount (tax included) spread over the original's
      tax rates in proportion to what is left of each (a partial refund).

    ``previous`` are the credit notes already issued against ``original``:
    nothing is ever credited beyond what is left of a line, of a tax rate or
    of the whole document, whatever the order of the credits; a request for
    more is refused. The credit note has the original's parties, currency,
    locale and tax rates; amounts are positive.

    >>> seller = Party(kind="legal_entity", country="IT", name="Chat S.r.l.")
    >>> buyer = Party(kind="legal_entity", country="IT", name="Cliente S.p.A.")
    >>> inv = build_invoice([Item(description="Growth", unit_price=Money("100.00", "EUR"))],
    ...                     seller=seller, buyer=buyer, issue_date=date(2026, 3, 1), number="7",
    ...                     rules=None)
    >>> first = build_credit_note(inv, number="NC-1", issue_date=date(2026, 3, 5),
    ...                           amount=Money("61.00", "EUR"), reason="goodwill")
    >>> first.totals   # 61.00 of 122.00: half of the net and of the tax
    Totals(net=Money('50.00', 'EUR'), tax=Money('11.00', 'EUR'), gross=Money('61.00', 'EUR'))
    >>> build_credit_note(inv, number="NC-2", issue_date=date(2026, 3, 6),
    ...                   amount=Money("61.01", "EUR"), previous=[first])
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: amount = Money('61.01', 'EUR'): expected at most 61.00 EUR: what is left of 7 after earlier credit notes
    """
    if not isinstance(original, (Invoice, Act, Receipt)):
        raise InvoicingError("original", original, "an issued Invoice, Act or Receipt")
    if original.number is None:
        raise InvoicingError(
            "original.number", None, "an issued document (a draft is not credited)"
        )
    day = _date("issue_date", issue_date)
    if day < original.issue_date:
        raise InvoicingError(
            "issue_date", day, f"a day on or after the original's ({original.issue_date})"
        )
    if lines is not None and amount is not None:
        raise InvoicingError("amount", amount, "None when lines are given")
    _policy(policy)
    cur = original.currency
    loc = original.locale if locale is None else locale
    made: list[DocumentLine] = []
    with decimal.localcontext(CONTEXT):
        per_line, per_group = _credited(previous, original)
        left_groups: dict[tuple[str, Decimal, TaxTreatment], list[Decimal]] = {}
        for group in original.tax_groups:
            used = per_group.get(group.key, [_ZERO, _ZERO, _ZERO])
            left_groups[group.key] = [
                group.net.amount - used[0],
                group.tax.amount - used[1],
                group.gross.amount - used[2],
            ]
        if amount is not None:
            made = _credit_amount(original, amount, left_groups, description, loc, policy)
        else:
            wanted = _wanted(original, lines)
            for pos, qty in wanted:
                line = original.lines[pos - 1]
                used = per_line.get(pos, [_ZERO, _ZERO, _ZERO, _ZERO])
                left = [
                    line.quantity - used[0],
                    line.net.amount - used[1],
                    line.tax.amount - used[2],
                    line.gross.amount - used[3],
                ]
                q = left[0] if qty is None else qty
                if lines is None and not any(left[1:]):
                    continue
                if q <= 0 or q > left[0] or (not any(left[1:]) and line.gross.amount):
                    raise InvoicingError(
                        f"lines[{pos}]",
                        _fmt(q),
                        f"a quantity above zero and at most {_fmt(left[0])}: "
                        f"what is left of line {pos} of {original.number}",
                    )
                net = _share(left[1], q, left[0], cur, policy)
                tax = _share(left[2], q, left[0], cur, policy)
                made.append(
                    DocumentLine(
                        position=len(made) + 1,
                        description=line.description,
                        quantity=q,
                        unit=line.unit,
                        unit_price=line.unit_price,
                        net=Money(net, cur),
                        tax_rate=line.tax_rate,
                        tax=Money(tax, cur),
                        gross=Money(net + tax, cur),
                        tax_category=line.tax_category,
                        treatment=line.treatment,
                        code=line.code,
                        explanation=line.explanation,
                        period=line.period,
                        corrects_line=pos,
                    )
                )
            # Per tax rate too: an earlier credit by amount may have used it.
            for key, lg in _sums(made).items():
                left = left_groups[key]
                for j, name in enumerate(("net", "tax", "gross")):
                    if abs(lg[j]) > abs(left[j]):
                        raise InvoicingError(
                            "lines",
                            sorted(pos for pos, _ in wanted),
                            f"at most {_fmt(left[j])} {cur.code} of {name} at "
                            f"{_pct(key[1])}%: what is left of {original.number}",
                        )
    if not made:
        raise InvoicingError(
            "original", original.number, "a document with something left to credit"
        )
    groups = _group(made, cur, lambda t: _note_like(original, t))
    return CreditNote(
        number=number,
        issue_date=day,
        seller=original.seller,
        buyer=original.buyer,
        currency=cur,
        locale=loc,
        lines=made,
        tax_groups=groups,
        totals=_totals(groups, cur),
        prices_include_tax=original.prices_include_tax,
        tax_rounding=original.tax_rounding,
        tax_date=original.tax_date or original.issue_date,
        period=original.period,
        notes=notes,
        payment=None,
        references=(),
        corrects=original.ref,
        reason=reason,
    )


def _note_like(original: _Billed, treatment: TaxTreatment) -> str:
    for group in original.tax_groups:
        if group.treatment is treatment:
            return group.note
    return ""  # pragma: no cover - credit lines come from the original's groups


def _sums(lines: Sequence[DocumentLine]) -> dict[tuple[str, Decimal, TaxTreatment], list[Decimal]]:
    sums: dict[tuple[str, Decimal, TaxTreatment], list[Decimal]] = {}
    for line in lines:
        acc = sums.setdefault((line.tax_category, line.tax_rate, line.treatment), [_ZERO] * 3)
        acc[0] += line.net.amount
        acc[1] += line.tax.amount
        acc[2] += line.gross.amount
    return sums


def _wanted(original: _Billed, lines: object) -> list[tuple[int, Decimal | None]]:
    count = len(original.lines)
    if lines is None:
        return [(pos, None) for pos in range(1, count + 1)]
    pairs: list[tuple[object, object]]
    if isinstance(lines, Mapping):
        pairs = list(lines.items())
    elif isinstance(lines, (str, bytes)) or not isinstance(lines, Iterable):
        raise InvoicingError("lines", lines, "line positions, or a mapping of position to quantity")
    else:
        pairs = [(pos, None) for pos in lines]
    if not pairs:
        raise InvoicingError("lines", lines, "at least one line position")
    result: list[tuple[int, Decimal | None]] = []
    for pos, qty in pairs:
        if isinstance(pos, bool) or not isinstance(pos, int) or not 1 <= pos <= count:
            raise InvoicingError("lines", pos, f"a line position from 1 to {count}")
        if any(p == pos for p, _ in result):
            raise InvoicingError("lines", pos, "each position once")
        result.append((pos, None if qty is None else to_decimal(qty, f"lines[{pos}]")))
    return result


def _credit_amount(
    original: _Billed,
    amount: Money,
    left: dict[tuple[str, Decimal, TaxTreatment], list[Decimal]],
    description: str | None,
    locale: str,
    policy: RoundingPolicy,
) -> list[DocumentLine]:
    cur = original.currency
    if not isinstance(amount, Money) or amount.currency != cur:
        raise InvoicingError("amount", amount, f"a Money in {cur.code}")
    if amount.amount <= 0 or policy.round(amount).amount != amount.amount:
        raise InvoicingError("amount", amount, "an amount above zero, in whole minor units")
    keys = [k for k, v in left.items() if v[2] > 0]
    available = sum((left[k][2] for k in keys), _ZERO)
    if amount.amount > available:
        raise InvoicingError(
            "amount",
            amount,
            f"at most {_fmt(available)} {cur.code}: what is left of {original.number} "
            "after earlier credit notes",
        )
    parts = allocate(amount, [left[k][2] for k in keys], policy)
    language = locale.split("_")[0]
    text = description or _PARTIAL.get(language, _PARTIAL["en"]).format(
        kind=type(original).__name__.lower(), number=original.number
    )
    made: list[DocumentLine] = []
    for key, part in zip(keys, parts, strict=True):
        if not part.amount:
            continue
        net_left, tax_left, gross_left = left[key]
        tax = _share(tax_left, part.amount, gross_left, cur, policy)
        net = part.amount - tax
        if net > net_left:  # pragma: no cover - cannot happen: see _share
            raise InvoicingError("amount", amount, f"at most {net_left} of net at {key[1]}")
        made.append(
            DocumentLine(
                position=len(made) + 1,
                description=text,
                quantity=_ONE,
                unit_price=Money(part.amount if original.prices_include_tax else net, cur),
                net=Money(net, cur),
                tax_rate=key[1],
                tax=Money(tax, cur),
                gross=part,
                tax_category=key[0],
                treatment=key[2],
                explanation=(
                    f"{_fmt(part.amount)} of {_fmt(gross_left)} {cur.code} left at {_pct(key[1])}%",
                ),
            )
        )
    return made


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
    policy: RoundingPolicy = DEFAULT_ROUNDING,
) -> Receipt:
    """The receipt of a payment of ``invoice``: all of it, or ``amount`` of
    it (tax included), the tax then taken in proportion from each rate.

    >>> seller = Party(kind="legal_entity", country="IT", name="Chat S.r.l.")
    >>> buyer = Party(kind="legal_entity", country="IT", name="Cliente S.p.A.")
    >>> inv = build_invoice([Item(description="Growth", unit_price=Money("100.00", "EUR"))],
    ...                     seller=seller, buyer=buyer, issue_date=date(2026, 3, 1), number="7",
    ...                     rules=None)
    >>> r = receipt_for(inv, number="Q-7", paid_on=date(2026, 3, 4), method="card")
    >>> r.totals.gross, r.references[0].number, r.paid_on
    (Money('122.00', 'EUR'), '7', datetime.date(2026, 3, 4))
    """
    if not isinstance(invoice, Invoice):
        raise InvoicingError("invoice", invoice, "an Invoice")
    if invoice.number is None:
        raise InvoicingError("invoice.number", None, "an issued invoice (with a number)")
    paid = _date("paid_on", paid_on)
    day = paid if issue_date is None else _date("issue_date", issue_date)
    cur = invoice.currency
    made: list[DocumentLine]
    if amount is None or (isinstance(amount, Money) and amount == invoice.totals.gross):
        made = list(invoice.lines)
    else:
        left = {g.key: [g.net.amount, g.tax.amount, g.gross.amount] for g in invoice.tax_groups}
        with decimal.localcontext(CONTEXT):
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
        totals=_totals(groups, cur),
        prices_include_tax=invoice.prices_include_tax,
        tax_rounding=invoice.tax_rounding,
        tax_date=invoice.tax_date or invoice.issue_date,
        period=invoice.period,
        notes=notes,
        payment=None,
        references=(invoice.ref,),
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


# --------------------------------------------------------------------------- reconciliation


def _zone(value: object) -> timezone | ZoneInfo:
    if value == "UTC":
        return timezone.utc
    if not isinstance(value, str) or not value:
        raise InvoicingError("timezone", value, "an IANA time zone name such as 'Europe/Moscow'")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvoicingError(
            "timezone", value, "an IANA time zone name such as 'Europe/Moscow'"
        ) from None


def build_reconciliation(
    ledger: Ledger,
    wallet: str | Sequence[str],
    *,
    period: Period,
    seller: Party,
    buyer: Party,
    issue_date: date,
    number: str | None = None,
    timezone: str = "UTC",
    locale: str = "en",
    notes: Sequence[str] | str = (),
    rules: PartyRules | None = DEFAULT_RULES,
) -> ReconciliationStatement:
    """A reconciliation statement of ``wallet`` (or several wallets of one
    currency) for ``period``, from the seller's side.

    The opening balance is what the buyer owed before the period's first day
    (in ``timezone``), the rows are the ledger's entries of the period in
    time order (a charge, refund, expiry or other debit of the wallet is a
    *debit*: the buyer owes more; a payment, bonus or other credit is a
    *credit*), and the closing balance is opening + debits - credits: the
    negative of the wallet's balance at the period's end. A positive balance
    is a debt of the buyer, a negative one a prepayment. Book due expiries
    (:meth:`~billkit.credit.Ledger.expire`) first to show them.

    >>> from datetime import datetime, timezone as tz
    >>> from billkit.credit import Wallet
    >>> t = lambda m, d: datetime(2024, m, d, 12, tzinfo=tz.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    >>> ledger = ledger.top_up("main", "500.00", at=t(1, 10), key="p1", reference="pfx/5600")
    >>> ledger = ledger.charge("main", "120.00", at=t(1, 20), key="c1", description="VPS-1")
    >>> ledger = ledger.top_up("main", "100.00", at=t(2, 3), key="p2", reference="pfx/5635")
    >>> ledger = ledger.charge("main", "22.4137", at=t(2, 21), key="4839", description="BACKUP-1000")
    >>> st = build_reconciliation(ledger, "main", period=Period(date(2024, 2, 1), date(2024, 3, 1)),
    ...                           seller=Party(kind="legal_entity", country="RU", name="Хостинг"),
    ...                           buyer=Party(kind="individual", country="RU", name="Аня"),
    ...                           issue_date=date(2024, 3, 1), rules=None)
    >>> st.opening_balance, st.debit_total, st.credit_total, st.closing_balance
    (Money('-380.00', 'RUB'), Money('22.4137', 'RUB'), Money('100.00', 'RUB'), Money('-457.5863', 'RUB'))
    >>> ledger.balance("main")   # the prepayment the statement shows, seen from the wallet
    Money('457.5863', 'RUB')
    """
    if not isinstance(ledger, Ledger):
        raise InvoicingError("ledger", ledger, "a Ledger")
    names = (wallet,) if isinstance(wallet, str) else tuple(wallet)
    if not names:
        raise InvoicingError("wallet", wallet, "a wallet name, or several")
    currencies = {ledger.wallet(name).currency for name in names}
    if len(currencies) != 1:
        raise InvoicingError(
            "wallet", list(names), "wallets of one currency (a statement has one currency)"
        )
    (cur,) = currencies
    if not isinstance(period, Period):
        raise InvoicingError("period", period, "a Period")
    _party("seller", seller, rules)
    _party("buyer", buyer, rules)
    tz = _zone(timezone)
    opening = _ZERO
    debits = _ZERO
    credits = _ZERO
    rows: list[tuple[datetime, int, ReconciliationRow]] = []
    wanted = set(names)
    with decimal.localcontext(CONTEXT):
        for index, entry in enumerate(ledger.entries):
            if entry.wallet not in wanted:
                continue
            day = entry.at.astimezone(tz).date()
            amount = entry.amount.amount
            if day < period.start:
                opening -= amount
                continue
            if day >= period.end:
                continue
            debit = -amount if amount < 0 else _ZERO
            credit = amount if amount > 0 else _ZERO
            debits += debit
            credits += credit
            rows.append(
                (
                    entry.at,
                    index,
                    ReconciliationRow(
                        on=day,
                        description=entry.description,
                        debit=Money(debit, cur),
                        credit=Money(credit, cur),
                        reference=entry.reference,
                        entry_kind=entry.kind.value,
                        key=entry.key,
                    ),
                )
            )
        rows.sort(key=lambda item: (item[0], item[1]))
        closing = opening + debits - credits
    return ReconciliationStatement(
        number=number,
        issue_date=_date("issue_date", issue_date),
        seller=seller,
        buyer=buyer,
        currency=cur,
        locale=locale,
        period=period,
        opening_balance=Money(opening, cur),
        rows=[row for _, _, row in rows],
        debit_total=Money(debits, cur),
        credit_total=Money(credits, cur),
        closing_balance=Money(closing, cur),
        notes=notes,
    )
